package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/region"
	"guanai/internal/rules"
)

// genDate is the date the test population is generated for.
var genDate = child.NewDate(2025, 6, 30)

var (
	popOnce sync.Once
	popRecs []child.Record
)

// testPopulation returns 12,000 synthetic Wuhai children (generated once per test binary).
func testPopulation(t testing.TB) []child.Record {
	t.Helper()
	popOnce.Do(func() {
		g := demo.New(20250630, genDate)
		popRecs = make([]child.Record, 12000)
		for i := range popRecs {
			popRecs[i] = g.Child()
		}
	})
	return popRecs
}

// expected counts a population independently of the engine: straight from rules.Classify, child
// by child, with plain prefix tests on the raw codes (the demo writes natural codes).
type expected struct {
	records, mm, ms, lb, kc, union, both int64
	byRegion                             map[string]*[4]int64
}

func countByHand(rs []child.Record, asOf child.Date, prefix string, rowLen int) expected {
	cfg := rules.DefaultConfig()
	w := expected{byRegion: map[string]*[4]int64{}}
	row := func(code string) *[4]int64 {
		k := Unknown
		if len(code) >= rowLen {
			k = code[:rowLen]
		}
		if w.byRegion[k] == nil {
			w.byRegion[k] = &[4]int64{}
		}
		return w.byRegion[k]
	}
	for i := range rs {
		r := &rs[i]
		res := rules.Classify(r, asOf, &cfg)
		resid, hukou := r.ResidenceAddr.Region(), r.HukouAddress.Region()
		inR, inH := strings.HasPrefix(resid, prefix), strings.HasPrefix(hukou, prefix)
		if !inR && !inH {
			continue
		}
		w.records++
		m := res.MigrantMonitoring == rules.Yes && inR
		s := res.MigrantStatistics == rules.Yes && inR
		l := res.LeftBehind == rules.Yes && inH
		if m {
			w.mm++
			row(resid)[0]++
		}
		if s {
			w.ms++
			row(resid)[1]++
		}
		if l {
			w.lb++
			row(hukou)[2]++
		}
		if s || l {
			w.union++
		}
		if s && l {
			w.both++
		}
		if res.KeyCare == rules.Yes {
			place := hukou
			if res.MigrantStatistics == rules.Yes {
				place = resid
			}
			if strings.HasPrefix(place, prefix) {
				w.kc++
				row(place)[3]++
			}
		}
	}
	return w
}

func TestComputeMatchesClassification(t *testing.T) {
	rs := testPopulation(t)
	tests := []struct {
		name   string
		asOf   child.Date
		region string
		prefix string
		rowLen int
		level  string
	}{
		{"whole database, generation date", genDate, "", "1503", 6, "county"},
		{"whole database, half a year earlier", child.NewDate(2024, 12, 31), "", "1503", 6, "county"},
		{"city given as 150300", child.NewDate(2024, 12, 31), "150300", "1503", 6, "county"},
		{"district 海勃湾区", genDate, "150302", "150302", 9, "township"},
		{"district 乌达区, earlier date", child.NewDate(2024, 12, 31), "150304", "150304", 9, "township"},
		{"township 凤凰岭街道", genDate, "150302001", "150302001", 12, "village"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Compute(Records(rs), Query{AsOf: tc.asOf, Region: tc.region})
			if err != nil {
				t.Fatal(err)
			}
			w := countByHand(rs, tc.asOf, tc.prefix, tc.rowLen)
			got := *rep.Totals
			want := Totals{Records: w.records, Counts: Counts{w.mm, w.ms, w.lb, w.kc}}
			if tc.region == "" {
				want.Records = int64(len(rs)) // every record, whatever its addresses
			}
			if got != want {
				t.Fatalf("totals = %+v, want %+v", got, want)
			}
			if w.mm == 0 || w.lb == 0 || w.kc == 0 {
				t.Fatalf("population too thin for the test: %+v", want)
			}
			if rep.AsOf != tc.asOf.String() || rep.Region != DisplayCode(tc.prefix) || rep.ByRegionLevel != tc.level {
				t.Fatalf("as_of %s region %s level %s, want %s %s %s", rep.AsOf, rep.Region, rep.ByRegionLevel, tc.asOf, DisplayCode(tc.prefix), tc.level)
			}
			// by_region: one row per division one level below, zero rows included, sorted,
			// each equal to the hand count; rows plus the unplaced sum to the totals.
			divs := region.Default().Children(tc.prefix)
			if len(rep.ByRegion) != len(divs) {
				t.Fatalf("by_region has %d rows, the region has %d divisions", len(rep.ByRegion), len(divs))
			}
			sum := *rep.ByRegionUnplaced
			for i, row := range rep.ByRegion {
				if row.RegionCode != DisplayCode(divs[i].Code) || row.RegionName != divs[i].Name {
					t.Fatalf("row %d = %s %s, want %s %s", i, row.RegionCode, row.RegionName, divs[i].Code, divs[i].Name)
				}
				h := w.byRegion[divs[i].Code]
				if h == nil {
					h = &[4]int64{}
				}
				if c := row.Counts; c != (Counts{h[0], h[1], h[2], h[3]}) {
					t.Fatalf("row %s = %+v, want %v", row.RegionCode, c, *h)
				}
				sum = addCounts(sum, row.Counts)
			}
			if sum != rep.Totals.Counts {
				t.Fatalf("by_region + unplaced = %+v, totals %+v", sum, rep.Totals.Counts)
			}
			// The type table counts each child once in its total.
			ty := rep.Table("type")
			if ty.ColumnTotals[0] != w.union || ty.Cells[3][0] != w.both || ty.Cells[0][0] != w.mm || ty.Cells[1][0] != w.ms-w.mm || ty.Cells[2][0] != w.lb {
				t.Fatalf("type table %v total %v, want M %d So %d L %d B %d union %d", ty.Cells, ty.ColumnTotals, w.mm, w.ms-w.mm, w.lb, w.both, w.union)
			}
			for _, k := range rep.TableOrder {
				checkInvariants(t, rep.Table(k))
			}
			checkLinked(t, rep, w)
		})
	}
}

// checkInvariants asserts the structure Suppress relies on: every line of every table obeys
// its axis kind.
func checkInvariants(t *testing.T, tb *Table) {
	t.Helper()
	if err := tb.check(); err != nil {
		t.Fatal(err)
	}
	m, n := tb.NumRows(), tb.NumCols()
	line := func(kind AxisKind, cats []Category, vals []int64, total int64, where string) {
		switch kind {
		case Partition:
			var s int64
			for _, v := range vals {
				s += v
			}
			if s != total {
				t.Fatalf("%s %s: cells sum to %d, total %d", tb.Key, where, s, total)
			}
		case Types:
			if total != vals[0]+vals[1]+vals[2]-vals[3] || vals[3] > vals[2] || vals[3] > vals[0]+vals[1] {
				t.Fatalf("%s %s: type counts %v do not fit total %d", tb.Key, where, vals, total)
			}
		case Set:
			var excl, sum, most int64
			for k, v := range vals {
				if cats[k].Exclusive {
					excl += v
				} else {
					sum += v
					most = max(most, v)
				}
			}
			if total < excl+most || total > excl+sum {
				t.Fatalf("%s %s: set counts %v do not fit total %d", tb.Key, where, vals, total)
			}
		}
	}
	for r := 0; r <= m; r++ {
		if r == m && tb.ColumnTotals == nil || tb.RowTotals == nil {
			continue
		}
		vals := make([]int64, n)
		for c := range n {
			vals[c], _ = tb.at(pos{r, c})
		}
		tot, _ := tb.at(pos{r, n})
		line(tb.Columns.Kind, tb.Columns.Categories, vals, tot, fmt.Sprint("row ", r))
	}
	for c := 0; c <= n; c++ {
		if c == n && tb.RowTotals == nil || tb.ColumnTotals == nil {
			continue
		}
		vals := make([]int64, m)
		for r := range m {
			vals[r], _ = tb.at(pos{r, c})
		}
		tot, _ := tb.at(pos{m, c})
		line(tb.Rows.Kind, tb.Rows.Categories, vals, tot, fmt.Sprint("column ", c))
	}
}

// checkLinked asserts that the tables agree with the totals where they count the same children.
func checkLinked(t *testing.T, rep *Report, w expected) {
	t.Helper()
	for _, k := range []string{"sex", "age5", "age3", "ethnicity", "school_stage", "study_status", "schooling", "medical_insurance", "guardianship_quality", "guardianship_issue"} {
		tb := rep.Table(k)
		if tb.Total != w.union || tb.ColumnTotals[0] != w.mm || tb.ColumnTotals[2] != w.lb || tb.ColumnTotals[3] != w.both {
			t.Fatalf("%s: totals %v / %d, want M %d L %d B %d union %d", k, tb.ColumnTotals, tb.Total, w.mm, w.lb, w.both, w.union)
		}
	}
	for _, k := range []string{"family_hardship", "assistance"} {
		if tb := rep.Table(k); tb.Total != w.union || tb.ColumnTotals[2] != w.both {
			t.Fatalf("%s: total %d, want %d", k, tb.Total, w.union)
		}
	}
	div := rep.Table("division")
	if div.ColumnTotals[0] != w.mm || div.ColumnTotals[1] != w.ms-w.mm || div.ColumnTotals[2] != w.lb {
		t.Fatalf("division totals %v", div.ColumnTotals)
	}
	if tb := rep.Table("origin_province"); tb.Total != w.ms {
		t.Fatalf("origin_province total %d, want %d", tb.Total, w.ms)
	}
	if tb := rep.Table("residence_registration"); tb.Total != w.ms {
		t.Fatalf("residence_registration total %d, want %d", tb.Total, w.ms)
	}
	if tb := rep.Table("key_care_reason"); tb.Total != w.kc {
		t.Fatalf("key_care_reason total %d, want %d", tb.Total, w.kc)
	}
	pw := rep.Table("parent_work_province")
	if pw.ColumnTotals[0] > w.lb || pw.ColumnTotals[1] > w.lb || pw.Total < pw.ColumnTotals[0] {
		t.Fatalf("parent_work_province totals %v / %d with %d left-behind children", pw.ColumnTotals, pw.Total, w.lb)
	}
}

func TestComputeWorkersAgree(t *testing.T) {
	rs := testPopulation(t)[:4000]
	var reports [][]byte
	for _, workers := range []int{1, 2, 5} {
		rep, err := Compute(Records(rs), Query{AsOf: genDate, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, b)
	}
	for i := 1; i < len(reports); i++ {
		if string(reports[i]) != string(reports[0]) {
			t.Fatalf("report with %d workers differs from one worker", []int{1, 2, 5}[i])
		}
	}
}

// wuhaiVillage returns the first village of the first township of a Wuhai district.
func wuhaiVillage(t *testing.T, county string) string {
	t.Helper()
	tb := region.Default()
	towns := tb.Children(county)
	if len(towns) == 0 {
		t.Fatalf("no townships under %s", county)
	}
	v := tb.Children(towns[0].Code)
	if len(v) == 0 {
		t.Fatalf("no villages under %s", towns[0].Code)
	}
	return v[0].Code
}

// bothChild lives in 海勃湾区 with its grandparents while its hukou is in 海南区 and both parents
// work in Beijing: migrant where it lives, left-behind where its hukou is, key care (低保).
func bothChild(t *testing.T) child.Record {
	resid, hukou := wuhaiVillage(t, "150302"), wuhaiVillage(t, "150303")
	parent := func() *child.Parent {
		return &child.Parent{MigrantWorker: child.Bool(true), WorkRegionCode: "110105", WorkSince: child.NewDate(2020, 3, 1),
			Capacity: "capable", HukouAddress: &child.Address{RegionCode: hukou}}
	}
	return child.Record{Sex: "2", BirthDate: child.NewDate(2016, 5, 10), Ethnicity: "02",
		HukouAddress: &child.Address{RegionCode: hukou}, ResidenceAddr: &child.Address{RegionCode: resid},
		CoResidents: "other_guardian", LeftHukouDate: child.NewDate(2022, 9, 1),
		Father: parent(), Mother: parent(), FamilyHardship: []string{"dibao"}, Health: []string{"healthy"},
		DisabilityTypes: []string{}, GuardianshipIssue: "none", Vagrant: child.Bool(false)}
}

func TestAssignmentOfAChildBothMigrantAndLeftBehind(t *testing.T) {
	r := bothChild(t)
	cfg := rules.DefaultConfig()
	res := rules.Classify(&r, genDate, &cfg)
	if res.MigrantMonitoring != rules.Yes || res.LeftBehind != rules.Yes || res.KeyCare != rules.Yes {
		t.Fatalf("test record classified %v %v %v", res.MigrantMonitoring, res.LeftBehind, res.KeyCare)
	}
	tests := []struct {
		region string
		want   Totals
		both   int64
	}{
		{"150302", Totals{1, Counts{1, 1, 0, 1}}, 0},
		{"150303", Totals{1, Counts{0, 0, 1, 0}}, 0},
		{"150304", Totals{0, Counts{}}, 0},
		{"1503", Totals{1, Counts{1, 1, 1, 1}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.region, func(t *testing.T) {
			rep, err := Compute(Records([]child.Record{r}), Query{AsOf: genDate, Region: tc.region})
			if err != nil {
				t.Fatal(err)
			}
			if *rep.Totals != tc.want {
				t.Fatalf("totals %+v, want %+v", *rep.Totals, tc.want)
			}
			if got := rep.Table("type").Cells[3][0]; got != tc.both {
				t.Fatalf("both = %d, want %d", got, tc.both)
			}
		})
	}
	rep, err := Compute(Records([]child.Record{r}), Query{AsOf: genDate, Region: "1503"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Counts{}
	for _, row := range rep.ByRegion {
		got[row.RegionCode] = row.Counts
	}
	if got["150302"] != (Counts{1, 1, 0, 1}) || got["150303"] != (Counts{0, 0, 1, 0}) || got["150304"] != (Counts{}) {
		t.Fatalf("by_region %+v", got)
	}
	// As of a date before the child left home it is neither.
	rep, err = Compute(Records([]child.Record{r}), Query{AsOf: child.NewDate(2020, 6, 1), Region: "1503"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.MigrantStatistics != 0 || rep.Totals.LeftBehind != 0 || rep.Totals.Records != 1 {
		t.Fatalf("as of 2020-06-01: %+v", *rep.Totals)
	}
}

func TestComputeEdgeCases(t *testing.T) {
	r := bothChild(t)
	noAddr := bothChild(t)
	noAddr.ResidenceAddr, noAddr.HukouAddress = nil, nil
	noAddr.Father, noAddr.Mother = nil, nil
	noAddr.BothParentsAway = child.Bool(true) // left-behind by the form-2 summary, hukou unknown
	countyOnly := bothChild(t)
	countyOnly.ResidenceAddr = &child.Address{RegionCode: "150302"}
	recs := []child.Record{r, noAddr, countyOnly}
	src := func(yield func(*child.Record, string) bool) error {
		if !yield(nil, "approved") || !yield(&recs[0], "archived") {
			return nil
		}
		for i := range recs {
			if !yield(&recs[i], "submitted") {
				return nil
			}
		}
		return nil
	}
	rep, err := Compute(src, Query{AsOf: genDate, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.SkippedArchived != 1 || rep.Totals.Records != 3 {
		t.Fatalf("records %d, skipped %d", rep.Totals.Records, rep.SkippedArchived)
	}
	if rep.Totals.LeftBehind != 3 {
		t.Fatalf("left-behind %d, want 3", rep.Totals.LeftBehind)
	}
	// The child with no address counts in the totals but in no division.
	if rep.ByRegionUnplaced.LeftBehind != 1 {
		t.Fatalf("unplaced %+v", *rep.ByRegionUnplaced)
	}
	// Township level: the county-only residence is 地区不详.
	rep, err = Compute(Records(recs), Query{AsOf: genDate, Region: "150302"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.MigrantMonitoring != 2 || rep.ByRegionUnplaced.MigrantMonitoring != 1 {
		t.Fatalf("150302: totals %+v unplaced %+v", *rep.Totals, *rep.ByRegionUnplaced)
	}
	div := rep.Table("division")
	last := div.Rows.Categories[div.NumRows()-1]
	if last.Code != Unknown || div.Cells[div.NumRows()-1][0] != 1 {
		t.Fatalf("division table lacks 地区不详: %v", div.Rows.Categories)
	}

	bad := []struct {
		name string
		src  Source
		q    Query
	}{
		{"no date", Records(recs), Query{}},
		{"impossible date", Records(recs), Query{AsOf: 20250231}},
		{"unknown region", Records(recs), Query{AsOf: genDate, Region: "159999"}},
		{"bad config", Records(recs), Query{AsOf: genDate, Config: rules.Config{AgeLimit: 40}}},
		{"no source", nil, Query{AsOf: genDate}},
	}
	for _, tc := range bad {
		if _, err := Compute(tc.src, tc.q); !errors.Is(err, ErrQuery) {
			t.Errorf("%s: err = %v, want ErrQuery", tc.name, err)
		}
	}
	failing := func(yield func(*child.Record, string) bool) error {
		yield(&recs[0], "approved")
		return errors.New("database gone")
	}
	for _, w := range []int{1, 2} {
		if _, err := Compute(failing, Query{AsOf: genDate, Workers: w}); err == nil || !strings.Contains(err.Error(), "database gone") {
			t.Errorf("workers %d: err = %v, want the source's error", w, err)
		}
	}
}

func TestReportJSONContract(t *testing.T) {
	rep, err := Compute(Records(testPopulation(t)[:2000]), Query{AsOf: genDate, Region: "150300"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var j map[string]any
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	if j["as_of"] != "2025-06-30" || j["region"] != "150300" {
		t.Fatalf("as_of %v region %v", j["as_of"], j["region"])
	}
	tot := j["totals"].(map[string]any)
	for _, k := range []string{"records", "migrant_monitoring", "migrant_statistics", "left_behind", "key_care"} {
		if _, ok := tot[k].(float64); !ok {
			t.Fatalf("totals.%s missing or not a number: %v", k, tot[k])
		}
	}
	rows := j["by_region"].([]any)
	if len(rows) != 3 {
		t.Fatalf("by_region has %d rows, want 3 districts", len(rows))
	}
	first := rows[0].(map[string]any)
	if first["region_code"] != "150302" || first["region_name"] != "海勃湾区" {
		t.Fatalf("first row %v", first)
	}
	for _, k := range []string{"migrant_monitoring", "migrant_statistics", "left_behind", "key_care"} {
		if _, ok := first[k].(float64); !ok {
			t.Fatalf("by_region[0].%s missing", k)
		}
	}
	tables := j["tables"].(map[string]any)
	for _, k := range StandardTableKeys() {
		tb, ok := tables[k].(map[string]any)
		if !ok {
			t.Fatalf("table %s missing", k)
		}
		for _, f := range []string{"key", "title", "population", "rows", "columns", "cells", "total"} {
			if _, ok := tb[f]; !ok {
				t.Fatalf("table %s lacks %s", k, f)
			}
		}
	}
	// Tables read back as they were written.
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for k, tb := range rep.Tables {
		b1, _ := json.Marshal(tb)
		b2, _ := json.Marshal(back.Tables[k])
		if string(b1) != string(b2) {
			t.Fatalf("table %s does not survive a JSON round trip", k)
		}
	}
}

// TestParentAwayMirrorsRules checks the parents' work test of parent_work_province against the
// rules: every left-behind child with both parents' details has both parents away, or one away
// and the other without guardianship capacity; a child not left-behind never has both away.
func TestParentAwayMirrorsRules(t *testing.T) {
	rs := testPopulation(t)
	p, err := newPlan(Query{AsOf: genDate})
	if err != nil {
		t.Fatal(err)
	}
	cfg := rules.DefaultConfig()
	checked := 0
	for i := range rs {
		r := &rs[i]
		if r.Father == nil || r.Mother == nil || r.Father.MigrantWorker == nil || r.Mother.MigrantWorker == nil {
			continue
		}
		res := rules.Classify(r, genDate, &cfg)
		county := childCounty(r)
		fa, mo := parentAway(r.Father, county, p), parentAway(r.Mother, county, p)
		incapable := func(par *child.Parent) bool { return par.Capacity != "" && par.Capacity != "capable" }
		explains := fa && mo || fa && incapable(r.Mother) || mo && incapable(r.Father)
		switch {
		case res.LeftBehind == rules.Yes && !explains:
			t.Fatalf("record %d left-behind but parents away %v %v", i, fa, mo)
		case res.LeftBehind == rules.No && fa && mo && !incapable(r.Father) && !incapable(r.Mother) &&
			r.CoResidents != "both_parents" && r.CoResidents != "one_parent":
			t.Fatalf("record %d not left-behind with both parents away", i)
		}
		checked++
	}
	if checked < 1000 {
		t.Fatalf("only %d records checked", checked)
	}
}

// TestWholeDatabaseOfUndeterminedChildren: when no child is determined yet (the first days of
// collection), the report is still about the division the records lie in, not the country.
func TestWholeDatabaseOfUndeterminedChildren(t *testing.T) {
	var recs []child.Record
	for _, village := range []string{"150302003012", "150302003013", "150302004001"} {
		recs = append(recs, child.Record{Name: "测试", BirthDate: child.NewDate(2016, 5, 1), ResidenceAddr: &child.Address{RegionCode: village}})
	}
	for _, w := range []int{1, 2} {
		rep, err := Compute(Records(recs), Query{AsOf: genDate, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Totals.Records != 3 || rep.Totals.MigrantMonitoring+rep.Totals.LeftBehind != 0 || rep.Undetermined.MigrantMonitoring == 0 {
			t.Fatalf("workers %d: totals %+v undetermined %+v", w, *rep.Totals, *rep.Undetermined)
		}
		if rep.Region != "150302" {
			t.Errorf("workers %d: region %q (%s), want 150302 海勃湾区", w, rep.Region, rep.RegionName)
		}
		if div := rep.Table("division"); div.NumRows() > 10 {
			t.Errorf("workers %d: the division table lists %d divisions", w, div.NumRows())
		}
	}
}
