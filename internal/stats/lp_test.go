package stats

import (
	"math"
	"testing"
)

func TestLPBounds(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		cons   []lpCon
		v      int
		lo, hi float64
		inf    bool
		infeas bool
	}{
		{name: "sum fixed", n: 2, cons: []lpCon{{vars: []int{0, 1}, coef: []float64{1, 1}, rhs: 5, eq: true}}, v: 0, lo: 0, hi: 5},
		{name: "difference", n: 2, cons: []lpCon{{vars: []int{0, 1}, coef: []float64{1, -1}, rhs: 3, eq: true}}, v: 0, lo: 3, inf: true},
		{name: "both", n: 2, cons: []lpCon{
			{vars: []int{0, 1}, coef: []float64{1, 1}, rhs: 7, eq: true},
			{vars: []int{0, 1}, coef: []float64{1, -1}, rhs: 1, eq: true}}, v: 1, lo: 3, hi: 3},
		{name: "inequality", n: 2, cons: []lpCon{
			{vars: []int{0, 1}, coef: []float64{1, 1}, rhs: 10, eq: true},
			{vars: []int{0}, coef: []float64{-1}, rhs: -4}}, v: 1, lo: 0, hi: 6},
		{name: "infeasible", n: 1, cons: []lpCon{{vars: []int{0}, coef: []float64{1}, rhs: -2, eq: true}}, infeas: true},
		{name: "redundant rows", n: 3, cons: []lpCon{
			{vars: []int{0, 1}, coef: []float64{1, 1}, rhs: 4, eq: true},
			{vars: []int{0, 1}, coef: []float64{2, 2}, rhs: 8, eq: true},
			{vars: []int{1, 2}, coef: []float64{1, 1}, rhs: 3, eq: true}}, v: 0, lo: 1, hi: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := newLP(tc.n, tc.cons)
			if ok == tc.infeas {
				t.Fatalf("feasible = %v, want %v", ok, !tc.infeas)
			}
			if !ok {
				return
			}
			lo, hi, inf := p.bounds(tc.v)
			if math.Abs(lo-tc.lo) > 1e-9 || inf != tc.inf || !inf && math.Abs(hi-tc.hi) > 1e-9 {
				t.Fatalf("bounds = [%v, %v] inf=%v, want [%v, %v] inf=%v", lo, hi, inf, tc.lo, tc.hi, tc.inf)
			}
		})
	}
}
