package match

import (
	"fmt"
	"strings"
)

// Person is one row of a roster as given: raw strings, any of which but Ref may be empty.
type Person struct {
	Ref             string // the row's key in its own file
	Name            string // 姓名
	Sex             string // 1/2, 男/女, M/F
	BirthDate       string // 2015-03-10, 2015/3/10, 20150310, 2015年3月10日
	IDNumber        string // 公民身份号码, 18 (or legacy 15) characters
	HukouRegion     string // 户籍地 division code, 6/9/12 digits
	ResidenceRegion string // 现居住地 division code
	FatherName      string
	MotherName      string
	GuardianName    string
	GuardianID      string
}

// maxNameRunes characters of a name are kept for character-level comparison; the hash covers
// all of them.
const maxNameRunes = 8

// nameKey is a normalised name in a fixed-size, pointer-free form.
type nameKey struct {
	h uint64               // hash of all characters, low 4 bits the length (capped at 15); 0 means missing
	r [maxNameRunes]uint16 // the first characters (0xFFFE for one outside the BMP)
}

// n returns the number of characters (capped at 15).
func (k *nameKey) n() int { return int(k.h & 15) }

// Record flags.
const (
	flagBirthConflict = 1 << iota // stated birth date differs from the identity number's
	flagSexConflict               // stated sex differs from the identity number's
	flagIDInvalid                 // 18 characters but failing a check: probably a typo
	flagIDConverted               // a legacy 15-digit number, converted
	flagBirthInvalid              // birth date given but not readable
	flagIDUnusable                // identity number given but not 15/18 digits
	flagBirthFromID               // birth date not stated: taken from the identity number
	flagSexFromID                 // sex not stated: taken from the identity number
)

var flagNames = []string{"birth_conflict", "sex_conflict", "id_invalid", "id_converted", "birth_invalid",
	"id_unusable", "birth_from_id", "sex_from_id"}

// Name slots of a record.
const (
	nSur = iota // surname of the child
	nGiv        // given name of the child (middle dots left out)
	nFat        // father's name
	nMot        // mother's name
	nGua        // guardian's name
	nNames
)

// rec is the normalised, compact form of a Person used by blocking and scoring. The fields
// every comparison reads come first and fill two cache lines; the characters of the names and
// the ref, read only for names that differ and for output, come last.
type rec struct {
	nh              [nNames]uint64 // name hashes (see nameKey.h)
	id, gid         [18]byte
	idKind, gidKind uint8
	sex, idSex      uint8 // 0 unknown, 1 male, 2 female; sex falls back to the ID's
	flags           uint8 // flag… bits
	surLen          uint8 // characters of the surname in the full name (0, 1, 2)
	birth, idBirth  int32 // yyyymmdd; birth falls back to the ID's
	hukou, resid    uint64
	tf              [nTF]uint8 // left side: -log2 of value frequency ×8 per name field
	nr              [nNames][maxNameRunes]uint16
}

// refTable holds the refs of one side in a single pointer-free buffer, so that the collector
// never scans a million small strings.
type refTable struct {
	data []byte
	end  []uint32 // end offset of ref i in data
}

func (t *refTable) add(ref string) {
	t.data = append(t.data, ref...)
	t.end = append(t.end, uint32(len(t.data)))
}

func (t *refTable) get(i int) string {
	start := uint32(0)
	if i > 0 {
		start = t.end[i-1]
	}
	return string(t.data[start:t.end[i]])
}

func (t *refTable) appendTable(o *refTable) {
	base := uint32(len(t.data))
	t.data = append(t.data, o.data...)
	for _, e := range o.end {
		t.end = append(t.end, base+e)
	}
}

// name returns name slot i as a nameKey.
func (r *rec) name(i int) nameKey { return nameKey{h: r.nh[i], r: r.nr[i]} }

func (r *rec) setName(i int, k nameKey) { r.nh[i], r.nr[i] = k.h, k.r }

const (
	hashMul  = 0x9E3779B97F4A7C15
	hashSeed = 0x243F6A8885A308D3
)

func hmix(h, v uint64) uint64 {
	h = (h ^ v) * hashMul
	return h ^ (h >> 29)
}

func hfinal(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	if h == 0 {
		h = 1
	}
	return h
}

func makeNameKey(rs []rune) nameKey {
	var k nameKey
	h := uint64(hashSeed)
	i := 0
	for _, r := range rs {
		if r == middleDot {
			continue
		}
		h = hmix(h, uint64(r))
		i++
		if i <= maxNameRunes {
			if r > 0xFFFD {
				r = 0xFFFE
			}
			k.r[i-1] = uint16(r)
		}
	}
	if i == 0 {
		return k
	}
	k.h = hfinal(h)&^15 | uint64(min(i, 15))
	return k
}

// runes returns the stored characters of k.
func (k *nameKey) runes() []uint16 { return k.r[:min(k.n(), maxNameRunes)] }

// String returns the stored characters of the name (… when it was longer).
func (k *nameKey) String() string {
	var b strings.Builder
	for _, r := range k.runes() {
		b.WriteRune(rune(r))
	}
	if k.n() > maxNameRunes {
		b.WriteString("…")
	}
	return b.String()
}

// makeRec normalises p. buf is scratch space for name characters.
func makeRec(p *Person, buf []rune) (rec, []rune) {
	var r rec
	buf = appendNormName(buf[:0], p.Name)
	sl := surnameLen(buf)
	r.surLen = uint8(sl)
	r.setName(nSur, makeNameKey(buf[:sl]))
	r.setName(nGiv, makeNameKey(buf[sl:]))
	buf = appendNormName(buf[:0], p.FatherName)
	r.setName(nFat, makeNameKey(buf))
	buf = appendNormName(buf[:0], p.MotherName)
	r.setName(nMot, makeNameKey(buf))
	buf = appendNormName(buf[:0], p.GuardianName)
	r.setName(nGua, makeNameKey(buf))

	var conv bool
	r.id, r.idKind, r.idBirth, r.idSex, conv = parseID(p.IDNumber)
	if conv {
		r.flags |= flagIDConverted
	}
	switch {
	case r.idKind == idInvalid:
		r.flags |= flagIDInvalid
	case r.idKind == idNone && strings.TrimSpace(p.IDNumber) != "":
		r.flags |= flagIDUnusable
	}
	r.gid, r.gidKind, _, _, _ = parseID(p.GuardianID)

	if b, ok := ParseDate(p.BirthDate); ok {
		r.birth = b
		if r.idBirth != 0 && r.idBirth != b {
			r.flags |= flagBirthConflict
		}
	} else {
		if strings.TrimSpace(p.BirthDate) != "" {
			r.flags |= flagBirthInvalid
		}
		r.birth = r.idBirth
		if r.birth != 0 {
			r.flags |= flagBirthFromID
		}
	}
	r.sex = ParseSex(p.Sex)
	if r.sex == 0 {
		r.sex = r.idSex
		if r.sex != 0 {
			r.flags |= flagSexFromID
		}
	} else if r.idSex != 0 && r.idSex != r.sex {
		r.flags |= flagSexConflict
	}
	r.hukou = ParseRegion(p.HukouRegion)
	r.resid = ParseRegion(p.ResidenceRegion)
	return r, buf
}

// Normalized is the normalised form of a Person as the matcher sees it, for display and tests.
type Normalized struct {
	Ref             string
	Surname         string // after NormalizeName; empty for a name with a middle dot
	GivenName       string
	Pinyin          string   // toneless pinyin of the full name
	Sex             int      // 0 unknown, 1 male, 2 female (from the ID when not stated)
	BirthDate       string   // YYYY-MM-DD (from the ID when not stated) or ""
	IDNumber        string   // 18 characters, upper-case X, 15-digit converted; "" if unusable
	IDValid         bool     // the number passes all checks of GB 11643
	HukouRegion     string   // 12 digits or ""
	ResidenceRegion string   // 12 digits or ""
	FatherName      string   // after NormalizeName
	MotherName      string   // after NormalizeName
	GuardianName    string   // after NormalizeName
	GuardianID      string   // as IDNumber
	Flags           []string // birth_conflict, sex_conflict, id_invalid, id_converted, birth_invalid, id_unusable
}

// Normalize returns the normalised form of p: names through NormalizeName, the identity number
// checked (and a 15-digit one converted), birth date and sex taken from a valid identity number
// when not stated, and conflicts between stated and derived values flagged.
func Normalize(p Person) Normalized {
	initPinyin()
	r, _ := makeRec(&p, nil)
	n := Normalized{
		Ref: strings.TrimSpace(p.Ref), Sex: int(r.sex), IDValid: r.idKind == idValid,
		FatherName: NormalizeName(p.FatherName), MotherName: NormalizeName(p.MotherName),
		GuardianName: NormalizeName(p.GuardianName),
	}
	n.Surname, n.GivenName = SplitName(p.Name)
	n.Pinyin = Pinyin(n.Surname + n.GivenName)
	if r.birth != 0 {
		n.BirthDate = fmt.Sprintf("%04d-%02d-%02d", r.birth/10000, r.birth/100%100, r.birth%100)
	}
	if r.idKind != idNone {
		n.IDNumber = string(r.id[:])
	}
	if r.gidKind != idNone {
		n.GuardianID = string(r.gid[:])
	}
	if r.hukou != 0 {
		n.HukouRegion = fmt.Sprintf("%012d", r.hukou)
	}
	if r.resid != 0 {
		n.ResidenceRegion = fmt.Sprintf("%012d", r.resid)
	}
	for i, name := range flagNames {
		if r.flags&(1<<i) != 0 {
			n.Flags = append(n.Flags, name)
		}
	}
	return n
}
