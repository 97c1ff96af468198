package region

import (
	_ "embed"
	"sync"
)

// embedded is the division table written by scripts/genregions
// (`make regions`).
//
//go:embed divisions.bin
var embedded []byte

var (
	defaultOnce  sync.Once
	defaultTable *Table
	defaultErr   error
)

// Default returns the embedded national division table, decoded on first use
// and shared; it is safe for concurrent use. Levels 1..4 are decoded at once,
// the village level on first need (a 12-digit lookup, children of a township,
// resolving a village name). If the embedded file could not be decoded,
// Default returns an empty table and DefaultErr reports why.
func Default() *Table {
	defaultOnce.Do(func() {
		defaultTable, defaultErr = decode(embedded)
		if defaultErr != nil {
			defaultTable = &Table{childStart: []int32{0}}
		}
	})
	return defaultTable
}

// DefaultErr returns the error met decoding the embedded table, if any.
func DefaultErr() error {
	Default()
	if defaultErr != nil {
		return defaultErr
	}
	if t := defaultTable; t.villages() == nil {
		return t.villErr
	}
	return nil
}
