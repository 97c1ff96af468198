package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/region"
	"guanai/internal/sheet"
)

// TestStatsAgreesWithClassify writes 10,000 synthetic children as a workbook, imports it with the
// binary, and checks that guanai stats counts exactly what guanai classify says of the same
// records, as of two dates: the totals of the whole database, and child by child the totals and
// the districts of 乌海市 where each child counts (migrant children at their residence,
// left-behind children at their hukou, key care at the residence of a migrant child).
func TestStatsAgreesWithClassify(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	today := child.NewDate(2025, 6, 30)
	g := demo.New(3, today)
	const n = 10000
	recs := make([]child.Record, n)
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
	if out, stderr, code := run(t, nil, "import", "children", book, "--db", db, "--quiet"); code != 0 || !bytes.Contains(out, []byte(`"imported":10000`)) {
		t.Fatalf("import: %s %s", out, stderr)
	}
	for _, asOf := range []string{"2025-06-30", "2026-03-01"} {
		out, stderr, code := run(t, jsonl.Bytes(), "classify", "--as-of", asOf)
		if code != 0 {
			t.Fatalf("classify: %s", stderr)
		}
		want := map[string]int{}
		city := map[string]int{}          // totals of --region 150300
		byDistrict := map[string][4]int{} // county code → the four counts
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l classifyLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatal(err)
			}
			want["records"]++
			placeCity(recs[l.Line-1], l, city, byDistrict)
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
		out, stderr, code = run(t, nil, "stats", "--db", db, "--as-of", asOf, "--region", "150300")
		if code != 0 {
			t.Fatalf("stats --region 150300: %s", stderr)
		}
		var crep struct {
			Totals   map[string]int `json:"totals"`
			ByRegion []struct {
				RegionCode        string `json:"region_code"`
				MigrantMonitoring int    `json:"migrant_monitoring"`
				MigrantStatistics int    `json:"migrant_statistics"`
				LeftBehind        int    `json:"left_behind"`
				KeyCare           int    `json:"key_care"`
			} `json:"by_region"`
		}
		if err := json.Unmarshal(out, &crep); err != nil {
			t.Fatal(err)
		}
		for k, v := range city {
			if crep.Totals[k] != v {
				t.Errorf("as of %s, 150300: stats %s = %d, classify child by child says %d", asOf, k, crep.Totals[k], v)
			}
		}
		if len(crep.ByRegion) != 3 {
			t.Errorf("as of %s: by_region has %d rows, want the 3 districts", asOf, len(crep.ByRegion))
		}
		for _, br := range crep.ByRegion {
			got := [4]int{br.MigrantMonitoring, br.MigrantStatistics, br.LeftBehind, br.KeyCare}
			if got != byDistrict[br.RegionCode] {
				t.Errorf("as of %s, %s: stats %v, classify child by child says %v", asOf, br.RegionCode, got, byDistrict[br.RegionCode])
			}
		}
		if city["migrant_monitoring"] == 0 || city["left_behind"] == 0 || city["key_care"] == 0 {
			t.Errorf("as of %s: the population lacks a kind of child: %v", asOf, city)
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

// placeCity counts one child, classified by guanai classify, where CONTRACT.md places it in
// 乌海市: migrant children at their residence, left-behind children at their hukou, key-care
// children at their residence when migrant (statistics scope), else at their hukou.
func placeCity(r child.Record, l classifyLine, tot map[string]int, byCounty map[string][4]int) {
	in := func(code string) (string, bool) {
		c, ok := region.Normalize(code)
		if !ok || !strings.HasPrefix(c, "1503") {
			return "", false
		}
		return region.CountyOf(c), true
	}
	res, resIn := in(r.ResidenceAddr.Region())
	huk, hukIn := in(r.HukouAddress.Region())
	if resIn || hukIn {
		tot["records"]++
	}
	add := func(k string, i int, county string) {
		tot[k]++
		c := byCounty[county]
		c[i]++
		byCounty[county] = c
	}
	if l.MigrantMonitoring == "yes" && resIn {
		add("migrant_monitoring", 0, res)
	}
	if l.MigrantStatistics == "yes" && resIn {
		add("migrant_statistics", 1, res)
	}
	if l.LeftBehind == "yes" && hukIn {
		add("left_behind", 2, huk)
	}
	if l.KeyCare == "yes" {
		if l.MigrantStatistics == "yes" {
			if resIn {
				add("key_care", 3, res)
			}
		} else if hukIn {
			add("key_care", 3, huk)
		}
	}
}

// TestStatsSnapshotCommand takes a month's snapshot by hand with the binary, and refuses months
// not yet over and malformed ones.
func TestStatsSnapshotCommand(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	g := demo.New(5, child.NewDate(2025, 6, 30))
	recs := make([]child.Record, 120)
	for i := range recs {
		recs[i] = g.Child()
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
	if out, stderr, code := run(t, nil, "import", "children", book, "--db", db, "--quiet"); code != 0 {
		t.Fatalf("import: %s %s", out, stderr)
	}
	out, stderr, code := run(t, nil, "stats", "snapshot", "--db", db, "--month", "2025-05")
	if code != 0 {
		t.Fatalf("stats snapshot: %d %s", code, stderr)
	}
	var res struct {
		Month   string `json:"month"`
		Regions int    `json:"regions"`
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Month != "2025-05" || res.Regions < 5 {
		t.Errorf("stats snapshot: %s (%v)", out, err)
	}
	for _, args := range [][]string{{"--month", "2025-5"}, {"--month", "2999-01"}, {"extra"}} {
		_, stderr, code := run(t, nil, append([]string{"stats", "snapshot", "--db", db}, args...)...)
		if code != 2 || !regexp.MustCompile(`\p{Han}`).Match(stderr) {
			t.Errorf("stats snapshot %v: exit %d, %s", args, code, stderr)
		}
	}
}
