package child

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// toHalfWidth maps full-width ASCII (U+FF01–U+FF5E) to ASCII and the ideographic space to a
// space. Text without such characters is returned as it is, without allocating.
func toHalfWidth(s string) string {
	// Full-width forms are U+FF01–U+FF5E (EF BC 81 – EF BD 9E) and the ideographic space
	// U+3000 (E3 80 80): look for their lead bytes before decoding anything.
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c == 0xEF || c == 0xE3 {
			if r, _ := utf8.DecodeRuneInString(s[i:]); (r >= 0xFF01 && r <= 0xFF5E) || r == 0x3000 {
				break
			}
		}
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// alnumToHalfWidth maps only full-width digits and Latin letters to ASCII, and the ideographic
// space to a space.
func alnumToHalfWidth(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c == 0xEF || c == 0xE3 {
			if r, _ := utf8.DecodeRuneInString(s[i:]); isFullAlnum(r) || r == 0x3000 {
				break
			}
		}
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		switch {
		case isFullAlnum(r):
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isFullAlnum(r rune) bool {
	return (r >= '０' && r <= '９') || (r >= 'Ａ' && r <= 'Ｚ') || (r >= 'ａ' && r <= 'ｚ')
}

// isSpace reports white space including NBSP, the ideographic space, zero-width space and BOM.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u3000', '\u200b', '\u2002', '\u2003', '\u2009', '\ufeff':
		return true
	}
	return false
}

// NormalizeText trims a free-text value, turns full-width digits and letters into half-width
// (Chinese punctuation such as （）：， stays as written), replaces invalid UTF-8 and collapses
// runs of white space (NBSP and ideographic spaces included) into one space.
func NormalizeText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = alnumToHalfWidth(s)
	clean := true
	prevSpace := true
	for _, r := range s {
		sp := isSpace(r)
		if sp && (prevSpace || r != ' ') {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean && !prevSpace {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		if isSpace(r) {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isNameDot reports the characters people type for the middle dot of minority names
// (阿依古丽·买买提): the full stop, bullets, the katakana middle dot and others.
func isNameDot(r rune) bool {
	switch r {
	case '·', '.', '•', '．', '・', '‧', '･', '∙', '⋅', '●', '˙', '。':
		return true
	}
	return false
}

// NormalizeName normalises a person's name: full-width to half-width, spaces removed (kept, one,
// only between two Latin letters), every variant of the middle dot turned into "·" (U+00B7),
// repeated dots merged.
func NormalizeName(s string) string {
	s = toHalfWidth(s)
	if nameIsClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var prev rune
	pendingSpace := false
	for _, r := range s {
		if isSpace(r) {
			pendingSpace = true
			continue
		}
		if isNameDot(r) {
			r = '·'
			if prev == '·' {
				pendingSpace = false
				continue
			}
		}
		if pendingSpace && isLatin(prev) && isLatin(r) {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// nameIsClean reports a name that NormalizeName would leave as it is: no white space at all,
// and no dot but U+00B7 between two other characters.
func nameIsClean(s string) bool {
	prevDot := true
	for _, r := range s {
		if isSpace(r) || (isNameDot(r) && (r != '·' || prevDot)) {
			return false
		}
		prevDot = r == '·'
	}
	return true
}

func isLatin(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') }

// nameProblem returns "" when a normalised name is acceptable, else the error code: "length"
// (not 1–40 characters) or "chars" (a character other than Han, letters, the middle dot and a
// space between Latin letters; or a dot at either end).
func nameProblem(name string) string {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > 40 {
		return "length"
	}
	for _, r := range name {
		if r == '·' || r == ' ' {
			continue
		}
		if unicode.Is(unicode.Han, r) || unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
			continue
		}
		return "chars"
	}
	if strings.HasPrefix(name, "·") || strings.HasSuffix(name, "·") {
		return "chars"
	}
	return ""
}

// NormalizePhone normalises a telephone number: full-width digits, spaces, dashes and brackets
// removed, a +86/0086 prefix dropped. A mobile number becomes 11 digits; a landline becomes
// "area-number" (0473-1234567). ok is false when the result is neither: a mainland mobile
// 1[3-9]xxxxxxxxx nor a landline with an area code of 3–4 digits starting with 0 and a local
// number of 7–8 digits.
func NormalizePhone(s string) (string, bool) {
	s = toHalfWidth(s)
	digits := make([]byte, 0, 16)
	hadSep := false
	areaEnd := -1
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == '+' && len(digits) == 0 && i == 0:
		case r == '-' || r == '(' || r == ')' || r == '（' || r == '）' || r == '—' || r == '－':
			if areaEnd < 0 && len(digits) > 0 && (r == '-' || r == ')' || r == '）' || r == '—' || r == '－') {
				areaEnd = len(digits)
			}
			hadSep = true
		case isSpace(r):
		default:
			return s, false
		}
	}
	_ = hadSep
	d := string(digits)
	if strings.HasPrefix(d, "0086") && len(d) > 4 {
		d = d[4:]
		areaEnd -= 4
	} else if strings.HasPrefix(d, "86") && len(d) == 13 && d[2] == '1' {
		d = d[2:]
		areaEnd -= 2
	}
	if len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9' {
		return d, true
	}
	if len(d) >= 10 && len(d) <= 12 && d[0] == '0' {
		area := 4
		if d[1] == '1' || d[1] == '2' {
			area = 3
		}
		if areaEnd == 3 || areaEnd == 4 {
			area = areaEnd
		}
		local := d[area:]
		if len(local) >= 7 && len(local) <= 8 && local[0] != '0' {
			return d[:area] + "-" + local, true
		}
	}
	return d, false
}

// MaskPhone hides the middle of a phone number for display: 138****5678, 0473-***4567.
func MaskPhone(p string) string {
	if len(p) == 11 && !strings.Contains(p, "-") {
		return p[:3] + "****" + p[7:]
	}
	if i := strings.IndexByte(p, '-'); i > 0 && len(p)-i-1 > 4 {
		local := p[i+1:]
		return p[:i+1] + strings.Repeat("*", len(local)-4) + local[len(local)-4:]
	}
	if len(p) <= 4 {
		return strings.Repeat("*", len(p))
	}
	return strings.Repeat("*", len(p)-4) + p[len(p)-4:]
}

// MaskName hides a name but its first character: 张*, 阿**.
func MaskName(n string) string {
	r := []rune(n)
	if len(r) <= 1 {
		return n
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

// MaskDetail hides a detail address (or a school's name) for display: at most a third of its
// characters stay, six at most, and none from the first digit on — a house, building or room
// number never shows, and a short address is not given back by its beginning
// (docs/security.md, "Masking").
func MaskDetail(s string) string {
	r := []rune(s)
	keep := min(len(r)/3, 6)
	for i := 0; i < keep; i++ {
		if unicode.IsDigit(r[i]) {
			keep = i
			break
		}
	}
	return string(r[:keep]) + strings.Repeat("*", min(len(r)-keep, 8))
}

// ParseBool reads yes/no as people write it: 是/否, 有/无, true/false, 1/0, y/n, √/×.
func ParseBool(s string) (v bool, ok bool) {
	switch s {
	case "true", "是":
		return true, true
	case "false", "否":
		return false, true
	}
	switch lookupKey(s) {
	case "是", "有", "true", "1", "y", "yes", "t", "√", "对", "已", "是的":
		return true, true
	case "否", "无", "false", "0", "n", "no", "f", "×", "x", "没有", "不是", "未":
		return false, true
	}
	return false, false
}

// SplitSet splits a cell holding several values: separated by 、，,;；/ or white space.
func SplitSet(s string) []string {
	f := func(r rune) bool {
		switch r {
		case '、', '，', ',', ';', '；', '|', '\n', '\t':
			return true
		}
		return false
	}
	parts := strings.FieldsFunc(s, f)
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimFunc(p, isSpace); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// catCache memoises the joins of field paths and item names (father + ".phone", 父亲 + 联系方式)
// that decoding and validation build for every record: a few hundred distinct pairs. Readers
// load an immutable map without locking; a new pair copies the map (rare after warm-up).
var catCache atomic.Pointer[map[[2]string]string]

var catMu sync.Mutex

// catCacheMax bounds catCache; pairs past it are joined without caching.
const catCacheMax = 2048

// cat returns a+b, from the cache when it has been built before.
func cat(a, b string) string {
	k := [2]string{a, b}
	if m := catCache.Load(); m != nil {
		if s, ok := (*m)[k]; ok {
			return s
		}
	}
	s := a + b
	catMu.Lock()
	defer catMu.Unlock()
	old := catCache.Load()
	if old != nil && len(*old) >= catCacheMax {
		return s
	}
	next := make(map[[2]string]string, 64)
	if old != nil {
		for kk, v := range *old {
			next[kk] = v
		}
	}
	next[k] = s
	catCache.Store(&next)
	return s
}
