package match

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options control matching. The zero value means "defaults" for every field.
type Options struct {
	// Threshold is the match probability from which a pair is linked automatically
	// (default 0.5).
	Threshold float64
	// ReviewBand is the lower bound of clerical review: a best pair with
	// ReviewBand ≤ score < Threshold is returned for a person to decide (default 0.05).
	ReviewBand float64
	// BlockCap skips blocks with more left records than this (default 300); an identity
	// number block is never skipped.
	BlockCap int
	// Workers is the number of goroutines (default GOMAXPROCS).
	Workers int
	// MatchRate is the expected share of right-side records that have a match on the left; 0
	// estimates it (from identity numbers when there are some, else from the scores).
	MatchRate float64
	// Params fixes the model parameters; nil estimates them from the data (see Calibrate).
	Params *Params
	// Lean leaves Match.Fields empty for links, to save memory on big runs (Match.Levels, from
	// which the breakdown follows, is always kept; pairs for review keep their Fields).
	// LinkFiles sets it.
	Lean bool
	// Progress receives progress lines (may be nil).
	Progress io.Writer
}

func (o Options) withDefaults() Options {
	if o.Threshold <= 0 || o.Threshold > 1 {
		o.Threshold = 0.5
	}
	if o.ReviewBand <= 0 {
		o.ReviewBand = 0.05
	}
	if o.ReviewBand > o.Threshold {
		o.ReviewBand = o.Threshold
	}
	if o.BlockCap <= 0 {
		o.BlockCap = 300
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// FieldWeight is one field's part in a decision: the comparison level and its weights in bits.
// Weight is log2(m/u), the evidence for "same child" against "an unrelated child" (for an exact
// name it is adjusted to the name's frequency: a rare name weighs more); SiblingWeight is
// log2(m/s), the evidence against "a brother or sister of that child". Missing fields weigh 0.
type FieldWeight struct {
	Field         string  // one of FieldNames
	Level         string  // see LevelName: exact, pinyin, typo, day_month_swap, county …
	Weight        float64 // log2(m/u), bits
	SiblingWeight float64 // log2(m/s), bits
}

// Decisions of a Match.
const (
	// DecisionLink is a pair with score ≥ Threshold.
	DecisionLink = "link"
	// DecisionReview is a pair with ReviewBand ≤ score < Threshold, for clerical review.
	DecisionReview = "review"
	// DecisionNoMatch is a best candidate below ReviewBand (only returned by Index.Match).
	DecisionNoMatch = "no_match"
)

// Match is the best left record for one right record.
type Match struct {
	LeftRef, RightRef string
	Left, Right       int              // positions of the records in their inputs (rows with a ref, from 0)
	Score             float64          // posterior match probability
	Method            string           // "id", "id_fuzzy" or "probabilistic"
	Decision          string           // DecisionLink, DecisionReview or DecisionNoMatch
	Levels            [NumFields]uint8 // comparison level per field (LevelName gives the name)
	Fields            []FieldWeight    // per-field breakdown (see Options.Lean)
}

// Stats describe a run of Link.
type Stats struct {
	Left, Right         int           // records read (with a ref)
	Links, Review       int           // pairs linked, pairs returned for review
	ID, IDFuzzy, Prob   int           // links by method
	Comparisons         int64         // scored pairs
	SkippedBlocks       int64         // block lookups skipped as larger than BlockCap
	BlockEntries        int           // keys in the index
	Params              Params        // the parameters used
	Normalize, Indexing time.Duration // reading and normalising; term frequencies and blocking
	Estimate, Matching  time.Duration // parameter estimation; matching and building the result
}

// Index holds the normalised left side (the registry) with its blocking index and model
// parameters. It is safe for concurrent use by Match once built.
type Index struct {
	recs      []rec
	refs      refTable
	blocks    *blockIndex
	nKeys     int
	params    Params
	w         *weights
	opts      Options
	probeFix  bool // the left side has invalid numbers
	pool      sync.Pool
	indexTime time.Duration
	normTime  time.Duration
}

type scratch struct {
	post  []int32
	stamp []uint32 // stamp[left] == gen: already scored for this right record
	gen   uint32
	keys  []uint64
	cand  []int32
	buf   []rune
	lv    [NumFields]uint8
}

func (ix *Index) logf(format string, args ...any) {
	if ix.opts.Progress != nil {
		fmt.Fprintf(ix.opts.Progress, format+"\n", args...)
	}
}

// NewIndex normalises left and builds an index over it. Parameters come from Options.Params
// or, when nil, are estimated from left alone (u from random pairs, s from sibling groups, m
// from the built-in defaults); Calibrate refines them with a sample of right-side records.
func NewIndex(left []Person, opts Options) *Index {
	opts = opts.withDefaults()
	t0 := time.Now()
	recs, refs := normalizeAll(left, opts.Workers)
	ix := newIndex(recs, refs, opts)
	ix.normTime = time.Since(t0) - ix.indexTime
	return ix
}

// NewIndexCSV reads the left side from CSV (see ReadCSVFunc) and builds an index over it, like
// NewIndex.
func NewIndexCSV(r io.Reader, opts Options) (*Index, ReadStats, error) {
	opts = opts.withDefaults()
	t0 := time.Now()
	recs, refs, st, err := loadRecs(r, opts.Workers, 0)
	if err != nil {
		return nil, st, err
	}
	ix := newIndex(recs, refs, opts)
	ix.normTime = time.Since(t0) - ix.indexTime
	return ix, st, nil
}

// Calibrate re-estimates the parameters from a sample of right-side records (a recent roster
// or a few thousand records of one): u from random pairs against it, m anchored on the pairs
// that share a valid identity number, the match rate. Without Options.Params an index starts
// from parameters estimated on the left side alone with the built-in m. Calibrate must not run
// concurrently with Match.
func (ix *Index) Calibrate(sample []Person) {
	if ix.opts.Params != nil {
		return
	}
	rr, _ := normalizeAll(sample, ix.opts.Workers)
	ix.estimate(rr)
}

// Len returns the number of indexed records.
func (ix *Index) Len() int { return len(ix.recs) }

// Params returns the parameters in use.
func (ix *Index) Params() Params { return ix.params }

func newIndex(recs []rec, refs refTable, opts Options) *Index {
	initPinyin()
	t0 := time.Now()
	ix := &Index{recs: recs, refs: refs, opts: opts}
	ix.computeTF()
	for i := range recs {
		if recs[i].idKind == idInvalid {
			ix.probeFix = true
			break
		}
	}
	ix.buildBlocks()
	ix.indexTime = time.Since(t0)
	if opts.Params != nil {
		ix.setParams(*opts.Params)
	} else {
		ix.estimate(nil)
	}
	return ix
}

func (ix *Index) setParams(p Params) {
	if ix.opts.MatchRate > 0 {
		p.MatchRate = ix.opts.MatchRate
	}
	p.normalizeRows()
	ix.params = p
	ix.w = p.weights(len(ix.recs))
}

// normalizeAll converts people to records in parallel.
func normalizeAll(people []Person, workers int) ([]rec, refTable) {
	initPinyin()
	recs := make([]rec, len(people))
	parallelChunks(len(people), workers, 4096, func(lo, hi int) {
		var buf []rune
		for i := lo; i < hi; i++ {
			recs[i], buf = makeRec(&people[i], buf)
		}
	})
	var refs refTable
	for i := range people {
		refs.add(strings.TrimSpace(people[i].Ref))
	}
	return recs, refs
}

// parallelChunks calls fn on consecutive chunks of [0,n) from several goroutines.
func parallelChunks(n, workers, chunk int, fn func(lo, hi int)) {
	if n == 0 {
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < max(1, min(workers, (n+chunk-1)/chunk)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(int64(chunk))) - chunk
				if lo >= n {
					return
				}
				fn(lo, min(lo+chunk, n))
			}
		}()
	}
	wg.Wait()
}

// computeTF stores in every left record the frequency of its name values.
func (ix *Index) computeTF() {
	var wg sync.WaitGroup
	get := [nTF]func(r *rec) uint64{
		func(r *rec) uint64 { return r.nh[nSur] },
		func(r *rec) uint64 { return r.nh[nGiv] },
		func(r *rec) uint64 { return r.nh[nFat] },
		func(r *rec) uint64 { return r.nh[nMot] },
		func(r *rec) uint64 { return r.nh[nGua] },
		func(r *rec) uint64 {
			if r.nh[nGiv] == 0 {
				return 0
			}
			return hfinal(hmix(r.nh[nSur], r.nh[nGiv]))
		},
	}
	sem := make(chan struct{}, ix.opts.Workers)
	for k := 0; k < nTF; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			recs := ix.recs
			ct := newCounter(len(recs))
			total := 0
			for i := range recs {
				if h := get[k](&recs[i]); h != 0 {
					ct.add(h)
					total++
				}
			}
			var codes [1024]uint8 // code by count, for the common small counts
			for c := range codes {
				codes[c] = tfCode(float64(max(c, 1)) / float64(max(total, 1)))
			}
			for i := range recs {
				if h := get[k](&recs[i]); h != 0 {
					if c := ct.get(h); c < uint32(len(codes)) {
						recs[i].tf[k] = codes[c]
					} else {
						recs[i].tf[k] = tfCode(float64(c) / float64(total))
					}
				}
			}
		}()
	}
	wg.Wait()
}

// counter counts uint64 keys (never 0) in an open-addressing table.
type counter struct {
	keys []uint64
	cnt  []uint32
}

func newCounter(n int) *counter {
	size := 2*n + 1
	return &counter{keys: make([]uint64, size), cnt: make([]uint32, size)}
}

func (c *counter) find(k uint64) int {
	n := len(c.keys)
	i := slot(k, n)
	for c.keys[i] != 0 && c.keys[i] != k {
		if i++; i == n {
			i = 0
		}
	}
	return i
}

func (c *counter) add(k uint64) {
	i := c.find(k)
	c.keys[i] = k
	c.cnt[i]++
}

func (c *counter) get(k uint64) uint32 { return c.cnt[c.find(k)] }

func (ix *Index) buildBlocks() {
	type part struct {
		keys []uint64
		ids  []int32
	}
	const chunk = 16384
	n := len(ix.recs)
	parts := make([]part, (n+chunk-1)/chunk)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < ix.opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1)) - 1
				if c >= len(parts) {
					return
				}
				lo, hi := c*chunk, min((c+1)*chunk, n)
				p := part{keys: make([]uint64, 0, (hi-lo)*10)}
				p.ids = make([]int32, 0, cap(p.keys))
				for i := lo; i < hi; i++ {
					before := len(p.keys)
					p.keys = appendKeys(p.keys, &ix.recs[i], true, false)
					for j := before; j < len(p.keys); j++ {
						p.ids = append(p.ids, int32(i))
					}
				}
				parts[c] = p
			}
		}()
	}
	wg.Wait()
	keys := make([][]uint64, len(parts))
	ids := make([][]int32, len(parts))
	for i := range parts {
		keys[i], ids[i] = parts[i].keys, parts[i].ids
		ix.nKeys += len(parts[i].keys)
		parts[i] = part{}
	}
	ix.blocks = buildBlockIndex(keys, ids, ix.opts.Workers)
}

// candidates gathers the distinct left records sharing a key with r, ascending.
func (ix *Index) candidates(r *rec, s *scratch, skipped *int64) []int32 {
	s.keys = appendKeys(s.keys[:0], r, false, ix.probeFix)
	s.cand = s.cand[:0]
	for _, k := range s.keys {
		var n int
		if s.cand, n = ix.blocks.appendPostings(s.cand, k, ix.opts.BlockCap); n > ix.opts.BlockCap {
			*skipped++
		}
	}
	if len(s.cand) > 1 {
		slices.Sort(s.cand)
		s.cand = slices.Compact(s.cand)
	}
	return s.cand
}

// result is the best candidate of one right record.
type result struct {
	left   int32
	score  float64
	levels [NumFields]uint8
}

// shortCircuit ends the search for a right record as soon as a candidate scores at least
// this: no other candidate can do meaningfully better.
const shortCircuit = 0.999999

// best scores the candidates of r and returns the best (left = -1 when there is none).
// Blocks are looked up in rule order, the identity number first; each left record is scored
// once; as soon as one scores ≥ shortCircuit the remaining blocks are not looked at. Candidates
// whose score cannot reach floor or the best so far are dropped after the cheap fields, before
// the names are compared in detail. Ties go to the lower left position among those scored.
func (ix *Index) best(r *rec, s *scratch, floor float64, cmp, skipped *int64) result {
	res := result{left: -1}
	w := ix.w
	if len(s.stamp) != len(ix.recs) {
		s.stamp, s.gen = make([]uint32, len(ix.recs)), 0
	}
	if s.gen++; s.gen == 0 {
		clear(s.stamp)
		s.gen = 1
	}
	probe := func(k uint64, limit int) {
		var n int
		if s.post, n = ix.blocks.appendPostings(s.post[:0], k, limit); n > limit {
			*skipped++
		}
		for _, li := range s.post {
			if s.stamp[li] == s.gen {
				continue
			}
			s.stamp[li] = s.gen
			*cmp++
			l := &ix.recs[li]
			if cheapLevels(l, r, &s.lv) {
				if ub := w.prob(w.bound(l, &s.lv)); ub < floor || (res.left >= 0 && ub < res.score) {
					continue
				}
				nameLevels(l, r, &s.lv)
			}
			p := w.prob(w.sums(l, &s.lv))
			if res.left < 0 || p > res.score || (p == res.score && li < res.left) {
				res = result{left: li, score: p, levels: s.lv}
			}
		}
	}
	first := 0
	if r.idKind != idNone {
		// the identity number's own block, never skipped, before the other keys are computed
		probe(key2(ruleID, hashBytes(r.id[:])), math.MaxInt)
		if res.score >= shortCircuit {
			return res
		}
		first = 1 // appendKeys puts that key first
	}
	s.keys = appendKeys(s.keys[:0], r, false, ix.probeFix)
	for _, k := range s.keys[first:] {
		probe(k, ix.opts.BlockCap)
		if res.score >= shortCircuit {
			break
		}
	}
	return res
}

func (ix *Index) getScratch() *scratch {
	if s, ok := ix.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{keys: make([]uint64, 0, 32), cand: make([]int32, 0, 256), buf: make([]rune, 0, 32)}
}

// Match finds the best left record for p. ok reports a link (score ≥ Threshold); the returned
// Match describes the best candidate in any case (Decision says which), with its per-field
// breakdown, or is empty (Left = -1) when no left record shares a blocking key with p.
func (ix *Index) Match(p Person) (m Match, ok bool) {
	s := ix.getScratch()
	defer ix.pool.Put(s)
	var r rec
	r, s.buf = makeRec(&p, s.buf)
	var cmp, skipped int64
	res := ix.best(&r, s, 0, &cmp, &skipped)
	if res.left < 0 {
		return Match{Left: -1, Right: -1, RightRef: strings.TrimSpace(p.Ref), Decision: DecisionNoMatch}, false
	}
	m = ix.makeMatch(&r, strings.TrimSpace(p.Ref), res, -1, true)
	return m, m.Decision == DecisionLink
}

func (ix *Index) makeMatch(r *rec, rightRef string, res result, right int, explain bool) Match {
	l := &ix.recs[res.left]
	m := Match{
		LeftRef: ix.refs.get(int(res.left)), RightRef: rightRef, Left: int(res.left), Right: right,
		Score: res.score, Levels: res.levels, Method: method(l, r, &res.levels),
	}
	switch {
	case res.score >= ix.opts.Threshold:
		m.Decision = DecisionLink
	case res.score >= ix.opts.ReviewBand:
		m.Decision = DecisionReview
	default:
		m.Decision = DecisionNoMatch
	}
	if explain || m.Decision == DecisionReview {
		m.Fields = ix.explain(l, &res.levels)
	}
	return m
}

// Explain returns the per-field breakdown of a Match this index made (from its Levels), for
// links made under Options.Lean.
func (ix *Index) Explain(m Match) []FieldWeight {
	if m.Left < 0 || m.Left >= len(ix.recs) {
		return nil
	}
	return ix.explain(&ix.recs[m.Left], &m.Levels)
}

func (ix *Index) explain(l *rec, lv *[NumFields]uint8) []FieldWeight {
	out := make([]FieldWeight, NumFields)
	for f := 0; f < NumFields; f++ {
		x := lv[f]
		fw := FieldWeight{Field: FieldNames[f], Level: LevelName(f, int(x))}
		if x != lvMissing {
			fw.Weight = ix.w.fieldU(f, x, l, lv)
			fw.SiblingWeight = ix.w.fieldS(f, x, lv)
		}
		out[f] = fw
	}
	return out
}

// method names how a pair was found: equal valid identity numbers, numbers one typo apart with
// the name and birth date agreeing, or the probabilistic comparison of all fields.
func method(l, r *rec, lv *[NumFields]uint8) string {
	switch lv[fID] {
	case idExact:
		if l.idKind == idValid && r.idKind == idValid {
			return "id"
		}
	case idTypo:
		if lv[fGiven] >= nmExact && lv[fGiven] <= nmNear && lv[fSurname] != nmDisagree &&
			lv[fBirth] != dtDisagree {
			return "id_fuzzy"
		}
	}
	return "probabilistic"
}

// Link matches every right record against left and returns, in right order, the best left
// record of each right record whose score reaches Options.ReviewBand (Decision tells links
// from pairs for review).
func Link(left, right []Person, opts Options) ([]Match, Stats) {
	opts = opts.withDefaults()
	t0 := time.Now()
	lr, lrefs := normalizeAll(left, opts.Workers)
	rr, rrefs := normalizeAll(right, opts.Workers)
	tn := time.Since(t0)
	ix := newIndex(lr, lrefs, opts)
	ms, st := ix.linkRecs(rr, &rrefs)
	st.Normalize = tn
	return ms, st
}

// linkRecs calibrates the parameters on the right records (unless fixed) and links them.
func (ix *Index) linkRecs(rr []rec, rrefs *refTable) ([]Match, Stats) {
	st := Stats{Left: len(ix.recs), Right: len(rr), BlockEntries: ix.nKeys, Indexing: ix.indexTime}
	t0 := time.Now()
	if ix.opts.Params == nil {
		ix.estimate(rr)
	}
	st.Estimate = time.Since(t0)
	st.Params = ix.params
	ix.logf("参数：%s", ix.params.Source)

	t0 = time.Now()
	res := make([]result, len(rr))
	var cmpTotal, skipTotal atomic.Int64
	var done atomic.Int64
	var logMu sync.Mutex
	step := max(len(rr)/10, 1)
	parallelChunks(len(rr), ix.opts.Workers, 2048, func(lo, hi int) {
		s := ix.getScratch()
		defer ix.pool.Put(s)
		var cmp, skipped int64
		for i := lo; i < hi; i++ {
			res[i] = ix.best(&rr[i], s, ix.opts.ReviewBand, &cmp, &skipped)
		}
		cmpTotal.Add(cmp)
		skipTotal.Add(skipped)
		d := int(done.Add(int64(hi - lo)))
		if ix.opts.Progress != nil && d/step != (d-(hi-lo))/step {
			logMu.Lock()
			ix.logf("比对进度 %d/%d（%.0f%%）", d, len(rr), 100*float64(d)/float64(len(rr)))
			logMu.Unlock()
		}
	})
	st.Comparisons = cmpTotal.Load()
	st.SkippedBlocks = skipTotal.Load()
	n := 0
	for i := range res {
		if res[i].left >= 0 && res[i].score >= ix.opts.ReviewBand {
			n++
		}
	}
	out := make([]Match, 0, n)
	for i := range res {
		if res[i].left < 0 || res[i].score < ix.opts.ReviewBand {
			continue
		}
		m := ix.makeMatch(&rr[i], rrefs.get(i), res[i], i, !ix.opts.Lean)
		out = append(out, m)
		if m.Decision == DecisionLink {
			st.Links++
			switch m.Method {
			case "id":
				st.ID++
			case "id_fuzzy":
				st.IDFuzzy++
			default:
				st.Prob++
			}
		} else {
			st.Review++
		}
	}
	st.Matching = time.Since(t0)
	return out, st
}
