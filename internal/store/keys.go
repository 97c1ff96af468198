package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"

	"guanai/internal/child"
	"guanai/internal/idcard"
)

// maxPinyinVariants caps the readings indexed per name: a name of three heteronyms (单, 曾, 解 …)
// has a handful of readings, and the cap keeps a pathological name from flooding the index.
const maxPinyinVariants = 16

// blindKey is one row of child_keys.
type blindKey struct {
	kind string
	bidx string
}

// recordKeys are the blind indexes of one record.
type recordKeys struct {
	id     string // the child's ID number (children.id_bidx)
	person string // name | birth date | sex (children.person_bidx)
	others []blindKey
}

// keysOf computes the blind indexes of r: exact look-ups by ID number and by name, by the name's
// pinyin (full, without tones, and initials; every reading of a heteronym), and by the ID numbers
// of the parents, the other guardian and the caregiver.
func (s *Store) keysOf(r *child.Record) recordKeys {
	var k recordKeys
	k.id = s.idIndex(r.IDNumber)
	k.person = s.personIndex(r)
	name := child.NormalizeName(r.Name)
	seen := make(map[string]bool, 8)
	add := func(kind, v string) {
		if v == "" {
			return
		}
		b := s.keys.BlindIndex(kind, v)
		if !seen[b] {
			seen[b] = true
			k.others = append(k.others, blindKey{kind, b})
		}
	}
	if name != "" {
		add(kindName, name)
		full, initials := pinyinVariants(name)
		for _, p := range full {
			add(kindPinyin, p)
		}
		for _, p := range initials {
			add(kindInitials, p)
		}
	}
	for _, id := range [...]string{parentID(r.Father), parentID(r.Mother), guardianID(r.OtherGuardian), caregiverID(r.Caregiver)} {
		if id != "" {
			add(kindParentID, idcard.Normalize(id))
		}
	}
	return k
}

func parentID(p *child.Parent) string {
	if p == nil {
		return ""
	}
	return p.IDNumber
}

func guardianID(g *child.Guardian) string {
	if g == nil {
		return ""
	}
	return g.IDNumber
}

func caregiverID(c *child.Caregiver) string {
	if c == nil {
		return ""
	}
	return c.IDNumber
}

// personIndex is the blind index of the child's name, birth date and sex: the key of a child
// without an ID number, and a hint of duplicates.
func (s *Store) personIndex(r *child.Record) string {
	name := child.NormalizeName(r.Name)
	if name == "" || r.BirthDate == 0 {
		return ""
	}
	return s.keys.BlindIndex(kindPerson, name+"|"+r.BirthDate.String()+"|"+r.Sex)
}

// idIndex is the blind index of a child's ID number, normalised (upper-case X, no spaces).
func (s *Store) idIndex(id string) string {
	id = idcard.Normalize(id)
	if id == "" {
		return ""
	}
	return s.keys.BlindIndex(kindChildID, id)
}

// pinyinVariants returns the full pinyin (lower case, no tones, no separators; ü written v) and
// the initials of every reading of name, capped at maxPinyinVariants. Latin words count as one
// syllable each; the middle dot and other marks are skipped. A reading with v is also given with
// u, as people type lu for 吕.
func pinyinVariants(name string) (full, initials []string) {
	args := pinyin.NewArgs()
	args.Heteronym = true
	var syllables [][]string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			syllables = append(syllables, []string{strings.ToLower(word.String())})
			word.Reset()
		}
	}
	for _, r := range name {
		switch {
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			word.WriteRune(r)
		case unicode.Is(unicode.Han, r):
			flush()
			if ps := pinyin.SinglePinyin(r, args); len(ps) > 0 {
				syllables = append(syllables, ps)
			}
		default:
			flush()
		}
	}
	flush()
	if len(syllables) == 0 {
		return nil, nil
	}
	combos := []string{""}
	inits := []string{""}
	for _, readings := range syllables {
		if len(combos)*len(readings) > maxPinyinVariants {
			readings = readings[:1]
		}
		next := make([]string, 0, len(combos)*len(readings))
		nextInit := make([]string, 0, len(combos)*len(readings))
		for i, c := range combos {
			for _, rd := range readings {
				next = append(next, c+rd)
				_, n := utf8.DecodeRuneInString(rd)
				nextInit = append(nextInit, inits[i]+rd[:n])
			}
		}
		combos, inits = next, nextInit
	}
	full = dedupe(combos)
	for _, c := range full {
		if strings.Contains(c, "v") {
			full = append(full, strings.ReplaceAll(c, "v", "u"))
		}
	}
	return dedupe(full), dedupe(inits)
}

func dedupe(ss []string) []string {
	out := ss[:0:0]
	seen := make(map[string]bool, len(ss))
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// normalizePinyinQuery turns what a person types as pinyin into the indexed form: lower case,
// letters only, ü as v. ok is false when the text has anything but Latin letters, spaces,
// apostrophes and dots.
func normalizePinyinQuery(q string) (string, bool) {
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r >= 'ａ' && r <= 'ｚ':
			b.WriteRune(r - 'ａ' + 'a')
		case r >= 'Ａ' && r <= 'Ｚ':
			b.WriteRune(r - 'Ａ' + 'a')
		case r == 'ü' || r == 'Ü':
			b.WriteByte('v')
		case r == ' ' || r == '\'' || r == '’' || r == '·' || r == '.' || r == '\u3000':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}
