// Command synthgen writes a synthetic registry/roster pair (package synth) as CSV files, with
// the truth as a third file (right_ref,left_ref), for timing `guanai match` and for the
// PostgreSQL comparison in docs/BENCHMARKS.md. With -eval it scores a `guanai match` output
// against the truth instead.
//
//	go run ./internal/match/synth/synthgen -n 1000000 -seed 1 -out /tmp/m1m
//	go run ./internal/match/synth/synthgen -eval /tmp/m1m/matches.csv -out /tmp/m1m
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"guanai/internal/match"
	"guanai/internal/match/synth"
)

func main() {
	n := flag.Int("n", 100000, "registry and roster size")
	seed := flag.Uint64("seed", 1, "random seed")
	idShare := flag.Float64("id-share", 0.9, "share of roster records with an identity number")
	out := flag.String("out", ".", "output directory")
	eval := flag.String("eval", "", "score this left_ref,right_ref,… file against the truth in -out")
	flag.Parse()
	if *eval != "" {
		evaluate(*eval, *out)
		return
	}
	cfg := synth.Default(*n, *seed)
	cfg.IDShare = *idShare
	ds := synth.Generate(cfg)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	write := func(name string, fn func(*bufio.Writer) error) {
		f, err := os.Create(filepath.Join(*out, name))
		if err != nil {
			fail(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		if err := fn(w); err != nil {
			fail(err)
		}
		if err := w.Flush(); err != nil {
			fail(err)
		}
		if err := f.Close(); err != nil {
			fail(err)
		}
	}
	write("left.csv", func(w *bufio.Writer) error { return synth.WriteCSV(w, ds.Left) })
	write("right.csv", func(w *bufio.Writer) error { return synth.WriteCSV(w, ds.Right) })
	write("truth.csv", func(w *bufio.Writer) error {
		refs := make([]string, 0, len(ds.Truth))
		for r := range ds.Truth {
			refs = append(refs, r)
		}
		sort.Strings(refs)
		fmt.Fprintln(w, "right_ref,left_ref")
		for _, r := range refs {
			fmt.Fprintf(w, "%s,%s\n", r, ds.Truth[r])
		}
		return nil
	})
}

func readCSV(path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
	if err != nil {
		fail(err)
	}
	return rows[1:]
}

func evaluate(matches, dir string) {
	ds := &synth.Dataset{Truth: map[string]string{}}
	for _, row := range readCSV(filepath.Join(dir, "truth.csv")) {
		ds.Truth[row[0]] = row[1]
	}
	f, err := os.Open(filepath.Join(dir, "right.csv"))
	if err != nil {
		fail(err)
	}
	ds.Right, _, err = match.ReadCSV(f)
	f.Close()
	if err != nil {
		fail(err)
	}
	var links []synth.Link
	for _, row := range readCSV(matches) {
		links = append(links, synth.Link{Left: row[0], Right: row[1]})
	}
	all, noID := ds.Evaluate(links)
	fmt.Println("all:       ", all)
	fmt.Println("without ID:", noID)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "synthgen:", err)
	os.Exit(1)
}
