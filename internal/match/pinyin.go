package match

import (
	"strings"
	"sync"

	pinyin "github.com/mozillazg/go-pinyin"
)

// Pinyin is interned once: every toneless syllable gets a small number (1…~420), every
// character of the CJK blocks gets up to three readings, and every syllable maps to a "coarse"
// syllable in which the sounds that speakers and typists of the north-west confuse are folded
// together. Comparisons and blocking keys then work on uint16 values without allocating.

const (
	cjkLo = 0x3400 // CJK Unified Ideographs Extension A …
	cjkHi = 0x9FFF // … through the end of the basic block
)

// runeReadings holds the toneless readings of one character, most common first; 0 ends the list.
type runeReadings [3]uint16

var (
	pyOnce      sync.Once
	sylNames    []string          // syllable id → toneless pinyin ("" for 0)
	sylIndex    map[string]uint16 // toneless pinyin → id
	sylCoarse   []uint16          // syllable id → coarse id (after the transliteration fold)
	sylFold     []uint16          // syllable id → id after the Mongolian transliteration fold
	coarseNames []string          // coarse id → coarse spelling
	runeTab     []runeReadings    // r - cjkLo → readings
	runeExtra   map[rune]runeReadings
)

// toneless maps the marked vowels used by go-pinyin to plain letters (ü → v).
var toneless = strings.NewReplacer(
	"ā", "a", "á", "a", "ǎ", "a", "à", "a",
	"ē", "e", "é", "e", "ě", "e", "è", "e", "ê", "e",
	"ō", "o", "ó", "o", "ǒ", "o", "ò", "o",
	"ī", "i", "í", "i", "ǐ", "i", "ì", "i",
	"ū", "u", "ú", "u", "ǔ", "u", "ù", "u",
	"ü", "v", "ǖ", "v", "ǘ", "v", "ǚ", "v", "ǜ", "v",
	"ń", "n", "ň", "n", "ǹ", "n", "ḿ", "m", "m̀", "m",
	"\u0304", "", "\u030c", "", "\u0300", "", "\u0301", "",
)

// surnameReading fixes the reading of characters whose surname reading is not their most common
// one (单 Shàn, 曾 Zēng, 解 Xiè …); it is used for the surname blocking key.
var surnameReading = map[rune]string{
	'单': "shan", '曾': "zeng", '解': "xie", '区': "ou", '仇': "qiu", '朴': "piao", '查': "zha",
	'盖': "ge", '缪': "miao", '乐': "yue", '尉': "yu", '覃': "qin", '长': "chang", '重': "chong",
	'朝': "chao", '种': "chong", '秘': "bi", '翟': "zhai", '万': "wan", '华': "hua", '纪': "ji",
	'任': "ren", '沈': "shen", '石': "shi", '薄': "bo", '牟': "mou", '黑': "he", '相': "xiang",
}

// transliteration fold: syllables that Mongolian names written in characters use
// interchangeably for the same sound (额尔敦/额日敦, 乌日娜/乌仁娜, 特木尔/铁木尔). Applied to
// every character but the first of a name, where it cannot turn a Han surname into another.
var translitFold = map[string]string{"ri": "er", "ren": "er", "tie": "te", "lei": "le", "leng": "len"}

func initPinyin() {
	pyOnce.Do(buildPinyin)
}

func internSyl(s string) uint16 {
	if id, ok := sylIndex[s]; ok {
		return id
	}
	id := uint16(len(sylNames))
	sylNames = append(sylNames, s)
	sylIndex[s] = id
	return id
}

// coarsen folds the initials z/zh, c/ch, s/sh, n/l, f/h and the finals an/ang, en/eng, in/ing.
func coarsen(s string) string {
	switch {
	case strings.HasPrefix(s, "zh"), strings.HasPrefix(s, "ch"), strings.HasPrefix(s, "sh"):
		s = s[:1] + s[2:]
	case strings.HasPrefix(s, "l"):
		s = "n" + s[1:]
	case strings.HasPrefix(s, "h"):
		s = "f" + s[1:]
	}
	switch {
	case strings.HasSuffix(s, "ang"), strings.HasSuffix(s, "eng"), strings.HasSuffix(s, "ing"):
		s = s[:len(s)-1]
	}
	return s
}

func buildPinyin() {
	sylNames = []string{""}
	sylIndex = map[string]uint16{"": 0}
	runeTab = make([]runeReadings, cjkHi-cjkLo+1)
	runeExtra = map[rune]runeReadings{}
	for cp, readings := range pinyin.PinyinDict {
		var rr runeReadings
		n := 0
		for _, p := range strings.Split(readings, ",") {
			p = toneless.Replace(strings.TrimSpace(p))
			if p == "" || n == len(rr) {
				continue
			}
			id := internSyl(p)
			dup := false
			for _, x := range rr[:n] {
				dup = dup || x == id
			}
			if !dup {
				rr[n] = id
				n++
			}
		}
		if cp >= cjkLo && cp <= cjkHi {
			runeTab[cp-cjkLo] = rr
		} else {
			runeExtra[rune(cp)] = rr
		}
	}
	for _, s := range translitFold {
		internSyl(s)
	}
	for _, s := range surnameReading {
		internSyl(s)
	}
	sylFold = make([]uint16, len(sylNames))
	sylCoarse = make([]uint16, len(sylNames))
	coarseIndex := map[string]uint16{"": 0}
	coarseNames = []string{""}
	for id, s := range sylNames {
		f := s
		if t, ok := translitFold[s]; ok {
			f = t
		}
		sylFold[id] = sylIndex[f]
		c := coarsen(f)
		cid, ok := coarseIndex[c]
		if !ok {
			cid = uint16(len(coarseNames))
			coarseNames = append(coarseNames, c)
			coarseIndex[c] = cid
		}
		sylCoarse[id] = cid
	}
}

// readings returns the interned readings of r (all zero for a character without pinyin).
func readings(r rune) runeReadings {
	if r >= cjkLo && r <= cjkHi {
		return runeTab[r-cjkLo]
	}
	if r < 0x3000 {
		return runeReadings{}
	}
	return runeExtra[r]
}

// primarySyl returns the most common reading of r, folded when the character is not the first
// of its name; 0 when r has no pinyin.
func primarySyl(r rune, pos int) uint16 {
	s := readings(r)[0]
	if pos > 0 {
		s = sylFold[s]
	}
	return s
}

// homophone reports whether a and b share a reading (any reading of either, the
// transliteration fold applied away from the first position).
func homophone(a, b rune, pos int) bool {
	ra, rb := readings(a), readings(b)
	for _, x := range ra {
		if x == 0 {
			break
		}
		if pos > 0 {
			x = sylFold[x]
		}
		for _, y := range rb {
			if y == 0 {
				break
			}
			if pos > 0 {
				y = sylFold[y]
			}
			if x == y {
				return true
			}
		}
	}
	return false
}

// nearSound reports whether a and b have readings that agree after the coarse fold
// (z-zh, c-ch, s-sh, n-l, f-h, an-ang, en-eng, in-ing).
func nearSound(a, b rune) bool {
	ra, rb := readings(a), readings(b)
	for _, x := range ra {
		if x == 0 {
			break
		}
		for _, y := range rb {
			if y == 0 {
				break
			}
			if sylCoarse[x] == sylCoarse[y] {
				return true
			}
		}
	}
	return false
}

// Pinyin returns the toneless pinyin of a name as space-separated syllables (most common
// reading, a surname's surname reading for the first character); characters without pinyin
// are kept as they are. It is meant for display and tests.
func Pinyin(name string) string {
	initPinyin()
	var b strings.Builder
	for i, r := range []rune(NormalizeName(name)) {
		if i > 0 {
			b.WriteByte(' ')
		}
		if i == 0 {
			if s, ok := surnameReading[r]; ok {
				b.WriteString(s)
				continue
			}
		}
		if s := readings(r)[0]; s != 0 {
			b.WriteString(sylNames[s])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// lookAlikePairs lists characters commonly confused by shape (形近字) in handwritten forms and
// shape-based input methods, when their readings differ (homophones are caught by pinyin).
const lookAlikePairs = "王玉未末己已己巳已巳日曰土士天夫人入大太大犬太犬刀力戍戌戊戌戊戍" +
	"晴睛陈阵崇祟贝见免兔干千干于千于折析拔拨苟荀毫亳冶治洒酒鸟乌白自田由甲申今令斤斥" +
	"休体宇字子孑佳住彤形茜西辰晨候侯杨扬汪注徐涂浩皓末木本木朱未牛午壬王玲铃" +
	"琪祺婷亭鹏朋涵函瑶遥锐悦钰珏帅师兵乒冰水永水丘兵侯猴郁都邬乌姬姫洪拱"

var (
	lookAlikeOnce sync.Once
	lookAlikeSet  map[uint64]struct{}
)

func pairKey(a, b rune) uint64 {
	if a > b {
		a, b = b, a
	}
	return uint64(a)<<32 | uint64(uint32(b))
}

// lookAlike reports whether a and b are a known look-alike pair.
func lookAlike(a, b rune) bool {
	lookAlikeOnce.Do(func() {
		lookAlikeSet = map[uint64]struct{}{}
		rs := []rune(lookAlikePairs)
		for i := 0; i+1 < len(rs); i += 2 {
			lookAlikeSet[pairKey(rs[i], rs[i+1])] = struct{}{}
		}
	})
	_, ok := lookAlikeSet[pairKey(a, b)]
	return ok
}
