package child

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar date without a time of day or zone, stored as yyyymmdd so that dates
// compare as integers. The zero Date means "not known".
type Date int32

// NewDate returns the Date y-m-d, or 0 when it is not a calendar date.
func NewDate(y, m, d int) Date {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > DaysIn(y, m) {
		return 0
	}
	return Date(y*10000 + m*100 + d)
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, int(m), d)
}

// Year of the date.
func (d Date) Year() int { return int(d) / 10000 }

// Month of the date, 1–12.
func (d Date) Month() int { return int(d) / 100 % 100 }

// Day of the month.
func (d Date) Day() int { return int(d) % 100 }

// IsZero reports whether the date is unknown.
func (d Date) IsZero() bool { return d == 0 }

// String formats the date as YYYY-MM-DD, or "" when unknown.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	var b [10]byte
	return string(d.appendTo(b[:0]))
}

// AppendTo appends YYYY-MM-DD to b.
func (d Date) appendTo(b []byte) []byte {
	y, m, dd := d.Year(), d.Month(), d.Day()
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+dd/10), byte('0'+dd%10))
	return b
}

// Chinese formats the date as 2024年3月31日.
func (d Date) Chinese() string {
	if d == 0 {
		return "（日期不详）"
	}
	return strconv.Itoa(d.Year()) + "年" + strconv.Itoa(d.Month()) + "月" + strconv.Itoa(d.Day()) + "日"
}

// Time returns midnight of the date in UTC.
func (d Date) Time() time.Time {
	return time.Date(d.Year(), time.Month(d.Month()), d.Day(), 0, 0, 0, 0, time.UTC)
}

// DaysIn returns the number of days of month m of year y.
func DaysIn(y, m int) int {
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

// AddMonths returns the same day-of-month n months later, or the last day of that month when it
// has no such day (民法典 第二百零二条): 2024-03-31 + 6 months = 2024-09-30,
// 2024-08-31 + 6 months = 2025-02-28. n may be negative.
func (d Date) AddMonths(n int) Date {
	if d == 0 {
		return 0
	}
	total := d.Year()*12 + d.Month() - 1 + n
	y, m := total/12, total%12+1
	day := d.Day()
	if dim := DaysIn(y, m); day > dim {
		day = dim
	}
	return NewDate(y, m, day)
}

// AddYears returns the anniversary n years later; 29 February falls on 28 February in common
// years.
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// AddDays returns the date n days later.
func (d Date) AddDays(n int) Date {
	if d == 0 {
		return 0
	}
	return DateOf(d.Time().AddDate(0, 0, n))
}

// FullYears returns the age in full years (周岁) on ref of a person born on d, counted by days:
// N 周岁 is reached on the day after the Nth birthday. It returns -1 when ref is before d, and 0
// on the day of birth itself.
func (d Date) FullYears(ref Date) int {
	if d == 0 || ref == 0 || ref < d {
		return -1
	}
	n := ref.Year() - d.Year()
	if ref <= d.AddYears(n) {
		n--
	}
	if n < 0 {
		n = 0
	}
	return n
}

// MonthsReached reports whether a period that started on d has lasted n months on ref
// (N个月以上 includes N): ref ≥ d + n months.
func (d Date) MonthsReached(n int, ref Date) bool {
	return ref >= d.AddMonths(n)
}

// errDate is returned by ParseDate for text that is no calendar date.
var errDate = errors.New("not a date")

// ParseDate reads the date shapes people type: 2015-03-10, 2015/3/10, 2015.3.10, 2015年3月10日,
// 20150310, with full-width digits and stray spaces. It reports whether the text had a date
// shape at all (shaped) so that "2015-02-30" (shaped, impossible) can be told from "明天"
// (not a date).
func ParseDate(s string) (d Date, shaped bool, err error) {
	s = strings.TrimSpace(toHalfWidth(s))
	if s == "" {
		return 0, false, errDate
	}
	if strings.Contains(s, " ") {
		s = dropSpacesAroundSeparators(s)
	}
	var parts [3]int
	var count [3]int
	idx := 0
	allDigits := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if idx > 2 {
				return 0, false, errDate
			}
			parts[idx] = parts[idx]*10 + int(c-'0')
			count[idx]++
			if count[idx] > 8 {
				return 0, false, errDate
			}
		case c == '-' || c == '/' || c == '.' || c == ' ':
			allDigits = false
			if idx > 2 {
				if c == ' ' {
					continue
				}
				return 0, false, errDate
			}
			if count[idx] == 0 {
				if c == ' ' {
					continue
				}
				return 0, false, errDate
			}
			idx++
		default:
			// 年 月 日 (three bytes each in UTF-8)
			rest := s[i:]
			switch {
			case strings.HasPrefix(rest, "年"), strings.HasPrefix(rest, "月"):
				allDigits = false
				if idx > 2 || count[idx] == 0 {
					return 0, false, errDate
				}
				idx++
				i += len("年") - 1
			case strings.HasPrefix(rest, "日"), strings.HasPrefix(rest, "号"):
				allDigits = false
				if idx != 2 || i+3 != len(s) {
					return 0, false, errDate
				}
				i += 2
			default:
				return 0, false, errDate
			}
		}
	}
	if allDigits {
		if count[0] != 8 {
			return 0, false, errDate
		}
		v := parts[0]
		parts = [3]int{v / 10000, v / 100 % 100, v % 100}
		count = [3]int{4, 2, 2}
		idx = 2
	}
	if idx == 3 {
		idx = 2 // a trailing separator such as "2015.3.10."
	}
	if idx != 2 || count[0] != 4 || count[1] == 0 || count[1] > 2 || count[2] == 0 || count[2] > 2 {
		return 0, false, errDate
	}
	d = NewDate(parts[0], parts[1], parts[2])
	if d == 0 {
		return 0, true, errDate
	}
	return d, true, nil
}

// dropSpacesAroundSeparators turns "2015 / 3 / 10" and "2015 年 3 月 10 日" into their compact
// forms; spaces between two numbers stay (they separate the parts).
func dropSpacesAroundSeparators(s string) string {
	isSep := func(r rune) bool {
		return r == '-' || r == '/' || r == '.' || r == '年' || r == '月' || r == '日' || r == '号'
	}
	rs := []rune(s)
	out := make([]rune, 0, len(rs))
	for i, r := range rs {
		if r == ' ' {
			prevSep := len(out) > 0 && (isSep(out[len(out)-1]) || out[len(out)-1] == ' ')
			nextSep := i+1 < len(rs) && (isSep(rs[i+1]) || rs[i+1] == ' ')
			if prevSep || nextSep {
				continue
			}
		}
		out = append(out, r)
	}
	return string(out)
}

// MarshalJSON writes "YYYY-MM-DD", or null when unknown.
func (d Date) MarshalJSON() ([]byte, error) {
	if d == 0 {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 12)
	b = append(b, '"')
	b = d.appendTo(b)
	return append(b, '"'), nil
}

// UnmarshalJSON reads "YYYY-MM-DD" (strictly: canonical stored records only; outside input goes
// through Decode, which is lenient and reports field errors).
func (d *Date) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" || s == `""` {
		*d = 0
		return nil
	}
	if len(s) != 12 || s[0] != '"' || s[11] != '"' || s[5] != '-' || s[8] != '-' {
		return errors.New("日期格式应为 YYYY-MM-DD")
	}
	v, _, err := ParseDate(s[1:11])
	if err != nil {
		return errors.New("日期 " + s + " 不是有效的日期")
	}
	*d = v
	return nil
}
