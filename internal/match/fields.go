package match

import (
	"strings"

	"guanai/internal/idcard"
)

// ParseDate reads a birth date written as 2015-03-10, 2015/3/10, 2015.3.10, 20150310,
// 2015年3月10日 (full-width digits too, a trailing time of day ignored) or as a spreadsheet
// serial day number (42073), and returns it as the number yyyymmdd; ok is false when s is empty
// or not a calendar date between 1900 and 2099.
func ParseDate(s string) (yyyymmdd int32, ok bool) {
	var nums [4]int
	var lens [4]int
	n := 0
	inNum := false
	for _, r := range s {
		if r >= '０' && r <= '９' {
			r = r - '０' + '0'
		}
		if r >= '0' && r <= '9' {
			if !inNum {
				if n == len(nums) {
					return 0, false
				}
				n++
				inNum = true
			}
			if lens[n-1] >= 9 {
				return 0, false
			}
			nums[n-1] = nums[n-1]*10 + int(r-'0')
			lens[n-1]++
			continue
		}
		if inNum && n == 3 && (r == ' ' || r == 'T' || r == '日') {
			break // time of day or the 日 of 年月日
		}
		inNum = false
		switch r {
		case '-', '/', '.', '年', '月', '日', ' ', '－', '／', '．', '\t':
		default:
			return 0, false
		}
	}
	var y, m, d int
	switch {
	case n == 1 && lens[0] == 8:
		y, m, d = nums[0]/10000, nums[0]/100%100, nums[0]%100
	case n == 1 && lens[0] == 5:
		// spreadsheet serial day (1900 date system; day 60 is Excel's phantom 1900-02-29)
		if nums[0] < 61 {
			return 0, false
		}
		return fromDays(nums[0] - 25569 + 719468), true
	case n == 3 && lens[0] == 4:
		y, m, d = nums[0], nums[1], nums[2]
	default:
		return 0, false
	}
	if y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return int32(y*10000 + m*100 + d), true
}

// fromDays converts a day count (days since 0000-03-01 in the proleptic Gregorian calendar,
// i.e. Unix days + 719468) to yyyymmdd.
func fromDays(z int) int32 {
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	if y < 1900 || y > 2099 {
		return 0
	}
	return int32(y*10000 + m*100 + d)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ParseSex reads 1/男/M/male as 1 and 2/女/F/female as 2 (GB/T 2261.1 codes); anything else,
// including 0 and 9 (unknown, unstated), is 0.
func ParseSex(s string) uint8 {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "1", "男", "男性", "m", "male", "boy", "男孩", "１":
		return 1
	case "2", "女", "女性", "f", "female", "girl", "女孩", "２":
		return 2
	}
	return 0
}

// ParseRegion reads an administrative division code of 6, 9 or 12 digits (2 or 4 digits for a
// province or prefecture; trailing zeros mean a higher level; spaces and other characters
// ignored) and returns it as a 12-digit number, or 0 when there is none.
func ParseRegion(s string) uint64 {
	var v uint64
	n := 0
	for _, r := range s {
		if r >= '０' && r <= '９' {
			r = r - '０' + '0'
		}
		if r < '0' || r > '9' {
			continue
		}
		if n == 12 {
			return 0
		}
		v = v*10 + uint64(r-'0')
		n++
	}
	switch n {
	case 2, 4, 6, 9, 12:
	case 0:
		return 0
	default:
		if n < 6 {
			return 0
		}
	}
	for ; n < 12; n++ {
		v *= 10
	}
	if v/1e10 < 11 || v/1e10 > 82 {
		return 0
	}
	return v
}

// ID kinds.
const (
	idNone    = 0 // empty or unusable (wrong length, letters)
	idValid   = 1 // a valid 18-character number (a 15-digit one converted)
	idInvalid = 2 // 18 digits (last may be X) that fail the checks: a typo somewhere
)

// parseID normalises an identity number. A valid one (15-digit converted) yields idValid with
// its birth date and sex; 18 digits that fail a check yield idInvalid; anything else idNone.
func parseID(s string) (num [18]byte, kind uint8, birth int32, sex uint8, converted bool) {
	if s == "" {
		return
	}
	if num, birth, sex, ok := fastValidID(s); ok {
		return num, idValid, birth, sex, false
	}
	id, err := idcard.Parse(s)
	if err == nil {
		copy(num[:], id.Number)
		y, m, d := id.Birth.Date()
		return num, idValid, int32(y*10000 + int(m)*100 + d), uint8(id.Sex), id.Converted
	}
	n := idcard.Normalize(s)
	if len(n) != 18 {
		return
	}
	for i := 0; i < 18; i++ {
		c := n[i]
		if (c < '0' || c > '9') && !(c == 'X' && i == 17) {
			return
		}
	}
	copy(num[:], n)
	return num, idInvalid, 0, 0, false
}

// provinceCodes are the first two digits GB/T 2260 gives to province-level divisions.
var provinceCodes = [100]bool{11: true, 12: true, 13: true, 14: true, 15: true, 21: true, 22: true, 23: true,
	31: true, 32: true, 33: true, 34: true, 35: true, 36: true, 37: true, 41: true, 42: true, 43: true,
	44: true, 45: true, 46: true, 50: true, 51: true, 52: true, 53: true, 54: true, 61: true, 62: true,
	63: true, 64: true, 65: true, 71: true, 81: true, 82: true}

// fastValidID accepts the common case without allocating: exactly 18 ASCII characters forming
// a valid number (province, date 1900–2099, check digit). Anything else goes through
// idcard.Parse, which also normalises and converts.
func fastValidID(s string) (num [18]byte, birth int32, sex uint8, ok bool) {
	if len(s) != 18 {
		return
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return
		}
	}
	if !provinceCodes[int(s[0]-'0')*10+int(s[1]-'0')] || idcard.CheckDigit(s[:17]) != s[17] {
		return
	}
	v := 0
	for i := 6; i < 14; i++ {
		v = v*10 + int(s[i]-'0')
	}
	y, m, d := v/10000, v/100%100, v%100
	if y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return
	}
	copy(num[:], s)
	sex = 2
	if (s[16]-'0')%2 == 1 {
		sex = 1
	}
	return num, int32(v), sex, true
}

// IDTypo reports whether two identity numbers differ by exactly one substituted character or
// one transposition of adjacent characters (after normalisation).
func IDTypo(a, b string) bool {
	a, b = idcard.Normalize(a), idcard.Normalize(b)
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	return oneTypo(a, b)
}

func oneTypo[T ~string | ~[]byte](a, b T) bool {
	first, second, diffs := -1, -1, 0
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			diffs++
			if diffs > 2 {
				return false
			}
			if first < 0 {
				first = i
			} else {
				second = i
			}
		}
	}
	switch diffs {
	case 1:
		return true
	case 2:
		return second == first+1 && a[first] == b[second] && a[second] == b[first]
	}
	return false
}
