package web

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"sort"
)

// openapi.json describes the API; each feature may add its own paths in a file of openapi.d
// (a JSON object {"paths": {...}}), merged into the document at start-up, so that features do
// not all edit one file. A test checks that every route is in the merged document.
//
//go:embed openapi.json openapi.d
var openapiFiles embed.FS

// openapiDoc is the merged document.
var openapiDoc = mergeOpenAPI()

func mergeOpenAPI() []byte {
	base, err := openapiFiles.ReadFile("openapi.json")
	if err != nil {
		panic(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		panic("openapi.json: " + err.Error())
	}
	paths, _ := doc["paths"].(map[string]any)
	if paths == nil {
		paths = map[string]any{}
	}
	names, _ := fs.Glob(openapiFiles, "openapi.d/*.json")
	sort.Strings(names)
	for _, name := range names {
		b, err := openapiFiles.ReadFile(name)
		if err != nil {
			panic(err)
		}
		var part struct {
			Paths map[string]map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(b, &part); err != nil {
			panic(name + ": " + err.Error())
		}
		for p, ops := range part.Paths {
			have, _ := paths[p].(map[string]any)
			if have == nil {
				have = map[string]any{}
			}
			for m, op := range ops {
				have[m] = op
			}
			paths[p] = have
		}
	}
	doc["paths"] = paths
	out, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		panic(err)
	}
	return out
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openapiDoc)
}
