package stats

import (
	"sort"
	"strings"

	"guanai/internal/child"
	"guanai/internal/region"
)

// axisAcc maps records to category indexes along one axis of an accumulator. Region axes
// collect the division codes they meet (normalised, full length) and roll them up to a level
// when the table is finished.
type axisAcc struct {
	d     *dim
	codes codeTable
	list  []string
}

func newAxisAcc(d *dim) axisAcc {
	return axisAcc{d: d}
}

// codeTable maps division codes to indexes: an open-addressing hash table keyed by the code's
// digits and length packed in a uint64, several times quicker than a map of strings on the hot
// path of a pass. Codes that are not all digits (never, after normCode) fall back to a map.
type codeTable struct {
	keys  []uint64 // 0: empty slot
	vals  []int32
	n     int
	other map[string]int
}

// codeKey packs a code of up to 18 digits; ok is false for anything else.
func codeKey(code string) (uint64, bool) {
	if len(code) > 18 {
		return 0, false
	}
	var k uint64
	for i := 0; i < len(code); i++ {
		ch := code[i]
		if ch < '0' || ch > '9' {
			return 0, false
		}
		k = k*10 + uint64(ch-'0')
	}
	return k<<5 | uint64(len(code)) | 1<<4, true // bit 4 set: never 0, even for ""
}

func (t *codeTable) get(code string) (int, bool) {
	k, ok := codeKey(code)
	if !ok {
		i, found := t.other[code]
		return i, found
	}
	if len(t.keys) == 0 {
		return 0, false
	}
	mask := uint64(len(t.keys) - 1)
	for h := (k * 0x9e3779b97f4a7c15) >> 32 & mask; ; h = (h + 1) & mask {
		switch t.keys[h] {
		case k:
			return int(t.vals[h]), true
		case 0:
			return 0, false
		}
	}
}

func (t *codeTable) put(code string, v int) {
	k, ok := codeKey(code)
	if !ok {
		if t.other == nil {
			t.other = map[string]int{}
		}
		t.other[code] = v
		return
	}
	if 2*(t.n+1) > len(t.keys) {
		old, oldVals := t.keys, t.vals
		size := max(64, 2*len(old))
		t.keys, t.vals, t.n = make([]uint64, size), make([]int32, size), 0
		for i, ok := range old {
			if ok != 0 {
				t.insert(ok, oldVals[i])
			}
		}
	}
	t.insert(k, int32(v))
}

func (t *codeTable) insert(k uint64, v int32) {
	mask := uint64(len(t.keys) - 1)
	for h := (k * 0x9e3779b97f4a7c15) >> 32 & mask; ; h = (h + 1) & mask {
		if t.keys[h] == 0 || t.keys[h] == k {
			if t.keys[h] == 0 {
				t.n++
			}
			t.keys[h], t.vals[h] = k, v
			return
		}
	}
}

func (a *axisAcc) cats(c *recCtx, out []int) []int {
	if a.d.place != nil {
		return append(out, a.index(a.d.place(c)))
	}
	return a.d.fn(c, out)
}

// index returns the index of a division code, adding it when new.
func (a *axisAcc) index(code string) int {
	if i, ok := a.codes.get(code); ok {
		return i
	}
	i := len(a.list)
	code = strings.Clone(code) // the record's string may be large; keep only the code
	a.list = append(a.list, code)
	a.codes.put(code, i)
	return i
}

func (a *axisAcc) size() int {
	if a.d.isRegion() {
		return len(a.list)
	}
	return len(a.d.cats)
}

// accum counts one table: a population by a row dimension and a column dimension. Totals are
// counted directly, once per unit, so that they are right for set and type axes too.
type accum struct {
	spec       *tableSpec
	pop        func(*recCtx) bool
	rows, cols axisAcc
	cells      [][]int64
	rowTot     []int64
	colTot     []int64
	total      int64
	rb, cb     []int
	fast       fastPath
}

// fastPath names the shapes of accumulator counted without the general loops.
type fastPath int8

const (
	slowPath       fastPath = iota
	fastTypes               // static partition rows × type columns
	fastPartitions          // static partition rows × static partition columns
)

// staticPartition reports whether d is a partition with fixed categories.
func staticPartition(d *dim) bool { return !d.isRegion() && d.one != nil && d.kind == Partition }

func newAccum(spec *tableSpec, pop func(*recCtx) bool, rows, cols *dim) *accum {
	a := &accum{spec: spec, pop: pop, rows: newAxisAcc(rows), cols: newAxisAcc(cols)}
	m, n := a.rows.size(), a.cols.size()
	a.cells = make([][]int64, m)
	for i := range a.cells {
		a.cells[i] = make([]int64, n)
	}
	a.rowTot = make([]int64, m)
	a.colTot = make([]int64, n)
	a.rb, a.cb = make([]int, 0, 8), make([]int, 0, 8)
	switch {
	case staticPartition(rows) && cols.key == "type" && cols.kind == Types:
		a.fast = fastTypes
	case staticPartition(rows) && staticPartition(cols):
		a.fast = fastPartitions
	}
	return a
}

func (a *accum) add(c *recCtx) {
	if !a.pop(c) {
		return
	}
	switch a.fast {
	case fastTypes:
		// A static partition by the type columns: the common case, without growth checks.
		i := a.rows.d.one(c)
		row := a.cells[i]
		for _, j := range c.typeCats {
			row[j]++
			a.colTot[j]++
		}
		if len(c.typeCats) > 0 {
			a.rowTot[i]++
			a.total++
		}
		return
	case fastPartitions:
		i, j := a.rows.d.one(c), a.cols.d.one(c)
		a.cells[i][j]++
		a.rowTot[i]++
		a.colTot[j]++
		a.total++
		return
	}
	a.rb = a.rows.cats(c, a.rb[:0])
	a.cb = a.cols.cats(c, a.cb[:0])
	if len(a.rb) == 0 || len(a.cb) == 0 {
		return
	}
	a.total++
	for _, j := range a.cb {
		for j >= len(a.colTot) {
			a.colTot = append(a.colTot, 0)
		}
		a.colTot[j]++
	}
	for _, i := range a.rb {
		for i >= len(a.cells) {
			a.cells = append(a.cells, nil)
			a.rowTot = append(a.rowTot, 0)
		}
		a.rowTot[i]++
		row := a.cells[i]
		for _, j := range a.cb {
			if j >= len(row) {
				row = append(row, make([]int64, j+1-len(row))...)
			}
			row[j]++
		}
		a.cells[i] = row
	}
}

// merge adds the counts of b, an accumulator of the same table filled by another worker.
func (a *accum) merge(b *accum) {
	ri := a.rows.translate(&b.rows)
	ci := a.cols.translate(&b.cols)
	a.total += b.total
	for j, v := range b.colTot {
		a.colTot = addAt(a.colTot, ci[j], v)
	}
	for i, row := range b.cells {
		ti := ri[i]
		for ti >= len(a.cells) {
			a.cells = append(a.cells, nil)
			a.rowTot = append(a.rowTot, 0)
		}
		a.rowTot[ti] += b.rowTot[i]
		for j, v := range row {
			a.cells[ti] = addAt(a.cells[ti], ci[j], v)
		}
	}
}

// translate maps the indexes of b (same dimension, another worker) to those of a.
func (a *axisAcc) translate(b *axisAcc) []int {
	out := make([]int, b.size())
	for i := range out {
		out[i] = i
		if a.d.isRegion() {
			out[i] = a.index(b.list[i])
		}
	}
	return out
}

func addAt(s []int64, i int, v int64) []int64 {
	if i >= len(s) {
		s = append(s, make([]int64, i+1-len(s))...)
	}
	s[i] += v
	return s
}

// cell returns a count, zero outside what was grown.
func cell(cells [][]int64, i, j int) int64 {
	if i < len(cells) && j < len(cells[i]) {
		return cells[i][j]
	}
	return 0
}

func at(s []int64, i int) int64 {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// axisLayout is the finished form of an axis: its categories and, for every accumulated index,
// the category it went to (-1: dropped).
type axisLayout struct {
	cats []Category
	to   []int
}

// layout finishes a static axis: categories in their order, those marked dropZero left out when
// count(i) is zero.
func staticLayout(d *dim, count func(i int) int64) axisLayout {
	l := axisLayout{to: make([]int, len(d.cats))}
	for i, c := range d.cats {
		if d.dropZero != nil && d.dropZero[i] && count(i) == 0 {
			l.to[i] = -1
			continue
		}
		l.to[i] = len(l.cats)
		l.cats = append(l.cats, c)
	}
	return l
}

// regionLayout rolls the division codes of a region axis up to its level: one category per
// division of that level (every division of the level under the query region when the axis
// preseeds), sorted by code, then 地区不详 for places not known to that level or not in the
// division table. base is the division under which the level is counted when the axis has no
// level of its own (the query region, or the common division of the data for the whole database).
func (p *plan) regionLayout(a *axisAcc, base string, count func(i int) int64) axisLayout {
	level := a.d.level
	if level == 0 {
		level = childLevel(base)
	}
	n := region.CodeLen(level)
	known := map[string]bool{}
	target := make([]string, len(a.list))
	for i, code := range a.list {
		t := ""
		if len(code) >= n {
			t = code[:n]
		}
		if t != "" && !known[t] {
			if _, ok := p.tbl.Lookup(t); !ok {
				t = ""
			} else {
				known[t] = true
			}
		}
		target[i] = t
	}
	rows := map[string]bool{}
	for i, t := range target {
		if count(i) > 0 {
			rows[t] = true
		}
	}
	if a.d.preseed {
		for _, d := range p.divisionsAt(base, level) {
			rows[d.Code] = true
		}
	}
	codes := make([]string, 0, len(rows))
	for c := range rows {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		if (codes[i] == "") != (codes[j] == "") {
			return codes[j] == ""
		}
		return codes[i] < codes[j]
	})
	l := axisLayout{to: make([]int, len(a.list))}
	idx := make(map[string]int, len(codes))
	for i, c := range codes {
		idx[c] = i
		l.cats = append(l.cats, p.regionCategory(c))
	}
	for i, t := range target {
		l.to[i] = idx[t]
	}
	return l
}

// regionCategory is the heading of a division row.
func (p *plan) regionCategory(code string) Category {
	if code == "" {
		return Category{Code: Unknown, Label: "地区不详"}
	}
	d, _ := p.tbl.Lookup(code)
	return Category{Code: DisplayCode(code), Label: d.Name}
}

// childLevel returns the level one below the division code base ("" → provinces), at most
// Village (a village region has itself as its only row).
func childLevel(base string) region.Level {
	switch len(base) {
	case 0:
		return region.Province
	case 2:
		return region.Prefecture
	case 4:
		return region.County
	case 6:
		return region.Township
	}
	return region.Village
}

// divisionsAt lists the divisions of a level under base: base's own ancestor when the level is
// not below it, all its descendants of that level otherwise.
func (p *plan) divisionsAt(base string, level region.Level) []region.Division {
	n := region.CodeLen(level)
	if len(base) >= n && base != "" {
		d, ok := p.tbl.Lookup(base[:n])
		if !ok {
			return nil
		}
		return []region.Division{d}
	}
	var out []region.Division
	var walk func(code string)
	walk = func(code string) {
		for _, d := range p.tbl.Children(code) {
			if d.Level == level {
				out = append(out, d)
			} else if d.Level < level {
				walk(d.Code)
			}
		}
	}
	walk(base)
	return out
}

// commonDivision returns the deepest division that holds every non-empty code ("" when they
// span provinces or there are none).
func (p *plan) commonDivision(codes []string) string {
	prefix, first := "", true
	for _, c := range codes {
		if c == "" {
			continue
		}
		if first {
			prefix, first = c, false
			continue
		}
		k := 0
		for k < len(prefix) && k < len(c) && prefix[k] == c[k] {
			k++
		}
		prefix = prefix[:k]
	}
	for _, n := range []int{12, 9, 6, 4, 2} {
		if len(prefix) >= n {
			if _, ok := p.tbl.Lookup(prefix[:n]); ok {
				return prefix[:n]
			}
		}
	}
	return ""
}

// layoutOf finishes an axis of an accumulator.
func (p *plan) layoutOf(a *axisAcc, base string, count func(i int) int64) axisLayout {
	if a.d.isRegion() {
		return p.regionLayout(a, base, count)
	}
	return staticLayout(a.d, count)
}

// finish turns the accumulator into a Table, region axes rolled up under base.
func (a *accum) finish(p *plan, base string) *Table { return a.finishWith(p, base, base) }

// finishWith is finish with a base of its own for each axis.
func (a *accum) finishWith(p *plan, rowBase, colBase string) *Table {
	rl := p.layoutOf(&a.rows, rowBase, func(i int) int64 { return at(a.rowTot, i) })
	cl := p.layoutOf(&a.cols, colBase, func(j int) int64 { return at(a.colTot, j) })
	t := a.spec.newTable(a.rows.d, a.cols.d, rl.cats, cl.cats)
	for i, ti := range rl.to {
		if ti < 0 {
			continue
		}
		for j, tj := range cl.to {
			if tj >= 0 {
				t.Cells[ti][tj] += cell(a.cells, i, j)
			}
		}
		if t.RowTotals != nil {
			t.RowTotals[ti] += at(a.rowTot, i)
		}
	}
	if t.ColumnTotals != nil {
		for j, tj := range cl.to {
			if tj >= 0 {
				t.ColumnTotals[tj] += at(a.colTot, j)
			}
		}
	}
	if t.HasTotal() {
		t.Total = a.total
	}
	t.computePercents()
	return t
}

// newTable returns an empty table of the spec's shape.
func (s *tableSpec) newTable(rows, cols *dim, rc, cc []Category) *Table {
	t := &Table{Key: s.key, Title: s.title, Population: populations[s.pop].label, PopulationKey: s.pop,
		Unit: s.unit, Note: s.note,
		Rows:    Axis{Dimension: rows.key, Title: rows.title, Kind: rows.kind, Categories: rc},
		Columns: Axis{Dimension: cols.key, Title: cols.title, Kind: cols.kind, Categories: cc}}
	if s.population != "" {
		t.Population = s.population
	}
	if t.Unit == "" {
		t.Unit = "人"
	}
	t.Cells = make([][]int64, len(rc))
	for i := range t.Cells {
		t.Cells[i] = make([]int64, len(cc))
	}
	if cols.kind != Measures {
		t.RowTotals = make([]int64, len(rc))
	}
	if rows.kind != Measures {
		t.ColumnTotals = make([]int64, len(cc))
	}
	return t
}

// measure is one column of a measures table: who counts in it and where.
type measure struct {
	cat   Category
	on    func(c *recCtx) bool
	place func(c *recCtx) string
}

// The measures of by_region: each type of child at its own place.
var (
	measureMM = measure{Category{Code: TypeMigrantMonitoring, Label: "流动儿童（监测摸排范围）"},
		func(c *recCtx) bool { return c.mm }, func(c *recCtx) string { return c.resid }}
	measureMS = measure{Category{Code: "migrant_statistics", Label: "流动儿童（统计分析范围）"},
		func(c *recCtx) bool { return c.ms }, func(c *recCtx) string { return c.resid }}
	measureMSOnly = measure{Category{Code: TypeMigrantStatisticsOnly, Label: "流动儿童（仅统计分析范围）"},
		func(c *recCtx) bool { return c.ms && !c.mm }, func(c *recCtx) string { return c.resid }}
	measureLB = measure{Category{Code: TypeLeftBehind, Label: "留守儿童"},
		func(c *recCtx) bool { return c.lb }, func(c *recCtx) string { return c.hukou }}
	measureKC = measure{Category{Code: "key_care", Label: "重点关爱服务对象"},
		func(c *recCtx) bool { return c.kc }, func(c *recCtx) string { return c.kcPlace }}
)

// measuresAcc counts measures by division: each measure places its units by its own address.
type measuresAcc struct {
	rows   axisAcc
	ms     []measure
	cells  [][]int64 // [code index][measure]
	colTot []int64
}

func newMeasuresAcc(level region.Level, ms ...measure) *measuresAcc {
	d := &dim{key: "region", title: "地区", kind: Partition, place: func(*recCtx) string { return "" }, level: level, preseed: true}
	return &measuresAcc{rows: newAxisAcc(d), ms: ms, colTot: make([]int64, len(ms))}
}

func (a *measuresAcc) add(c *recCtx) {
	// The measures of one child share one or two places: look each up once.
	var code1, code2 string
	idx1, idx2 := -1, -1
	for k := range a.ms {
		m := &a.ms[k]
		if !m.on(c) {
			continue
		}
		code := m.place(c)
		var i int
		switch {
		case idx1 >= 0 && code == code1:
			i = idx1
		case idx2 >= 0 && code == code2:
			i = idx2
		default:
			i = a.rows.index(code)
			code2, idx2 = code1, idx1
			code1, idx1 = code, i
		}
		if i >= len(a.cells) {
			a.cells = append(a.cells, make([]int64, len(a.ms)))
		}
		a.cells[i][k]++
		a.colTot[k]++
	}
}

func (a *measuresAcc) merge(b *measuresAcc) {
	ri := a.rows.translate(&b.rows)
	for i, row := range b.cells {
		for ri[i] >= len(a.cells) {
			a.cells = append(a.cells, make([]int64, len(a.ms)))
		}
		for k, v := range row {
			a.cells[ri[i]][k] += v
		}
	}
	for k, v := range b.colTot {
		a.colTot[k] += v
	}
}

// rowCount is the number of units a code row holds across measures (for 地区不详 only).
func (a *measuresAcc) rowCount(i int) int64 {
	var s int64
	for _, v := range a.cells[i] {
		s += v
	}
	return s
}

// finish builds the table of the chosen measures (indexes into a.ms), rows rolled up under base.
func (a *measuresAcc) finish(p *plan, spec *tableSpec, base string, pick ...int) *Table {
	rl := p.regionLayout(&a.rows, base, func(i int) int64 {
		var s int64
		for _, k := range pick {
			s += a.cells[i][k]
		}
		return s
	})
	cc := make([]Category, len(pick))
	for j, k := range pick {
		cc[j] = a.ms[k].cat
	}
	cols := &dim{key: "type", title: "类别", kind: Measures}
	t := spec.newTable(a.rows.d, cols, rl.cats, cc)
	for i, ti := range rl.to {
		for j, k := range pick {
			t.Cells[ti][j] += a.cells[i][k]
		}
	}
	for j, k := range pick {
		t.ColumnTotals[j] = a.colTot[k]
	}
	t.computePercents()
	return t
}

// parentWorkAcc counts the parents of left-behind children who work away, by the province
// where they work: a child with both parents away counts twice (人次).
type parentWorkAcc struct {
	p      *plan
	rows   axisAcc
	cells  [][2]int64
	colTot [2]int64
	total  int64
}

func newParentWorkAcc(p *plan) *parentWorkAcc {
	d := &dim{key: "work_province", title: "务工地（省份）", kind: Partition, place: func(*recCtx) string { return "" }, level: region.Province}
	return &parentWorkAcc{p: p, rows: newAxisAcc(d)}
}

func (a *parentWorkAcc) add(c *recCtx) {
	if !c.lb {
		return
	}
	for k, par := range [2]*child.Parent{c.r.Father, c.r.Mother} {
		if !parentAway(par, childCounty(c.r), a.p) {
			continue
		}
		i := a.rows.index(normCode(par.WorkRegionCode))
		if i >= len(a.cells) {
			a.cells = append(a.cells, [2]int64{})
		}
		a.cells[i][k]++
		a.colTot[k]++
		a.total++
	}
}

func (a *parentWorkAcc) merge(b *parentWorkAcc) {
	ri := a.rows.translate(&b.rows)
	for i, row := range b.cells {
		for ri[i] >= len(a.cells) {
			a.cells = append(a.cells, [2]int64{})
		}
		a.cells[ri[i]][0] += row[0]
		a.cells[ri[i]][1] += row[1]
	}
	a.colTot[0] += b.colTot[0]
	a.colTot[1] += b.colTot[1]
	a.total += b.total
}

func (a *parentWorkAcc) finish(spec *tableSpec) *Table {
	rl := a.p.regionLayout(&a.rows, "", func(i int) int64 { return a.cells[i][0] + a.cells[i][1] })
	cols := &dim{key: "parent", title: "父母", kind: Partition}
	t := spec.newTable(a.rows.d, cols, rl.cats, []Category{{Code: "father", Label: "父亲"}, {Code: "mother", Label: "母亲"}})
	for i, ti := range rl.to {
		t.Cells[ti][0] += a.cells[i][0]
		t.Cells[ti][1] += a.cells[i][1]
		t.RowTotals[ti] += a.cells[i][0] + a.cells[i][1]
	}
	t.ColumnTotals[0], t.ColumnTotals[1] = a.colTot[0], a.colTot[1]
	t.Total = a.total
	t.computePercents()
	return t
}

// childCounty is where a parent's work is measured from (RULES.md, corrected 2026-12): the
// child's residence, or the hukou when the residence is unknown.
func childCounty(r *child.Record) string {
	if c := r.ResidenceAddr.Region(); c != "" {
		return c
	}
	return r.HukouAddress.Region()
}

// parentAway tells whether a parent works away as RULES.md defines it: a migrant worker, in
// another county than where the child lives, for the configured number of months or more, and not
// deceased, missing or held. It mirrors the rule in internal/rules, which does not export it.
func parentAway(par *child.Parent, county string, p *plan) bool {
	if par == nil || par.MigrantWorker == nil || !*par.MigrantWorker {
		return false
	}
	switch par.Capacity {
	case "deceased", "missing", "incarcerated":
		return false
	}
	work := par.WorkRegionCode
	if work == "" || county == "" || par.WorkSince == 0 {
		return false
	}
	n := min(len(work), len(county), 6)
	if work[:n] == county[:n] {
		return false
	}
	return par.WorkSince.MonthsReached(p.cfg.LeftBehindMonths, p.asOf)
}
