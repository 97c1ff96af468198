package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// AxisKind says how the categories of an axis relate to the units counted, and therefore how the
// cells along a line of the table relate to the line's total. Suppression relies on it: it is
// what an attacker knows about the table besides the published figures.
type AxisKind string

// The kinds of axis.
const (
	// Partition: every unit counted falls in exactly one category, so a total is the sum of its
	// cells. Categories such as 不详 make a dimension a partition.
	Partition AxisKind = "partition"
	// Set: a unit may fall in several categories (家庭困难情况 低保 and 防止返贫监测 at once); the
	// categories marked Exclusive (无, 不详) take the units that fall in no other. A total counts
	// each unit once, so it lies between the largest cell and the sum of the cells.
	Set AxisKind = "set"
	// Types: the four overlapping types of child — migrant (monitoring scope), migrant (statistics
	// scope only), left-behind, both migrant and left-behind — whose total counts each child once:
	// total = monitoring + statistics-only + left-behind − both.
	Types AxisKind = "type"
	// Measures: independent counts side by side, each with its own population and its own place
	// (by_region: migrant children by residence next to left-behind children by hukou). There is
	// no total along such an axis.
	Measures AxisKind = "measures"
)

// valid reports whether k is one of the kinds.
func (k AxisKind) valid() bool {
	switch k {
	case Partition, Set, Types, Measures:
		return true
	}
	return false
}

// Category is one row or column heading: a stable code and its Chinese label.
type Category struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	// Exclusive marks, on a set axis, a category that takes exactly the units falling in no other
	// category (无, 不详).
	Exclusive bool `json:"exclusive,omitempty"`
}

// Axis is the row or column heading of a table.
type Axis struct {
	// Dimension is the registry key of the dimension (sex, age5, type, region, …).
	Dimension string `json:"dimension"`
	// Title is the Chinese heading of the axis (性别, 年龄组, 类别, 地区, …).
	Title      string     `json:"title"`
	Kind       AxisKind   `json:"kind"`
	Categories []Category `json:"categories"`
}

// Table is one statistical table: counts of a population by a row dimension and a column
// dimension, with the totals of every row and column and the grand total. A total is absent
// (RowTotals or ColumnTotals nil) along a Measures axis. Percentages are of the row total
// (RowPercent) and of the column total (ColumnPercent), NaN where not available.
type Table struct {
	// Key is stable across releases: snapshots and trends use it.
	Key string
	// Title is the Chinese title, as printed.
	Title string
	// Population says in Chinese whom the table counts and where each unit is placed.
	Population string
	// PopulationKey names the population in code ("children", "migrant", "left_behind", …); two
	// values with the same population key and the same conditions are the same number, which is
	// how SuppressTables links tables.
	PopulationKey string
	// Unit is 人 (children) or 人次 (parents of left-behind children: a child may count twice).
	Unit string
	// Note explains overlaps and special cases in Chinese, for the printed note.
	Note string

	Rows, Columns Axis

	Cells        [][]int64
	RowTotals    []int64
	ColumnTotals []int64
	Total        int64

	RowPercent    [][]float64
	ColumnPercent [][]float64

	// Mask is nil for an unsuppressed table. For a suppressed one it marks the values withheld;
	// their numbers are zero in the table and null in its JSON.
	Mask *Mask
}

// Mask marks the suppressed values of a table. It does not say which values were suppressed
// first (primary) and which to protect them (complementary): publishing that would tell an
// attacker which cells are small. SuppressionInfo, kept internally, does.
type Mask struct {
	Threshold    int      `json:"threshold"`
	Cells        [][]bool `json:"cells"`
	RowTotals    []bool   `json:"row_totals,omitempty"`
	ColumnTotals []bool   `json:"column_totals,omitempty"`
	Total        bool     `json:"total"`
}

// NumRows returns the number of body rows.
func (t *Table) NumRows() int { return len(t.Rows.Categories) }

// NumCols returns the number of body columns.
func (t *Table) NumCols() int { return len(t.Columns.Categories) }

// HasRowTotals reports whether the table has a total for every row (its columns are not Measures).
func (t *Table) HasRowTotals() bool { return t.RowTotals != nil }

// HasColumnTotals reports whether the table has a total for every column.
func (t *Table) HasColumnTotals() bool { return t.ColumnTotals != nil }

// HasTotal reports whether the table has a grand total.
func (t *Table) HasTotal() bool { return t.RowTotals != nil && t.ColumnTotals != nil }

// pos is a position in the extended grid of a table: rows 0…m−1 and columns 0…n−1 are the body,
// row m holds the column totals, column n the row totals, (m, n) the grand total.
type pos struct{ r, c int }

// at returns the value at p and whether the table has a value there.
func (t *Table) at(p pos) (int64, bool) {
	m, n := t.NumRows(), t.NumCols()
	switch {
	case p.r < 0 || p.c < 0 || p.r > m || p.c > n:
		return 0, false
	case p.r < m && p.c < n:
		return t.Cells[p.r][p.c], true
	case p.r < m:
		if t.RowTotals == nil {
			return 0, false
		}
		return t.RowTotals[p.r], true
	case p.c < n:
		if t.ColumnTotals == nil {
			return 0, false
		}
		return t.ColumnTotals[p.c], true
	}
	return t.Total, t.HasTotal()
}

// set changes the value at p, which must exist.
func (t *Table) set(p pos, v int64) {
	m, n := t.NumRows(), t.NumCols()
	switch {
	case p.r < m && p.c < n:
		t.Cells[p.r][p.c] = v
	case p.r < m:
		t.RowTotals[p.r] = v
	case p.c < n:
		t.ColumnTotals[p.c] = v
	default:
		t.Total = v
	}
}

// Suppressed reports whether the value at row r, column c is withheld; r = NumRows() addresses
// the column totals and c = NumCols() the row totals.
func (t *Table) Suppressed(r, c int) bool { return t.Mask.at(pos{r, c}, t.NumRows(), t.NumCols()) }

func (mk *Mask) at(p pos, m, n int) bool {
	if mk == nil {
		return false
	}
	switch {
	case p.r < m && p.c < n:
		return mk.Cells[p.r][p.c]
	case p.r < m:
		return p.r < len(mk.RowTotals) && mk.RowTotals[p.r]
	case p.c < n:
		return p.c < len(mk.ColumnTotals) && mk.ColumnTotals[p.c]
	}
	return mk.Total
}

func (mk *Mask) set(p pos, m, n int) {
	switch {
	case p.r < m && p.c < n:
		mk.Cells[p.r][p.c] = true
	case p.r < m:
		mk.RowTotals[p.r] = true
	case p.c < n:
		mk.ColumnTotals[p.c] = true
	default:
		mk.Total = true
	}
}

// newMask returns an empty mask shaped like t.
func newMask(t *Table, threshold int) *Mask {
	mk := &Mask{Threshold: threshold, Cells: make([][]bool, t.NumRows())}
	for i := range mk.Cells {
		mk.Cells[i] = make([]bool, t.NumCols())
	}
	if t.RowTotals != nil {
		mk.RowTotals = make([]bool, t.NumRows())
	}
	if t.ColumnTotals != nil {
		mk.ColumnTotals = make([]bool, t.NumCols())
	}
	return mk
}

// errTable is wrapped by the shape errors of check.
var errTable = errors.New("malformed table")

// check reports a table whose shape or counts cannot be right: it guards Suppress and WriteXLSX
// against tables built by hand or decoded from JSON.
func (t *Table) check() error {
	if t == nil {
		return fmt.Errorf("%w: nil", errTable)
	}
	if !t.Rows.Kind.valid() || !t.Columns.Kind.valid() {
		return fmt.Errorf("%w %q: axis kind %q × %q", errTable, t.Key, t.Rows.Kind, t.Columns.Kind)
	}
	if t.Rows.Kind == Measures && t.Columns.Kind == Measures {
		return fmt.Errorf("%w %q: both axes are measures", errTable, t.Key)
	}
	for _, a := range []Axis{t.Rows, t.Columns} {
		if a.Kind == Types && !typeAxis(a) {
			return fmt.Errorf("%w %q: a type axis needs exactly the four type categories", errTable, t.Key)
		}
	}
	m, n := t.NumRows(), t.NumCols()
	if len(t.Cells) != m {
		return fmt.Errorf("%w %q: %d rows of cells for %d row categories", errTable, t.Key, len(t.Cells), m)
	}
	for i, row := range t.Cells {
		if len(row) != n {
			return fmt.Errorf("%w %q: row %d has %d cells for %d columns", errTable, t.Key, i, len(row), n)
		}
		for _, v := range row {
			if v < 0 {
				return fmt.Errorf("%w %q: negative count in row %d", errTable, t.Key, i)
			}
		}
	}
	if (t.RowTotals == nil) != (t.Columns.Kind == Measures) || t.RowTotals != nil && len(t.RowTotals) != m {
		return fmt.Errorf("%w %q: row totals do not fit the columns", errTable, t.Key)
	}
	if (t.ColumnTotals == nil) != (t.Rows.Kind == Measures) || t.ColumnTotals != nil && len(t.ColumnTotals) != n {
		return fmt.Errorf("%w %q: column totals do not fit the rows", errTable, t.Key)
	}
	for _, v := range append(append([]int64{t.Total}, t.RowTotals...), t.ColumnTotals...) {
		if v < 0 {
			return fmt.Errorf("%w %q: negative total", errTable, t.Key)
		}
	}
	if mk := t.Mask; mk != nil {
		if len(mk.Cells) != m || mk.RowTotals != nil && len(mk.RowTotals) != m || mk.ColumnTotals != nil && len(mk.ColumnTotals) != n {
			return fmt.Errorf("%w %q: mask does not fit the table", errTable, t.Key)
		}
		for _, row := range mk.Cells {
			if len(row) != n {
				return fmt.Errorf("%w %q: mask does not fit the table", errTable, t.Key)
			}
		}
	}
	return nil
}

// typeAxis reports whether a has the four type categories, each once.
func typeAxis(a Axis) bool {
	if len(a.Categories) != 4 {
		return false
	}
	seen := map[string]bool{}
	for _, c := range a.Categories {
		switch c.Code {
		case TypeMigrantMonitoring, TypeMigrantStatisticsOnly, TypeLeftBehind, TypeMigrantAndLeftBehind:
			seen[c.Code] = true
		}
	}
	return len(seen) == 4
}

// consistent reports a table whose totals do not agree with its cells as its axes say they must
// (a sum for a partition; the overlap formula for types; the bounds of a set). Only a consistent
// table can be audited. t must have passed check.
func (t *Table) consistent() error {
	m, n := t.NumRows(), t.NumCols()
	line := func(kind AxisKind, cats []Category, vals []int64, total int64) bool {
		switch kind {
		case Partition:
			var s int64
			for _, v := range vals {
				s += v
			}
			return s == total
		case Types:
			v := map[string]int64{}
			for k, c := range cats {
				v[c.Code] = vals[k]
			}
			mm, so, lb, b := v[TypeMigrantMonitoring], v[TypeMigrantStatisticsOnly], v[TypeLeftBehind], v[TypeMigrantAndLeftBehind]
			return total == mm+so+lb-b && b <= lb && b <= mm+so
		case Set:
			var excl, sum, most int64
			other := false
			for k, c := range cats {
				if c.Exclusive {
					excl += vals[k]
				} else {
					other = true
					sum += vals[k]
					most = max(most, vals[k])
				}
			}
			if !other {
				return total == excl
			}
			return total >= excl+most && total <= excl+sum
		}
		return true
	}
	if t.RowTotals != nil {
		for r := 0; r <= m; r++ {
			if r == m && t.ColumnTotals == nil {
				break
			}
			vals := make([]int64, n)
			for c := range n {
				vals[c], _ = t.at(pos{r, c})
			}
			if tot, _ := t.at(pos{r, n}); !line(t.Columns.Kind, t.Columns.Categories, vals, tot) {
				return fmt.Errorf("%w %q: row %d does not agree with its total", errTable, t.Key, r)
			}
		}
	}
	if t.ColumnTotals != nil {
		for c := 0; c <= n; c++ {
			if c == n && t.RowTotals == nil {
				break
			}
			vals := make([]int64, m)
			for r := range m {
				vals[r], _ = t.at(pos{r, c})
			}
			if tot, _ := t.at(pos{m, c}); !line(t.Rows.Kind, t.Rows.Categories, vals, tot) {
				return fmt.Errorf("%w %q: column %d does not agree with its total", errTable, t.Key, c)
			}
		}
	}
	return nil
}

// Clone returns a deep copy of t.
func (t *Table) Clone() *Table {
	c := *t
	c.Rows.Categories = append([]Category(nil), t.Rows.Categories...)
	c.Columns.Categories = append([]Category(nil), t.Columns.Categories...)
	c.Cells = cloneInts(t.Cells)
	c.RowTotals = cloneSlice(t.RowTotals)
	c.ColumnTotals = cloneSlice(t.ColumnTotals)
	c.RowPercent = cloneFloats(t.RowPercent)
	c.ColumnPercent = cloneFloats(t.ColumnPercent)
	if t.Mask != nil {
		mk := *t.Mask
		mk.Cells = make([][]bool, len(t.Mask.Cells))
		for i, row := range t.Mask.Cells {
			mk.Cells[i] = cloneSlice(row)
		}
		mk.RowTotals = cloneSlice(t.Mask.RowTotals)
		mk.ColumnTotals = cloneSlice(t.Mask.ColumnTotals)
		c.Mask = &mk
	}
	return &c
}

func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

func cloneInts(s [][]int64) [][]int64 {
	if s == nil {
		return nil
	}
	out := make([][]int64, len(s))
	for i, row := range s {
		out[i] = cloneSlice(row)
	}
	return out
}

func cloneFloats(s [][]float64) [][]float64 {
	if s == nil {
		return nil
	}
	out := make([][]float64, len(s))
	for i, row := range s {
		out[i] = cloneSlice(row)
	}
	return out
}

// computePercents fills RowPercent and ColumnPercent (two decimals), leaving NaN where the cell
// or the total it is taken of is withheld or zero: a percentage of a published cell would give
// away a withheld total, and the other way round.
func (t *Table) computePercents() {
	m, n := t.NumRows(), t.NumCols()
	pct := func(p pos, den pos) float64 {
		v, _ := t.at(p)
		d, ok := t.at(den)
		if !ok || d == 0 || t.Mask.at(p, m, n) || t.Mask.at(den, m, n) {
			return math.NaN()
		}
		return math.Round(float64(v)*10000/float64(d)) / 100
	}
	t.RowPercent, t.ColumnPercent = nil, nil
	if t.RowTotals != nil {
		t.RowPercent = make([][]float64, m)
		for i := range m {
			t.RowPercent[i] = make([]float64, n)
			for j := range n {
				t.RowPercent[i][j] = pct(pos{i, j}, pos{i, n})
			}
		}
	}
	if t.ColumnTotals != nil {
		t.ColumnPercent = make([][]float64, m)
		for i := range m {
			t.ColumnPercent[i] = make([]float64, n)
			for j := range n {
				t.ColumnPercent[i][j] = pct(pos{i, j}, pos{m, j})
			}
		}
	}
}

// tableJSON is the wire form of a Table: withheld values are null.
type tableJSON struct {
	Key           string       `json:"key"`
	Title         string       `json:"title"`
	Population    string       `json:"population"`
	PopulationKey string       `json:"population_key,omitempty"`
	Unit          string       `json:"unit"`
	Note          string       `json:"note,omitempty"`
	Rows          Axis         `json:"rows"`
	Columns       Axis         `json:"columns"`
	Cells         [][]*int64   `json:"cells"`
	RowTotals     []*int64     `json:"row_totals,omitempty"`
	ColumnTotals  []*int64     `json:"column_totals,omitempty"`
	Total         *int64       `json:"total"`
	RowPercent    [][]*float64 `json:"row_percent,omitempty"`
	ColumnPercent [][]*float64 `json:"column_percent,omitempty"`
	Suppressed    *suppressed  `json:"suppressed,omitempty"`
}

// suppressed tells a reader of the JSON that nulls are withheld values.
type suppressed struct {
	Threshold int    `json:"threshold"`
	Mark      string `json:"mark"`
	Note      string `json:"note"`
}

// SuppressionMark is how a withheld value is printed.
const SuppressionMark = "*"

// suppressionNote explains the mark in published output.
func suppressionNote(threshold int) string {
	return fmt.Sprintf("“%s”表示为保护个人信息不予公布的数据：小于 %d 的数据，以及可据以推算出这些数据的相关数据（含合计）。", SuppressionMark, threshold)
}

// MarshalJSON writes the table with withheld values as null.
func (t *Table) MarshalJSON() ([]byte, error) {
	m, n := t.NumRows(), t.NumCols()
	val := func(p pos) *int64 {
		v, ok := t.at(p)
		if !ok || t.Mask.at(p, m, n) {
			return nil
		}
		return &v
	}
	pcts := func(src [][]float64) [][]*float64 {
		if src == nil {
			return nil
		}
		out := make([][]*float64, len(src))
		for i, row := range src {
			out[i] = make([]*float64, len(row))
			for j, f := range row {
				if !math.IsNaN(f) {
					f := f
					out[i][j] = &f
				}
			}
		}
		return out
	}
	j := tableJSON{Key: t.Key, Title: t.Title, Population: t.Population, PopulationKey: t.PopulationKey,
		Unit: t.Unit, Note: t.Note, Rows: t.Rows, Columns: t.Columns, Total: val(pos{m, n}),
		RowPercent: pcts(t.RowPercent), ColumnPercent: pcts(t.ColumnPercent)}
	j.Cells = make([][]*int64, m)
	for r := range m {
		j.Cells[r] = make([]*int64, n)
		for c := range n {
			j.Cells[r][c] = val(pos{r, c})
		}
	}
	if t.RowTotals != nil {
		j.RowTotals = make([]*int64, m)
		for r := range m {
			j.RowTotals[r] = val(pos{r, n})
		}
	}
	if t.ColumnTotals != nil {
		j.ColumnTotals = make([]*int64, n)
		for c := range n {
			j.ColumnTotals[c] = val(pos{m, c})
		}
	}
	if t.Mask != nil {
		j.Suppressed = &suppressed{Threshold: t.Mask.Threshold, Mark: SuppressionMark, Note: suppressionNote(t.Mask.Threshold)}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes; nulls become withheld values when the table says
// it was suppressed.
func (t *Table) UnmarshalJSON(b []byte) error {
	var j tableJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	*t = Table{Key: j.Key, Title: j.Title, Population: j.Population, PopulationKey: j.PopulationKey,
		Unit: j.Unit, Note: j.Note, Rows: j.Rows, Columns: j.Columns}
	m, n := len(j.Rows.Categories), len(j.Columns.Categories)
	if len(j.Cells) != m {
		return fmt.Errorf("table %q: %w: %d rows of cells for %d categories", j.Key, errTable, len(j.Cells), m)
	}
	if j.Suppressed != nil {
		t.Mask = &Mask{Threshold: j.Suppressed.Threshold}
	}
	get := func(p *int64, flag *bool) int64 {
		if p == nil {
			if flag != nil {
				*flag = true
			}
			return 0
		}
		return *p
	}
	var sink bool
	flag := func(f *bool) *bool {
		if t.Mask == nil {
			return &sink
		}
		return f
	}
	t.Cells = make([][]int64, m)
	if t.Mask != nil {
		t.Mask.Cells = make([][]bool, m)
	}
	for r, row := range j.Cells {
		if len(row) != n {
			return fmt.Errorf("table %q: %w: row %d has %d cells for %d columns", j.Key, errTable, r, len(row), n)
		}
		t.Cells[r] = make([]int64, n)
		var mrow []bool
		if t.Mask != nil {
			mrow = make([]bool, n)
			t.Mask.Cells[r] = mrow
		}
		for c, p := range row {
			var f *bool
			if mrow != nil {
				f = &mrow[c]
			}
			t.Cells[r][c] = get(p, flag(f))
		}
	}
	if j.RowTotals != nil {
		t.RowTotals = make([]int64, len(j.RowTotals))
		if t.Mask != nil {
			t.Mask.RowTotals = make([]bool, len(j.RowTotals))
		}
		for r, p := range j.RowTotals {
			var f *bool
			if t.Mask != nil {
				f = &t.Mask.RowTotals[r]
			}
			t.RowTotals[r] = get(p, flag(f))
		}
	}
	if j.ColumnTotals != nil {
		t.ColumnTotals = make([]int64, len(j.ColumnTotals))
		if t.Mask != nil {
			t.Mask.ColumnTotals = make([]bool, len(j.ColumnTotals))
		}
		for c, p := range j.ColumnTotals {
			var f *bool
			if t.Mask != nil {
				f = &t.Mask.ColumnTotals[c]
			}
			t.ColumnTotals[c] = get(p, flag(f))
		}
	}
	if t.HasTotal() {
		var f *bool
		if t.Mask != nil {
			f = &t.Mask.Total
		}
		t.Total = get(j.Total, flag(f))
	}
	unp := func(src [][]*float64) [][]float64 {
		if src == nil {
			return nil
		}
		out := make([][]float64, len(src))
		for i, row := range src {
			out[i] = make([]float64, len(row))
			for k, p := range row {
				out[i][k] = math.NaN()
				if p != nil {
					out[i][k] = *p
				}
			}
		}
		return out
	}
	t.RowPercent, t.ColumnPercent = unp(j.RowPercent), unp(j.ColumnPercent)
	return t.check()
}
