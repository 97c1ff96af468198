package idcard

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		name, first17 string
		want          byte
	}{
		{"X check", "11010519491231002", 'X'},
		{"digit check", "15030220150310123", '7'},
		{"leap day", "15030220160229002", '9'},
		{"too short", "1503022015031012", 0},
		{"non digit", "1503022015031012A", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckDigit(tt.first17); got != tt.want {
				t.Errorf("CheckDigit(%q) = %q, want %q", tt.first17, got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      string
		birth     string
		sex       int
		converted bool
		code      string
	}{
		{name: "valid female X", in: "11010519491231002X", want: "11010519491231002X", birth: "1949-12-31", sex: Female},
		{name: "lower-case x", in: "11010519491231002x", want: "11010519491231002X", birth: "1949-12-31", sex: Female},
		{name: "valid male", in: "150302201503101237", want: "150302201503101237", birth: "2015-03-10", sex: Male},
		{name: "spaces and full width", in: " １５０３０２ 2015 0310 1237\u00a0", want: "150302201503101237", birth: "2015-03-10", sex: Male},
		{name: "excel text marker", in: "'150302201503101237", want: "150302201503101237", birth: "2015-03-10", sex: Male},
		{name: "leap day", in: "150302201602290029", want: "150302201602290029", birth: "2016-02-29", sex: Female},
		{name: "15 digit converted", in: "150302150310123", want: "150302191503101230", birth: "1915-03-10", sex: Male, converted: true},
		{name: "empty", in: "  ", code: CodeEmpty},
		{name: "scientific notation", in: "1.50302E+17", code: CodeExcelNumber},
		{name: "decimal point", in: "150302201503101237.0", code: CodeExcelNumber},
		{name: "precision lost", in: "150302201503101000", code: CodeExcelNumber},
		{name: "letters", in: "15030220150310A237", code: CodeFormat},
		{name: "X not last", in: "15030220150310X237", code: CodeFormat},
		{name: "17 chars", in: "15030220150310123", code: CodeLength},
		{name: "19 chars", in: "1503022015031012370", code: CodeLength},
		{name: "unknown province", in: "990302201503101237", code: CodeRegion},
		{name: "no 30 February", in: "150302201502301230", code: CodeBirthDate},
		{name: "not a leap year", in: "150302201502290020", code: CodeBirthDate},
		{name: "month 13", in: "150302201513101230", code: CodeBirthDate},
		{name: "wrong check digit", in: "150302201503101238", code: CodeChecksum},
		{name: "X where digit due", in: "15030220150310123X", code: CodeChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.code != "" {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("Parse(%q) error = %v, want code %q", tt.in, err, tt.code)
				}
				if e.Code != tt.code {
					t.Errorf("Parse(%q) code = %q, want %q (%s)", tt.in, e.Code, tt.code, e.Message)
				}
				if e.Message == "" {
					t.Errorf("Parse(%q) has no message", tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tt.in, err)
			}
			if got.Number != tt.want || got.Birth.Format("2006-01-02") != tt.birth || got.Sex != tt.sex || got.Converted != tt.converted {
				t.Errorf("Parse(%q) = %+v, want %s %s sex %d converted %v", tt.in, got, tt.want, tt.birth, tt.sex, tt.converted)
			}
			if got.Region != tt.want[:6] {
				t.Errorf("Region = %q, want %q", got.Region, tt.want[:6])
			}
		})
	}
}

func TestChecksumMessageNamesDigit(t *testing.T) {
	_, err := Parse("150302201503101238")
	if err == nil || !strings.Contains(err.Error(), "应为 7") {
		t.Errorf("got %v, want message naming the right check digit 7", err)
	}
}

func TestValid(t *testing.T) {
	if !Valid("150302201503101237") {
		t.Error("Valid(good) = false")
	}
	if Valid("150302150310123") {
		t.Error("Valid(15-digit) = true, want false: only 18-digit numbers are valid as written")
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"18 digits: the region only", "15030220150310123X", "150302************"},
		{"15-digit legacy number", "150302150310123", "150302*********"},
		{"disability certificate: category and grade stay", "1503022015031012341" + "2", "150302************12"},
		{"short text", "张三", "**"},
		{"other length", "13812345678", "1*********8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Mask(tt.in); got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestMaskCannotBeUndone is the security finding: lists show the birth date and the sex beside
// the masked number, and a mask that hid exactly digits 7–14 gave the number back. Whatever a
// list shows beside it (birth date, sex, the hukou and residence divisions), more than a
// thousand valid numbers must remain.
func TestMaskCannotBeUndone(t *testing.T) {
	const id = "15030220150310123X"
	m := Mask(id)
	shownBirth, shownSex := "20150310", 1 // 17th digit odd = male
	candidates := 0
	for seq := 0; seq < 1000; seq++ {
		if seq%2 != shownSex%2 {
			continue
		}
		body := m[:6] + shownBirth + fmt.Sprintf("%03d", seq)
		full := body + string(CheckDigit(body))
		if Valid(full) && Mask(full) == m {
			candidates++
		}
	}
	if candidates < 400 {
		t.Errorf("mask %q beside birth date and sex leaves %d candidate numbers, want ≥ 400 (it must not narrow the sequence digits)", m, candidates)
	}
	for i, c := range m {
		if i >= 6 && c != '*' {
			t.Errorf("mask %q shows character %d (%c): only the six-digit region may show", m, i+1, c)
		}
	}
}

func TestParseDisabilityCert(t *testing.T) {
	tests := []struct {
		name, in      string
		category, grd int
		code          string
	}{
		{"valid", "15030220150310123742", 4, 2, ""},
		{"lower x", "11010519491231002x71", 7, 1, ""},
		{"short", "150302201503101237", 0, 0, CodeLength},
		{"bad category", "15030220150310123782", 0, 0, CodeCategory},
		{"bad grade", "15030220150310123745", 0, 0, CodeGrade},
		{"bad id", "15030220150310123842", 0, 0, CodeChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDisabilityCert(tt.in)
			if tt.code != "" {
				var e *Error
				if !errors.As(err, &e) || e.Code != tt.code {
					t.Fatalf("ParseDisabilityCert(%q) error = %v, want code %s", tt.in, err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDisabilityCert(%q) error = %v", tt.in, err)
			}
			if got.Category != tt.category || got.Grade != tt.grd || len(got.Number) != 20 {
				t.Errorf("got %+v, want category %d grade %d", got, tt.category, tt.grd)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"150302201503101237", "11010519491231002x", "150302150310123", "1.5E+17", "", "ｘ", "１５０"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" || e.Message == "" {
				t.Fatalf("Parse(%q) error without code/message: %v", s, err)
			}
			return
		}
		if len(id.Number) != 18 || CheckDigit(id.Number[:17]) != id.Number[17] {
			t.Fatalf("Parse(%q) accepted %q", s, id.Number)
		}
		if id.Birth.Format("20060102") != id.Number[6:14] {
			t.Fatalf("birth %v does not match %q", id.Birth, id.Number)
		}
		if id.Birth.Location() != time.UTC {
			t.Fatal("birth not UTC")
		}
		// Parsing is idempotent on its own output.
		again, err := Parse(id.Number)
		if err != nil || again.Number != id.Number {
			t.Fatalf("Parse(Parse(%q)) = %v, %v", s, again, err)
		}
		_, _ = ParseDisabilityCert(s)
	})
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("150302201503101237"); err != nil {
			b.Fatal(err)
		}
	}
}
