package match_test

import (
	"testing"
	"time"

	"guanai/internal/match"
	"guanai/internal/match/synth"
)

// scenario is one synthetic quality check with the thresholds a regression must not cross.
type scenario struct {
	name           string
	cfg            synth.Config
	minF1, minPrec float64
	minNoIDF1      float64
}

func scenarios(n int) []scenario {
	withID := synth.Default(n, 1)
	noID := synth.Default(n, 2)
	noID.IDShare = 0
	noisy := synth.Default(n, 3)
	noisy.Noise = 2
	noisy.IDShare = 0.5
	return []scenario{
		{name: "most_with_id", cfg: withID, minF1: 0.998, minPrec: 0.999, minNoIDF1: 0.97},
		{name: "no_id_twins", cfg: noID, minF1: 0.97, minPrec: 0.97, minNoIDF1: 0.97},
		{name: "half_id_double_noise", cfg: noisy, minF1: 0.98, minPrec: 0.98, minNoIDF1: 0.96},
	}
}

func TestQualitySynthetic(t *testing.T) {
	n := 20000
	if testing.Short() || raceEnabled {
		n = 6000
	}
	for _, sc := range scenarios(n) {
		t.Run(sc.name, func(t *testing.T) {
			ds := synth.Generate(sc.cfg)
			t0 := time.Now()
			ms, st := match.Link(ds.Left, ds.Right, match.Options{})
			all, noID := ds.EvaluateMatches(ms)
			t.Logf("%d×%d in %v: all %v", len(ds.Left), len(ds.Right), time.Since(t0), all)
			t.Logf("without ID: %v", noID)
			t.Logf("links %d (id %d, id_fuzzy %d, prob %d), review %d, comparisons %d, params: %s",
				st.Links, st.ID, st.IDFuzzy, st.Prob, st.Review, st.Comparisons, st.Params.Source)
			if all.F1 < sc.minF1 || all.Precision < sc.minPrec {
				t.Errorf("got F1 %.5f precision %.5f, want F1 ≥ %.3f, precision ≥ %.3f", all.F1, all.Precision, sc.minF1, sc.minPrec)
			}
			if noID.TP+noID.FN > 0 && noID.F1 < sc.minNoIDF1 {
				t.Errorf("without ID: got F1 %.5f, want ≥ %.3f", noID.F1, sc.minNoIDF1)
			}
		})
	}
}

// TestDeterministic links the same data with one and with two workers: the same pairs, scores
// and order.
func TestDeterministic(t *testing.T) {
	ds := synth.Generate(synth.Default(2000, 11))
	a, _ := match.Link(ds.Left, ds.Right, match.Options{Workers: 1})
	b, _ := match.Link(ds.Left, ds.Right, match.Options{Workers: 2})
	if len(a) != len(b) {
		t.Fatalf("got %d and %d matches", len(a), len(b))
	}
	for i := range a {
		if a[i].LeftRef != b[i].LeftRef || a[i].RightRef != b[i].RightRef || a[i].Score != b[i].Score || a[i].Method != b[i].Method {
			t.Fatalf("match %d: got %+v and %+v", i, a[i], b[i])
		}
		if i > 0 && a[i].Right <= a[i-1].Right {
			t.Fatalf("match %d: not in right order", i)
		}
	}
}
