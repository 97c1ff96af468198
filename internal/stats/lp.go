package stats

import "math"

// This file is a small dense simplex solver, enough to audit suppressed tables: a few hundred
// variables at most, coefficients 0 and ±1, integer right-hand sides. It finds the least and the
// greatest value a variable can take subject to linear equalities and inequalities and x ≥ 0,
// which is exactly what an attacker can derive about a withheld cell from the published ones.

// lpCon is one constraint: Σ coef[k]·x[vars[k]] (= or ≤) rhs.
type lpCon struct {
	vars []int
	coef []float64
	rhs  float64
	eq   bool
}

// lpEps is the tolerance of the solver; the data are integers well below 2^40.
const lpEps = 1e-9

// lpProblem is a feasible basis of a constraint system, ready to optimise objectives.
type lpProblem struct {
	n     int         // structural variables
	t     [][]float64 // tableau rows: coefficients of all columns, then the rhs
	basis []int       // basic column of each row
	ncol  int         // columns (structural + slack/surplus), rhs at index ncol
}

// newLP builds the system over n variables and finds a feasible basis (phase 1). It reports
// false when the system has no solution (a table whose figures contradict each other).
func newLP(n int, cons []lpCon) (*lpProblem, bool) {
	// Columns: n structural, one slack or surplus per inequality, one artificial per row that
	// needs it.
	nslack := 0
	for _, c := range cons {
		if !c.eq {
			nslack++
		}
	}
	m := len(cons)
	nart := 0
	type rowInfo struct {
		sign  float64
		slack int // column of the slack, -1 for equalities
	}
	info := make([]rowInfo, m)
	sk := n
	for i, c := range cons {
		info[i].sign = 1
		if c.rhs < 0 {
			info[i].sign = -1
		}
		info[i].slack = -1
		if !c.eq {
			info[i].slack = sk
			sk++
		}
		// A ≤ row with rhs ≥ 0 starts with its slack in the basis; others need an artificial.
		if c.eq || info[i].sign < 0 {
			nart++
		}
	}
	ncol := n + nslack + nart
	t := make([][]float64, m)
	basis := make([]int, m)
	art := n + nslack
	for i, c := range cons {
		row := make([]float64, ncol+1)
		s := info[i].sign
		for k, v := range c.vars {
			row[v] += s * c.coef[k]
		}
		if info[i].slack >= 0 {
			row[info[i].slack] = s // +1 slack, or −1 surplus after flipping the sign
		}
		row[ncol] = s * c.rhs
		if c.eq || s < 0 {
			row[art] = 1
			basis[i] = art
			art++
		} else {
			basis[i] = info[i].slack
		}
		t[i] = row
	}
	p := &lpProblem{n: n, t: t, basis: basis, ncol: ncol}
	if nart > 0 {
		// Phase 1: minimise the sum of the artificials.
		obj := make([]float64, ncol+1)
		for j := n + nslack; j < ncol; j++ {
			obj[j] = 1
		}
		val, ok := p.minimise(obj, ncol)
		if !ok || val > 1e-7 {
			return nil, false
		}
		p.dropArtificials(n + nslack)
	}
	return p, true
}

// dropArtificials pivots the artificial columns (from column first on) out of the basis and
// removes them; a row left with only an artificial is redundant and goes too.
func (p *lpProblem) dropArtificials(first int) {
	redundant := make([]bool, len(p.t))
	for i := range p.t {
		if p.basis[i] < first {
			continue
		}
		pivot := -1
		for j := 0; j < first; j++ {
			if math.Abs(p.t[i][j]) > lpEps {
				pivot = j
				break
			}
		}
		if pivot < 0 {
			redundant[i] = true
			continue
		}
		p.pivotAt(i, pivot) // degenerate: the artificial is zero
	}
	var keep [][]float64
	var basis []int
	for i, row := range p.t {
		if !redundant[i] {
			keep = append(keep, row)
			basis = append(basis, p.basis[i])
		}
	}
	p.t, p.basis = keep, basis
	for i := range p.t {
		row := p.t[i]
		row[first] = row[p.ncol]
		p.t[i] = row[:first+1]
	}
	p.ncol = first
}

// pivotAt makes column j basic in row r.
func (p *lpProblem) pivotAt(r, j int) {
	pr := p.t[r]
	pv := pr[j]
	for k := range pr {
		pr[k] /= pv
	}
	pr[j] = 1
	for i, row := range p.t {
		if i == r {
			continue
		}
		f := row[j]
		if f == 0 {
			continue
		}
		for k, v := range pr {
			if v != 0 {
				row[k] -= f * v
			}
		}
		row[j] = 0
	}
	p.basis[r] = j
}

// minimise runs the simplex method on the objective coefficients obj (length ncol+1, the last
// ignored) over the columns before limit, from the current basis. It returns the optimum, or
// false when the objective is unbounded below. Bland's rule keeps it from cycling on the many
// degenerate vertices of count tables.
func (p *lpProblem) minimise(obj []float64, limit int) (float64, bool) {
	m := len(p.t)
	// Reduced costs: d_j = c_j − Σ_i c_B(i) a_ij.
	d := make([]float64, p.ncol+1)
	copy(d, obj[:p.ncol])
	for i := range m {
		cb := obj[p.basis[i]]
		if cb == 0 {
			continue
		}
		for j, v := range p.t[i] {
			d[j] -= cb * v
		}
	}
	for iter := 0; iter < 50000; iter++ {
		enter := -1
		for j := 0; j < limit; j++ {
			if d[j] < -lpEps {
				enter = j
				break
			}
		}
		if enter < 0 {
			return -d[p.ncol], true
		}
		leave := -1
		best := math.Inf(1)
		for i := range m {
			a := p.t[i][enter]
			if a <= lpEps {
				continue
			}
			r := p.t[i][p.ncol] / a
			if r < best-lpEps || r < best+lpEps && leave >= 0 && p.basis[i] < p.basis[leave] {
				best, leave = r, i
			}
		}
		if leave < 0 {
			return math.Inf(-1), false
		}
		p.pivotAt(leave, enter)
		f := d[enter]
		for k, v := range p.t[leave] {
			if v != 0 {
				d[k] -= f * v
			}
		}
		d[enter] = 0
	}
	return math.NaN(), false
}

// clone copies the problem so that an objective can be optimised without disturbing the basis.
func (p *lpProblem) clone() *lpProblem {
	c := &lpProblem{n: p.n, basis: append([]int(nil), p.basis...), ncol: p.ncol, t: make([][]float64, len(p.t))}
	for i, row := range p.t {
		c.t[i] = append([]float64(nil), row...)
	}
	return c
}

// bounds returns the least and the greatest value of variable v; hiInf is true when it can grow
// without limit.
func (p *lpProblem) bounds(v int) (lo, hi float64, hiInf bool) {
	hi, hiInf = p.greatest(v)
	return p.least(v), hi, hiInf
}

// least returns the least value of variable v (never below 0).
func (p *lpProblem) least(v int) float64 {
	obj := make([]float64, p.ncol+1)
	obj[v] = 1
	lo, ok := p.clone().minimise(obj, p.ncol)
	if !ok {
		return 0
	}
	return lo
}

// greatest returns the greatest value of variable v, or inf when it has none.
func (p *lpProblem) greatest(v int) (hi float64, inf bool) {
	obj := make([]float64, p.ncol+1)
	obj[v] = -1
	neg, ok := p.clone().minimise(obj, p.ncol)
	if !ok {
		return math.Inf(1), true
	}
	return -neg, false
}
