package stats

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"guanai/internal/region"
)

// Coverage (登记覆盖, issue 18): the children registered in each division against the number the
// population figures of the statistics bureau lead one to expect, so that a township that found
// 40 migrant children where the figures suggest 400 stands out. Registered migrant children are
// those of the statistics scope (离开户籍地所在乡镇（街道）6 个月以上, the population statistics'
// own definition) counted where they live; left-behind children are counted at their hukou place,
// as everywhere else. 登记率 = registered ÷ expected; the shares are of all children under 16 of
// the division. A published coverage table withholds what the registered counts' disclosure
// control withholds, and every rate, share and shortfall computed from a withheld count.

// Expected is the child population of one division from the figures: children under 16, and
// migrant and left-behind children when published (nil otherwise).
type Expected struct {
	Code       string `json:"region_code"`
	Total      int64  `json:"total"`
	Migrant    *int64 `json:"migrant"`
	LeftBehind *int64 `json:"left_behind"`
	Year       int    `json:"year"`
	Source     string `json:"source"`
	// SourceLabel is the source's Chinese name (人口普查 …).
	SourceLabel string `json:"source_label"`
}

// PickExpected chooses one figure per division: of the given year (0: the latest year the
// division has figures for), of the first source in the order of prefer (the others after, in
// their order).
func PickExpected(all []Expected, year int, prefer []string) []Expected {
	rank := func(src string) int {
		for i, s := range prefer {
			if s == src {
				return i
			}
		}
		return len(prefer)
	}
	best := map[string]Expected{}
	for _, e := range all {
		if year != 0 && e.Year != year {
			continue
		}
		b, ok := best[e.Code]
		if !ok || e.Year > b.Year || e.Year == b.Year && rank(e.Source) < rank(b.Source) {
			best[e.Code] = e
		}
	}
	out := make([]Expected, 0, len(best))
	for _, e := range best {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// CoverageRow is one division of a coverage table. Pointers are nil where there is no figure to
// compare with, or where the value is withheld (Withheld says which).
type CoverageRow struct {
	RegionCode string `json:"region_code"`
	RegionName string `json:"region_name"`
	// Year and Source of the figures compared with (0 and "" when the division has none).
	Year        int    `json:"year,omitempty"`
	Source      string `json:"source,omitempty"`
	SourceLabel string `json:"source_label,omitempty"`

	ExpectedTotal      *int64 `json:"expected_total"`
	ExpectedMigrant    *int64 `json:"expected_migrant"`
	ExpectedLeftBehind *int64 `json:"expected_left_behind"`

	RegisteredMigrant    *int64 `json:"registered_migrant"`
	RegisteredLeftBehind *int64 `json:"registered_left_behind"`

	// MigrantRate and LeftBehindRate are 登记率: registered ÷ expected.
	MigrantRate    *float64 `json:"migrant_rate"`
	LeftBehindRate *float64 `json:"left_behind_rate"`
	// MigrantShare and LeftBehindShare are the registered children's shares of all children
	// under 16 of the division.
	MigrantShare    *float64 `json:"migrant_share"`
	LeftBehindShare *float64 `json:"left_behind_share"`
	// Shortfall is how many children the figures expect beyond those registered (migrant and
	// left-behind, each counted only where below expected).
	Shortfall *int64 `json:"shortfall"`
	// Rank orders the divisions furthest below expected first (1); 0 for a division without
	// figures or whose shortfall is withheld.
	Rank int `json:"rank"`
	// Withheld is true when a registered count of the row is withheld (published tables).
	Withheld bool `json:"withheld,omitempty"`
}

// CoverageReport is the coverage of the divisions of one level under a region.
type CoverageReport struct {
	AsOf       string `json:"as_of"`
	Region     string `json:"region"`
	RegionName string `json:"region_name"`
	// Level is county, township or village.
	Level string `json:"level"`
	Title string `json:"title"`
	// Reference says the reference years and sources of the figures compared with, in Chinese,
	// for the printed table: 参考年份：2020年；数据来源：人口普查.
	Reference string        `json:"reference"`
	Years     []int         `json:"years"`
	Sources   []string      `json:"sources"`
	Note      string        `json:"note"`
	Rows      []CoverageRow `json:"rows"`
	// Ranked lists the codes of the ranked rows, furthest below expected first.
	Ranked []string `json:"ranked"`
	// RegisteredMigrant and RegisteredLeftBehind are the region's totals (nil when withheld).
	RegisteredMigrant    *int64 `json:"registered_migrant"`
	RegisteredLeftBehind *int64 `json:"registered_left_behind"`
	Published            bool   `json:"published,omitempty"`
	Threshold            int    `json:"threshold,omitempty"`

	// unplaced are the registered children (migrant, left-behind) of the region whose place is
	// known only above the level: the 地区不详 row of the suppression.
	unplaced [2]int64
}

// coverageNote explains the table.
const coverageNote = "登记率 = 已登记人数 ÷ 人口统计数据中的人数；占比 = 已登记人数 ÷ 不满16周岁儿童总数。" +
	"流动儿童按统计分析范围（离开户籍地所在乡镇（街道）6 个月以上）在现居住地计数，留守儿童在户籍地计数。" +
	"缺口 = 人口统计数据中的人数超出已登记人数的部分（流动儿童与留守儿童之和），按缺口从大到小排序。" +
	"没有人口统计数据的区划不计算登记率。"

// CoverageLevel parses a level parameter: county (district), township or village.
func CoverageLevel(s string) (region.Level, error) {
	switch s {
	case "county", "district", "":
		return region.County, nil
	case "township":
		return region.Township, nil
	case "village":
		return region.Village, nil
	}
	return 0, queryErr("区划级别“%s”无效：应为 county（区县）、township（乡镇街道）或 village（村居）", s)
}

// Coverage counts the registered children of src under q.Region as of q.AsOf by division of
// level and compares them with the expected figures (one per division, PickExpected).
func Coverage(src Source, q Query, level region.Level, expected []Expected) (*CoverageReport, error) {
	if level < region.County || level > region.Village {
		return nil, queryErr("区划级别只能是区县、乡镇街道或村居")
	}
	p, err := newPlan(q)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	e, err := run(src, p, func() *engine {
		return &engine{p: p, places: newMeasuresAcc(0, measureMS, measureLB)}
	})
	if err != nil {
		return nil, fmt.Errorf("stats: read records: %w", err)
	}
	n := region.CodeLen(level)
	base := p.region
	if base == "" {
		var codes []string
		for i, c := range e.places.rows.list {
			if e.places.rowCount(i) > 0 {
				codes = append(codes, c)
			}
		}
		for _, x := range expected {
			codes = append(codes, x.Code)
		}
		base = p.commonDivision(codes)
		if len(base) > 6 {
			base = base[:6]
		}
	}
	if len(base) >= n {
		// The region is at or below the level asked for: the level below it (a village itself).
		level = min(childLevel(base), region.Village)
		if len(base) == 12 {
			level = region.Village
		}
		n = region.CodeLen(level)
	}
	rep := &CoverageReport{AsOf: p.asOf.String(), Region: DisplayCode(base), RegionName: "全部地区", Level: levelName(level),
		Years: []int{}, Sources: []string{}, Note: coverageNote, Rows: []CoverageRow{}, Ranked: []string{}}
	if d, ok := p.tbl.Lookup(base); ok && base != "" {
		rep.RegionName = d.Name
	}
	rep.Title = rep.RegionName + "流动儿童和留守儿童登记覆盖情况（分" + map[region.Level]string{region.County: "区县", region.Township: "乡镇（街道）", region.Village: "村（居）"}[level] + "）"

	// Registered counts rolled up to the level; the rest (places known above it) is unplaced.
	type counts struct{ ms, lb int64 }
	reg := map[string]*counts{}
	var unplaced, total counts
	for i, code := range e.places.rows.list {
		if i >= len(e.places.cells) {
			continue
		}
		c := e.places.cells[i]
		total.ms += c[0]
		total.lb += c[1]
		if len(code) < n {
			unplaced.ms += c[0]
			unplaced.lb += c[1]
			continue
		}
		k := code[:n]
		if reg[k] == nil {
			reg[k] = &counts{}
		}
		reg[k].ms += c[0]
		reg[k].lb += c[1]
	}
	exp := map[string]Expected{}
	for _, x := range expected {
		exp[x.Code] = x
	}
	years, sources := map[int]bool{}, map[string]bool{}
	divs := p.divisionsAt(base, level)
	seen := map[string]bool{}
	for _, d := range divs {
		seen[d.Code] = true
	}
	// Codes met in the data but missing from the table (old codes) count as unplaced.
	for k, c := range reg {
		if !seen[k] {
			unplaced.ms += c.ms
			unplaced.lb += c.lb
		}
	}
	for _, d := range divs {
		row := CoverageRow{RegionCode: d.Code, RegionName: d.Name}
		c := reg[d.Code]
		if c == nil {
			c = &counts{}
		}
		ms, lb := c.ms, c.lb
		row.RegisteredMigrant, row.RegisteredLeftBehind = &ms, &lb
		if x, ok := exp[d.Code]; ok {
			row.Year, row.Source, row.SourceLabel = x.Year, x.Source, x.SourceLabel
			years[x.Year], sources[x.SourceLabel] = true, true
			tot := x.Total
			row.ExpectedTotal, row.ExpectedMigrant, row.ExpectedLeftBehind = &tot, x.Migrant, x.LeftBehind
		}
		rep.Rows = append(rep.Rows, row)
	}
	rep.RegisteredMigrant, rep.RegisteredLeftBehind = &total.ms, &total.lb
	for y := range years {
		rep.Years = append(rep.Years, y)
	}
	sort.Ints(rep.Years)
	for s := range sources {
		rep.Sources = append(rep.Sources, s)
	}
	sort.Strings(rep.Sources)
	rep.Reference = reference(rep.Years, rep.Sources)
	rep.derive()
	rep.unplaced = [2]int64{unplaced.ms, unplaced.lb}
	return rep, nil
}

// reference is the statement of years and sources printed with every coverage table.
func reference(years []int, sources []string) string {
	if len(years) == 0 {
		return "尚无人口统计数据：请统计人员导入后再比较"
	}
	ys := make([]string, len(years))
	for i, y := range years {
		ys[i] = strconv.Itoa(y) + "年"
	}
	return "参考年份：" + strings.Join(ys, "、") + "；数据来源：" + strings.Join(sources, "、")
}

// derive computes the rates, shares, shortfalls and ranks from the counts present.
func (r *CoverageReport) derive() {
	ratio := func(num *int64, den *int64) *float64 {
		if num == nil || den == nil || *den <= 0 {
			return nil
		}
		v := float64(*num) / float64(*den)
		return &v
	}
	var ranked []int
	for i := range r.Rows {
		row := &r.Rows[i]
		row.MigrantRate = ratio(row.RegisteredMigrant, row.ExpectedMigrant)
		row.LeftBehindRate = ratio(row.RegisteredLeftBehind, row.ExpectedLeftBehind)
		row.MigrantShare = ratio(row.RegisteredMigrant, row.ExpectedTotal)
		row.LeftBehindShare = ratio(row.RegisteredLeftBehind, row.ExpectedTotal)
		row.Shortfall, row.Rank = nil, 0
		if row.ExpectedMigrant == nil && row.ExpectedLeftBehind == nil {
			continue
		}
		var gap int64
		ok := true
		for _, pr := range [][2]*int64{{row.ExpectedMigrant, row.RegisteredMigrant}, {row.ExpectedLeftBehind, row.RegisteredLeftBehind}} {
			if pr[0] == nil {
				continue
			}
			if pr[1] == nil {
				ok = false
				break
			}
			gap += max(0, *pr[0]-*pr[1])
		}
		if !ok {
			continue
		}
		row.Shortfall = &gap
		ranked = append(ranked, i)
	}
	rate := func(row *CoverageRow) float64 {
		switch {
		case row.MigrantRate != nil && row.LeftBehindRate != nil:
			return min(*row.MigrantRate, *row.LeftBehindRate)
		case row.MigrantRate != nil:
			return *row.MigrantRate
		case row.LeftBehindRate != nil:
			return *row.LeftBehindRate
		}
		return 1
	}
	sort.SliceStable(ranked, func(a, b int) bool {
		x, y := &r.Rows[ranked[a]], &r.Rows[ranked[b]]
		if *x.Shortfall != *y.Shortfall {
			return *x.Shortfall > *y.Shortfall
		}
		if rate(x) != rate(y) {
			return rate(x) < rate(y)
		}
		return x.RegionCode < y.RegionCode
	})
	r.Ranked = r.Ranked[:0]
	for k, i := range ranked {
		r.Rows[i].Rank = k + 1
		r.Ranked = append(r.Ranked, r.Rows[i].RegionCode)
	}
}

// SuppressCoverage returns the published form of a coverage report: the registered counts by
// division go through the same disclosure control as the standard division table (Suppress: small
// counts withheld and, complementarily, what would let them be worked out from the region's
// totals); a rate, a share or a shortfall whose registered count is withheld is withheld with it,
// and a division whose shortfall is withheld is not ranked. The expected figures are the
// statistics bureau's own published numbers and stay.
func SuppressCoverage(r *CoverageReport, threshold int) *CoverageReport {
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	out := *r
	out.Rows = append([]CoverageRow(nil), r.Rows...)
	out.Published, out.Threshold = true, threshold
	t := &Table{Key: "coverage", Title: r.Title, Unit: "人",
		Rows:    Axis{Dimension: "region", Title: "地区", Kind: Partition},
		Columns: Axis{Dimension: "type", Title: "类别", Kind: Measures, Categories: []Category{measureMS.cat, measureLB.cat}}}
	for _, row := range r.Rows {
		t.Rows.Categories = append(t.Rows.Categories, Category{Code: row.RegionCode, Label: row.RegionName})
		t.Cells = append(t.Cells, []int64{val(row.RegisteredMigrant), val(row.RegisteredLeftBehind)})
	}
	t.Rows.Categories = append(t.Rows.Categories, Category{Code: Unknown, Label: "地区不详"})
	t.Cells = append(t.Cells, []int64{r.unplaced[0], r.unplaced[1]})
	t.ColumnTotals = []int64{val(r.RegisteredMigrant), val(r.RegisteredLeftBehind)}
	st, _ := Suppress(t, threshold)
	for i := range out.Rows {
		row := &out.Rows[i]
		if st.Suppressed(i, 0) {
			row.RegisteredMigrant, row.Withheld = nil, true
		}
		if st.Suppressed(i, 1) {
			row.RegisteredLeftBehind, row.Withheld = nil, true
		}
	}
	m := st.NumRows()
	if st.Suppressed(m, 0) {
		out.RegisteredMigrant = nil
	}
	if st.Suppressed(m, 1) {
		out.RegisteredLeftBehind = nil
	}
	out.derive()
	out.unplaced = [2]int64{}
	return &out
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
