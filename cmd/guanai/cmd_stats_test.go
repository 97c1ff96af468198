package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/sheet"
)

// TestStatsAgreesWithClassify writes synthetic children as a workbook, imports it with the
// binary, and checks that guanai stats counts exactly what guanai classify says of the same
// records, as of two dates.
func TestStatsAgreesWithClassify(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	today := child.NewDate(2025, 6, 30)
	g := demo.New(3, today)
	recs := make([]child.Record, 400)
	var jsonl bytes.Buffer
	for i := range recs {
		recs[i] = g.Child()
		recs[i].Ref = ""
		b, _ := json.Marshal(recs[i])
		jsonl.Write(b)
		jsonl.WriteByte('\n')
	}
	book := filepath.Join(dir, "demo.xlsx")
	f, err := os.Create(book)
	if err != nil {
		t.Fatal(err)
	}
	if err := sheet.WriteChildren(f, slices.Values(recs), sheet.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if out, stderr, code := run(t, nil, "import", "children", book, "--db", db, "--quiet"); code != 0 || !bytes.Contains(out, []byte(`"imported":400`)) {
		t.Fatalf("import: %s %s", out, stderr)
	}
	for _, asOf := range []string{"2025-06-30", "2026-03-01"} {
		out, stderr, code := run(t, jsonl.Bytes(), "classify", "--as-of", asOf)
		if code != 0 {
			t.Fatalf("classify: %s", stderr)
		}
		want := map[string]int{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l classifyLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatal(err)
			}
			want["records"]++
			for k, v := range map[string]string{"migrant_monitoring": l.MigrantMonitoring, "migrant_statistics": l.MigrantStatistics, "left_behind": l.LeftBehind, "key_care": l.KeyCare} {
				if v == "yes" {
					want[k]++
				}
			}
		}
		out, stderr, code = run(t, nil, "stats", "--db", db, "--as-of", asOf)
		if code != 0 {
			t.Fatalf("stats: %s", stderr)
		}
		var rep struct {
			AsOf   string         `json:"as_of"`
			Totals map[string]int `json:"totals"`
		}
		if err := json.Unmarshal(out, &rep); err != nil {
			t.Fatalf("stats output: %v\n%s", err, out)
		}
		if rep.AsOf != asOf {
			t.Errorf("as_of %s, want %s", rep.AsOf, asOf)
		}
		for k, v := range want {
			if rep.Totals[k] != v {
				t.Errorf("as of %s: stats %s = %d, classify says %d", asOf, k, rep.Totals[k], v)
			}
		}
	}
	// xlsx output, and usage errors.
	xlsx := filepath.Join(dir, "stats.xlsx")
	if _, stderr, code := run(t, nil, "stats", "--db", db, "--format", "xlsx", "--out", xlsx, "--region", "150302"); code != 0 {
		t.Fatalf("stats xlsx: %s", stderr)
	}
	if fi, err := os.Stat(xlsx); err != nil || fi.Size() < 1000 {
		t.Errorf("stats xlsx file: %v", err)
	}
	for _, args := range [][]string{{"stats", "--format", "pdf"}, {"stats", "--region", "999999"}, {"stats", "--as-of", "2025-13-01"}} {
		if _, _, code := run(t, nil, append(args, "--db", db)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
