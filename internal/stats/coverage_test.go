package stats

import (
	"bytes"
	"math"
	"strings"
	"testing"

	figures "guanai/internal/population"
	"guanai/internal/region"
	"guanai/internal/rules"
	"guanai/internal/sheet"
)

// generatedFigures makes a population file for the townships of 海勃湾区 from the registered
// counts: every township expects more than it registered, by amounts that differ, one township
// has no figures and one publishes no migrant count. It returns the figures read back from the
// workbook, as the import does.
func generatedFigures(t *testing.T, ms, lb map[string]int64) []figures.Figure {
	t.Helper()
	var figs []figures.Figure
	for i, d := range region.Default().Children("150302") {
		if i == 1 {
			continue // no figures
		}
		m, l := ms[d.Code]*3+int64(i%7), lb[d.Code]+int64(5*i)
		tot := 10*(m+l) + 100
		f := figures.Figure{RegionCode: d.Code, RegionName: d.Name, Year: 2020, Source: figures.SourceCensus, Total: tot, Migrant: &m, LeftBehind: &l}
		if i == 2 {
			f.Migrant = nil
		}
		figs = append(figs, f)
	}
	var buf bytes.Buffer
	if err := figures.Write(&buf, figs, sheet.XLSX); err != nil {
		t.Fatal(err)
	}
	tb, err := sheet.NewTable(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "figures.xlsx", "")
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	res, err := figures.Read(tb, figures.Options{ThisYear: 2025})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) > 0 || len(res.Figures) != len(figs) {
		t.Fatalf("read back %d figures, problems %v; want %d", len(res.Figures), res.Problems, len(figs))
	}
	return res.Figures
}

func expectedOf(figs []figures.Figure) []Expected {
	out := make([]Expected, len(figs))
	for i, f := range figs {
		out[i] = Expected{Code: f.RegionCode, Total: f.Total, Migrant: f.Migrant, LeftBehind: f.LeftBehind, Year: f.Year, Source: f.Source,
			SourceLabel: figures.SourceLabel(f.Source)}
	}
	return out
}

func TestCoverageIsRegisteredOverExpected(t *testing.T) {
	rs := testPopulation(t)
	cfg := rules.DefaultConfig()
	ms, lb := map[string]int64{}, map[string]int64{}
	for i := range rs {
		r := &rs[i]
		res := rules.Classify(r, genDate, &cfg)
		if c := r.ResidenceAddr.Region(); res.MigrantStatistics == rules.Yes && len(c) >= 9 && strings.HasPrefix(c, "150302") {
			ms[c[:9]]++
		}
		if c := r.HukouAddress.Region(); res.LeftBehind == rules.Yes && len(c) >= 9 && strings.HasPrefix(c, "150302") {
			lb[c[:9]]++
		}
	}
	figs := generatedFigures(t, ms, lb)
	rep, err := Coverage(Records(rs), Query{AsOf: genDate, Region: "150302"}, region.Township, expectedOf(figs))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Reference != "参考年份：2020年；数据来源：人口普查" {
		t.Errorf("reference %q", rep.Reference)
	}
	byCode := map[string]figures.Figure{}
	for _, f := range figs {
		byCode[f.RegionCode] = f
	}
	if len(rep.Rows) != len(region.Default().Children("150302")) {
		t.Fatalf("%d rows, want every township", len(rep.Rows))
	}
	ranked := 0
	for _, row := range rep.Rows {
		if *row.RegisteredMigrant != ms[row.RegionCode] || *row.RegisteredLeftBehind != lb[row.RegionCode] {
			t.Errorf("%s: registered %d/%d, want %d/%d", row.RegionCode, *row.RegisteredMigrant, *row.RegisteredLeftBehind, ms[row.RegionCode], lb[row.RegionCode])
		}
		f, ok := byCode[row.RegionCode]
		if !ok {
			if row.MigrantRate != nil || row.ExpectedTotal != nil || row.Rank != 0 {
				t.Errorf("%s has no figures but a rate or a rank", row.RegionCode)
			}
			continue
		}
		want := func(name string, got *float64, num int64, den *int64) {
			if den == nil || *den == 0 {
				if got != nil {
					t.Errorf("%s: %s %v without a figure", row.RegionCode, name, *got)
				}
				return
			}
			if got == nil || math.Abs(*got-float64(num)/float64(*den)) > 1e-12 {
				t.Errorf("%s: %s = %v, want %d ÷ %d", row.RegionCode, name, got, num, *den)
			}
		}
		want("登记率（流动）", row.MigrantRate, ms[row.RegionCode], f.Migrant)
		want("登记率（留守）", row.LeftBehindRate, lb[row.RegionCode], f.LeftBehind)
		want("流动儿童占比", row.MigrantShare, ms[row.RegionCode], &f.Total)
		want("留守儿童占比", row.LeftBehindShare, lb[row.RegionCode], &f.Total)
		var gap int64
		if f.Migrant != nil {
			gap += max(0, *f.Migrant-ms[row.RegionCode])
		}
		gap += max(0, *f.LeftBehind-lb[row.RegionCode])
		if row.Shortfall == nil || *row.Shortfall != gap {
			t.Errorf("%s: shortfall %v, want %d", row.RegionCode, row.Shortfall, gap)
		}
		if row.Rank > 0 {
			ranked++
		}
	}
	if ranked != len(figs) || len(rep.Ranked) != len(figs) {
		t.Errorf("%d ranked, want %d", ranked, len(figs))
	}
	// Ranked furthest below expected first.
	idx := map[string]int{}
	for i, r := range rep.Rows {
		idx[r.RegionCode] = i
	}
	for k := 1; k < len(rep.Ranked); k++ {
		a, b := rep.Rows[idx[rep.Ranked[k-1]]], rep.Rows[idx[rep.Ranked[k]]]
		if *a.Shortfall < *b.Shortfall || a.Rank != k || b.Rank != k+1 {
			t.Errorf("rank %d %s (shortfall %d) before %s (%d)", a.Rank, a.RegionCode, *a.Shortfall, b.RegionCode, *b.Shortfall)
		}
	}
}

func TestCoverageSuppressionHoldsOnRates(t *testing.T) {
	rs := testPopulation(t)[:400]
	// Villages: many small counts.
	var exps []Expected
	for _, tw := range region.Default().Children("150302") {
		for _, v := range region.Default().Children(tw.Code) {
			m, l := int64(20), int64(20)
			exps = append(exps, Expected{Code: v.Code, Total: 200, Migrant: &m, LeftBehind: &l, Year: 2020, Source: figures.SourceCensus, SourceLabel: "人口普查"})
		}
	}
	rep, err := Coverage(Records(rs), Query{AsOf: genDate, Region: "150302"}, region.Village, exps)
	if err != nil {
		t.Fatal(err)
	}
	for _, threshold := range []int{5, 10} {
		pub := SuppressCoverage(rep, threshold)
		if !pub.Published {
			t.Fatal("not marked published")
		}
		withheld, small := [2]int{}, 0
		for i, row := range pub.Rows {
			orig := rep.Rows[i]
			for k, pr := range []struct {
				reg         *int64
				rate, share *float64
				orig        *int64
			}{{row.RegisteredMigrant, row.MigrantRate, row.MigrantShare, orig.RegisteredMigrant},
				{row.RegisteredLeftBehind, row.LeftBehindRate, row.LeftBehindShare, orig.RegisteredLeftBehind}} {
				if *pr.orig > 0 && *pr.orig < int64(threshold) {
					small++
					if pr.reg != nil {
						t.Errorf("threshold %d: %s published a count of %d", threshold, row.RegionCode, *pr.orig)
					}
				}
				if pr.reg == nil {
					withheld[k]++
					if pr.rate != nil || pr.share != nil || row.Shortfall != nil || row.Rank != 0 {
						t.Errorf("threshold %d: %s: count withheld but rate %v, share %v, shortfall %v, rank %d", threshold, row.RegionCode, pr.rate, pr.share, row.Shortfall, row.Rank)
					}
				} else if *pr.reg != *pr.orig {
					t.Errorf("%s: published %d, true %d", row.RegionCode, *pr.reg, *pr.orig)
				}
			}
		}
		if small == 0 {
			t.Fatalf("threshold %d: no small count in the fixture: the test proves nothing", threshold)
		}
		// With the region's totals published, one withheld count in a column would be its
		// difference: never exactly one.
		for k, n := range withheld {
			if n == 1 && (k == 0 && pub.RegisteredMigrant != nil || k == 1 && pub.RegisteredLeftBehind != nil) {
				t.Errorf("threshold %d: column %d has a single withheld count", threshold, k)
			}
		}
	}
}

func TestPickExpected(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	all := []Expected{
		{Code: "150302001", Year: 2020, Source: figures.SourceSample, Total: 1},
		{Code: "150302001", Year: 2020, Source: figures.SourceCensus, Total: 2},
		{Code: "150302001", Year: 2015, Source: figures.SourceCensus, Total: 3},
		{Code: "150302002", Year: 2015, Source: figures.SourceMigrant, Total: 4, Migrant: n(1)},
	}
	for _, tc := range []struct {
		name string
		year int
		want map[string]int64
	}{
		{"latest, census first", 0, map[string]int64{"150302001": 2, "150302002": 4}},
		{"one year", 2015, map[string]int64{"150302001": 3, "150302002": 4}},
		{"a year without figures", 2010, map[string]int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PickExpected(all, tc.year, figures.Sources)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d figures, want %d", len(got), len(tc.want))
			}
			for _, e := range got {
				if tc.want[e.Code] != e.Total {
					t.Errorf("%s: total %d, want %d", e.Code, e.Total, tc.want[e.Code])
				}
			}
		})
	}
}

// BenchmarkCoverage: the coverage of the city by district, township and village over a million
// children (one pass: classification and two counters per record), and its published form;
// side by side with ComputeAllTables, the budget of the other tables.
func BenchmarkCoverage(b *testing.B) {
	rs := benchPopulation(b)
	var exps []Expected
	for _, d := range region.Default().Children("150300") {
		for _, t := range region.Default().Children(d.Code) {
			for _, v := range append([]region.Division{t}, region.Default().Children(t.Code)...) {
				m, l := int64(5000), int64(2000)
				exps = append(exps, Expected{Code: v.Code, Total: 20000, Migrant: &m, LeftBehind: &l, Year: 2020, Source: figures.SourceCensus, SourceLabel: "人口普查"})
			}
		}
	}
	for _, lv := range []region.Level{region.County, region.Township, region.Village} {
		b.Run(map[region.Level]string{region.County: "county", region.Township: "township", region.Village: "village"}[lv], func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				rep, err := Coverage(Records(rs), Query{AsOf: genDate, Region: "150300", Workers: 2}, lv, exps)
				if err != nil {
					b.Fatal(err)
				}
				SuppressCoverage(rep, DefaultThreshold)
			}
			perRecord(b, len(rs), cpu0)
		})
	}
}
