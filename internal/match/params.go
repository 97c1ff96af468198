package match

import (
	"fmt"
	"math"
	"strings"
)

// Params are the parameters of the three-class Fellegi–Sunter model (see docs/matching.md).
// For every field f and level l:
//
//   - M[f][l] is P(level | the two records are the same child),
//   - U[f][l] is P(level | two unrelated children) (random pairs),
//   - S[f][l] is P(level | two different children of the same family) (siblings, twins),
//   - Twin[l] is the given name's S among siblings born on the same day (twins name their
//     children alike: 子涵/子轩), used instead of S[given_name] when the birth dates agree.
//
// Level 0 (missing) is ignored; the other levels of a field sum to 1 in each row. For the
// name fields the exact level of U is replaced per value by its frequency (term-frequency
// adjustment). For the family fields (surname, regions, parents, guardian) S equals M: they
// cannot tell a child from its sibling.
type Params struct {
	M, U, S [NumFields][MaxLevels]float64
	Twin    [MaxLevels]float64
	// MatchRate is the expected share of right-side records that have a match on the left.
	MatchRate float64
	// SiblingRate is the mean number of siblings a left-side child has on the left side.
	SiblingRate float64
	// Source says where the parameters came from, for the log.
	Source string
}

// normalizeRows rescales every row over the non-missing levels to sum to 1, with a floor.
func (p *Params) normalizeRows() {
	for f := 0; f < NumFields; f++ {
		for _, t := range []*[NumFields][MaxLevels]float64{&p.M, &p.U, &p.S} {
			row := &t[f]
			sum := 0.0
			for l := 1; l < numLevels(f); l++ {
				row[l] = math.Max(row[l], 1e-9)
				sum += row[l]
			}
			for l := 1; l < numLevels(f); l++ {
				row[l] /= sum
			}
			row[0] = 1
		}
	}
	sum := 0.0
	for l := 1; l < numLevels(fGiven); l++ {
		p.Twin[l] = math.Max(p.Twin[l], 1e-9)
		sum += p.Twin[l]
	}
	for l := 1; l < numLevels(fGiven); l++ {
		p.Twin[l] /= sum
	}
	p.Twin[0] = 1
	for f := 0; f < NumFields; f++ {
		if familyField[f] {
			p.S[f] = p.M[f]
		}
	}
}

// String formats the parameters as a table: field, level, m, u, s, weights.
func (p *Params) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "match rate %.3f, sibling rate %.3f (%s)\n", p.MatchRate, p.SiblingRate, p.Source)
	fmt.Fprintf(&b, "%-17s %-15s %9s %9s %9s %8s %8s\n", "field", "level", "m", "u", "s", "log2m/u", "log2m/s")
	for f := 0; f < NumFields; f++ {
		for l := 1; l < numLevels(f); l++ {
			fmt.Fprintf(&b, "%-17s %-15s %9.2e %9.2e %9.2e %8.2f %8.2f\n", FieldNames[f], LevelName(f, l),
				p.M[f][l], p.U[f][l], p.S[f][l], math.Log2(p.M[f][l]/p.U[f][l]), math.Log2(p.M[f][l]/p.S[f][l]))
		}
	}
	return b.String()
}

// GoString formats the parameters as Go source, to refresh the built-in defaults.
func (p *Params) GoString() string {
	var b strings.Builder
	row := func(name string, t *[NumFields][MaxLevels]float64) {
		fmt.Fprintf(&b, "\t%s: [NumFields][MaxLevels]float64{\n", name)
		for f := 0; f < NumFields; f++ {
			fmt.Fprintf(&b, "\t\t{")
			for l := 0; l < MaxLevels; l++ {
				if l > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%.4g", t[f][l])
			}
			fmt.Fprintf(&b, "}, // %s\n", FieldNames[f])
		}
		b.WriteString("\t},\n")
	}
	b.WriteString("Params{\n")
	row("M", &p.M)
	row("U", &p.U)
	row("S", &p.S)
	fmt.Fprintf(&b, "\tTwin: [MaxLevels]float64{")
	for l := 0; l < MaxLevels; l++ {
		if l > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%.4g", p.Twin[l])
	}
	b.WriteString("},\n")
	fmt.Fprintf(&b, "\tMatchRate: %.4g, SiblingRate: %.4g, Source: %q,\n}\n", p.MatchRate, p.SiblingRate, p.Source)
	return b.String()
}

// weights are the parameters turned into log2 likelihood ratios, ready for scoring.
type weights struct {
	wu, ws  [NumFields][MaxLevels]float64 // log2(m/u), log2(m/s)
	wsTwin  [MaxLevels]float64            // log2(m/twin) of the given name
	maxU    [NumFields]float64            // best non-exact wu and ws of each name field, for bounds
	maxS    [NumFields]float64
	tfM     [nTF]float64 // log2 m(exact) of the term-frequency fields
	tfFloor [nTF]float64 // exact weight never below the pinyin level's
	logLam  float64      // log2 of the per-pair match prior
	lam     float64      // per-pair match prior
	sig     float64      // per-pair sibling prior
}

func (p *Params) weights(nLeft int) *weights {
	w := &weights{}
	for f := 0; f < NumFields; f++ {
		for l := 1; l < numLevels(f); l++ {
			w.wu[f][l] = math.Log2(p.M[f][l] / p.U[f][l])
			w.ws[f][l] = math.Log2(p.M[f][l] / p.S[f][l])
			if f == fGiven {
				w.wsTwin[l] = math.Log2(p.M[f][l] / p.Twin[l])
			}
		}
		if k := tfIndex[f]; k >= 0 {
			w.tfM[k] = math.Log2(p.M[f][nmExact])
			w.tfFloor[k] = w.wu[f][nmPinyin]
		}
	}
	for f := 0; f < NumFields; f++ {
		monotone(fieldKinds[f], &w.wu[f], &p.M[f]) // not ws: against a sibling, a day and month
		// swapped says more than equal dates (twins share theirs)
	}
	for f := 0; f < NumFields; f++ {
		if fieldKinds[f] != kindName {
			continue
		}
		w.maxU[f], w.maxS[f] = math.Inf(-1), math.Inf(-1)
		for l := nmPinyin; l < numLevels(f); l++ {
			w.maxU[f] = math.Max(w.maxU[f], w.wu[f][l])
			w.maxS[f] = math.Max(w.maxS[f], w.ws[f][l])
			if f == fGiven {
				w.maxS[f] = math.Max(w.maxS[f], w.wsTwin[l])
			}
		}
	}
	n := float64(max(nLeft, 1))
	w.lam = math.Min(p.MatchRate/n, 0.5)
	w.sig = math.Min(p.SiblingRate/n, 0.4)
	w.logLam = math.Log2(w.lam)
	return w
}

// worseThan lists, per kind, each level's better levels: against an unrelated child a level
// never weighs more than they do (estimates of rare levels, and the floors of the defaults,
// could say otherwise).
var worseThan = map[fieldKind][][]uint8{
	kindID:     {nil, nil, {idExact}, {idTypo}},
	kindName:   {nil, nil, {nmExact}, {nmPinyin}, {nmNear}, {nmNear}, {nmOneChar, nmPartial}},
	kindDate:   {nil, nil, {dtExact}, {dtExact}, {dtSwap, dtOnePart}},
	kindSex:    {nil, nil, {sxAgree}},
	kindRegion: {nil, nil, {rgTownship}, {rgCounty}, {rgPrefecture}, {rgProvince}},
}

// monotone caps every level's weight at the weights of its better levels, in level order; a
// level that practically never occurs among matches (m < 10⁻⁴: its weight is prior noise, like
// a township in a file that gives counties only) caps nothing.
func monotone(k fieldKind, w *[MaxLevels]float64, m *[MaxLevels]float64) {
	for l, better := range worseThan[k] {
		for _, b := range better {
			if m[b] >= 1e-4 {
				w[l] = math.Min(w[l], w[b])
			}
		}
	}
}

// tfBits converts a left record's stored frequency code into -log2(frequency).
func tfBits(code uint8) float64 { return float64(code) / 8 }

// tfCode stores -log2(frequency) with a resolution of 1/8 bit.
func tfCode(freq float64) uint8 {
	b := -math.Log2(freq) * 8
	return uint8(math.Max(0, math.Min(255, math.Round(b))))
}

// fieldU returns log2(m/u) of field f at level x for left record l: the term-frequency
// adjusted weight for exact names. When both surname and given name agree exactly, the pair is
// weighed by the frequency of the full name — for names whose "surname" is only their first
// character (Mongolian names) the two parts are far from independent; the surname keeps its own
// weight and the given name carries the rest.
func (w *weights) fieldU(f int, x uint8, l *rec, lv *[NumFields]uint8) float64 {
	k := tfIndex[f]
	if k < 0 || x != nmExact || l.tf[k] == 0 {
		return w.wu[f][x]
	}
	own := math.Max(w.tfM[k]+tfBits(l.tf[k]), w.tfFloor[k])
	if f == fGiven && lv[fSurname] == nmExact && l.tf[tfFull] != 0 && l.tf[0] != 0 {
		sur := math.Max(w.tfM[0]+tfBits(l.tf[0]), w.tfFloor[0])
		return w.tfM[0] + w.tfM[1] + tfBits(l.tf[tfFull]) - sur
	}
	return own
}

// sums returns the total log2 likelihood ratios of a compared pair against an unrelated child
// (wu) and against a sibling (ws).
func (w *weights) sums(l *rec, lv *[NumFields]uint8) (wu, ws float64) {
	for f := 0; f < NumFields; f++ {
		x := lv[f]
		if x == lvMissing {
			continue
		}
		wu += w.fieldU(f, x, l, lv)
		ws += w.fieldS(f, x, lv)
	}
	return wu, ws
}

// bound returns upper bounds of sums for levels from cheapLevels: unknown names count at their
// best non-exact level.
func (w *weights) bound(l *rec, lv *[NumFields]uint8) (wu, ws float64) {
	for f := 0; f < NumFields; f++ {
		x := lv[f]
		switch x {
		case lvMissing:
			continue
		case lvUnknown:
			wu += w.maxU[f]
			ws += w.maxS[f]
			continue
		}
		wu += w.fieldU(f, x, l, lv)
		ws += w.fieldS(f, x, lv)
	}
	return wu, ws
}

// fieldS returns log2(m/s) of field f at level x; the given name of children born on the same
// day is weighed against twins.
func (w *weights) fieldS(f int, x uint8, lv *[NumFields]uint8) float64 {
	if f == fGiven && lv[fBirth] == dtExact {
		return w.wsTwin[x]
	}
	return w.ws[f][x]
}

// prob turns the two sums into the posterior match probability:
// λ / (λ + σ·2^-ws + (1-λ-σ)·2^-wu).
func (w *weights) prob(wu, ws float64) float64 {
	den := w.lam + w.sig*math.Exp2(-ws) + (1-w.lam-w.sig)*math.Exp2(-wu)
	return w.lam / den
}
