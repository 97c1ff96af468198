package match_test

import (
	"os"
	"testing"

	"guanai/internal/match"
	"guanai/internal/match/synth"
)

// TestLearnDefaults re-learns the built-in parameters (defaults.go) on synthetic data that
// carries identity numbers: m anchored on shared numbers, u from random pairs, s from sibling
// groups. Run with GUANAI_LEARN=1 and paste the printed Params into defaults.go.
func TestLearnDefaults(t *testing.T) {
	if os.Getenv("GUANAI_LEARN") == "" {
		t.Skip("set GUANAI_LEARN=1 to re-learn the built-in parameters")
	}
	cfg := synth.Default(100000, 99)
	ds := synth.Generate(cfg)
	_, st := match.Link(ds.Left, ds.Right, match.Options{})
	p := st.Params
	p.Source = "built-in defaults (learned on synthetic data, seed 99)"
	t.Log("\n" + p.String())
	t.Log("\n" + p.GoString())
}
