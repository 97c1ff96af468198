package match

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
)

// Parameter estimation (docs/matching.md, "Parameters"):
//
//   - u from random pairs (left × right, or left × left when there is no right side yet);
//   - m from the pairs that share a valid identity number (anchors) — EM over all candidate
//     pairs is not used, it drifts towards "same family" instead of "same child";
//   - s from sibling groups of the left side (same father's and mother's names);
//   - the match rate from the share of right identity numbers found on the left, or, without
//     identity numbers, by iterating the mean best-match probability on a sample.
//
// Every estimate is shrunk towards the built-in defaults with a fixed number of pseudo-pairs,
// so small samples cannot produce zeros; with too few anchors m is the defaults.

const (
	uPairs        = 100000 // random pairs for u (at most; ten per right record, at least 20 000)
	uPrior        = 2000   // pseudo-pairs of the default u
	mPrior        = 200    // pseudo-pairs of the default m
	minAnchors    = 200    // fewer anchors: m is the built-in defaults
	sPrior        = 200    // pseudo-pairs of the default s
	minSibPairs   = 100
	maxAnchors    = 100000
	maxSibRecords = 400000
	rateSample    = 4000
	idSample      = 20000 // right records for the identity number's m
)

type levelCounts [NumFields][MaxLevels]float64

func (c *levelCounts) add(lv *[NumFields]uint8) {
	for f := 0; f < NumFields; f++ {
		c[f][lv[f]]++
	}
}

// shrink returns (counts + k·prior)/(n + k) over the non-missing levels of field f.
func shrink(c *[MaxLevels]float64, prior *[MaxLevels]float64, f int, k float64) [MaxLevels]float64 {
	n := 0.0
	for l := 1; l < numLevels(f); l++ {
		n += c[l]
	}
	var out [MaxLevels]float64
	out[0] = 1
	for l := 1; l < numLevels(f); l++ {
		out[l] = (c[l] + k*prior[l]) / (n + k)
	}
	return out
}

func (ix *Index) estimate(rr []rec) {
	p := defaultParams
	var src []string
	left := ix.recs
	if len(left) == 0 {
		ix.setParams(p)
		return
	}
	rng := rand.New(rand.NewPCG(20240601, uint64(len(left))*31+uint64(len(rr))))

	// u from random pairs, and (concurrently) m from anchors and s from sibling groups
	other := rr
	if len(other) == 0 {
		other = left
	}
	var uc, mc, sc levelCounts
	var twins [MaxLevels]float64
	var sibPairs, famRecs int
	anchors, rightValid, found, right18 := 0, 0, 0, 0
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		var lv [NumFields]uint8
		n := min(uPairs, max(20000, 10*len(other)), len(left)*len(other))
		for i := 0; i < n; i++ {
			a, b := rng.IntN(len(left)), rng.IntN(len(other))
			if len(rr) == 0 && a == b {
				continue
			}
			levels(&left[a], &other[b], &lv)
			if lv[fID] == idExact || lv[fID] == idTypo {
				continue // a true match drawn by chance: u is about non-matches
			}
			uc.add(&lv)
		}
	}()
	go func() {
		defer wg.Done()
		sc, twins, sibPairs, famRecs = ix.siblingCounts()
		if len(rr) == 0 {
			return
		}
		var lv [NumFields]uint8
		var postBuf []int32
		// a systematic sample of the right side: every stride-th record
		stride := max(1, len(rr)/maxAnchors)
		for j := 0; j < len(rr); j += stride {
			r := &rr[j]
			if r.idKind != idNone {
				right18++
			}
			if r.idKind != idValid {
				continue
			}
			rightValid++
			post, _ := ix.blocks.appendPostings(postBuf[:0], key2(ruleID, hashBytes(r.id[:])), math.MaxInt)
			postBuf = post
			for _, li := range post {
				l := &left[li]
				if l.idKind != idValid || l.id != r.id {
					continue
				}
				found++
				levels(l, r, &lv)
				mc.add(&lv)
				anchors++
				break
			}
		}
	}()
	wg.Wait()
	for f := 0; f < NumFields; f++ {
		p.U[f] = shrink(&uc[f], &defaultParams.U[f], f, uPrior)
	}
	src = append(src, "u 随机对")

	if anchors >= minAnchors {
		for f := 0; f < NumFields; f++ {
			if f == fID {
				continue
			}
			p.M[f] = shrink(&mc[f], &defaultParams.M[f], f, mPrior)
		}
		src = append(src, "m 身份证号锚定 "+itoa(anchors)+" 对")
	} else {
		src = append(src, "m 内置默认值（无足够身份证号锚定对）")
	}

	// s: sibling groups of the left side
	if sibPairs >= minSibPairs {
		for _, f := range []int{fGiven, fBirth, fSex} {
			p.S[f] = shrink(&sc[f], &defaultParams.S[f], f, sPrior)
		}
		p.Twin = shrink(&twins, &defaultParams.Twin, fGiven, sPrior)
		p.SiblingRate = math.Min(math.Max(2*float64(sibPairs)/float64(max(famRecs, 1)), 0.05), 3)
		src = append(src, "s 左侧同父母组 "+itoa(sibPairs)+" 对")
	} else {
		src = append(src, "s 内置默认值")
	}

	// match rate
	leftValid := 0
	for i := range left {
		if left[i].idKind == idValid {
			leftValid++
		}
	}
	switch {
	case ix.opts.MatchRate > 0:
		p.MatchRate = ix.opts.MatchRate
		src = append(src, "匹配率 指定")
	case rightValid >= 50 && leftValid >= 100:
		frac := float64(leftValid) / float64(len(left))
		p.MatchRate = math.Min(math.Max(float64(found)/float64(rightValid)/frac, 0.02), 0.98)
		src = append(src, "匹配率 身份证号")
	case len(rr) > 0:
		p.MatchRate = ix.iterateRate(&p, rr, rng)
		src = append(src, "匹配率 迭代")
	}
	// m of the identity number itself: how often the numbers of pairs that the other fields
	// link with near certainty agree, have a typo, or differ
	if right18 >= minAnchors {
		if c, n := ix.idAgreement(&p, rr); n >= minAnchors {
			p.M[fID] = shrink(&c, &defaultParams.M[fID], fID, mPrior)
			src = append(src, "身份证号 m 由其他字段确定的 "+itoa(n)+" 对")
		}
	}
	p.Source = strings.Join(src, "；")
	ix.setParams(p)
}

// idAgreement compares identity numbers on pairs linked with probability ≥ 0.99 by the other
// fields alone, on a sample of right records that carry a number.
func (ix *Index) idAgreement(p *Params, rr []rec) ([MaxLevels]float64, int) {
	q := *p
	for l := range q.M[fID] {
		q.M[fID][l], q.U[fID][l], q.S[fID][l] = 1, 1, 1
	}
	w := q.weights(len(ix.recs))
	for l := range w.wu[fID] {
		w.wu[fID][l], w.ws[fID][l] = 0, 0
	}
	var mu sync.Mutex
	var c [MaxLevels]float64
	n := 0
	stride := max(1, len(rr)/idSample)
	parallelChunks((len(rr)+stride-1)/stride, ix.opts.Workers, 1024, func(lo, hi int) {
		s := ix.getScratch()
		defer ix.pool.Put(s)
		var skipped int64
		var lc [MaxLevels]float64
		ln := 0
		for k := lo; k < hi; k++ {
			r := &rr[k*stride]
			if r.idKind == idNone {
				continue
			}
			best, bestP := int32(-1), 0.0
			var bestLv [NumFields]uint8
			for _, li := range ix.candidates(r, s, &skipped) {
				levels(&ix.recs[li], r, &s.lv)
				if pr := w.prob(w.sums(&ix.recs[li], &s.lv)); pr > bestP {
					best, bestP, bestLv = li, pr, s.lv
				}
			}
			if best >= 0 && bestP >= 0.99 && bestLv[fID] != lvMissing {
				lc[bestLv[fID]]++
				ln++
			}
		}
		mu.Lock()
		for l := range c {
			c[l] += lc[l]
		}
		n += ln
		mu.Unlock()
	})
	return c, n
}

// siblingCounts compares the children of left families (same father's and mother's names,
// groups of 2–6) on the personal fields. It returns the level counts, the given-name levels of
// the pairs born on the same day, the number of pairs and the number of records in families
// considered.
func (ix *Index) siblingCounts() (sc levelCounts, twins [MaxLevels]float64, pairs, famRecs int) {
	left := ix.recs
	type fam struct {
		key uint64
		i   int32
	}
	// sample whole families by key so that groups stay complete
	withParents := 0
	for i := range left {
		if left[i].nh[nFat] != 0 && left[i].nh[nMot] != 0 {
			withParents++
		}
	}
	keep := uint64(1)
	if withParents > maxSibRecords {
		keep = uint64((withParents + maxSibRecords - 1) / maxSibRecords)
	}
	fams := make([]fam, 0, min(withParents, maxSibRecords+maxSibRecords/8))
	for i := range left {
		r := &left[i]
		if r.nh[nFat] == 0 || r.nh[nMot] == 0 {
			continue
		}
		k := hfinal(hmix(hmix(r.nh[nFat], r.nh[nMot]), r.hukou/1e6))
		if k%keep != 0 {
			continue
		}
		fams = append(fams, fam{k, int32(i)})
	}
	slices.SortFunc(fams, func(a, b fam) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return int(a.i - b.i)
	})
	var lv [NumFields]uint8
	for lo := 0; lo < len(fams); {
		hi := lo + 1
		for hi < len(fams) && fams[hi].key == fams[lo].key {
			hi++
		}
		if g := hi - lo; g >= 2 && g <= 6 {
			for a := lo; a < hi; a++ {
				for b := a + 1; b < hi; b++ {
					x, y := &left[fams[a].i], &left[fams[b].i]
					levels(x, y, &lv)
					if lv[fID] == idExact || (lv[fGiven] == nmExact && lv[fBirth] == dtExact) {
						continue // a duplicate, not a sibling
					}
					sc.add(&lv)
					if lv[fBirth] == dtExact {
						twins[lv[fGiven]]++
					}
					pairs++
				}
			}
		}
		lo = hi
	}
	return sc, twins, pairs, len(fams)
}

// iterateRate estimates the match rate without identity numbers: starting from the default,
// it sets the rate to the mean best-match probability of a sample of right records, a few
// times.
func (ix *Index) iterateRate(p *Params, rr []rec, rng *rand.Rand) float64 {
	sample := make([]int, 0, rateSample)
	if len(rr) <= rateSample {
		for i := range rr {
			sample = append(sample, i)
		}
	} else {
		sample = append(sample, rng.Perm(len(rr))[:rateSample]...)
	}
	rate := p.MatchRate
	s := ix.getScratch()
	defer ix.pool.Put(s)
	type cand struct{ wu, ws float64 }
	// the candidates' sums do not depend on the rate: compute them once
	best := make([][]cand, len(sample))
	q0 := *p
	q0.normalizeRows()
	w0 := q0.weights(len(ix.recs))
	var skipped int64
	for j, i := range sample {
		r := &rr[i]
		for _, li := range ix.candidates(r, s, &skipped) {
			levels(&ix.recs[li], r, &s.lv)
			wu, ws := w0.sums(&ix.recs[li], &s.lv)
			best[j] = append(best[j], cand{wu, ws})
		}
	}
	for it := 0; it < 6; it++ {
		q := *p
		q.MatchRate = rate
		w := q.weights(len(ix.recs))
		sum := 0.0
		for _, cs := range best {
			b := 0.0
			for _, c := range cs {
				b = math.Max(b, w.prob(c.wu, c.ws))
			}
			sum += b
		}
		rate = math.Min(math.Max(sum/float64(len(sample)), 0.02), 0.98)
	}
	return rate
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
