package match

import (
	"math/bits"
	"sync"
)

// Blocking rules. A pair of records is compared when they share a key of any rule; each key
// is a 64-bit hash of the rule number and its parts, and all rules live in one table.
const (
	ruleID           = 1 + iota // the same 18-character identity number (or one a typo away from an invalid one)
	ruleIDFix                   // the valid numbers one typo away from an invalid left number
	ruleBirthSurname            // birth date + surname pinyin + sex + initial of a given-name character
	ruleBirthGiven              // birth date + given name near-pinyin
	ruleNamePref                // full name near-pinyin + prefecture of hukou or residence
	ruleNameDate                // full name near-pinyin + two of year, month, day (three keys)
	ruleNamePerson              // full name near-pinyin + father's, mother's or guardian's name near-pinyin
	numRules
)

// RuleNames names the blocking rules for statistics, in rule order (index 0 unused).
var RuleNames = [numRules]string{"", "id", "id_typo", "birth+surname+sex+initial",
	"birth+given_name", "name+prefecture", "name+two_of_year_month_day", "name+parent_or_guardian"}

func key2(rule, a uint64) uint64    { return hfinal(hmix(hmix(hashSeed, rule), a)) }
func key3(rule, a, b uint64) uint64 { return hfinal(hmix(hmix(hmix(hashSeed, rule), a), b)) }

func hashBytes(b []byte) uint64 {
	h := uint64(hashSeed)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		v := uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
			uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
		h = hmix(h, v)
	}
	for ; i < len(b); i++ {
		h = hmix(h, uint64(b[i]))
	}
	return hmix(h, uint64(len(b)))
}

// surnameSound hashes the surname by its surname reading.
func surnameSound(k *nameKey) uint64 {
	h := uint64(hashSeed)
	for i, r := range k.runes() {
		var s uint16
		if i == 0 {
			if p, ok := surnameReading[rune(r)]; ok {
				s = sylIndex[p]
			}
		}
		if s == 0 {
			s = readings(rune(r))[0]
		}
		if s == 0 {
			h = hmix(h, uint64(r)|1<<32)
		} else {
			h = hmix(h, uint64(s))
		}
	}
	return hmix(h, uint64(k.n()))
}

// initialSound is the first letter of a character's near-pinyin (the character itself when it
// has no pinyin).
func initialSound(r uint16, pos int) uint64 {
	sy := primarySyl(rune(r), pos)
	if sy == 0 {
		return uint64(r)
	}
	return uint64(coarseNames[sylCoarse[sy]][0])
}

// coarseSound hashes a name by its near-pinyin (coarse syllables, primary reading).
func coarseSound(h uint64, k *nameKey, pos int) uint64 {
	for i, r := range k.runes() {
		s := primarySyl(rune(r), pos+i)
		if s == 0 {
			h = hmix(h, uint64(r)|1<<32)
		} else {
			h = hmix(h, uint64(sylCoarse[s]))
		}
	}
	return hmix(h, uint64(k.n()))
}

// validID reports whether an 18-character number passes the checks of GB 11643 (province,
// date 1900–2099, check character).
func validID(b *[18]byte) bool {
	sum := 0
	for i := 0; i < 17; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return false
		}
		sum += int(c-'0') * idWeights[i]
	}
	if checkChars[sum%11] != b[17] || !provinceCodes[int(b[0]-'0')*10+int(b[1]-'0')] {
		return false
	}
	v := 0
	for i := 6; i < 14; i++ {
		v = v*10 + int(b[i]-'0')
	}
	y, m, d := v/10000, v/100%100, v%100
	return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

// ISO 7064 MOD 11-2 weights and check characters (as idcard.CheckDigit).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checkChars = "10X98765432"

// fixIDs calls fn with every valid number one substitution or one exchange of neighbouring
// characters away from id (an invalid number): the candidates for what was meant. The check
// character narrows a digit's ten substitutes to about one, so there are a few dozen at most.
func fixIDs(id *[18]byte, fn func(*[18]byte)) {
	b := *id
	for p := 0; p < 18; p++ {
		orig := b[p]
		alts := "0123456789"
		if p == 17 {
			alts = "0123456789X"
		}
		for i := 0; i < len(alts); i++ {
			if c := alts[i]; c != orig {
				b[p] = c
				if validID(&b) {
					fn(&b)
				}
			}
		}
		b[p] = orig
	}
	for p := 0; p < 17; p++ {
		if b[p] == b[p+1] {
			continue
		}
		b[p], b[p+1] = b[p+1], b[p]
		if validID(&b) {
			fn(&b)
		}
		b[p], b[p+1] = b[p+1], b[p]
	}
}

func prefectureOf(r *rec) (a, b uint64) {
	if r.hukou != 0 {
		a = r.hukou / 1e8
	}
	if r.resid != 0 {
		b = r.resid / 1e8
	}
	if a == b {
		b = 0
	}
	if a == 0 && b == 0 && r.idKind == idValid {
		a = uint64(r.id[0]-'0')*1000 + uint64(r.id[1]-'0')*100 + uint64(r.id[2]-'0')*10 + uint64(r.id[3]-'0')
	}
	return a, b
}

// appendKeys appends the blocking keys of r. Left records (the indexed side) get every key;
// right records (the probing side) probe the name + prefecture keys only when they have no
// birth date (otherwise the three name + date keys, each tolerant of an error in one part of
// the date, cover the same ground much more tightly). An invalid number probes the valid
// numbers one typo away; an invalid left number is indexed under those, which a valid right
// number probes when the left side has any (probeFix).
func appendKeys(dst []uint64, r *rec, left, probeFix bool) []uint64 {
	start := len(dst)
	if r.idKind != idNone {
		own := hashBytes(r.id[:])
		dst = append(dst, key2(ruleID, own))
		switch {
		case r.idKind == idInvalid && left:
			fixIDs(&r.id, func(b *[18]byte) { dst = append(dst, key2(ruleIDFix, hashBytes(b[:]))) })
		case r.idKind == idInvalid:
			fixIDs(&r.id, func(b *[18]byte) { dst = append(dst, key2(ruleID, hashBytes(b[:]))) })
		case !left && probeFix:
			dst = append(dst, key2(ruleIDFix, own))
		}
	}
	sur, giv := r.name(nSur), r.name(nGiv)
	if r.birth != 0 {
		if sur.h != 0 {
			// birth date + surname + sex + the initial sound of one given-name character (two
			// keys: a typo in one character leaves the other); an unknown sex meets both
			s := surnameSound(&sur)
			lo, hi := uint64(r.sex), uint64(r.sex)
			if r.sex == 0 {
				lo, hi = 1, 2
			}
			gr := giv.runes()
			for c := 0; c < min(len(gr), 2); c++ {
				ini := initialSound(gr[c], int(max(r.surLen, 1))+c) | uint64(c+1)<<24
				for sx := lo; sx <= hi; sx++ {
					dst = append(dst, key3(ruleBirthSurname, uint64(r.birth)|sx<<32|ini<<36, s))
					if r.flags&flagBirthConflict != 0 {
						dst = append(dst, key3(ruleBirthSurname, uint64(r.idBirth)|sx<<32|ini<<36, s))
					}
				}
			}
		}
		if giv.h != 0 {
			dst = append(dst, key3(ruleBirthGiven, uint64(r.birth), coarseSound(hashSeed, &giv, int(max(r.surLen, 1)))))
		}
	}
	if giv.h == 0 {
		return dedupKeys(dst, start)
	}
	full := coarseSound(coarseSound(hashSeed, &sur, 0), &giv, int(max(r.surLen, 1)))
	if r.birth != 0 {
		y, m, d := uint64(r.birth/10000), uint64(r.birth/100%100), uint64(r.birth%100)
		lo, hi := min(m, d), max(m, d) // day and month exchanged still meet
		dst = append(dst, key3(ruleNameDate, full, y<<16|m),
			key3(ruleNameDate, full, y<<16|d<<8|1<<40),
			key3(ruleNameDate, full, lo<<8|hi|1<<41))
	}
	if left || r.birth == 0 {
		a, b := prefectureOf(r)
		if a != 0 {
			dst = append(dst, key3(ruleNamePref, full, a))
		}
		if b != 0 {
			dst = append(dst, key3(ruleNamePref, full, b))
		}
	}
	for i := nFat; i <= nGua; i++ {
		if r.nh[i] != 0 {
			p := r.name(i)
			dst = append(dst, key3(ruleNamePerson, full, coarseSound(hashSeed, &p, 0)))
		}
	}
	return dedupKeys(dst, start)
}

// dedupKeys drops repeated keys from dst[start:] (a guardian who is the father …).
func dedupKeys(dst []uint64, start int) []uint64 {
	out := dst[:start]
	for _, k := range dst[start:] {
		dup := false
		for _, x := range out[start:] {
			if x == k {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, k)
		}
	}
	return out
}

// blockIndex maps keys to postings (left record numbers in ascending order). It is split into
// 256 parts by the key's top byte so that parts are built in parallel and stay cache-sized.
type blockIndex struct {
	parts [256]blockPart
	post  []int32
}

type blockPart struct {
	slots []blockSlot // open addressing, key 0 = empty, slot = fastrange of the key's low bits
}

// blockSlot is one key with its postings' place: one cache line holds four.
type blockSlot struct {
	key      uint64
	off, len uint32
}

func slot(k uint64, size int) int {
	hi, _ := bits.Mul64(k<<8, uint64(size))
	return int(hi)
}

// appendPostings appends the postings of k (left record numbers, ascending) to dst unless
// there are more than limit, and returns dst and the block's size.
func (b *blockIndex) appendPostings(dst []int32, k uint64, limit int) ([]int32, int) {
	sl := b.parts[k>>56].slots
	n := len(sl)
	if n == 0 {
		return dst, 0
	}
	for i := slot(k, n); ; {
		switch e := &sl[i]; e.key {
		case k:
			switch {
			case e.len == 1: // a single posting is kept in the slot itself
				return append(dst, int32(e.off)), 1
			case int(e.len) > limit:
				return dst, int(e.len)
			}
			return append(dst, b.post[e.off:e.off+e.len]...), int(e.len)
		case 0:
			return dst, 0
		}
		i++
		if i == n {
			i = 0
		}
	}
}

// buildBlockIndex builds the index from chunks of parallel arrays of keys and left record
// numbers; taken in order, the chunks' entries must be in ascending record order, which the
// postings keep. The chunks are released as they are consumed.
func buildBlockIndex(keys [][]uint64, ids [][]int32, workers int) *blockIndex {
	b := &blockIndex{}
	var counts [257]int
	total := 0
	for _, ks := range keys {
		for _, k := range ks {
			counts[k>>56+1]++
		}
		total += len(ks)
	}
	for i := 1; i <= 256; i++ {
		counts[i] += counts[i-1]
	}
	pk := make([]uint64, total)
	pi := make([]int32, total)
	b.post = make([]int32, total)
	cur := counts
	for c, ks := range keys {
		is := ids[c]
		for i, k := range ks {
			p := k >> 56
			pk[cur[p]] = k
			pi[cur[p]] = is[i]
			cur[p]++
		}
		keys[c], ids[c] = nil, nil
	}
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for p := 0; p < 256; p++ {
		next <- p
	}
	close(next)
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var scratchK []uint64
			var scratchC []uint32
			for p := range next {
				lo, hi := counts[p], counts[p+1]
				if lo == hi {
					continue
				}
				scratchK, scratchC = b.buildPart(p, pk[lo:hi], pi[lo:hi], lo, scratchK, scratchC)
			}
		}()
	}
	wg.Wait()
	return b
}

func (b *blockIndex) buildPart(p int, keys []uint64, ids []int32, base int, sk []uint64, sc []uint32) ([]uint64, []uint32) {
	// count distinct keys in a scratch table of twice the entries
	size := 2*len(keys) + 1
	if cap(sk) < size {
		sk = make([]uint64, size)
		sc = make([]uint32, size)
	}
	sk, sc = sk[:size], sc[:size]
	clear(sk)
	clear(sc)
	distinct := 0
	for _, k := range keys {
		i := slot(k, size)
		for sk[i] != 0 && sk[i] != k {
			if i++; i == size {
				i = 0
			}
		}
		if sk[i] == 0 {
			sk[i] = k
			distinct++
		}
		sc[i]++
	}
	n := distinct + distinct/2 + 1
	sl := make([]blockSlot, n)
	for j, k := range sk {
		if k == 0 {
			continue
		}
		i := slot(k, n)
		for sl[i].key != 0 {
			if i++; i == n {
				i = 0
			}
		}
		sl[i] = blockSlot{key: k, len: sc[j]}
	}
	off := uint32(base)
	for i := range sl {
		if sl[i].key != 0 {
			sl[i].off = off
			off += sl[i].len
			sl[i].len = 0 // reused as fill cursor
		}
	}
	for j, k := range keys {
		i := slot(k, n)
		for sl[i].key != k {
			if i++; i == n {
				i = 0
			}
		}
		b.post[sl[i].off+sl[i].len] = ids[j]
		sl[i].len++
	}
	for i := range sl {
		if sl[i].len == 1 {
			sl[i].off = uint32(b.post[sl[i].off])
		}
	}
	b.parts[p].slots = sl
	return sk, sc
}
