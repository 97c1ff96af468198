package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// This file plays the attacker against Suppress, with methods that share no code with it.
//
// For a two-way partition table with margins, the withheld values are the flows of a
// transportation network: source → row i carries the withheld part of row i (fixed when the row
// total is published, free when it is withheld), row i → column j the withheld cell (i, j),
// column j → sink the withheld part of column j, and sink → source everything withheld (fixed
// when the grand total is published). Every integer circulation within these bounds is a table
// consistent with what is published, and the bounds of one edge's flow — found by feasibility
// tests of circulations with lower bounds (max-flow) — are exactly the bounds an attacker can
// derive. The matrix is totally unimodular, so integer and real bounds agree.
//
// For tables with type or set axes, the attacker enumerates microdata: every way of filling
// the disjoint groups behind the overlapping categories that reproduces the published figures.

const flowInf = int64(1) << 40

type flowEdge struct {
	to   int
	cap  int64
	flow int64
	rev  int
}

type flowNet struct {
	adj   [][]flowEdge
	level []int
	iter  []int
}

func newFlowNet(n int) *flowNet { return &flowNet{adj: make([][]flowEdge, n)} }

func (f *flowNet) add(u, v int, c int64) {
	f.adj[u] = append(f.adj[u], flowEdge{to: v, cap: c, rev: len(f.adj[v])})
	f.adj[v] = append(f.adj[v], flowEdge{to: u, cap: 0, rev: len(f.adj[u]) - 1})
}

func (f *flowNet) bfs(s, t int) bool {
	f.level = make([]int, len(f.adj))
	for i := range f.level {
		f.level[i] = -1
	}
	f.level[s] = 0
	q := []int{s}
	for len(q) > 0 {
		u := q[0]
		q = q[1:]
		for _, e := range f.adj[u] {
			if e.cap-e.flow > 0 && f.level[e.to] < 0 {
				f.level[e.to] = f.level[u] + 1
				q = append(q, e.to)
			}
		}
	}
	return f.level[t] >= 0
}

func (f *flowNet) dfs(u, t int, pushed int64) int64 {
	if u == t {
		return pushed
	}
	for ; f.iter[u] < len(f.adj[u]); f.iter[u]++ {
		e := &f.adj[u][f.iter[u]]
		if e.cap-e.flow > 0 && f.level[e.to] == f.level[u]+1 {
			if d := f.dfs(e.to, t, min(pushed, e.cap-e.flow)); d > 0 {
				e.flow += d
				f.adj[e.to][e.rev].flow -= d
				return d
			}
		}
	}
	return 0
}

func (f *flowNet) maxFlow(s, t int) int64 {
	var total int64
	for f.bfs(s, t) {
		f.iter = make([]int, len(f.adj))
		for {
			d := f.dfs(s, t, flowInf)
			if d == 0 {
				break
			}
			total += d
		}
	}
	return total
}

// boundedEdge is an edge of a circulation with lower and upper bounds.
type boundedEdge struct {
	u, v   int
	lo, hi int64
}

// circulationFeasible reports whether a circulation within the bounds exists.
func circulationFeasible(n int, edges []boundedEdge) bool {
	f := newFlowNet(n + 2)
	s, t := n, n+1
	excess := make([]int64, n)
	for _, e := range edges {
		if e.lo > e.hi {
			return false
		}
		f.add(e.u, e.v, e.hi-e.lo)
		excess[e.v] += e.lo
		excess[e.u] -= e.lo
	}
	var need int64
	for v, x := range excess {
		if x > 0 {
			f.add(s, v, x)
			need += x
		} else if x < 0 {
			f.add(v, t, -x)
		}
	}
	return f.maxFlow(s, t) == need
}

// flowAttack returns, for every withheld value of the published partition table pub, the least
// and greatest value consistent with what pub shows (hi = flowInf when unbounded).
func flowAttack(t *testing.T, pub *Table) map[pos][2]int64 {
	t.Helper()
	m, n := pub.NumRows(), pub.NumCols()
	S, T := 0, m+n+1
	rowNode := func(i int) int { return 1 + i }
	colNode := func(j int) int { return 1 + m + j }
	var rowPub, colPub []int64 = make([]int64, m), make([]int64, n)
	var allPub int64
	for i := range m {
		for j := range n {
			if !pub.Suppressed(i, j) {
				rowPub[i] += pub.Cells[i][j]
				colPub[j] += pub.Cells[i][j]
				allPub += pub.Cells[i][j]
			}
		}
	}
	type keyed struct {
		p   pos
		idx int // edge index
		off int64
	}
	var edges []boundedEdge
	var withheld []keyed
	for i := range m {
		e := boundedEdge{u: S, v: rowNode(i), lo: 0, hi: flowInf}
		if !pub.Suppressed(i, n) {
			e.lo, e.hi = pub.RowTotals[i]-rowPub[i], pub.RowTotals[i]-rowPub[i]
		} else {
			withheld = append(withheld, keyed{pos{i, n}, len(edges), rowPub[i]})
		}
		edges = append(edges, e)
	}
	for j := range n {
		e := boundedEdge{u: colNode(j), v: T, lo: 0, hi: flowInf}
		if !pub.Suppressed(m, j) {
			e.lo, e.hi = pub.ColumnTotals[j]-colPub[j], pub.ColumnTotals[j]-colPub[j]
		} else {
			withheld = append(withheld, keyed{pos{m, j}, len(edges), colPub[j]})
		}
		edges = append(edges, e)
	}
	for i := range m {
		for j := range n {
			if pub.Suppressed(i, j) {
				withheld = append(withheld, keyed{pos{i, j}, len(edges), 0})
				edges = append(edges, boundedEdge{u: rowNode(i), v: colNode(j), lo: 0, hi: flowInf})
			}
		}
	}
	g := boundedEdge{u: T, v: S, lo: 0, hi: flowInf}
	if !pub.Suppressed(m, n) {
		g.lo, g.hi = pub.Total-allPub, pub.Total-allPub
	} else {
		withheld = append(withheld, keyed{pos{m, n}, len(edges), allPub})
	}
	edges = append(edges, g)
	nodes := m + n + 2
	if !circulationFeasible(nodes, edges) {
		t.Fatalf("published table %q admits no consistent table", pub.Key)
	}
	out := map[pos][2]int64{}
	for _, w := range withheld {
		e0 := edges[w.idx]
		feasible := func(lo, hi int64) bool {
			edges[w.idx].lo, edges[w.idx].hi = max(lo, e0.lo), min(hi, e0.hi)
			ok := circulationFeasible(nodes, edges)
			edges[w.idx] = e0
			return ok
		}
		// Least: smallest x with a circulation where this flow ≤ x.
		lo, hi := int64(0), flowInf
		for lo < hi {
			mid := lo + (hi-lo)/2
			if feasible(0, mid) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		least := lo
		// Greatest: largest x with a circulation where this flow ≥ x.
		lo, hi = least, flowInf
		for lo < hi {
			mid := lo + (hi-lo+1)/2
			if feasible(mid, flowInf) {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		greatest := lo
		if greatest < flowInf {
			greatest += w.off
		}
		out[w.p] = [2]int64{least + w.off, greatest}
	}
	return out
}

// partitionTable builds a partition × partition table from its cells.
func partitionTable(key string, cells [][]int64) *Table {
	m, n := len(cells), len(cells[0])
	t := &Table{Key: key, Title: key, PopulationKey: "test_" + key, Unit: "人",
		Rows:    Axis{Dimension: "r", Kind: Partition},
		Columns: Axis{Dimension: "c", Kind: Partition},
		Cells:   cells, RowTotals: make([]int64, m), ColumnTotals: make([]int64, n)}
	for i := range m {
		t.Rows.Categories = append(t.Rows.Categories, Category{Code: fmt.Sprint("r", i), Label: fmt.Sprint("行", i)})
	}
	for j := range n {
		t.Columns.Categories = append(t.Columns.Categories, Category{Code: fmt.Sprint("c", j), Label: fmt.Sprint("列", j)})
	}
	for i := range m {
		for j := range n {
			t.RowTotals[i] += cells[i][j]
			t.ColumnTotals[j] += cells[i][j]
			t.Total += cells[i][j]
		}
	}
	return t
}

// checkPublished asserts what must hold of every published table: every value from 1 to
// threshold−1 withheld, published values unchanged, withheld values zero in the copy.
func checkPublished(t *testing.T, orig, pub *Table, threshold int) {
	t.Helper()
	m, n := orig.NumRows(), orig.NumCols()
	for r := 0; r <= m; r++ {
		for c := 0; c <= n; c++ {
			v, ok := orig.at(pos{r, c})
			if !ok {
				continue
			}
			got, _ := pub.at(pos{r, c})
			switch {
			case v >= 1 && v < int64(threshold) && !pub.Suppressed(r, c):
				t.Errorf("%s: value %d at (%d,%d) published, want withheld", orig.Key, v, r, c)
			case !pub.Suppressed(r, c) && got != v:
				t.Errorf("%s: published (%d,%d) = %d, want %d", orig.Key, r, c, got, v)
			case pub.Suppressed(r, c) && got != 0:
				t.Errorf("%s: withheld (%d,%d) still shows %d", orig.Key, r, c, got)
			}
		}
	}
}

// attackPartition runs the flow attacker on a published partition table and asserts that no
// withheld value is pinned down; it also checks that the suppression's own audit (the simplex)
// finds the same bounds.
func attackPartition(t *testing.T, orig, pub *Table) {
	t.Helper()
	bounds := flowAttack(t, pub)
	s := newSDC([]*Table{orig}, nil, DefaultThreshold)
	for p, b := range bounds {
		v, _ := orig.at(p)
		if v < b[0] || v > b[1] {
			t.Fatalf("%s: true value %d at %v outside the attacker's bounds %v", orig.Key, v, p, b)
		}
		if b[0] == b[1] {
			t.Errorf("%s: withheld value at (%d,%d) is exactly %d from the published figures\n%s", orig.Key, p.r, p.c, v, render(pub))
		}
		id := s.grid[0][p.r][p.c]
		for r, row := range s.grid[0] {
			for c, w := range row {
				if w >= 0 {
					s.supp[w] = pub.Suppressed(r, c)
				}
			}
		}
		lo, hi, inf, ok := s.bounds(id)
		if !ok || math.Abs(lo-float64(b[0])) > 1e-6 || (b[1] == flowInf) != inf || !inf && math.Abs(hi-float64(b[1])) > 1e-6 {
			t.Errorf("%s: simplex bounds of (%d,%d) = [%v, %v] inf=%v ok=%v, flow bounds = %v", orig.Key, p.r, p.c, lo, hi, inf, ok, b)
		}
	}
}

// render prints a published table for failure messages.
func render(t *Table) string {
	out := ""
	m, n := t.NumRows(), t.NumCols()
	for r := 0; r <= m; r++ {
		for c := 0; c <= n; c++ {
			v, ok := t.at(pos{r, c})
			switch {
			case !ok:
				out += "     -"
			case t.Suppressed(r, c):
				out += "     *"
			default:
				out += fmt.Sprintf("%6d", v)
			}
		}
		out += "\n"
	}
	return out
}

func TestSuppressAttackerHandMade(t *testing.T) {
	tests := []struct {
		name  string
		cells [][]int64
	}{
		{"row with one small cell", [][]int64{{0, 0, 3}, {10, 20, 30}, {15, 5, 40}}},
		{"single small cell", [][]int64{{50, 60, 70}, {80, 2, 90}, {100, 110, 120}}},
		{"column of zeros", [][]int64{{0, 12, 7}, {0, 3, 25}, {0, 30, 9}}},
		{"one column", [][]int64{{3}, {20}, {30}}},
		{"one row", [][]int64{{3, 20, 30}}},
		{"all small", [][]int64{{1, 2}, {3, 4}}},
		{"small grand total", [][]int64{{1, 0}, {0, 2}}},
		{"small row total of large cells", [][]int64{{0, 4, 0}, {9, 9, 9}, {9, 9, 9}}},
		{"two small in a row", [][]int64{{1, 1, 40}, {30, 30, 30}, {25, 26, 27}}},
		{"diagonal of small cells", [][]int64{{2, 30, 30}, {30, 2, 30}, {30, 30, 2}}},
		{"zeros around a small cell", [][]int64{{0, 0, 0}, {0, 1, 0}, {0, 0, 0}}},
		{"small cell beside zeros", [][]int64{{4, 0}, {0, 50}, {20, 30}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := partitionTable(tc.name, tc.cells)
			pub, info := Suppress(orig, DefaultThreshold)
			if info.Err != nil {
				t.Fatal(info.Err)
			}
			checkPublished(t, orig, pub, DefaultThreshold)
			attackPartition(t, orig, pub)
			if len(info.Primary) == 0 {
				t.Fatal("no primary suppression in a table made to have some")
			}
		})
	}
}

func TestSuppressAttackerRandomPartition(t *testing.T) {
	rng := rand.New(rand.NewPCG(20250630, 47))
	n := 300
	if testing.Short() || raceEnabled {
		n = 60
	}
	var withheld, cells int
	for k := range n {
		m, c := 1+rng.IntN(6), 1+rng.IntN(5)
		pSmall := rng.Float64() * 0.5
		pZero := rng.Float64() * 0.4
		tab := make([][]int64, m)
		for i := range tab {
			tab[i] = make([]int64, c)
			for j := range tab[i] {
				switch x := rng.Float64(); {
				case x < pZero:
				case x < pZero+pSmall:
					tab[i][j] = 1 + rng.Int64N(4)
				default:
					tab[i][j] = 5 + rng.Int64N(60)
				}
			}
		}
		orig := partitionTable(fmt.Sprint("random", k), tab)
		pub, info := Suppress(orig, DefaultThreshold)
		if info.Err != nil {
			t.Fatal(info.Err)
		}
		checkPublished(t, orig, pub, DefaultThreshold)
		attackPartition(t, orig, pub)
		withheld += len(info.Primary) + len(info.Complementary)
		cells += (m + 1) * (c + 1)
		if t.Failed() {
			t.Fatalf("table %d:\n%s", k, render(pub))
		}
	}
	t.Logf("%d random tables, %d of %d values withheld", n, withheld, cells)
}

// microTable is a table over microdata for the brute-force attacker: units fall in one
// category of the partition axis (lines) and in one group ("atom") of the other axis; member
// says which categories of the other axis each atom counts in.
type microTable struct {
	member [][]bool // [category][atom]
	counts [][]int  // [line][atom]
}

// build makes the Table: lines are rows when linesAreRows, columns otherwise.
func (mt *microTable) build(key string, otherKind AxisKind, other []Category, linesAreRows bool) *Table {
	L, K := len(mt.counts), len(mt.member)
	lineCats := make([]Category, L)
	for i := range lineCats {
		lineCats[i] = Category{Code: fmt.Sprint("l", i), Label: fmt.Sprint("组", i)}
	}
	val := func(line, k int) int64 { // k = K: the line total
		var s int64
		for a, n := range mt.counts[line] {
			if k == K || mt.member[k][a] {
				s += int64(n)
			}
		}
		return s
	}
	cross := func(k int) int64 { // the other axis's total of category k (K: grand total)
		var s int64
		for line := range mt.counts {
			s += val(line, k)
		}
		return s
	}
	t := &Table{Key: key, PopulationKey: "test_" + key, Unit: "人"}
	lines := Axis{Dimension: "line", Kind: Partition, Categories: lineCats}
	oth := Axis{Dimension: "other", Kind: otherKind, Categories: other}
	if linesAreRows {
		t.Rows, t.Columns = lines, oth
		t.Cells = make([][]int64, L)
		t.RowTotals = make([]int64, L)
		for i := range L {
			t.Cells[i] = make([]int64, K)
			for k := range K {
				t.Cells[i][k] = val(i, k)
			}
			t.RowTotals[i] = val(i, K)
		}
		t.ColumnTotals = make([]int64, K)
		for k := range K {
			t.ColumnTotals[k] = cross(k)
		}
	} else {
		t.Rows, t.Columns = oth, lines
		t.Cells = make([][]int64, K)
		t.ColumnTotals = make([]int64, L)
		for k := range K {
			t.Cells[k] = make([]int64, L)
			for i := range L {
				t.Cells[k][i] = val(i, k)
			}
		}
		for i := range L {
			t.ColumnTotals[i] = val(i, K)
		}
		t.RowTotals = make([]int64, K)
		for k := range K {
			t.RowTotals[k] = cross(k)
		}
	}
	t.Total = cross(K)
	return t
}

// bruteAttack enumerates every filling of the atoms (each line's units up to cap) that
// reproduces the published figures of pub and returns the range of each withheld value seen.
// A bounded search sees fewer tables than the attacker could imagine, so a range it finds wider
// than a point is wider still for the attacker: the check is conservative.
func bruteAttack(mt *microTable, pub *Table, linesAreRows bool, caps []int) map[pos][2]int64 {
	L, K := len(mt.counts), len(mt.member)
	A := len(mt.member[0])
	at := func(line, k int) pos { // k = K: the line total
		if linesAreRows {
			return pos{line, k}
		}
		if k == K {
			return pos{K, line}
		}
		return pos{k, line}
	}
	crossPos := func(k int) pos { // k = K: the grand total
		if linesAreRows {
			return pos{L, k}
		}
		if k == K {
			return pos{K, L}
		}
		return pos{k, L}
	}
	// Candidate fillings of each line that agree with its published values.
	type filling struct {
		atoms []int
		vals  []int64 // per category k, then the line total
	}
	var per [][]filling
	for line := range L {
		var list []filling
		var rec func(a, left int, cur []int)
		rec = func(a, left int, cur []int) {
			if a == A {
				vals := make([]int64, K+1)
				for k := 0; k <= K; k++ {
					for b, n := range cur {
						if k == K || mt.member[k][b] {
							vals[k] += int64(n)
						}
					}
				}
				for k := 0; k <= K; k++ {
					p := at(line, k)
					if v, ok := pub.at(p); ok && !pub.Suppressed(p.r, p.c) && v != vals[k] {
						return
					}
				}
				list = append(list, filling{append([]int(nil), cur...), vals})
				return
			}
			for x := 0; x <= left; x++ {
				rec(a+1, left-x, append(cur, x))
			}
		}
		rec(0, caps[line], nil)
		per = append(per, list)
	}
	out := map[pos][2]int64{}
	note := func(p pos, v int64) {
		if !pub.Suppressed(p.r, p.c) {
			return
		}
		b, ok := out[p]
		if !ok {
			out[p] = [2]int64{v, v}
			return
		}
		out[p] = [2]int64{min(b[0], v), max(b[1], v)}
	}
	sums := make([]int64, K+1)
	chosen := make([]int, L)
	var walk func(line int)
	walk = func(line int) {
		if line == L {
			for k := 0; k <= K; k++ {
				p := crossPos(k)
				if v, ok := pub.at(p); ok && !pub.Suppressed(p.r, p.c) && v != sums[k] {
					return
				}
			}
			for l := range L {
				for k := 0; k <= K; k++ {
					note(at(l, k), per[l][chosen[l]].vals[k])
				}
			}
			for k := 0; k <= K; k++ {
				note(crossPos(k), sums[k])
			}
			return
		}
		for i, f := range per[line] {
			over := false
			for k := 0; k <= K; k++ {
				sums[k] += f.vals[k]
				p := crossPos(k)
				if v, ok := pub.at(p); ok && !pub.Suppressed(p.r, p.c) && sums[k] > v {
					over = true
				}
			}
			if !over {
				chosen[line] = i
				walk(line + 1)
			}
			for k := 0; k <= K; k++ {
				sums[k] -= f.vals[k]
			}
		}
	}
	walk(0)
	return out
}

// typeAtoms: the five disjoint groups behind the type columns (migrant monitoring only,
// statistics only, left-behind only, monitoring and left-behind, statistics-only and
// left-behind) and the categories each counts in.
var typeMember = [][]bool{
	{true, false, false, true, false}, // 流动（监测摸排）
	{false, true, false, false, true}, // 流动（仅统计）
	{false, false, true, true, true},  // 留守
	{false, false, false, true, true}, // 既流动又留守
}

var typeCats = []Category{{Code: TypeMigrantMonitoring, Label: "监测"}, {Code: TypeMigrantStatisticsOnly, Label: "仅统计"},
	{Code: TypeLeftBehind, Label: "留守"}, {Code: TypeMigrantAndLeftBehind, Label: "既流动又留守"}}

// setMember: codes a and b and the exclusive 无; atoms {a}, {b}, {a,b}, 无.
var setMember = [][]bool{
	{true, false, true, false},
	{false, true, true, false},
	{false, false, false, true},
}

var setCats = []Category{{Code: "a", Label: "甲"}, {Code: "b", Label: "乙"}, {Code: "none", Label: "无", Exclusive: true}}

func TestSuppressAttackerBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2024))
	n, checked := 100, 0
	if testing.Short() || raceEnabled {
		n = 20
	}
	kinds := []struct {
		name   string
		kind   AxisKind
		member [][]bool
		cats   []Category
	}{{"type", Types, typeMember, typeCats}, {"set", Set, setMember, setCats}}
	for k := range n {
		spec := kinds[k%2]
		lines := 2 + rng.IntN(2)
		A := len(spec.member[0])
		mt := &microTable{member: spec.member, counts: make([][]int, lines)}
		caps := make([]int, lines)
		for l := range lines {
			mt.counts[l] = make([]int, A)
			total := 0
			for a := range A {
				if rng.Float64() < 0.5 {
					mt.counts[l][a] = rng.IntN(3)
					if rng.Float64() < 0.2 {
						mt.counts[l][a] = 5 + rng.IntN(3)
					}
				}
				total += mt.counts[l][a]
			}
			caps[l] = total + 2
		}
		linesAreRows := k%4 < 2
		orig := mt.build(fmt.Sprintf("%s%d", spec.name, k), spec.kind, spec.cats, linesAreRows)
		pub, info := Suppress(orig, DefaultThreshold)
		if info.Err != nil {
			t.Fatalf("%s: %v", orig.Key, info.Err)
		}
		checkPublished(t, orig, pub, DefaultThreshold)
		bounds := bruteAttack(mt, pub, linesAreRows, caps)
		checked += len(bounds)
		for p, b := range bounds {
			if b[0] == b[1] {
				v, _ := orig.at(p)
				t.Errorf("%s: withheld value at (%d,%d) is exactly %d from the published figures\n%s", orig.Key, p.r, p.c, v, render(pub))
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	if checked == 0 {
		t.Fatal("the brute-force attacker checked no withheld value")
	}
	t.Logf("%d type and set tables, %d withheld values attacked", n, checked)
}

// TestSuppressAttackerMeasuresAndTypeList covers the two remaining shapes of the standard
// tables. A measures table (division: rows × independent columns, no row totals) gives the
// attacker one equation per column; the type list (type: the four types × 人数) one equation and
// two inequalities. Both attackers are plain enumerations.
func TestSuppressAttackerMeasuresAndTypeList(t *testing.T) {
	rng := rand.New(rand.NewPCG(99, 3))
	n := 200
	if testing.Short() || raceEnabled {
		n = 40
	}
	for k := range n {
		m := 1 + rng.IntN(8)
		tb := &Table{Key: fmt.Sprint("measures", k), PopulationKey: fmt.Sprint("test_measures", k), Unit: "人",
			Rows:    Axis{Dimension: "region", Kind: Partition},
			Columns: Axis{Dimension: "type", Kind: Measures, Categories: []Category{{Code: "a"}, {Code: "b"}, {Code: "c"}}},
			Cells:   make([][]int64, m), ColumnTotals: make([]int64, 3)}
		for i := range m {
			tb.Rows.Categories = append(tb.Rows.Categories, Category{Code: fmt.Sprint(i)})
			tb.Cells[i] = make([]int64, 3)
			for j := range 3 {
				switch x := rng.Float64(); {
				case x < 0.3:
				case x < 0.6:
					tb.Cells[i][j] = 1 + rng.Int64N(4)
				default:
					tb.Cells[i][j] = 5 + rng.Int64N(40)
				}
				tb.ColumnTotals[j] += tb.Cells[i][j]
			}
		}
		pub, info := Suppress(tb, DefaultThreshold)
		if info.Err != nil {
			t.Fatal(info.Err)
		}
		checkPublished(t, tb, pub, DefaultThreshold)
		for j := range 3 {
			var withheld int
			var rest int64 // what the withheld cells of the column add up to
			rest = pub.ColumnTotals[j]
			for i := range m {
				if pub.Suppressed(i, j) {
					withheld++
				} else {
					rest -= pub.Cells[i][j]
				}
			}
			if pub.Suppressed(m, j) {
				continue // nothing to solve: every withheld cell is free
			}
			// One withheld cell is rest; several share rest, each anywhere in 0…rest.
			if withheld == 1 || withheld > 1 && rest == 0 {
				t.Fatalf("%s column %d: withheld cells add up to %d and can be worked out\n%s", tb.Key, j, rest, render(pub))
			}
		}
	}

	lists := [][4]int64{{45, 3, 30, 2}, {3, 0, 40, 0}, {20, 25, 2, 1}, {2, 2, 2, 2}, {0, 0, 1, 0}, {25, 0, 25, 25}, {9, 1, 30, 1}}
	for k, v := range lists {
		tb := &Table{Key: fmt.Sprint("typelist", k), PopulationKey: fmt.Sprint("test_typelist", k), Unit: "人",
			Rows:    Axis{Dimension: "type", Kind: Types, Categories: typeCats},
			Columns: Axis{Dimension: "count", Kind: Measures, Categories: []Category{{Code: "count"}}},
			Cells:   [][]int64{{v[0]}, {v[1]}, {v[2]}, {v[3]}}, ColumnTotals: []int64{v[0] + v[1] + v[2] - v[3]}}
		pub, info := Suppress(tb, DefaultThreshold)
		if info.Err != nil {
			t.Fatal(info.Err)
		}
		checkPublished(t, tb, pub, DefaultThreshold)
		// Enumerate every (M, So, L, B, T) that agrees with what is published.
		lim := int64(60) // above every count of the lists: the search sees all tables up to it
		known := func(r int, x int64) bool { v, _ := pub.at(pos{r, 0}); return !pub.Suppressed(r, 0) && v != x }
		seen := map[int][2]int64{}
		for mm := range lim {
			if known(0, mm) {
				continue
			}
			for so := range lim {
				if known(1, so) {
					continue
				}
				for lb := range lim {
					if known(2, lb) {
						continue
					}
					for b := int64(0); b <= min(lb, mm+so); b++ {
						tot := mm + so + lb - b
						if known(3, b) || known(4, tot) {
							continue
						}
						for r, x := range []int64{mm, so, lb, b, tot} {
							if !pub.Suppressed(r, 0) {
								continue
							}
							s, ok := seen[r]
							if !ok {
								s = [2]int64{x, x}
							}
							seen[r] = [2]int64{min(s[0], x), max(s[1], x)}
						}
					}
				}
			}
		}
		for r, s := range seen {
			if s[0] == s[1] {
				t.Fatalf("type list %v: withheld row %d is exactly %d\n%s", v, r, s[0], render(pub))
			}
		}
	}
}
