package stats

import (
	"errors"
	"testing"

	"guanai/internal/region"
)

func TestCrossTabAgreesWithStandardTables(t *testing.T) {
	rs := testPopulation(t)
	q := Query{AsOf: genDate, Region: "150300"}
	rep, err := Compute(Records(rs), q)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rows, cols string
		pop        string
		key        string
		transpose  bool
	}{
		{"sex", "type", "", "sex", false},
		{"age5", "type", "", "age5", false},
		{"type", "age5", "", "age5", true},
		{"region", "type", "", "division", false},
		{"hukou", "migrant_scope", PopMigrant, "origin_province", false},
		{"family_hardship", "scope", "", "family_hardship", false},
		{"key_care_reason", "region", PopKeyCare, "key_care_reason", false},
		{"disability_category", "disability_grade", PopDisabled, "disability", false},
	}
	for _, tc := range tests {
		t.Run(tc.rows+"×"+tc.cols, func(t *testing.T) {
			qq := q
			qq.Population = tc.pop
			level := region.Level(0)
			if tc.rows == "hukou" {
				level = region.Province
			}
			got, err := CrossTab(Records(rs), qq, tc.rows, tc.cols, level)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, got)
			want := rep.Table(tc.key)
			if tc.transpose {
				want = want.transpose()
			}
			if !sameCounts(got, want) {
				t.Fatalf("cross-tab %s × %s differs from table %s\n got %v %v %v\nwant %v %v %v", tc.rows, tc.cols, tc.key,
					got.Cells, got.RowTotals, got.ColumnTotals, want.Cells, want.RowTotals, want.ColumnTotals)
			}
		})
	}
}

// sameCounts compares the headings and counts of two tables.
func sameCounts(a, b *Table) bool {
	if a.NumRows() != b.NumRows() || a.NumCols() != b.NumCols() || a.HasTotal() != b.HasTotal() || a.Total != b.Total {
		return false
	}
	for i, c := range a.Rows.Categories {
		if c.Code != b.Rows.Categories[i].Code {
			return false
		}
	}
	for j, c := range a.Columns.Categories {
		if c.Code != b.Columns.Categories[j].Code {
			return false
		}
	}
	m, n := a.NumRows(), a.NumCols()
	for r := 0; r <= m; r++ {
		for c := 0; c <= n; c++ {
			va, oka := a.at(pos{r, c})
			vb, okb := b.at(pos{r, c})
			if oka != okb || va != vb {
				return false
			}
		}
	}
	return true
}

func TestCrossTabPercentagesAndFlows(t *testing.T) {
	rs := testPopulation(t)
	tb, err := CrossTab(Records(rs), Query{AsOf: genDate, Region: "150302"}, "sex", "age3", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tb.NumRows() {
		sum := 0.0
		for j := range tb.NumCols() {
			want := float64(tb.Cells[i][j]) * 100 / float64(tb.RowTotals[i])
			if d := tb.RowPercent[i][j] - want; d > 0.006 || d < -0.006 {
				t.Fatalf("row percent %v, want %v", tb.RowPercent[i][j], want)
			}
			sum += tb.RowPercent[i][j]
		}
		if sum < 99.9 || sum > 100.1 {
			t.Fatalf("row %d percentages sum to %v", i, sum)
		}
	}
	// Migration flows of migrant children: hukou county × residence county. Every residence is
	// in the district; the hukou counties are wherever the children come from.
	flows, err := CrossTab(Records(rs), Query{AsOf: genDate, Region: "150302", Population: PopMigrant}, "hukou", "residence", region.County)
	if err != nil {
		t.Fatal(err)
	}
	if flows.NumCols() != 1 || flows.Columns.Categories[0].Code != "150302" || flows.NumRows() < 10 {
		t.Fatalf("flows %d × %d, columns %v", flows.NumRows(), flows.NumCols(), flows.Columns.Categories)
	}
	checkInvariants(t, flows)
	// Whole database, default level: one level below the common division (乌海市 → districts).
	all, err := CrossTab(Records(rs), Query{AsOf: genDate}, "region", "sex", 0)
	if err != nil {
		t.Fatal(err)
	}
	if all.NumRows() != 3 || all.Rows.Categories[0].Code != "150302" {
		t.Fatalf("rows %v", all.Rows.Categories)
	}
	// Village level under a district: every village, with or without children.
	vill, err := CrossTab(Records(rs), Query{AsOf: genDate, Region: "150303"}, "region", "sex", region.Village)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tw := range region.Default().Children("150303") {
		n += len(region.Default().Children(tw.Code))
	}
	if vill.NumRows() != n {
		t.Fatalf("%d village rows, want %d", vill.NumRows(), n)
	}
	// Records population: everybody with an address in the region, in or out of scope.
	recs, err := CrossTab(Records(rs), Query{AsOf: genDate, Population: PopRecords}, "scope", "status", 0)
	if err != nil {
		t.Fatal(err)
	}
	if recs.Total != int64(len(rs)) {
		t.Fatalf("records cross-tab total %d, want %d", recs.Total, len(rs))
	}
}

func TestCrossTabErrors(t *testing.T) {
	src := Records(testPopulation(t)[:10])
	tests := []struct {
		name       string
		q          Query
		rows, cols string
		level      region.Level
	}{
		{"unknown dimension", Query{AsOf: genDate}, "sex", "shoe_size", 0},
		{"same dimension", Query{AsOf: genDate}, "sex", "sex", 0},
		{"bad level", Query{AsOf: genDate}, "region", "sex", 9},
		{"unknown population", Query{AsOf: genDate, Population: "adults"}, "region", "sex", 0},
		{"no date", Query{}, "region", "sex", 0},
	}
	for _, tc := range tests {
		if _, err := CrossTab(src, tc.q, tc.rows, tc.cols, tc.level); !errors.Is(err, ErrQuery) {
			t.Errorf("%s: err = %v, want ErrQuery", tc.name, err)
		}
	}
	if len(Dimensions()) != len(dimOrder) {
		t.Fatal("a registered dimension does not build")
	}
	for _, d := range Dimensions() {
		if d.Title == "" || !d.Kind.valid() {
			t.Fatalf("dimension %+v", d)
		}
	}
}
