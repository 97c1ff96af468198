package sheet

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"guanai/internal/child"
)

// cell is one cell as read from the file: its text (for a number, the value as stored, such as
// "42073" or "1.50304200001011E+17") and whether the workbook stored it as a number. CSV cells
// are never numbers.
type cell struct {
	text string
	num  bool
}

// isBlank reports white space, including NBSP, the ideographic space, zero-width space and BOM.
func isBlank(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u3000', '\u200b', '\u2002', '\u2003', '\u2009', '\ufeff':
		return true
	}
	return false
}

// cleanCell trims white space and removes what spreadsheets and exporting systems wrap around a
// value to keep it text: ="…" (a formula returning the text) and a leading apostrophe.
func cleanCell(s string) string {
	s = strings.TrimFunc(s, isBlank)
	if len(s) >= 3 && strings.HasPrefix(s, `="`) && strings.HasSuffix(s, `"`) {
		s = strings.TrimFunc(s[2:len(s)-1], isBlank)
	}
	if strings.HasPrefix(s, "'") {
		s = strings.TrimFunc(s[1:], isBlank)
	}
	return s
}

// numberText returns the stored value of a number cell as people see an integer ("42073.0" →
// "42073", "1.50302001003E+11" → "150302001003") while it has at most 15 digits, the precision
// of a spreadsheet number; other values are returned as stored.
func numberText(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return v
}

// excelDisplay returns a large number as Excel shows it in a General cell: 1.50304E+17.
func excelDisplay(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	return strconv.FormatFloat(f, 'E', 5, 64)
}

// lostDigits reports whether a number cell holding an identity or certificate number is no
// longer the number typed: a spreadsheet keeps 15 significant digits, so any value from 10^15 on
// (16 digits or more) has lost digits, and a fraction was never such a number.
func lostDigits(v string) bool {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return false
	}
	return f != math.Trunc(f) || math.Abs(f) >= 1e15
}

// Dates that a number may stand for: a serial number of a spreadsheet date is accepted only when
// it falls within these years, so that a bare year (2015) or a count is not read as a date.
const (
	minSerialYear = 1910
	maxSerialYear = 2099
)

var (
	epoch1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// serialDays converts a spreadsheet serial date to a date: in the 1900 date system day 1 is
// 1900-01-01 and day 60 is the 29 February 1900 that Lotus 1-2-3 invented and Excel kept (there
// is no such date: 0 is returned), so days from 61 on count from 1899-12-30; in the 1904 system
// (old Mac workbooks) day 0 is 1904-01-01. The time of day is dropped.
func serialDays(f float64, date1904 bool) child.Date {
	if math.IsNaN(f) || f < 0 || f > 3e6 {
		return 0
	}
	n := int(math.Floor(f))
	switch {
	case date1904:
		return child.DateOf(epoch1904.AddDate(0, 0, n))
	case n == 60 || n == 0:
		return 0
	case n < 60:
		return child.DateOf(epoch1900.AddDate(0, 0, n+1))
	}
	return child.DateOf(epoch1900.AddDate(0, 0, n))
}

// serialDate is serialDays within minSerialYear–maxSerialYear, 0 outside.
func serialDate(f float64, date1904 bool) child.Date {
	d := serialDays(f, date1904)
	if d == 0 || d.Year() < minSerialYear || d.Year() > maxSerialYear {
		return 0
	}
	return d
}

// dateResult says what parseDate made of a cell.
type dateResult uint8

const (
	dateOK         dateResult = iota
	dateNotDate               // no date shape at all
	dateImpossible            // a date shape, but no such day (2015-02-30)
)

// parseDate reads a date cell: a spreadsheet serial number (42073 → 2015-03-10), text in the
// five shapes of DATA.md (2015-03-10, 2015/3/10, 2015.3.10, 2015年3月10日, 20150310) with
// full-width digits, and the same followed by a time of day (2015-03-10 00:00:00,
// 2015-03-10T00:00:00Z) as databases export it.
func parseDate(s string, date1904 bool) (child.Date, dateResult) {
	s = child.NormalizeText(s)
	if len(s) > 10 && s[10] == 'T' {
		s = s[:10]
	} else if i := strings.IndexByte(s, ' '); i > 0 && strings.IndexByte(s[i:], ':') > 0 {
		s = s[:i]
	}
	if strings.ContainsAny(s, "-/.年月") {
		s = strings.ReplaceAll(s, " ", "") // 2015 / 3 / 10
	}
	if isDecimal(s) {
		if len(s) == 8 && !strings.Contains(s, ".") {
			d, _, err := child.ParseDate(s)
			if err != nil {
				return 0, dateImpossible
			}
			return d, dateOK
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, dateNotDate
		}
		if d := serialDate(f, date1904); d != 0 {
			return d, dateOK
		}
		return 0, dateNotDate
	}
	d, shaped, err := child.ParseDate(s)
	switch {
	case err == nil:
		return d, dateOK
	case shaped:
		return 0, dateImpossible
	}
	return 0, dateNotDate
}

// isDecimal reports digits with at most one decimal point.
func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0:
			dot = true
		default:
			return false
		}
	}
	return true
}

// splitSet splits a cell holding several values at 、，,;；| and line breaks, but not inside
// brackets, so that 多重残疾（视力、肢体） stays one item.
func splitSet(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(', '（', '[', '【':
			depth++
		case ')', '）', ']', '】':
			if depth > 0 {
				depth--
			}
		case '、', '，', ',', ';', '；', '|', '\n', '\r', '\t':
			if depth == 0 {
				out = appendItem(out, s[start:i])
				start = i + utf8.RuneLen(r)
			}
		}
	}
	return appendItem(out, s[start:])
}

func appendItem(out []string, item string) []string {
	if item = strings.TrimFunc(item, isBlank); item != "" {
		out = append(out, item)
	}
	return out
}

// splitNote splits "其他（说明）", "其他(说明)", "其他：说明" into the value and its note.
func splitNote(s string) (head, note string, ok bool) {
	i := strings.IndexAny(s, "(（:：")
	if i <= 0 {
		return "", "", false
	}
	head = strings.TrimFunc(s[:i], isBlank)
	_, n := utf8.DecodeRuneInString(s[i:])
	note = strings.TrimFunc(s[i+n:], isBlank)
	note = strings.TrimSuffix(strings.TrimSuffix(note, ")"), "）")
	return head, child.NormalizeText(note), head != ""
}

// isNone reports the spellings of an empty set.
func isNone(s string) bool {
	switch strings.ToLower(child.NormalizeText(s)) {
	case "无", "none", "没有":
		return true
	}
	return false
}

// setResult is what parseSet read from a cell.
type setResult struct {
	codes     []string // sorted codes; non-nil and empty for 无
	note      string   // the text of "其他（…）"
	bad       []string // items that are no value of the table
	exclusive bool     // 无 together with values
	multiple  bool     // 多重残疾 without the list of types
}

// parseSet reads a cell of several values of table t: codes or labels separated by 、，,; (see
// splitSet), "无" for none, and for 残疾类别 also 多重残疾（视力、肢体）.
func parseSet(s string, t *child.CodeTable) setResult {
	var res setResult
	s = strings.TrimFunc(s, isBlank)
	if s == "" {
		return res
	}
	if c, ok := t.Lookup(s); ok {
		res.codes = []string{c}
		return res
	}
	if isNone(s) {
		res.codes = []string{}
		return res
	}
	items := splitSet(s)
	var out []string
	none := false
	for i := 0; i < len(items); i++ {
		it := items[i]
		if isNone(it) {
			none = true
			continue
		}
		if c, ok := t.Lookup(it); ok {
			out = append(out, c)
			continue
		}
		if t == child.DisabilityType && strings.HasPrefix(child.NormalizeText(it), "多重") {
			_, inner, ok := splitNote(it)
			if !ok || inner == "" {
				res.multiple = true
				continue
			}
			sub := parseSet(inner, t)
			out = append(out, sub.codes...)
			res.bad = append(res.bad, sub.bad...)
			continue
		}
		if head, note, ok := splitNote(it); ok {
			if c, ok := t.Lookup(head); ok {
				out = append(out, c)
				if c == "other" && note != "" {
					res.note = note
				}
				continue
			}
		}
		// A label that holds a separator itself: 心理、行为异常.
		if i+1 < len(items) {
			if c, ok := t.Lookup(it + "、" + items[i+1]); ok {
				out = append(out, c)
				i++
				continue
			}
		}
		// Values separated by spaces only: 视力 肢体.
		if f := strings.FieldsFunc(it, isBlank); len(f) > 1 {
			var sub []string
			for _, x := range f {
				if c, ok := t.Lookup(x); ok {
					sub = append(sub, c)
				} else {
					sub = nil
					break
				}
			}
			if sub != nil {
				out = append(out, sub...)
				continue
			}
		}
		res.bad = append(res.bad, it)
	}
	if none && len(out) > 0 {
		res.exclusive = true
	}
	res.codes = t.SortSet(out)
	return res
}

// lookupCode reads one value of table t: a code, a label or an alias; failing that, the value
// before a note in brackets or after a colon (其他（自建房） → 其他), whose note has no item to go to.
func lookupCode(s string, t *child.CodeTable) (string, bool) {
	if c, ok := t.Lookup(s); ok {
		return c, true
	}
	if head, _, ok := splitNote(s); ok {
		return t.Lookup(head)
	}
	return "", false
}

// rehabSeparators end the 是/否 that may start a 接受康复救助情况 text before its detail.
const rehabSeparators = "：:，,；;（( "

// parseRehab reads 接受康复救助情况: 是/否, a text, or 是/否 followed by a text (是：在市残联康复中心).
func parseRehab(s string) *child.Rehabilitation {
	s = child.NormalizeText(s)
	if s == "" {
		return nil
	}
	if b, ok := child.ParseBool(s); ok {
		return &child.Rehabilitation{Received: &b}
	}
	if i := strings.IndexAny(s, rehabSeparators); i > 0 {
		if b, ok := child.ParseBool(s[:i]); ok {
			_, n := utf8.DecodeRuneInString(s[i:])
			detail := strings.TrimFunc(s[i+n:], isBlank)
			if strings.ContainsAny(s[i:i+n], "(（") {
				detail = strings.TrimSuffix(strings.TrimSuffix(detail, ")"), "）")
			}
			return &child.Rehabilitation{Received: &b, Detail: child.NormalizeText(detail)}
		}
	}
	return &child.Rehabilitation{Detail: s}
}

// rehabText writes 接受康复救助情况 so that parseRehab reads it back.
func rehabText(r *child.Rehabilitation) string {
	if r == nil {
		return ""
	}
	yn := ""
	if r.Received != nil {
		yn = "否"
		if *r.Received {
			yn = "是"
		}
	}
	switch {
	case yn == "":
		return r.Detail
	case r.Detail == "":
		return yn
	}
	return yn + "：" + r.Detail
}
