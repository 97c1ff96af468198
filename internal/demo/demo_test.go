package demo

import (
	"testing"

	"guanai/internal/child"
	"guanai/internal/rules"
)

func TestChildrenAreValidAndVaried(t *testing.T) {
	asOf := child.NewDate(2025, 6, 30)
	g := New(1, asOf)
	cfg := rules.DefaultConfig()
	n := 5000
	var migrant, leftBehind, keyCare, male, mongol int
	for i := 0; i < n; i++ {
		r := g.Child()
		var is child.Issues
		child.Validate(&r, &is, child.Options{Today: asOf})
		if !is.Valid() {
			t.Fatalf("record %d invalid: %v\n%+v", i, is.Errors, r)
		}
		if r.ReportingUnit != Marker {
			t.Fatal("record not marked synthetic")
		}
		res := rules.Classify(&r, asOf, &cfg)
		if res.MigrantMonitoring == rules.Yes || res.MigrantStatistics == rules.Yes {
			migrant++
		}
		if res.LeftBehind == rules.Yes {
			leftBehind++
		}
		if res.KeyCare == rules.Yes {
			keyCare++
		}
		if r.Sex == "1" {
			male++
		}
		if r.Ethnicity == "02" {
			mongol++
		}
	}
	check := func(name string, got int, lo, hi float64) {
		if f := float64(got) / float64(n); f < lo || f > hi {
			t.Errorf("%s: %.3f of children, want %.2f–%.2f", name, f, lo, hi)
		}
	}
	check("migrant", migrant, 0.35, 0.65)
	check("left-behind", leftBehind, 0.10, 0.40)
	check("key care", keyCare, 0.03, 0.15)
	check("boys", male, 0.49, 0.55)
	check("Mongol", mongol, 0.02, 0.05)
}

func TestSeedIsDeterministic(t *testing.T) {
	a, b := New(7, 20250630), New(7, 20250630)
	for i := 0; i < 100; i++ {
		x, y := a.Child(), b.Child()
		if x.Name != y.Name || x.IDNumber != y.IDNumber || x.BirthDate != y.BirthDate {
			t.Fatalf("child %d differs: %s/%s", i, x.Name, y.Name)
		}
	}
}
