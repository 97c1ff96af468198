package match

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkBuildIndex builds the index (term frequencies and blocking table) over the left file
// of the first GUANAI_BENCH_DIRS directory, already read and normalised.
func BenchmarkBuildIndex(b *testing.B) {
	dirs := os.Getenv("GUANAI_BENCH_DIRS")
	if dirs == "" {
		b.Skip("set GUANAI_BENCH_DIRS")
	}
	f, err := os.Open(filepath.Join(strings.Split(dirs, ",")[0], "left.csv"))
	if err != nil {
		b.Fatal(err)
	}
	recs, refs, _, err := loadRecs(f, 2, 0)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{}.withDefaults()
	p := DefaultParams()
	opts.Params = &p
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		newIndex(recs, refs, opts)
	}
}

// BenchmarkLoadRecs reads and normalises the left file of the first GUANAI_BENCH_DIRS
// directory.
func BenchmarkLoadRecs(b *testing.B) {
	dirs := os.Getenv("GUANAI_BENCH_DIRS")
	if dirs == "" {
		b.Skip("set GUANAI_BENCH_DIRS")
	}
	data, err := os.ReadFile(filepath.Join(strings.Split(dirs, ",")[0], "left.csv"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, _, err := loadRecs(bytes.NewReader(data), 2, len(data)/50); err != nil {
			b.Fatal(err)
		}
	}
}
