package stats

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultThreshold is the smallest count published: counts 1–4 are withheld.
const DefaultThreshold = 5

// ErrAlreadySuppressed is the error of a table given to Suppress that has been suppressed before:
// it comes back unchanged (its withheld values are gone and cannot be audited again).
var ErrAlreadySuppressed = errors.New("table already suppressed")

// Position is a value of a table in SuppressionInfo: Row = NumRows() is the column-totals row,
// Col = NumCols() the row-totals column.
type Position struct {
	Row     int    `json:"row"`
	Col     int    `json:"col"`
	RowCode string `json:"row_code"` // "total" for the column-totals row
	ColCode string `json:"col_code"` // "total" for the row-totals column
	Value   int64  `json:"value"`
}

// SuppressionInfo says what Suppress withheld and why. It names the primary cells (the small
// ones) and so is for internal use: the published table only says what is withheld.
type SuppressionInfo struct {
	Table     string `json:"table"`
	Threshold int    `json:"threshold"`
	// Primary are the values below the threshold (and above zero).
	Primary []Position `json:"primary"`
	// Complementary are the values withheld so that no primary one can be worked out.
	Complementary []Position `json:"complementary"`
	// Err is set when the table could not be audited (malformed, its figures contradicting
	// each other, or a withheld value left derivable with nothing more to withhold); every value
	// is then withheld. ErrAlreadySuppressed is the exception: the table comes back as it was.
	Err error `json:"-"`
}

// Suppress returns a copy of t ready for publication: every value (cell or total) from 1 to
// threshold−1 is withheld (primary suppression; zero is not sensitive), and further values are
// withheld (complementary suppression) until no withheld value can be worked out exactly from
// the published values and the table's structure — the totals, the overlaps of the type columns,
// the bounds of set totals — which is checked by solving, for each withheld value, the linear
// programmes of its least and greatest possible value. threshold ≤ 0 means DefaultThreshold.
// A malformed table comes back with everything withheld and the reason in the info.
func Suppress(t *Table, threshold int) (*Table, SuppressionInfo) {
	out, infos := SuppressTables([]*Table{t}, threshold)
	return out[0], infos[0]
}

// SuppressTables suppresses tables that are published together. A value that several tables
// share (the same population and the same conditions: the column totals of every table by type,
// for instance) is one unknown for the audit, withheld in all of them or in none, so that one
// table cannot give away what another withholds; values tied by an identity (仅为流动儿童 =
// 监测 + 仅统计 − 既流动又留守, an age group = the sum of smaller ones) are linked in the audit.
func SuppressTables(tables []*Table, threshold int) ([]*Table, []SuppressionInfo) {
	return suppressTables(tables, nil, threshold)
}

// suppressTables is SuppressTables with hidden tables: finer counts that are never published but
// that the published ones add up from (children by the finest age groups the published groupings
// can be differenced into). Their values are unknowns of the audit; a hidden value from 1 to
// threshold−1 must not become derivable either — the slivers that two groupings of one variable
// reveal by difference.
func suppressTables(tables, hidden []*Table, threshold int) ([]*Table, []SuppressionInfo) {
	return suppressTablesBy(tables, hidden, threshold, time.Time{})
}

// ErrBudget marks the tables withheld entirely because the suppression ran out of its time
// budget (SuppressReportWithin).
var ErrBudget = errors.New("suppression time budget exceeded: everything withheld")

// suppressTablesBy is suppressTables with a deadline (zero: none); see SuppressReportWithin.
func suppressTablesBy(tables, hidden []*Table, threshold int, deadline time.Time) ([]*Table, []SuppressionInfo) {
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	s := newSDC(tables, hidden, threshold)
	s.deadline = deadline
	s.primary()
	s.protectAll() // gives up (everything withheld) if the deadline passes
	s.prune()      // stops, safely, if the deadline passes
	if !s.late() {
		s.protectAll() // pruning keeps the audit; this only guards against a solver surprise
	}
	return s.results()
}

// late reports whether the deadline has passed.
func (s *sdc) late() bool { return !s.deadline.IsZero() && time.Now().After(s.deadline) }

// giveUp withholds every published table entirely (the budget ran out with values exposed).
func (s *sdc) giveUp() {
	for ti := 0; ti < s.published; ti++ {
		if s.bad[ti] == nil {
			s.bad[ti] = fmt.Errorf("%w: table %q", ErrBudget, s.tables[ti].Key)
		}
	}
	for id := range s.safe {
		s.safe[id] = true
	}
}

// sdcCon is a constraint over value ids: Σ coef·value (= or ≤) 0.
type sdcCon struct {
	ids  []int
	coef []float64
	eq   bool
	link bool // an identity between tables (linkConstraints)
}

type valRef struct {
	t int
	p pos
}

// sdc is the state of a suppression run over tables published together.
type sdc struct {
	threshold int
	tables    []*Table // copies
	bad       []error  // per table: why it cannot be audited
	grid      [][][]int
	val       []int64
	refs      [][]valRef
	supp      []bool
	prim      []bool
	safe      []bool
	virtual   []bool // a value of hidden tables only: never published, never withheld
	key       []string
	cons      []sdcCon
	consOf    [][]int
	published int // tables before this index are published, the rest hidden
	deadline  time.Time
}

func newSDC(tables, hidden []*Table, threshold int) *sdc {
	s := &sdc{threshold: threshold, published: len(tables)}
	keys := map[string]int{}
	all := append(append([]*Table(nil), tables...), hidden...)
	for ti, t := range all {
		var err error
		if t == nil {
			err = fmt.Errorf("%w: nil", errTable)
			t = &Table{Rows: Axis{Kind: Partition}, Columns: Axis{Kind: Partition}}
		} else {
			t = t.Clone()
			err = t.check()
			if err == nil && t.Mask != nil {
				err = fmt.Errorf("%w: table %q", ErrAlreadySuppressed, t.Key)
			}
			if err == nil {
				err = t.consistent()
			}
		}
		s.tables = append(s.tables, t)
		s.bad = append(s.bad, err)
		m, n := t.NumRows(), t.NumCols()
		g := make([][]int, m+1)
		for r := range g {
			g[r] = make([]int, n+1)
			for c := range g[r] {
				g[r][c] = -1
				if err != nil {
					continue // withheld whole, never read
				}
				v, ok := t.at(pos{r, c})
				if !ok {
					continue
				}
				key := valueKey(t, ti, pos{r, c})
				id, seen := keys[key]
				if !seen || s.val[id] != v {
					// A key met with another value cannot be the same figure: keep it apart.
					id = len(s.val)
					keys[key] = id
					s.val = append(s.val, v)
					s.refs = append(s.refs, nil)
					s.key = append(s.key, key)
				}
				s.refs[id] = append(s.refs[id], valRef{ti, pos{r, c}})
				g[r][c] = id
			}
		}
		s.grid = append(s.grid, g)
	}
	nv := len(s.val)
	s.supp, s.prim, s.safe, s.virtual = make([]bool, nv), make([]bool, nv), make([]bool, nv), make([]bool, nv)
	s.consOf = make([][]int, nv)
	for id, refs := range s.refs {
		s.virtual[id] = true
		for _, r := range refs {
			if r.t < s.published {
				s.virtual[id] = false
			}
		}
	}
	for ti, t := range s.tables {
		if s.bad[ti] == nil {
			s.buildConstraints(ti, t)
		}
	}
	s.linkConstraints(keys)
	for ci, c := range s.cons {
		for _, id := range c.ids {
			s.consOf[id] = append(s.consOf[id], ci)
		}
	}
	return s
}

// valueKey names a value by its population and conditions, so that tables published together
// share it; without a population key the value belongs to its table alone.
func valueKey(t *Table, ti int, p pos) string {
	m, n := t.NumRows(), t.NumCols()
	if t.PopulationKey == "" {
		return "#" + strconv.Itoa(ti) + "|" + strconv.Itoa(p.r) + "|" + strconv.Itoa(p.c)
	}
	pop := t.PopulationKey
	var conds []string
	add := func(a Axis, i int) {
		if a.Dimension == "count" {
			return
		}
		conds = append(conds, a.Dimension+"="+a.Categories[i].Code)
	}
	if p.r < m {
		add(t.Rows, p.r)
	}
	if p.c < n {
		add(t.Columns, p.c)
	}
	// Identities between populations: the same children under two descriptions.
	typeCond := func(code string) string { return "type=" + code }
	hasType := false
	for i, c := range conds {
		switch {
		case c == "scope="+TypeMigrantAndLeftBehind && pop == PopChildren:
			conds[i] = typeCond(TypeMigrantAndLeftBehind)
		case pop == PopMigrant && (c == "migrant_scope="+TypeMigrantMonitoring || c == "migrant_scope="+TypeMigrantStatisticsOnly):
			conds[i] = typeCond(strings.TrimPrefix(c, "migrant_scope="))
			pop = PopChildren
		}
		hasType = hasType || strings.HasPrefix(conds[i], "type=") || strings.HasPrefix(conds[i], "scope=") || strings.HasPrefix(conds[i], "migrant_scope=")
	}
	if !hasType {
		switch pop {
		case PopMigrantMonitoring:
			pop, conds = PopChildren, append(conds, typeCond(TypeMigrantMonitoring))
		case PopLeftBehind:
			pop, conds = PopChildren, append(conds, typeCond(TypeLeftBehind))
		}
	}
	sort.Strings(conds)
	return pop + "|" + strings.Join(conds, "|")
}

// linkConstraints states the identities between values of different tables that are not the
// same figure: a group of ages is the sum of its single years (age5 and age3 against the hidden
// table by year; 0–6岁 likewise), 仅为流动儿童 = 监测 + 仅统计 − 既流动又留守, 仅为留守儿童 =
// 留守 − 既流动又留守, and all migrant children = 监测 + 仅统计. A link is stated only when every
// value it names is in the tables and the true values satisfy it.
func (s *sdc) linkConstraints(keys map[string]int) {
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	link := func(id int, parts map[string]float64) {
		if len(parts) == 0 {
			return
		}
		c := sdcCon{ids: []int{id}, coef: []float64{1}, eq: true, link: true}
		sum := float64(s.val[id])
		for k, coef := range parts {
			w, ok := keys[k]
			if !ok || w == id {
				return
			}
			c.ids, c.coef = append(c.ids, w), append(c.coef, -coef)
			sum -= coef * float64(s.val[w])
		}
		if math.Abs(sum) < 0.5 {
			s.cons = append(s.cons, c)
		}
	}
	for _, name := range names {
		id := keys[name]
		pop, rest, _ := strings.Cut(name, "|")
		if strings.HasPrefix(pop, "#") {
			continue
		}
		var conds []string
		if rest != "" {
			conds = strings.Split(rest, "|")
		}
		with := func(extra ...string) string {
			cs := append(append([]string(nil), conds...), extra...)
			sort.Strings(cs)
			return PopChildren + "|" + strings.Join(cs, "|")
		}
		typed := false
		for i, c := range conds {
			dim, code, _ := strings.Cut(c, "=")
			others := append(append([]string(nil), conds[:i]...), conds[i+1:]...)
			withOthers := func(extra ...string) string {
				cs := append(append([]string(nil), others...), extra...)
				sort.Strings(cs)
				return pop + "|" + strings.Join(cs, "|")
			}
			switch dim {
			case "age5", "age3":
				parts := map[string]float64{}
				for _, a := range fineAgeCodes(code) {
					parts[withOthers("age_fine="+a)] = 1
				}
				link(id, parts)
			case "scope":
				typed = true
				switch code {
				case "migrant_only":
					link(id, map[string]float64{
						withOthers("type=" + TypeMigrantMonitoring): 1, withOthers("type=" + TypeMigrantStatisticsOnly): 1,
						withOthers("type=" + TypeMigrantAndLeftBehind): -1})
				case "left_behind_only":
					link(id, map[string]float64{withOthers("type=" + TypeLeftBehind): 1, withOthers("type=" + TypeMigrantAndLeftBehind): -1})
				}
			case "type", "migrant_scope":
				typed = true
			}
		}
		switch {
		case pop == PopMigrant && !typed:
			link(id, map[string]float64{with("type=" + TypeMigrantMonitoring): 1, with("type=" + TypeMigrantStatisticsOnly): 1})
		case pop == PopAge06:
			parts := map[string]float64{}
			for _, a := range fineAgeCodes("0-6") {
				parts[with("age_fine="+a)] = 1
			}
			link(id, parts)
		}
	}
}

// fineAgeCodes lists the hidden age groups (fineAgeBounds) that make up an age-group code: "6-11"
// → 6, 7-11; "0-5" → 0-2, 3-5; "16+" and unknown stand for themselves. A range that does not
// fall on the hidden groups' bounds gives nothing (no link is stated).
func fineAgeCodes(code string) []string {
	lo, hi, ok := strings.Cut(code, "-")
	if !ok {
		hi = lo
	}
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil {
		return []string{code} // 16+, unknown
	}
	var out []string
	covered := a
	for i, flo := range fineAgeBounds {
		fhi := 15
		if i+1 < len(fineAgeBounds) {
			fhi = fineAgeBounds[i+1] - 1
		}
		if flo < a || fhi > b {
			continue
		}
		if flo != covered {
			return nil
		}
		if flo == fhi {
			out = append(out, strconv.Itoa(flo))
		} else {
			out = append(out, strconv.Itoa(flo)+"-"+strconv.Itoa(fhi))
		}
		covered = fhi + 1
	}
	if covered != b+1 {
		return nil
	}
	return out
}

// buildConstraints states what anyone knows of table ti besides its figures: along every row the
// relation of the cells to the row total given by the column axis, along every column that given
// by the row axis (the totals row and column included), and x ≥ 0.
func (s *sdc) buildConstraints(ti int, t *Table) {
	m, n := t.NumRows(), t.NumCols()
	g := s.grid[ti]
	line := func(kind AxisKind, cats []Category, ids []int, total int) {
		if total < 0 || kind == Measures {
			return
		}
		switch kind {
		case Partition:
			c := sdcCon{eq: true}
			for _, id := range ids {
				c.ids, c.coef = append(c.ids, id), append(c.coef, 1)
			}
			c.ids, c.coef = append(c.ids, total), append(c.coef, -1)
			s.cons = append(s.cons, c)
		case Types:
			// total = M + So + L − B; B ≤ L; B ≤ M + So (the exact projection of the four
			// disjoint groups behind the overlapping columns).
			idx := map[string]int{}
			for k, c := range cats {
				idx[c.Code] = ids[k]
			}
			mm, so, lb, b := idx[TypeMigrantMonitoring], idx[TypeMigrantStatisticsOnly], idx[TypeLeftBehind], idx[TypeMigrantAndLeftBehind]
			s.cons = append(s.cons,
				sdcCon{ids: []int{mm, so, lb, b, total}, coef: []float64{1, 1, 1, -1, -1}, eq: true},
				sdcCon{ids: []int{b, lb}, coef: []float64{1, -1}},
				sdcCon{ids: []int{b, mm, so}, coef: []float64{1, -1, -1}})
		case Set:
			// Units in an exclusive category are in no other; the rest are in one or more:
			// total = Σ exclusive + A with max(other) ≤ A ≤ Σ other.
			var excl, other []int
			for k, c := range cats {
				if c.Exclusive {
					excl = append(excl, ids[k])
				} else {
					other = append(other, ids[k])
				}
			}
			if len(other) == 0 {
				c := sdcCon{eq: true}
				for _, id := range excl {
					c.ids, c.coef = append(c.ids, id), append(c.coef, 1)
				}
				c.ids, c.coef = append(c.ids, total), append(c.coef, -1)
				s.cons = append(s.cons, c)
				return
			}
			for _, o := range other {
				c := sdcCon{ids: []int{o, total}, coef: []float64{1, -1}}
				for _, e := range excl {
					c.ids, c.coef = append(c.ids, e), append(c.coef, 1)
				}
				s.cons = append(s.cons, c)
			}
			c := sdcCon{ids: []int{total}, coef: []float64{1}}
			for _, id := range append(append([]int(nil), excl...), other...) {
				c.ids, c.coef = append(c.ids, id), append(c.coef, -1)
			}
			s.cons = append(s.cons, c)
		}
	}
	rowsWithTotals := m
	if t.ColumnTotals != nil {
		rowsWithTotals = m + 1
	}
	for r := 0; r < rowsWithTotals; r++ {
		ids := make([]int, n)
		for c := range n {
			ids[c] = g[r][c]
		}
		line(t.Columns.Kind, t.Columns.Categories, ids, g[r][n])
	}
	colsWithTotals := n
	if t.RowTotals != nil {
		colsWithTotals = n + 1
	}
	for c := 0; c < colsWithTotals; c++ {
		ids := make([]int, m)
		for r := range m {
			ids[r] = g[r][c]
		}
		line(t.Rows.Kind, t.Rows.Categories, ids, g[m][c])
	}
}

// primary withholds the values from 1 to threshold−1, and everything in a table that cannot be
// audited.
func (s *sdc) primary() {
	for id, v := range s.val {
		if v >= 1 && v < int64(s.threshold) {
			s.supp[id], s.prim[id] = true, true
		}
		if s.virtual[id] {
			// Unknown to the attacker from the start; only a small one needs protecting.
			s.supp[id], s.safe[id] = true, !s.prim[id]
		}
	}
	for ti, err := range s.bad {
		if err == nil {
			continue
		}
		for _, row := range s.grid[ti] {
			for _, id := range row {
				if id >= 0 {
					s.supp[id] = true
					s.safe[id] = true
				}
			}
		}
	}
}

// component collects the withheld values linked to id through constraints with withheld values,
// and those constraints: the linear programme that bounds id.
func (s *sdc) component(id int) (vars []int, cons []int) {
	seenV := map[int]bool{id: true}
	seenC := map[int]bool{}
	queue := []int{id}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		vars = append(vars, v)
		for _, ci := range s.consOf[v] {
			if seenC[ci] {
				continue
			}
			seenC[ci] = true
			cons = append(cons, ci)
			for _, w := range s.cons[ci].ids {
				if s.supp[w] && !seenV[w] {
					seenV[w] = true
					queue = append(queue, w)
				}
			}
		}
	}
	return vars, cons
}

// bounds returns the least and greatest value an attacker can give the withheld value id.
func (s *sdc) bounds(id int) (lo, hi float64, hiInf bool, ok bool) {
	p, ok := s.lp(id)
	if !ok {
		return 0, 0, false, false
	}
	lo, hi, hiInf = p.bounds(0)
	return lo, hi, hiInf, true
}

// lp builds the linear programme of the component of id, id being variable 0; ok is false when
// it has no solution.
func (s *sdc) lp(id int) (*lpProblem, bool) {
	vars, cis := s.component(id)
	index := make(map[int]int, len(vars))
	for i, v := range vars {
		index[v] = i
	}
	cons := make([]lpCon, 0, len(cis))
	for _, ci := range cis {
		c := s.cons[ci]
		lc := lpCon{eq: c.eq}
		for k, w := range c.ids {
			if s.supp[w] {
				lc.vars = append(lc.vars, index[w])
				lc.coef = append(lc.coef, c.coef[k])
			} else {
				lc.rhs -= c.coef[k] * float64(s.val[w])
			}
		}
		cons = append(cons, lc)
	}
	return newLP(len(vars), cons)
}

// exposed reports whether the withheld value id can be worked out exactly: its least and
// greatest possible values are the same integer.
func (s *sdc) exposed(id int) bool {
	// The common case needs no solver: the only withheld value of an equality.
	for _, ci := range s.consOf[id] {
		c := &s.cons[ci]
		if !c.eq {
			continue
		}
		alone := true
		for _, w := range c.ids {
			if w != id && s.supp[w] {
				alone = false
				break
			}
		}
		if alone {
			return true
		}
	}
	p, ok := s.lp(id)
	if !ok {
		return true
	}
	// The true value is feasible, so it is exposed only when neither bound leaves it; the least
	// is needed only when the greatest does not.
	v := float64(s.val[id])
	if hi, inf := p.greatest(0); inf || hi >= v+1-1e-6 {
		return false
	}
	return p.least(0) > v-1+1e-6
}

// order lists the withheld values, primary first, smallest first.
func (s *sdc) order() []int {
	var ids []int
	for id, w := range s.supp {
		if w {
			ids = append(ids, id)
		}
	}
	sort.SliceStable(ids, func(i, j int) bool {
		a, b := ids[i], ids[j]
		if s.prim[a] != s.prim[b] {
			return s.prim[a]
		}
		if s.val[a] != s.val[b] {
			return s.val[a] < s.val[b]
		}
		return a < b
	})
	return ids
}

// protectAll withholds complementary values until no withheld value is exposed. Withholding more
// never narrows what an attacker can derive, so a value found safe stays safe and the loop ends.
func (s *sdc) protectAll() {
	for rounds := 0; rounds < 100000; rounds++ {
		if s.late() {
			// Whether anything is still exposed is unknown: publish nothing.
			s.giveUp()
			return
		}
		target := -1
		for _, id := range s.order() {
			if s.safe[id] {
				continue
			}
			if !s.exposed(id) {
				s.safe[id] = true
				continue
			}
			target = id
			break
		}
		if target < 0 {
			return
		}
		if !s.protect(target) {
			// Nothing is left to withhold around it: its tables cannot be published.
			s.safe[target] = true
			for _, ref := range s.refs[target] {
				if ref.t < s.published && s.bad[ref.t] == nil {
					s.bad[ref.t] = fmt.Errorf("%w %q: a withheld value stays derivable", errTable, s.tables[ref.t].Key)
				}
			}
			for _, ci := range s.consOf[target] {
				for _, w := range s.cons[ci].ids {
					for _, ref := range s.refs[w] {
						if s.virtual[target] && ref.t < s.published && s.bad[ref.t] == nil {
							s.bad[ref.t] = fmt.Errorf("%w %q: a hidden count stays derivable", errTable, s.tables[ref.t].Key)
						}
					}
				}
			}
		}
	}
}

// candidate is a set of values to withhold together and its cost.
type candidate struct {
	ids  []int
	cost float64
}

// cost of withholding a published value: its count (small cells lose little information), a
// zero a little (it rarely hides anything on its own), a total more than a cell.
func (s *sdc) cost(ref valRef, id int) float64 {
	t := s.tables[ref.t]
	v := float64(s.val[id])
	c := v
	switch {
	case ref.p.r == t.NumRows() || ref.p.c == t.NumCols():
		c = 2*v + 1
	case v == 0:
		c = 0.5
	}
	// A value several published tables share is withheld in all of them, and needs protecting
	// in each.
	shared := 0
	for _, r := range s.refs[id] {
		if r.t < s.published {
			shared++
		}
	}
	// Squared: protecting a value in n tables takes about n complements.
	return c * float64(max(shared*shared, 1))
}

// candidates lists the ways to hide the withheld value id: another value of its row or column,
// or a rectangle of three (the cycles of complementary suppression), cheapest first.
func (s *sdc) candidates(id int) []candidate {
	var out []candidate
	seen := map[string]bool{}
	addSet := func(ref valRef, ps ...pos) {
		g := s.grid[ref.t]
		var ids []int
		cost := 0.0
		for _, p := range ps {
			w := g[p.r][p.c]
			if w < 0 {
				return
			}
			if s.supp[w] || containsInt(ids, w) {
				continue
			}
			ids = append(ids, w)
			cost += s.cost(valRef{ref.t, p}, w)
		}
		if len(ids) == 0 {
			return
		}
		sort.Ints(ids)
		k := fmt.Sprint(ids)
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, candidate{ids, cost})
	}
	around := func(ref valRef, self bool) {
		g := s.grid[ref.t]
		i, j := ref.p.r, ref.p.c
		with := func(ps ...pos) {
			if self {
				ps = append(ps, ref.p)
			}
			addSet(ref, ps...)
		}
		if self {
			with()
		}
		for k := range g[i] {
			if k != j {
				with(pos{i, k})
			}
		}
		for l := range g {
			if l != i {
				with(pos{l, j})
			}
		}
		for l := range g {
			for k := range g[l] {
				if l != i && k != j {
					with(pos{i, k}, pos{l, j}, pos{l, k})
				}
			}
		}
	}
	if s.virtual[id] {
		// A hidden value is hidden again by withholding the published values it is linked to,
		// with what keeps each from being worked out in its own table.
		for _, w := range s.linked(id) {
			for _, ref := range s.refs[w] {
				if ref.t < s.published && s.bad[ref.t] == nil {
					around(ref, !s.supp[w])
				}
			}
		}
	}
	for _, ref := range s.refs[id] {
		if s.bad[ref.t] != nil || ref.t >= s.published {
			continue
		}
		around(ref, false)
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].cost != out[b].cost {
			return out[a].cost < out[b].cost
		}
		return len(out[a].ids) < len(out[b].ids)
	})
	return out
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// maxTrials bounds the candidates tried for one exposed value before taking the cheapest.
const maxTrials = 40

// protect withholds complementary values around the exposed value id: the cheapest candidate
// that hides it, else the cheapest one (the loop comes back to it), else everything in its
// tables. It reports false when nothing was left to withhold.
func (s *sdc) protect(id int) bool {
	if s.virtual[id] {
		// A hidden sliver: withhold every published value it is part of (both age groups that
		// contain it), then protect each of them in its own table.
		var fresh []int
		for _, w := range s.linked(id) {
			if !s.supp[w] {
				fresh = append(fresh, w)
			}
		}
		if len(fresh) > 0 {
			s.mark(fresh, true)
			return true
		}
		for _, w := range s.linked(id) {
			if s.exposed(w) {
				return s.protect(w)
			}
		}
	}
	cands := s.candidates(id)
	for k, c := range cands {
		if k >= maxTrials {
			break
		}
		s.mark(c.ids, true)
		if !s.exposed(id) {
			return true
		}
		s.mark(c.ids, false)
	}
	if len(cands) > 0 {
		s.mark(cands[0].ids, true)
		return true
	}
	added := false
	for _, ref := range s.refs[id] {
		if ref.t >= s.published {
			continue
		}
		for _, row := range s.grid[ref.t] {
			for _, w := range row {
				if w >= 0 && !s.supp[w] {
					s.supp[w] = true
					added = true
				}
			}
		}
	}
	return added
}

// linked lists the published values that link constraints tie to the value id.
func (s *sdc) linked(id int) []int {
	var out []int
	for _, ci := range s.consOf[id] {
		if !s.cons[ci].link {
			continue
		}
		for _, w := range s.cons[ci].ids {
			if !s.virtual[w] && !containsInt(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

func (s *sdc) mark(ids []int, on bool) {
	for _, id := range ids {
		s.supp[id] = on
		s.safe[id] = false
	}
}

// prune publishes again, largest first, the complementary values the protection does not need:
// a value is put back when every withheld value linked to it stays safe without it.
func (s *sdc) prune() {
	var comp []int
	for id, w := range s.supp {
		if w && !s.prim[id] && !s.virtual[id] && !s.isBad(id) {
			comp = append(comp, id)
		}
	}
	sort.SliceStable(comp, func(i, j int) bool { return s.val[comp[i]] > s.val[comp[j]] })
	for _, id := range comp {
		if s.late() {
			break // every step so far was audited: what is withheld now is safe
		}
		s.supp[id] = false
		affected := map[int]bool{}
		for _, ci := range s.consOf[id] {
			for _, w := range s.cons[ci].ids {
				if s.supp[w] && !affected[w] {
					vars, _ := s.component(w)
					for _, v := range vars {
						affected[v] = true
					}
				}
			}
		}
		ok := true
		for w := range affected {
			if s.virtual[w] && !s.prim[w] {
				continue // a hidden value nobody needs protected
			}
			if s.exposed(w) {
				ok = false
				break
			}
		}
		if !ok {
			s.supp[id] = true
		}
	}
	for id := range s.safe {
		s.safe[id] = s.isBad(id) || s.virtual[id] && !s.prim[id]
	}
}

// isBad reports whether id belongs to a table that cannot be audited.
func (s *sdc) isBad(id int) bool {
	for _, ref := range s.refs[id] {
		if s.bad[ref.t] != nil {
			return true
		}
	}
	return false
}

// results builds the published copies and the infos.
func (s *sdc) results() ([]*Table, []SuppressionInfo) {
	out := make([]*Table, s.published)
	infos := make([]SuppressionInfo, s.published)
	for ti, t := range s.tables[:s.published] {
		m, n := t.NumRows(), t.NumCols()
		info := SuppressionInfo{Table: t.Key, Threshold: s.threshold, Primary: []Position{}, Complementary: []Position{}, Err: s.bad[ti]}
		if errors.Is(s.bad[ti], ErrAlreadySuppressed) {
			out[ti] = t
			infos[ti] = info
			continue
		}
		if s.bad[ti] != nil {
			out[ti] = withholdAll(t, s.threshold)
			infos[ti] = info
			continue
		}
		t.Mask = newMask(t, s.threshold)
		for r, row := range s.grid[ti] {
			for c, id := range row {
				if id < 0 || !s.supp[id] {
					continue
				}
				p := pos{r, c}
				ps := Position{Row: r, Col: c, RowCode: code(t.Rows, r), ColCode: code(t.Columns, c), Value: s.val[id]}
				if s.prim[id] {
					info.Primary = append(info.Primary, ps)
				} else {
					info.Complementary = append(info.Complementary, ps)
				}
				t.Mask.set(p, m, n)
				t.set(p, 0)
			}
		}
		t.computePercents()
		out[ti] = t
		infos[ti] = info
	}
	return out, infos
}

func code(a Axis, i int) string {
	if i >= len(a.Categories) {
		return "total"
	}
	return a.Categories[i].Code
}

// withholdAll returns a copy of a table that cannot be audited with every value withheld; a
// table whose shape is wrong keeps only its title.
func withholdAll(t *Table, threshold int) *Table {
	if t.check() != nil {
		return &Table{Key: t.Key, Title: t.Title, Population: t.Population, PopulationKey: t.PopulationKey,
			Unit: t.Unit, Note: t.Note, Rows: Axis{Kind: Partition, Categories: []Category{}},
			Columns: Axis{Kind: Partition, Categories: []Category{}}, Cells: [][]int64{}, RowTotals: []int64{},
			ColumnTotals: []int64{}, Mask: &Mask{Threshold: threshold, Cells: [][]bool{}, RowTotals: []bool{}, ColumnTotals: []bool{}, Total: true}}
	}
	c := t.Clone()
	m, n := c.NumRows(), c.NumCols()
	c.Mask = newMask(c, threshold)
	for r := 0; r <= m; r++ {
		for col := 0; col <= n; col++ {
			if _, ok := c.at(pos{r, col}); ok {
				c.Mask.set(pos{r, col}, m, n)
				c.set(pos{r, col}, 0)
			}
		}
	}
	c.computePercents()
	return c
}
