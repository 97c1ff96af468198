package child

import (
	"strings"
	"testing"
)

// TestBirthDateBounds: a birth date is neither after the as-of date nor more than MaxAgeYears
// before it, on entry and on import, and the error names the field in Chinese.
func TestBirthDateBounds(t *testing.T) {
	asOf := NewDate(2025, 6, 30)
	tests := []struct {
		name     string
		birth    Date
		today    Date
		imported bool
		code     string // "" when accepted
	}{
		{name: "a child", birth: NewDate(2015, 3, 10), today: asOf},
		{name: "born today", birth: asOf, today: asOf},
		{name: "tomorrow", birth: NewDate(2025, 7, 1), today: asOf, code: "future"},
		{name: "exactly 25 years before", birth: NewDate(2000, 6, 30), today: asOf},
		{name: "a day more than 25 years before", birth: NewDate(2000, 6, 29), today: asOf, code: "too_old"},
		{name: "1800-01-01", birth: NewDate(1800, 1, 1), today: asOf, code: "too_old"},
		{name: "1800-01-01 imported", birth: NewDate(1800, 1, 1), today: asOf, imported: true, code: "too_old"},
		{name: "a parent's birth date imported", birth: NewDate(1985, 5, 1), today: asOf, imported: true, code: "too_old"},
		{name: "without an as-of date nothing is bounded", birth: NewDate(1800, 1, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Record{Name: "张三", BirthDate: tt.birth}
			var is Issues
			Validate(&r, &is, Options{Today: tt.today, Import: tt.imported})
			var got []Issue
			for _, e := range is.Errors {
				if e.Field == "birth_date" {
					got = append(got, e)
				}
			}
			switch {
			case tt.code == "" && len(got) > 0:
				t.Errorf("got %v, want no birth_date error", got)
			case tt.code != "" && (len(got) != 1 || got[0].Code != tt.code):
				t.Errorf("got %v, want one birth_date error %q", got, tt.code)
			case tt.code != "" && !strings.Contains(got[0].Message, "出生日期 "+tt.birth.String()):
				t.Errorf("message %q does not name the birth date", got[0].Message)
			case tt.code != "" && r.BirthDate != 0:
				t.Errorf("the refused birth date stays in the record: %v", r.BirthDate)
			}
		})
	}
}
