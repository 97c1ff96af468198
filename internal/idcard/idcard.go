// Package idcard parses and checks citizen identity numbers (公民身份号码) of GB 11643-1999 and the
// second-generation disability certificate numbers (残疾人证号) built on them. It has no I/O and
// imports only the standard library.
package idcard

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Error is a failed check of an identity or certificate number. Code is stable and machine
// readable; Message is a Chinese sentence for the person who typed the number.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrorCode is "invalid", the code of the error interface every package's errors implement
// (Code says what is wrong with the number).
func (e *Error) ErrorCode() string { return "invalid" }

// ErrorMessage is the Chinese message.
func (e *Error) ErrorMessage() string { return e.Message }

// Error codes returned by Parse and ParseDisabilityCert.
const (
	CodeEmpty       = "empty"        // nothing given
	CodeExcelNumber = "excel_number" // the number went through a spreadsheet as a number and lost digits
	CodeFormat      = "format"       // characters other than digits and a final X
	CodeLength      = "length"       // neither 15 nor 18 characters
	CodeRegion      = "region"       // the first two digits name no province
	CodeBirthDate   = "birth_date"   // digits 7–14 are not a calendar date
	CodeChecksum    = "checksum"     // ISO 7064 MOD 11-2 check digit wrong
	CodeCategory    = "category"     // disability category digit not 1–7
	CodeGrade       = "grade"        // disability grade digit not 1–4
)

func errf(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// Sex codes of GB/T 2261.1 as carried by digit 17 of an identity number.
const (
	Male   = 1
	Female = 2
)

// ID is a parsed, valid 18-character identity number.
type ID struct {
	Number    string    // 18 characters, upper-case X
	Region    string    // the six-digit address code (digits 1–6) at issue
	Birth     time.Time // digits 7–14, midnight UTC
	Sex       int       // Male when digit 17 is odd, Female when even
	Converted bool      // given as a legacy 15-digit number and converted to 18
}

// weights of ISO 7064 MOD 11-2 for the first 17 digits.
var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checkChars = "10X98765432"

// CheckDigit returns the check character (0–9 or X) for the first 17 digits of an identity
// number, or 0 when s is not 17 ASCII digits.
func CheckDigit(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars[sum%11]
}

// provinces holds the first two digits that GB/T 2260 assigns to a province-level division.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}

// Normalize removes what people and spreadsheets add to an identity number: surrounding and
// inner spaces (also NBSP and full-width), full-width digits and letters, a leading apostrophe
// (Excel's text marker), and it upper-cases x. It does not check anything.
func Normalize(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c == ' ' || c == '\t' || c == '\'' || c == 'x' || c == '\n' || c == '\r' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r >= 'ａ' && r <= 'ｚ':
			r = r - 'ａ' + 'a'
		case r >= 'Ａ' && r <= 'Ｚ':
			r = r - 'Ａ' + 'A'
		case r == '＋':
			r = '+'
		case r == '．':
			r = '.'
		}
		switch r {
		case ' ', '\t', '\n', '\r', '\u00a0', '\u3000', '\u200b', '\ufeff', '\'', '‘', '’', '`':
			continue
		case 'x':
			r = 'X'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Parse normalises s and checks it as an identity number of GB 11643-1999: 18 characters (a
// 15-digit legacy number is converted and flagged), a known province, a real birth date and the
// MOD 11-2 check digit. Parse does not know today's date; whether the birth date lies in the
// future is the caller's check.
func Parse(s string) (ID, error) {
	n := Normalize(s)
	if n == "" {
		return ID{}, errf(CodeEmpty, "未填写公民身份号码")
	}
	if looksLikeSpreadsheetNumber(n) {
		return ID{}, errf(CodeExcelNumber, "公民身份号码被电子表格当成数字保存（如 1.50304E+17），后几位已丢失，请将该列设置为文本格式后重新填写")
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if (c < '0' || c > '9') && !(c == 'X' && i == len(n)-1) {
			return ID{}, errf(CodeFormat, "公民身份号码只能由数字组成，最后一位可以是 X")
		}
	}
	converted := false
	switch len(n) {
	case 18:
	case 15:
		if n[14] == 'X' {
			return ID{}, errf(CodeFormat, "15 位公民身份号码只能由数字组成")
		}
		first17 := n[:6] + "19" + n[6:]
		n = first17 + string(CheckDigit(first17))
		converted = true
	default:
		return ID{}, errf(CodeLength, "公民身份号码应为 18 位，现为 "+itoa(utf8.RuneCountInString(n))+" 位")
	}
	if !provinces[n[:2]] {
		return ID{}, errf(CodeRegion, "公民身份号码前两位 "+n[:2]+" 不是有效的省级行政区划代码")
	}
	birth, ok := parseYMD(n[6:14])
	if !ok {
		return ID{}, errf(CodeBirthDate, "公民身份号码第 7–14 位 "+n[6:14]+" 不是有效的出生日期")
	}
	if want := CheckDigit(n[:17]); n[17] != want {
		if strings.HasSuffix(n, "000") {
			return ID{}, errf(CodeExcelNumber, "公民身份号码校验位错误，且末三位为 000，可能被电子表格当成数字保存而丢失了后几位，请将该列设置为文本格式后重新填写")
		}
		return ID{}, errf(CodeChecksum, "公民身份号码校验位错误：第 18 位应为 "+string(want)+"，填写的是 "+string(n[17])+"，请核对号码")
	}
	sex := Female
	if (n[16]-'0')%2 == 1 {
		sex = Male
	}
	return ID{Number: n, Region: n[:6], Birth: birth, Sex: sex, Converted: converted}, nil
}

// Valid reports whether s is a valid 18-character identity number as written (after
// normalisation); a 15-digit legacy number is not Valid, though Parse converts it.
func Valid(s string) bool {
	id, err := Parse(s)
	return err == nil && !id.Converted
}

// looksLikeSpreadsheetNumber reports scientific notation or a decimal point: what an identity
// number becomes after a spreadsheet stored it as a floating-point number.
func looksLikeSpreadsheetNumber(n string) bool {
	if strings.ContainsAny(n, "Ee") && strings.ContainsAny(n, "+.") {
		return true
	}
	if i := strings.IndexByte(n, '.'); i > 0 {
		digits := true
		for j := 0; j < len(n); j++ {
			if j != i && (n[j] < '0' || n[j] > '9') {
				digits = false
				break
			}
		}
		return digits
	}
	return false
}

// parseYMD parses eight digits YYYYMMDD as a calendar date from 1900 to 2099.
func parseYMD(s string) (time.Time, bool) {
	if len(s) != 8 {
		return time.Time{}, false
	}
	v := 0
	for i := 0; i < 8; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		v = v*10 + int(c-'0')
	}
	y, m, d := v/10000, v/100%100, v%100
	if y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
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

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Mask hides an identity number for display so that nothing shown beside it can give it back:
// only the six-digit region stays (150302************). Lists show the birth date and the sex
// next to the number, which are digits 7–14 and the parity of digit 17; a mask that kept the
// last four characters left one number to try (docs/security.md, "Masking"). A 15-digit legacy
// number keeps its region likewise; a second-generation disability certificate number (the
// holder's 18 characters, then category and grade, which the record shows anyway) keeps its
// region and its last two digits. Strings of other lengths keep only their first and last
// character.
func Mask(s string) string {
	switch len(s) {
	case 18, 15:
		return s[:6] + strings.Repeat("*", len(s)-6)
	case 20:
		return s[:6] + strings.Repeat("*", 12) + s[18:]
	}
	r := []rune(s)
	if len(r) <= 2 {
		return strings.Repeat("*", len(r))
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}
