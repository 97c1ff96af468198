package match

// Comparison fields and their levels. Level 0 is always "missing" (either side empty), which
// carries no weight.

const (
	// NumFields is the number of compared fields.
	NumFields = 11
	// MaxLevels bounds the number of comparison levels of any field (missing included).
	MaxLevels = 7
)

// Field indices, in the order of FieldNames.
const (
	fID = iota
	fSurname
	fGiven
	fBirth
	fSex
	fHukou
	fResid
	fFather
	fMother
	fGuardian
	fGuardianID
)

// FieldNames names the compared fields in the order used by Params and FieldWeight.
var FieldNames = [NumFields]string{
	"id", "surname", "given_name", "birth_date", "sex", "hukou_region", "residence_region",
	"father_name", "mother_name", "guardian_name", "guardian_id",
}

type fieldKind uint8

const (
	kindID fieldKind = iota
	kindName
	kindDate
	kindSex
	kindRegion
)

var fieldKinds = [NumFields]fieldKind{
	kindID, kindName, kindName, kindDate, kindSex, kindRegion, kindRegion,
	kindName, kindName, kindName, kindID,
}

// familyField marks the fields siblings share as much as a record and its match do: they say
// "same family", not "same person".
var familyField = [NumFields]bool{
	fSurname: true, fHukou: true, fResid: true, fFather: true, fMother: true, fGuardian: true, fGuardianID: true,
}

// tfIndex maps a name field to its term-frequency slot (-1: no term-frequency adjustment).
var tfIndex = [NumFields]int8{-1, 0, 1, -1, -1, -1, -1, 2, 3, 4, -1}

const (
	nTF    = 6 // surname, given name, father, mother, guardian, full name
	tfFull = 5
)

// Level values per kind.
const (
	lvMissing = 0

	idExact    = 1
	idTypo     = 2
	idDisagree = 3

	nmExact    = 1 // same characters
	nmPinyin   = 2 // same pinyin (homophones, transliteration variants)
	nmNear     = 3 // near pinyin (z/zh, n/l, an/ang …) or look-alike characters
	nmOneChar  = 4 // one character replaced by an unrelated one (a typo, or a sibling's name)
	nmPartial  = 5 // one character added or dropped, two exchanged; Jaro-Winkler ≥ 0.92 on pinyin
	nmDisagree = 6

	dtExact    = 1
	dtSwap     = 2 // day and month exchanged
	dtOnePart  = 3 // exactly one of year, month, day differs
	dtDisagree = 4

	sxAgree    = 1
	sxDisagree = 2

	rgTownship   = 1
	rgCounty     = 2
	rgPrefecture = 3
	rgProvince   = 4
	rgDisagree   = 5
)

var levelNames = map[fieldKind][]string{
	kindID:     {"missing", "exact", "typo", "disagree"},
	kindName:   {"missing", "exact", "pinyin", "near", "one_char", "partial", "disagree"},
	kindDate:   {"missing", "exact", "day_month_swap", "one_part", "disagree"},
	kindSex:    {"missing", "agree", "disagree"},
	kindRegion: {"missing", "township", "county", "prefecture", "province", "disagree"},
}

// numLevels returns how many levels field f has, missing included.
func numLevels(f int) int { return len(levelNames[fieldKinds[f]]) }

// LevelName returns the name of level lv of field f ("exact", "pinyin", "typo" …).
func LevelName(f, lv int) string {
	names := levelNames[fieldKinds[f]]
	if lv < 0 || lv >= len(names) {
		return "?"
	}
	return names[lv]
}

// levels compares l (left) and r (right) field by field.
func levels(l, r *rec, lv *[NumFields]uint8) {
	if cheapLevels(l, r, lv) {
		nameLevels(l, r, lv)
	}
}

// lvUnknown marks a name field whose level cheapLevels left to nameLevels.
const lvUnknown = 255

// cheapLevels fills the levels that cost a comparison or two: identity numbers, dates, sex,
// regions, and missing or exactly equal names. Other names get lvUnknown; the result reports
// whether there are any.
func cheapLevels(l, r *rec, lv *[NumFields]uint8) bool {
	lv[fID] = idLevel(&l.id, l.idKind, &r.id, r.idKind)
	idEqual := lv[fID] == idExact
	lv[fBirth] = birthLevel(l, r, idEqual)
	lv[fSex] = sexLevel(l, r, idEqual)
	lv[fHukou] = regionLevel(l.hukou, r.hukou)
	lv[fResid] = regionLevel(l.resid, r.resid)
	lv[fGuardianID] = idLevel(&l.gid, l.gidKind, &r.gid, r.gidKind)
	lv[fSurname] = quickName(l.nh[nSur], r.nh[nSur])
	lv[fGiven] = quickName(l.nh[nGiv], r.nh[nGiv])
	lv[fFather] = quickName(l.nh[nFat], r.nh[nFat])
	lv[fMother] = quickName(l.nh[nMot], r.nh[nMot])
	lv[fGuardian] = quickName(l.nh[nGua], r.nh[nGua])
	return lv[fSurname]|lv[fGiven]|lv[fFather]|lv[fMother]|lv[fGuardian] == lvUnknown
}

func quickName(a, b uint64) uint8 {
	switch {
	case a == 0 || b == 0:
		return lvMissing
	case a == b:
		return nmExact
	}
	return lvUnknown
}

// nameLevels resolves the names cheapLevels left unknown.
func nameLevels(l, r *rec, lv *[NumFields]uint8) {
	for i, f := range [nNames]int{fSurname, fGiven, fFather, fMother, fGuardian} {
		if lv[f] != lvUnknown {
			continue
		}
		pos := 0
		if i == nGiv {
			pos = int(max(l.surLen, r.surLen, 1))
		}
		a, b := l.name(i), r.name(i)
		lv[f] = nameLevel(&a, &b, pos)
	}
}

func idLevel(a *[18]byte, ak uint8, b *[18]byte, bk uint8) uint8 {
	if ak == idNone || bk == idNone {
		return lvMissing
	}
	if *a == *b {
		return idExact
	}
	if (ak == idInvalid || bk == idInvalid) && oneTypo(a[:], b[:]) {
		return idTypo
	}
	return idDisagree
}

func dateLevel(a, b int32) uint8 {
	if a == 0 || b == 0 {
		return lvMissing
	}
	if a == b {
		return dtExact
	}
	ay, am, ad := a/10000, a/100%100, a%100
	by, bm, bd := b/10000, b/100%100, b%100
	if ay == by && am == bd && ad == bm {
		return dtSwap
	}
	diff := 0
	if ay != by {
		diff++
	}
	if am != bm {
		diff++
	}
	if ad != bd {
		diff++
	}
	if diff == 1 {
		return dtOnePart
	}
	return dtDisagree
}

// birthLevel compares birth dates. When the identity numbers are equal, only stated dates
// count (the numbers' own dates are equal by construction and would count the number twice);
// otherwise a date taken from a number stands in for a missing one, and when a side's stated
// date conflicts with its number the better of the two readings counts.
func birthLevel(l, r *rec, idEqual bool) uint8 {
	if idEqual {
		a, b := l.birth, r.birth
		if l.flags&flagBirthFromID != 0 {
			a = 0
		}
		if r.flags&flagBirthFromID != 0 {
			b = 0
		}
		return dateLevel(a, b)
	}
	best := dateLevel(l.birth, r.birth)
	if best <= dtExact {
		return best
	}
	if l.idBirth != 0 && l.idBirth != l.birth {
		if x := dateLevel(l.idBirth, r.birth); x != lvMissing && x < best {
			best = x
		}
	}
	if r.idBirth != 0 && r.idBirth != r.birth {
		if x := dateLevel(l.birth, r.idBirth); x != lvMissing && x < best {
			best = x
		}
	}
	return best
}

// sexLevel compares sex like birthLevel compares dates.
func sexLevel(l, r *rec, idEqual bool) uint8 {
	a, b := l.sex, r.sex
	if idEqual {
		if l.flags&flagSexFromID != 0 {
			a = 0
		}
		if r.flags&flagSexFromID != 0 {
			b = 0
		}
	}
	if a == 0 || b == 0 {
		return lvMissing
	}
	if a == b || (!idEqual && ((l.idSex != 0 && l.idSex == b) || (r.idSex != 0 && r.idSex == a))) {
		return sxAgree
	}
	return sxDisagree
}

func regionLevel(a, b uint64) uint8 {
	if a == 0 || b == 0 {
		return lvMissing
	}
	if a/1e10 != b/1e10 {
		return rgDisagree
	}
	pa, pb := a/1e8%100, b/1e8%100
	if pa == 0 || pb == 0 || pa != pb {
		return rgProvince
	}
	ca, cb := a/1e6%100, b/1e6%100
	if ca == 0 || cb == 0 || ca != cb {
		return rgPrefecture
	}
	ta, tb := a/1e3%1000, b/1e3%1000
	if ta == 0 || tb == 0 || ta != tb {
		return rgCounty
	}
	return rgTownship
}

// nameLevel compares two names; pos is the position of the names' first character in the full
// name (0 for a surname or a parent's full name), which decides where the transliteration fold
// of Mongolian names applies.
func nameLevel(a, b *nameKey, pos int) uint8 {
	if a.h == 0 || b.h == 0 {
		return lvMissing
	}
	if a.h == b.h {
		return nmExact
	}
	ra, rb := a.runes(), b.runes()
	an, bn := a.n(), b.n()
	if an == bn && an <= maxNameRunes {
		homo, near, diff, unrelated, first := true, true, 0, 0, -1
		for i := range ra {
			x, y := rune(ra[i]), rune(rb[i])
			if x == y {
				continue
			}
			diff++
			if first < 0 {
				first = i
			}
			if homophone(x, y, pos+i) {
				continue
			}
			homo = false
			if nearSound(x, y) || lookAlike(x, y) {
				continue
			}
			near = false
			unrelated++
		}
		switch {
		case homo:
			return nmPinyin
		case near:
			return nmNear
		case unrelated == 1 && len(ra) >= 2:
			return nmOneChar
		case diff == 2 && first+1 < len(ra) && ra[first] == rb[first+1] && ra[first+1] == rb[first]:
			return nmPartial // two neighbours exchanged
		}
	} else if d := an - bn; (d == 1 || d == -1) && max(an, bn) >= 2 && max(an, bn) <= maxNameRunes {
		if oneDropped(ra, rb, pos) {
			return nmPartial
		}
	}
	if len(ra) >= 2 && len(rb) >= 2 && shareSound(ra, rb) && pinyinJW(ra, rb, pos) >= 0.92 {
		return nmPartial
	}
	return nmDisagree
}

// oneDropped reports whether the longer of a and b is the shorter with one character added
// (characters compared as homophones).
func oneDropped(a, b []uint16, pos int) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	skipped := false
	j := 0
	for i := 0; i < len(a); i++ {
		if j < len(b) && (a[i] == b[j] || homophone(rune(a[i]), rune(b[j]), pos+i)) {
			j++
			continue
		}
		if skipped {
			return false
		}
		skipped = true
	}
	return j == len(b)
}

// shareSound reports whether some character of a and some of b sound alike (coarse).
func shareSound(a, b []uint16) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y || nearSound(rune(x), rune(y)) {
				return true
			}
		}
	}
	return false
}

// appendPinyin writes the pinyin letters of name characters (primary reading, folded away from
// the first position); characters without pinyin contribute their low byte.
func appendPinyin(dst []byte, rs []uint16, pos int) []byte {
	for i, r := range rs {
		s := primarySyl(rune(r), pos+i)
		if s == 0 {
			dst = append(dst, byte(r))
			continue
		}
		dst = append(dst, sylNames[s]...)
	}
	return dst
}

func pinyinJW(a, b []uint16, pos int) float64 {
	var ba, bb [64]byte
	return jaroWinkler(appendPinyin(ba[:0], a, pos), appendPinyin(bb[:0], b, pos))
}

// jaroWinkler returns the Jaro-Winkler similarity of two byte strings (prefix scale 0.1, at
// most four prefix characters).
func jaroWinkler(a, b []byte) float64 {
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	if la > 64 || lb > 64 {
		a, b = a[:min(la, 64)], b[:min(lb, 64)]
		la, lb = len(a), len(b)
	}
	window := max(la, lb)/2 - 1
	if window < 0 {
		window = 0
	}
	var ma, mb uint64 // matched flags as bit sets
	m := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-window), min(lb-1, i+window)
		for j := lo; j <= hi; j++ {
			if mb&(1<<uint(j)) == 0 && a[i] == b[j] {
				ma |= 1 << uint(i)
				mb |= 1 << uint(j)
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	t, j := 0, 0
	for i := 0; i < la; i++ {
		if ma&(1<<uint(i)) == 0 {
			continue
		}
		for mb&(1<<uint(j)) == 0 {
			j++
		}
		if a[i] != b[j] {
			t++
		}
		j++
	}
	fm := float64(m)
	jaro := (fm/float64(la) + fm/float64(lb) + (fm-float64(t)/2)/fm) / 3
	p := 0
	for p < 4 && p < la && p < lb && a[p] == b[p] {
		p++
	}
	return jaro + float64(p)*0.1*(1-jaro)
}

// JaroWinkler returns the Jaro-Winkler similarity of two strings compared byte by byte.
func JaroWinkler(a, b string) float64 { return jaroWinkler([]byte(a), []byte(b)) }

// NameLevel compares two names as the matcher does and returns the level's name: "exact",
// "pinyin", "near", "partial", "disagree" or "missing".
func NameLevel(a, b string) string {
	initPinyin()
	var buf []rune
	buf = appendNormName(buf, a)
	ka := makeNameKey(buf)
	buf = appendNormName(buf[:0], b)
	kb := makeNameKey(buf)
	return levelNames[kindName][nameLevel(&ka, &kb, 0)]
}

// DateLevel compares two birth dates as the matcher does: "exact", "day_month_swap",
// "one_part", "disagree" or "missing".
func DateLevel(a, b string) string {
	x, _ := ParseDate(a)
	y, _ := ParseDate(b)
	return levelNames[kindDate][dateLevel(x, y)]
}
