package match

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "张子涵", "张子涵"},
		{"spaces inside and around", " 张 子　涵 ", "张子涵"},
		{"traditional", "張偉", "张伟"},
		{"traditional given name", "陳曉東", "陈晓东"},
		{"full-width latin", "ＡＮＮＡ李", "ANNA李"},
		{"lower-case latin", "anna", "ANNA"},
		{"ascii dot", "阿依古丽.买买提", "阿依古丽·买买提"},
		{"bullet", "阿依古丽•买买提", "阿依古丽·买买提"},
		{"full-width dot", "阿依古丽．买买提", "阿依古丽·买买提"},
		{"katakana dot", "阿依古丽・买买提", "阿依古丽·买买提"},
		{"double dot collapsed", "艾力..阿不都", "艾力·阿不都"},
		{"leading and trailing dots dropped", "·艾力·", "艾力"},
		{"bracketed remark dropped", "张三（小名：三儿）", "张三"},
		{"ascii bracket", "李四(曾用名李斯)", "李四"},
		{"kangxi radical", "\u2F08\u2F26", "人子"},
		{"compatibility ideograph", "\uF900", "豈"},
		{"zero-width and BOM", "\ufeff王\u200b五", "王五"},
		{"punctuation", "王、五！", "王五"},
		{"empty", "", ""},
		{"only spaces", "   ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeName(tt.in); got != tt.want {
				t.Errorf("NormalizeName(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitName(t *testing.T) {
	tests := []struct {
		name, in, sur, given string
	}{
		{"single surname", "张子涵", "张", "子涵"},
		{"compound surname", "欧阳子涵", "欧阳", "子涵"},
		{"two characters", "张伟", "张", "伟"},
		{"dotted name has no surname", "阿依古丽·买买提", "", "阿依古丽·买买提"},
		{"long transliterated name", "额日敦其其格", "", "额日敦其其格"},
		{"one character", "明", "", "明"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sur, given := SplitName(tt.in)
			if sur != tt.sur || given != tt.given {
				t.Errorf("SplitName(%q): got %q+%q, want %q+%q", tt.in, sur, given, tt.sur, tt.given)
			}
		})
	}
}

func TestNormalizePerson(t *testing.T) {
	tests := []struct {
		name  string
		in    Person
		check func(n Normalized) string
	}{
		{"15-digit ID converted", Person{Ref: "a", IDNumber: "150302850612351"}, func(n Normalized) string {
			if n.IDNumber != "150302198506123517" || !n.IDValid || !slices.Contains(n.Flags, "id_converted") {
				return "got " + n.IDNumber + " " + strings.Join(n.Flags, ",")
			}
			return ""
		}},
		{"lower-case x and spaces", Person{Ref: "a", IDNumber: " 15030220130909044x "}, func(n Normalized) string {
			if n.IDNumber != "15030220130909044X" || !n.IDValid {
				return "got " + n.IDNumber
			}
			return ""
		}},
		{"birth and sex from ID", Person{Ref: "a", IDNumber: "150302201503101229"}, func(n Normalized) string {
			if n.BirthDate != "2015-03-10" || n.Sex != 2 || !slices.Contains(n.Flags, "birth_from_id") {
				return "got " + n.BirthDate + " " + strings.Join(n.Flags, ",")
			}
			return ""
		}},
		{"conflicts flagged", Person{Ref: "a", IDNumber: "150302201503101229", BirthDate: "2015-03-11", Sex: "男"}, func(n Normalized) string {
			if n.BirthDate != "2015-03-11" || n.Sex != 1 || !slices.Contains(n.Flags, "birth_conflict") || !slices.Contains(n.Flags, "sex_conflict") {
				return "got " + n.BirthDate + " " + strings.Join(n.Flags, ",")
			}
			return ""
		}},
		{"checksum typo is kept but invalid", Person{Ref: "a", IDNumber: "150302201503101228"}, func(n Normalized) string {
			if n.IDNumber != "150302201503101228" || n.IDValid || !slices.Contains(n.Flags, "id_invalid") {
				return "got " + n.IDNumber + " " + strings.Join(n.Flags, ",")
			}
			return ""
		}},
		{"unusable ID", Person{Ref: "a", IDNumber: "1.50302E+17"}, func(n Normalized) string {
			if n.IDNumber != "" || !slices.Contains(n.Flags, "id_unusable") {
				return "got " + n.IDNumber + " " + strings.Join(n.Flags, ",")
			}
			return ""
		}},
		{"regions padded", Person{Ref: "a", HukouRegion: "150302", ResidenceRegion: "150302001"}, func(n Normalized) string {
			if n.HukouRegion != "150302000000" || n.ResidenceRegion != "150302001000" {
				return "got " + n.HukouRegion + " " + n.ResidenceRegion
			}
			return ""
		}},
		{"names", Person{Ref: " r1 ", Name: "張 子涵", FatherName: "張偉"}, func(n Normalized) string {
			if n.Ref != "r1" || n.Surname != "张" || n.GivenName != "子涵" || n.FatherName != "张伟" || n.Pinyin != "zhang zi han" {
				return "got " + n.Ref + " " + n.Surname + n.GivenName + " " + n.Pinyin
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if msg := tt.check(Normalize(tt.in)); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		name, in string
		want     int32
	}{
		{"iso", "2015-03-10", 20150310},
		{"slashes no padding", "2015/3/10", 20150310},
		{"compact", "20150310", 20150310},
		{"chinese", "2015年3月10日", 20150310},
		{"full-width digits", "２０１５年３月１０日", 20150310},
		{"dots", "2015.3.10", 20150310},
		{"with time", "2015-03-10 00:00:00", 20150310},
		{"spreadsheet serial", "42073", 20150310},
		{"leap day", "2016-02-29", 20160229},
		{"not a leap day", "2015-02-29", 0},
		{"month 13", "2015-13-01", 0},
		{"year only", "2015", 0},
		{"empty", "", 0},
		{"text", "不详", 0},
		{"day first", "10/03/2015", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseDate(tt.in)
			if got != tt.want || ok != (tt.want != 0) {
				t.Errorf("ParseDate(%q): got %d %v, want %d", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestParseSexAndRegion(t *testing.T) {
	sexes := []struct {
		in   string
		want uint8
	}{{"1", 1}, {"男", 1}, {"M", 1}, {"male", 1}, {" 2 ", 2}, {"女", 2}, {"f", 2}, {"0", 0}, {"9", 0}, {"", 0}, {"未知", 0}}
	for _, tt := range sexes {
		if got := ParseSex(tt.in); got != tt.want {
			t.Errorf("ParseSex(%q): got %d, want %d", tt.in, got, tt.want)
		}
	}
	regions := []struct {
		in   string
		want uint64
	}{
		{"150302", 150302000000}, {"150302001", 150302001000}, {"150302001000", 150302001000},
		{"15", 150000000000}, {"1503", 150300000000}, {"15 03 02", 150302000000},
		{"", 0}, {"乌海市", 0}, {"12345", 0}, {"990302", 0}, {"1503020010001", 0},
	}
	for _, tt := range regions {
		if got := ParseRegion(tt.in); got != tt.want {
			t.Errorf("ParseRegion(%q): got %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestNameLevel(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"same characters", "张子涵", "张子涵", "exact"},
		{"traditional is the same", "张子涵", "張子涵", "exact"},
		{"spaces do not count", "张子涵", "张 子涵", "exact"},
		{"homophone", "王浩然", "王皓然", "pinyin"},
		{"homophone surname", "张伟", "章伟", "pinyin"},
		{"heteronym reading", "曾伟", "增伟", "pinyin"},
		{"mongolian 尔/儿", "巴特尔", "巴特儿", "pinyin"},
		{"mongolian 尔/日", "额尔敦", "额日敦", "pinyin"},
		{"mongolian 其/奇", "其其格", "奇奇格", "pinyin"},
		{"mongolian 日/仁", "乌日娜", "乌仁娜", "pinyin"},
		{"z-zh", "李志", "李紫", "near"},
		{"c-ch", "陈晨", "陈岑", "near"},
		{"s-sh", "王书", "王苏", "near"},
		{"n-l", "刘宁", "刘玲", "near"},
		{"f-h", "王福", "王湖", "near"},
		{"an-ang", "李帆", "李芳", "near"},
		{"en-eng", "陈成", "陈臣", "near"},
		{"en-eng different", "王森", "王僧", "near"},
		{"in-ing", "张琴", "张晴", "near"},
		{"look-alike", "王未", "王末", "near"},
		{"one character differs", "张子涵", "张子轩", "one_char"},
		{"one character dropped", "李浩", "李浩铭", "partial"},
		{"characters exchanged", "李明浩", "李浩明", "partial"},
		{"different", "张伟", "李强", "disagree"},
		{"missing", "", "张伟", "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NameLevel(tt.a, tt.b); got != tt.want {
				t.Errorf("NameLevel(%q, %q): got %q, want %q", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestPinyin(t *testing.T) {
	tests := []struct{ in, want string }{
		{"张子涵", "zhang zi han"},
		{"单伟", "shan wei"},
		{"曾志", "zeng zhi"},
		{"乐乐", "yue le"},
	}
	for _, tt := range tests {
		if got := Pinyin(tt.in); got != tt.want {
			t.Errorf("Pinyin(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIDTypo(t *testing.T) {
	const id = "150302201503101229"
	tests := []struct {
		name, a, b string
		want       bool
	}{
		{"one substitution", id, "150302201503101129", true},
		{"check character changed", id, "15030220150310122X", true},
		{"adjacent transposition", id, "150302205103101229", true},
		{"two substitutions", id, "150302201503101139", false},
		{"distant exchange", id, "950302201503101221", false},
		{"identical", id, id, false},
		{"different length", id, "15030220150310122", false},
		{"lower-case x normalised", "15030220130909044X", "15030220130909045x", true},
		{"empty", "", id, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IDTypo(tt.a, tt.b); got != tt.want {
				t.Errorf("IDTypo(%q, %q): got %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestDateLevel(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"exact", "2015-03-10", "2015/3/10", "exact"},
		{"day and month swapped", "2015-03-10", "2015-10-03", "day_month_swap"},
		{"year off", "2015-03-10", "2016-03-10", "one_part"},
		{"month off", "2015-03-10", "2015-04-10", "one_part"},
		{"day off", "2015-03-10", "2015-03-11", "one_part"},
		{"two parts off", "2015-03-10", "2016-04-10", "disagree"},
		{"same day and month not a swap", "2015-03-03", "2015-03-03", "exact"},
		{"missing", "", "2015-03-10", "missing"},
		{"unreadable is missing", "不详", "2015-03-10", "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DateLevel(tt.a, tt.b); got != tt.want {
				t.Errorf("DateLevel(%q, %q): got %q, want %q", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestJaroWinkler(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"MARTHA", "MARHTA", 0.961},
		{"DWAYNE", "DUANE", 0.840},
		{"DIXON", "DICKSONX", 0.813},
		{"zihan", "zihan", 1},
		{"abc", "xyz", 0},
	}
	for _, tt := range tests {
		if got := JaroWinkler(tt.a, tt.b); got < tt.want-0.001 || got > tt.want+0.001 {
			t.Errorf("JaroWinkler(%q, %q): got %.3f, want %.3f", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestTables checks the hand-written tables: every traditional/simplified pair shares a
// reading, no simplified form is itself mapped again, look-alike pairs come in pairs.
func TestTables(t *testing.T) {
	initPinyin()
	rs := []rune(tradSimpPairs)
	if len(rs)%2 != 0 {
		t.Fatalf("tradSimpPairs: got %d characters, want an even number", len(rs))
	}
	seen := map[rune]bool{}
	for i := 0; i < len(rs); i += 2 {
		tr, si := rs[i], rs[i+1]
		if seen[tr] {
			t.Errorf("traditional %c listed twice", tr)
		}
		seen[tr] = true
		if !homophone(tr, si, 0) {
			t.Errorf("pair %c→%c: got no common reading, want one", tr, si)
		}
		if toSimplified(si) != si {
			t.Errorf("simplified %c is mapped again to %c", si, toSimplified(si))
		}
	}
	if n := len([]rune(lookAlikePairs)); n%2 != 0 {
		t.Errorf("lookAlikePairs: got %d characters, want an even number", n)
	}
}
