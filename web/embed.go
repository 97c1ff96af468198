// Package webui holds the built web user interface (Vue 3, Element Plus; sources beside this
// file, built by Vite into dist) so that the one guanai binary serves it. Before the first build
// dist holds only a placeholder, and Files reports that the interface is missing.
package webui

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Files returns the built interface: index.html at the root, hashed assets under assets/.
func Files() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path; "dist" is valid.
		panic(err)
	}
	return sub
}
