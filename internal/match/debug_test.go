package match_test

import (
	"fmt"
	"os"
	"testing"

	"guanai/internal/match"
	"guanai/internal/match/synth"
)

// TestDebugErrors prints the false links and missed pairs of a quality scenario with their
// breakdown, for whoever tunes the model: DEBUG_MATCH=a (b, c: the scenarios of
// TestQualitySynthetic in order) go test ./internal/match -run TestDebugErrors -v
func TestDebugErrors(t *testing.T) {
	if os.Getenv("DEBUG_MATCH") == "" {
		t.Skip("set DEBUG_MATCH=a, b or c")
	}
	sc := scenarios(20000)[map[string]int{"a": 0, "b": 1, "c": 2}[os.Getenv("DEBUG_MATCH")]]
	ds := synth.Generate(sc.cfg)
	ms, st := match.Link(ds.Left, ds.Right, match.Options{})
	fmt.Println(st.Params.String())
	left := map[string]match.Person{}
	for _, p := range ds.Left {
		left[p.Ref] = p
	}
	right := map[string]match.Person{}
	for _, p := range ds.Right {
		right[p.Ref] = p
	}
	got := map[string]match.Match{}
	for _, m := range ms {
		got[m.RightRef] = m
	}
	show := func(tag string, m match.Match, r string) {
		fmt.Printf("== %s right %s truth %s got %s score %.4f %s\n", tag, r, ds.Truth[r], m.LeftRef, m.Score, m.Decision)
		fmt.Printf("  R: %+v\n", right[r])
		if l, ok := left[ds.Truth[r]]; ok {
			fmt.Printf("  T: %+v\n", l)
		}
		if l, ok := left[m.LeftRef]; ok && m.LeftRef != ds.Truth[r] {
			fmt.Printf("  G: %+v\n", l)
		}
		for _, f := range m.Fields {
			if f.Level != "missing" {
				fmt.Printf("    %s=%s %.1f/%.1f", f.Field, f.Level, f.Weight, f.SiblingWeight)
			}
		}
		fmt.Println()
	}
	nfp, nfn := 0, 0
	for _, p := range ds.Right {
		m, ok := got[p.Ref]
		truth := ds.Truth[p.Ref]
		linked := ok && m.Decision == match.DecisionLink
		if linked && m.LeftRef != truth && nfp < 40 {
			nfp++
			show("FP", m, p.Ref)
		}
		if truth != "" && !(linked && m.LeftRef == truth) && nfn < 40 {
			nfn++
			show("FN", m, p.Ref)
		}
	}
}
