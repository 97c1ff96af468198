package region

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Resolution is the result of resolving a free-text address.
type Resolution struct {
	// Code is the natural code of the deepest division recognised.
	Code string
	// Level is the level of that division.
	Level Level
	// Matched is the part of the normalised text consumed by division names
	// (a prefix of NormalizeAddress(text)).
	Matched string
	// Rest is the remaining detail address (a suffix of the normalised text,
	// leading separators such as ，、: trimmed).
	Rest string
}

// Codes of ResolveError.
const (
	// CodeNotFound is the code of the error for a text naming no
	// administrative division.
	CodeNotFound = "not_found"
	// CodeAmbiguous is the code of the error for a name matching several
	// divisions that nothing in the text or the scope tells apart.
	CodeAmbiguous = "ambiguous"
	// CodeInvalidScope is the code of the error for a scope given to
	// ResolveWithin that is not a known division code.
	CodeInvalidScope = "invalid_scope"
)

// ResolveError is the error returned by Resolve and ResolveWithin. Code is
// stable (CodeNotFound, CodeAmbiguous, CodeInvalidScope); Message is Chinese
// and may be shown to users. errors.Is(err, ErrNotFound) (ErrAmbiguous,
// ErrInvalidScope) matches on Code.
type ResolveError struct {
	Code    string
	Message string
	// Text is the normalised part of the address the error is about.
	Text string
	// Candidates are the full names of the divisions an ambiguous name
	// matched (at most maxCandidates, in code order); CandidateCodes are
	// their codes.
	Candidates     []string
	CandidateCodes []string
	// Total is the number of candidates, which may exceed len(Candidates).
	Total int
}

// maxCandidates bounds ResolveError.Candidates.
const maxCandidates = 20

// Error returns the Chinese message.
func (e *ResolveError) Error() string { return e.Message }

// Is reports whether target is a *ResolveError with the same Code.
func (e *ResolveError) Is(target error) bool {
	t, ok := target.(*ResolveError)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	// ErrNotFound matches resolve errors with CodeNotFound.
	ErrNotFound = &ResolveError{Code: CodeNotFound, Message: "地址无法识别为行政区划"}
	// ErrAmbiguous matches resolve errors with CodeAmbiguous.
	ErrAmbiguous = &ResolveError{Code: CodeAmbiguous, Message: "地址对应多个行政区划，请写明上级区划"}
	// ErrInvalidScope matches resolve errors with CodeInvalidScope.
	ErrInvalidScope = &ResolveError{Code: CodeInvalidScope, Message: "上级区划代码无效"}
)

// aliasKind says how a name in the text matched a division.
type aliasKind uint8

const (
	// kindFull: the official name (or a village name with committee words).
	kindFull aliasKind = iota
	// kindShort: a province's short name (内蒙古, 北京, 广西).
	kindShort
	// kindPlace: a village's place name without committee words (清泉社区).
	kindPlace
	// kindStripped: a name without its administrative suffix (海勃湾, 乌海).
	kindStripped
)

type posting struct {
	id   int32
	kind aliasKind
	next int32 // next posting of the same name, -1 at the end
}

// resolver is the name index of levels 1..4 (villages are matched by
// scanning the villages under the context, see collectVillages).
type resolver struct {
	// index maps a normalised name to its first posting in post.
	index map[string]int32
	post  []posting
	// lenMask[r] has bit n set when some name of n runes starts with r.
	lenMask map[rune]uint64
}

// resolverIndex returns the name index, building it on first use.
func (t *Table) resolverIndex() *resolver {
	t.resOnce.Do(func() { t.res = buildResolver(t) })
	return t.res
}

func buildResolver(t *Table) *resolver {
	n := int(t.base[Village])
	r := &resolver{
		index:   make(map[string]int32, 3*n/2),
		post:    make([]posting, 0, 2*n),
		lenMask: make(map[rune]uint64, 4096),
	}
	for id := int32(0); id < int32(n); id++ {
		name := t.name(id)
		l := t.levelOf(id)
		r.add(NormalizeAddress(name), id, kindFull)
		if placeholderNames[name] {
			continue
		}
		kind := kindStripped
		if l == Province {
			kind = kindShort
		}
		short, k := shortNames(name, l)
		for _, s := range short[:k] {
			r.add(NormalizeAddress(s), id, kind)
		}
	}
	return r
}

func (r *resolver) add(alias string, id int32, kind aliasKind) {
	n := utf8.RuneCountInString(alias)
	if n < 2 || n > 63 {
		return
	}
	head, ok := r.index[alias]
	if !ok {
		head = -1
	}
	for p := head; p >= 0; p = r.post[p].next {
		if r.post[p].id == id {
			if kind < r.post[p].kind {
				r.post[p].kind = kind
			}
			return
		}
	}
	r.index[alias] = int32(len(r.post))
	r.post = append(r.post, posting{id: id, kind: kind, next: head})
	first, _ := utf8.DecodeRuneInString(alias)
	r.lenMask[first] |= 1 << n
}

// cand is a division whose name starts at the current position.
type cand struct {
	id   int32
	end  int32 // end of the name
	next int32 // end including words consumed with it (居委会, 办事处)
	kind aliasKind
}

// outcome is the best chain found from a position.
type outcome struct {
	id   int32 // deepest division, -1 for none
	end  int   // end of the consumed text
	weak int   // number of suffix-less names used
	amb  *ambiguity
}

// ambiguity describes a name that matched several divisions.
type ambiguity struct {
	ctx      int32 // division resolved before the ambiguous name
	pos, end int   // the ambiguous name in the text
	ids      []int32
}

// tie is an accepted candidate with its outcome.
type tie struct {
	c   cand
	out outcome
}

// villageBudget bounds the villages compared per Resolve call, which bounds
// the time spent on inputs whose names are ambiguous at every level.
const villageBudget = 60000

type state struct {
	t      *Table
	r      *resolver
	s      string
	scope  int32
	budget int
	cands  []cand
}

var statePool = sync.Pool{New: func() any { return &state{cands: make([]cand, 0, 64)} }}

// Resolve resolves a free-text address to the deepest administrative division
// it names, from whatever level it starts at: 内蒙古自治区乌海市海勃湾区新华街道
// 清泉社区幸福路12号, 乌海市海勃湾区…, 海勃湾区新华街道…, 内蒙古乌海海勃湾… are
// all understood; the text after the last division is returned as Rest.
// White space and full-width forms are ignored (see NormalizeAddress).
//
// Names may leave out their suffix (乌海, 海勃湾, 内蒙古) where that is
// unambiguous in context. A name matching several divisions (城关镇, 新华区)
// is settled by the names around it; otherwise Resolve returns a
// *ResolveError with CodeAmbiguous listing the candidates, together with the
// part of the address resolved before the ambiguous name (possibly empty).
// A text naming no division returns CodeNotFound.
func (t *Table) Resolve(text string) (Resolution, error) {
	return t.resolve(text, -1)
}

// ResolveWithin is Resolve with a context: scope is the code of a division
// (e.g. the deployment's city 1503) that is preferred whenever a name is
// ambiguous, and under which a text may start at any level, including a
// village's name (清泉社区…). Names outside the scope are still recognised
// when the text names them unambiguously. An empty scope means none; an
// unknown one returns CodeInvalidScope.
func (t *Table) ResolveWithin(text, scope string) (Resolution, error) {
	if strings.TrimSpace(scope) == "" {
		return t.resolve(text, -1)
	}
	id := t.lookupID(scope)
	if id < 0 {
		return Resolution{}, &ResolveError{
			Code:    CodeInvalidScope,
			Message: fmt.Sprintf("上级区划代码\"%s\"无效", clip(scope)),
			Text:    scope,
		}
	}
	return t.resolve(text, id)
}

// nationPrefixes may precede an address and are skipped when nothing is
// recognised otherwise.
var nationPrefixes = []string{"中华人民共和国", "中国"}

func (t *Table) resolve(text string, scope int32) (Resolution, error) {
	s := NormalizeAddress(text)
	if s == "" {
		return Resolution{}, &ResolveError{Code: CodeNotFound, Message: "地址为空，无法识别行政区划"}
	}
	if t.base[Village] == 0 {
		return Resolution{}, t.notFound(s)
	}
	st := statePool.Get().(*state)
	st.t, st.r, st.s, st.scope, st.budget = t, t.resolverIndex(), s, scope, villageBudget
	out := st.search(0, -1)
	if out.id < 0 && out.amb == nil {
		for _, p := range nationPrefixes {
			if strings.HasPrefix(s, p) {
				out = st.search(len(p), -1)
				break
			}
		}
	}
	st.t, st.r, st.s, st.cands = nil, nil, "", st.cands[:0]
	statePool.Put(st)

	if a := out.amb; a != nil {
		var res Resolution
		if a.ctx >= 0 {
			res = t.resolution(s, a.ctx, a.pos)
		}
		return res, t.ambiguous(s[a.pos:a.end], a.ids)
	}
	if out.id < 0 {
		return Resolution{}, t.notFound(s)
	}
	return t.resolution(s, out.id, out.end), nil
}

func (t *Table) resolution(s string, id int32, end int) Resolution {
	return Resolution{
		Code:    t.code(id),
		Level:   t.levelOf(id),
		Matched: s[:end],
		Rest:    strings.TrimLeftFunc(s[end:], isSeparator),
	}
}

// isSeparator reports the punctuation trimmed from the front of Rest.
func isSeparator(r rune) bool {
	return strings.ContainsRune(",.;:、。；：，-—_/|", r)
}

// clip shortens s for a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 30 {
		return s
	}
	n := 0
	for i := range s {
		if n == 30 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

func (t *Table) notFound(s string) *ResolveError {
	return &ResolveError{
		Code:    CodeNotFound,
		Message: fmt.Sprintf("地址\"%s\"无法识别为行政区划，请写明省、市、县（区）、乡镇（街道）等区划名称", clip(s)),
		Text:    s,
	}
}

func (t *Table) ambiguous(seg string, ids []int32) *ResolveError {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	e := &ResolveError{Code: CodeAmbiguous, Text: seg, Total: len(ids)}
	for i, id := range ids {
		if i == maxCandidates {
			break
		}
		e.Candidates = append(e.Candidates, t.fullName(id))
		e.CandidateCodes = append(e.CandidateCodes, t.code(id))
	}
	shown := e.Candidates
	if len(shown) > 5 {
		shown = shown[:5]
	}
	list := strings.Join(shown, "、")
	if len(ids) > len(shown) {
		list += fmt.Sprintf("等%d个", len(ids))
	}
	e.Message = fmt.Sprintf("地址\"%s\"对应多个行政区划：%s，请写明上级区划", clip(seg), list)
	return e
}

// search returns the best chain of divisions below ctx (-1: none) whose
// names follow one another from pos.
func (st *state) search(pos int, ctx int32) outcome {
	none := outcome{id: ctx, end: pos}
	if ctx >= 0 && ctx >= st.t.base[Village] {
		return none
	}
	// Separators between names (内蒙古自治区，乌海市) are skipped; they stay
	// out of Matched unless a name follows.
	if ctx >= 0 {
		for pos < len(st.s) {
			r, size := utf8.DecodeRuneInString(st.s[pos:])
			if !isSeparator(r) {
				break
			}
			pos += size
		}
	}
	if pos >= len(st.s) {
		return none
	}
	base := len(st.cands)
	scanned := false
	if ctx < 0 || ctx < st.t.base[Township] {
		st.collectUpper(pos, ctx)
		// At the start of a scoped text, villages of the scope compete with
		// same-named divisions elsewhere (幸福社区 the township in Anhui).
		if ctx < 0 && st.scope >= 0 && !st.anyConsistent(base) {
			st.collectVillages(pos, ctx)
			scanned = true
		}
		if len(st.cands) > base {
			out, ok := st.explore(base, ctx, pos)
			st.cands = st.cands[:base]
			if ok {
				return out
			}
		}
	}
	if !scanned && st.collectVillages(pos, ctx) {
		out, ok := st.explore(base, ctx, pos)
		st.cands = st.cands[:base]
		if ok {
			return out
		}
	}
	return none
}

// collectUpper appends the divisions of levels 1..4 below ctx whose names
// start at pos.
func (st *state) collectUpper(pos int, ctx int32) {
	s := st.s
	first, size := utf8.DecodeRuneInString(s[pos:])
	mask := st.r.lenMask[first]
	if mask == 0 {
		return
	}
	end, k := pos+size, 1
	for {
		if mask&(1<<k) != 0 {
			head, ok := st.r.index[s[pos:end]]
			for q := head; ok && q >= 0; q = st.r.post[q].next {
				p := st.r.post[q]
				if ctx >= 0 && !st.t.isDescendant(p.id, ctx) {
					continue
				}
				st.cands = append(st.cands, cand{id: p.id, end: int32(end), next: int32(end), kind: p.kind})
				// 新华街道办事处: also try with the office word consumed.
				if p.id >= st.t.base[Township] && strings.HasPrefix(s[end:], "办事处") {
					st.cands = append(st.cands, cand{id: p.id, end: int32(end), next: int32(end + len("办事处")), kind: p.kind})
				}
			}
		}
		if end >= len(s) || k >= 63 || mask>>(k+1) == 0 {
			return
		}
		_, sz := utf8.DecodeRuneInString(s[end:])
		end += sz
		k++
	}
}

// collectVillages appends the villages below ctx (or, with no ctx, below the
// scope) whose names start at pos. It scans only below a prefecture, county
// or township and within the call's budget.
func (st *state) collectVillages(pos int, ctx int32) bool {
	anchor := ctx
	if anchor < 0 {
		anchor = st.scope
	}
	if anchor < 0 {
		return false
	}
	t := st.t
	if l := t.levelOf(anchor); l < Prefecture || l == Village {
		return false
	}
	lo, hi := t.villageRange(anchor)
	if hi <= lo || int(hi-lo) > st.budget {
		return false
	}
	st.budget -= int(hi - lo)
	v := t.villages()
	if v == nil {
		return false
	}
	s := st.s
	rest := s[pos:]
	h := head3(rest)
	vb := t.base[Village]
	found := false
	for id := lo; id < hi; id++ {
		k := id - vb
		pl := int(v.placeLen[k])
		if v.head[k] != h && pl != normalizedPlace {
			continue
		}
		name := v.names[v.off[k]:v.off[k+1]]
		if pl == normalizedPlace {
			name = v.norm[k]
			pl = len(placeName(name))
		}
		if pl == 0 {
			continue
		}
		if len(rest) < pl || rest[:pl] != name[:pl] {
			continue
		}
		end := pos + pl
		next, kind := end, kindPlace
		if tail := name[pl:]; tail != "" && strings.HasPrefix(s[end:], tail) {
			next, kind = end+len(tail), kindFull
		} else {
			for _, w := range committeeTails {
				if strings.HasPrefix(s[end:], w) {
					next, kind = end+len(w), kindFull
					break
				}
			}
		}
		st.cands = append(st.cands, cand{id: id, end: int32(end), next: int32(next), kind: kind})
		found = true
	}
	return found
}

// anyConsistent reports whether a candidate from st.cands[base:] agrees
// with the scope.
func (st *state) anyConsistent(base int) bool {
	for _, c := range st.cands[base:] {
		if st.consistent(c.id) {
			return true
		}
	}
	return false
}

// consistent reports whether id agrees with the scope (is it, lies above or
// below it).
func (st *state) consistent(id int32) bool {
	sc := st.scope
	return id == sc || st.t.isDescendant(id, sc) || st.t.isDescendant(sc, id)
}

func cmpCand(a, b cand) int {
	if a.end != b.end {
		return int(b.end - a.end)
	}
	if a.id != b.id {
		return int(a.id - b.id)
	}
	if a.next != b.next {
		return int(b.next - a.next)
	}
	return int(a.kind) - int(b.kind)
}

// explore tries the candidates in st.cands[base:], longest names first, and
// returns the outcome of the first group of equally long names that has an
// acceptable candidate. With a scope, the candidates agreeing with it are
// tried first, all of them before any other.
func (st *state) explore(base int, ctx int32, pos int) (outcome, bool) {
	top := len(st.cands)
	m := top
	if st.scope >= 0 {
		m = base
		for k := base; k < top; k++ {
			if st.consistent(st.cands[k].id) {
				st.cands[k], st.cands[m] = st.cands[m], st.cands[k]
				m++
			}
		}
	}
	if out, ok := st.exploreRange(base, m, ctx, pos); ok {
		return out, true
	}
	return st.exploreRange(m, top, ctx, pos)
}

// exploreRange explores st.cands[from:to] by groups of equal length.
func (st *state) exploreRange(from, to int, ctx int32, pos int) (outcome, bool) {
	if to-from > 1 {
		cs := st.cands[from:to]
		slices.SortFunc(cs, cmpCand)
		k := 1
		for i := 1; i < len(cs); i++ {
			if cs[i].end == cs[k-1].end && cs[i].id == cs[k-1].id && cs[i].next == cs[k-1].next {
				continue
			}
			cs[k] = cs[i]
			k++
		}
		to = from + k
	}
	for i := from; i < to; {
		end := st.cands[i].end
		j := i + 1
		for j < to && st.cands[j].end == end {
			j++
		}
		if out, ok := st.group(i, j, ctx, pos); ok {
			return out, true
		}
		i = j
	}
	return outcome{}, false
}

// group evaluates the equally long candidates st.cands[i:j].
func (st *state) group(i, j int, ctx int32, pos int) (outcome, bool) {
	var buf [4]tie
	ties := buf[:0]
	for k := i; k < j; k++ {
		c := st.cands[k]
		sub := st.search(int(c.next), c.id)
		if !st.accept(c, sub) {
			continue
		}
		if c.kind == kindStripped {
			sub.weak++
		}
		if len(ties) > 0 {
			switch cmpOutcome(sub, ties[0].out) {
			case -1:
				continue
			case 1:
				ties = ties[:0]
			}
		}
		ties = append(ties, tie{c: c, out: sub})
	}
	switch len(ties) {
	case 0:
		return outcome{}, false
	case 1:
		return ties[0].out, true
	}
	return st.settle(ties, ctx, pos, int(st.cands[i].end)), true
}

// cmpOutcome orders outcomes: more text consumed, then unambiguous, then
// fewer suffix-less names is better.
func cmpOutcome(a, b outcome) int {
	switch {
	case a.end != b.end:
		if a.end > b.end {
			return 1
		}
		return -1
	case (a.amb == nil) != (b.amb == nil):
		if a.amb == nil {
			return 1
		}
		return -1
	case a.weak != b.weak:
		if a.weak < b.weak {
			return 1
		}
		return -1
	}
	return 0
}

// settle chooses among equally good outcomes of same-named candidates, or
// reports the name as ambiguous.
func (st *state) settle(ties []tie, ctx int32, pos, end int) outcome {
	t := st.t
	if ties[0].out.amb != nil {
		// All are ambiguous deeper down: merge the candidate lists.
		a := *ties[0].out.amb
		a.ids = slices.Clone(a.ids)
		for _, x := range ties[1:] {
			a.ids = append(a.ids, x.out.amb.ids...)
		}
		return outcome{id: ties[0].out.id, end: ties[0].out.end, amb: &a}
	}
	same := true
	for _, x := range ties[1:] {
		if x.out.id != ties[0].out.id {
			same = false
			break
		}
	}
	if same {
		return ties[0].out
	}
	// One final division above all the others (东莞市 the prefecture and
	// 东莞市 the county-level row below it): take it.
	for _, a := range ties {
		above := true
		for _, b := range ties {
			if b.out.id != a.out.id && !t.isDescendant(b.out.id, a.out.id) {
				above = false
				break
			}
		}
		if above {
			return a.out
		}
	}
	// Below a division named in the text, a single candidate at the highest
	// level wins (北京朝阳 → 朝阳区 rather than a township named 朝阳).
	best, n := Village+1, 0
	if ctx < 0 {
		n = 2
	}
	var pick outcome
	for _, x := range ties {
		switch l := t.levelOf(x.c.id); {
		case ctx < 0:
		case l < best:
			best, n, pick = l, 1, x.out
		case l == best:
			n++
		}
	}
	if n == 1 {
		return pick
	}
	ids := make([]int32, 0, len(ties))
	for _, x := range ties {
		ids = append(ids, x.out.id)
	}
	return outcome{id: ctx, end: end, amb: &ambiguity{ctx: ctx, pos: pos, end: end, ids: ids}}
}

// accept decides whether a candidate may stand, given what follows it.
func (st *state) accept(c cand, sub outcome) bool {
	confirmed := sub.id != c.id || sub.amb != nil
	next := int(c.next)
	atEnd := next >= len(st.s)
	switch c.kind {
	case kindFull:
		return true
	case kindPlace:
		return atEnd || !roadWord(st.s[next:])
	case kindShort:
		return confirmed || atEnd || !detailWord(st.s[next:])
	}
	// kindStripped
	if confirmed {
		return true
	}
	if st.t.levelOf(c.id) <= County {
		return atEnd || !detailWord(st.s[next:])
	}
	return atEnd
}

// roadWord reports whether s starts with a street word, which shows that the
// name before it is part of a street name (新村路) rather than a division.
func roadWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune("路街道巷弄胡", r)
}

// detailWord reports whether s starts like a detail address (a street word,
// a number, a direction, a building word), after which a name without its
// suffix is taken as part of the detail (北京东路, 新华路).
func detailWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	if r < utf8.RuneSelf {
		return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '#'
	}
	return strings.ContainsRune("路街道巷弄胡号里桥东西南北中大小门楼栋幢座层室单广场花园苑", r)
}
