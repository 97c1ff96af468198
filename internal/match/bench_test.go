package match_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"guanai/internal/match"
	"guanai/internal/match/synth"
)

// Benchmarks. The large ones read CSV files written by synthgen:
//
//	go run ./internal/match/synth/synthgen -n 1000000 -out /tmp/m1000000
//	GUANAI_BENCH_DIRS=/tmp/m100000,/tmp/m300000,/tmp/m1000000 \
//	    go test ./internal/match -run '^$' -bench 'LinkFiles|IndexMatch' -benchtime 1x
//
// Without the variable they run on a small in-memory data set.

func benchDirs(b *testing.B) []string {
	v := os.Getenv("GUANAI_BENCH_DIRS")
	if v == "" {
		b.Skip("set GUANAI_BENCH_DIRS to directories made by go run ./internal/match/synth/synthgen")
	}
	return strings.Split(v, ",")
}

// BenchmarkLinkFiles links CSV files end to end: reading, indexing, estimating, matching,
// writing the output.
func BenchmarkLinkFiles(b *testing.B) {
	for _, dir := range benchDirs(b) {
		b.Run(filepath.Base(dir), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				st, err := match.LinkFiles(context.Background(), match.FileJob{Left: filepath.Join(dir, "left.csv"),
					Right: filepath.Join(dir, "right.csv")}, io.Discard, nil, match.Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(st.Comparisons)/float64(st.Right), "cmp/rec")
				b.ReportMetric(st.Elapsed.Seconds(), "s/link")
			}
		})
	}
}

// BenchmarkLinkSynthetic links an in-memory synthetic pair (no files needed).
func BenchmarkLinkSynthetic(b *testing.B) {
	ds := synth.Generate(synth.Default(20000, 7))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		match.Link(ds.Left, ds.Right, match.Options{})
	}
}

// BenchmarkIndexMatch matches roster records one at a time against an index of the registry
// (the incremental case) and reports the latency percentiles.
func BenchmarkIndexMatch(b *testing.B) {
	dirs := []string{""}
	if v := os.Getenv("GUANAI_BENCH_DIRS"); v != "" {
		dirs = strings.Split(v, ",")
	}
	for _, dir := range dirs {
		name := "synthetic20k"
		var ix *match.Index
		var right []match.Person
		if dir == "" {
			ds := synth.Generate(synth.Default(20000, 8))
			ix = match.NewIndex(ds.Left, match.Options{})
			right = ds.Right
		} else {
			name = filepath.Base(dir)
			f, err := os.Open(filepath.Join(dir, "left.csv"))
			if err != nil {
				b.Fatal(err)
			}
			ix, _, err = match.NewIndexCSV(f, match.Options{})
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			g, err := os.Open(filepath.Join(dir, "right.csv"))
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			match.ReadCSVFunc(g, func(p match.Person) error {
				if n++; n <= 20000 {
					right = append(right, p)
				}
				return nil
			})
			g.Close()
		}
		b.Run(name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				ix.Match(right[i%len(right)])
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
