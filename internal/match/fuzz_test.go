package match

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"张子涵", "張 偉", "阿依古丽.买买提", "·艾力··", "张三（小名", "\u2F08\uF900", "ＡＢｃ", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeName(s)
		if !utf8.ValidString(n) {
			t.Fatalf("NormalizeName(%q) = %q: not UTF-8", s, n)
		}
		if strings.HasPrefix(n, "·") || strings.HasSuffix(n, "·") || strings.Contains(n, "··") {
			t.Fatalf("NormalizeName(%q) = %q: stray dots", s, n)
		}
		if again := NormalizeName(n); again != n {
			t.Fatalf("NormalizeName not idempotent: %q → %q → %q", s, n, again)
		}
		sur, given := SplitName(s)
		if sur+given != n {
			t.Fatalf("SplitName(%q) = %q+%q, want the parts of %q", s, sur, given, n)
		}
		_ = Pinyin(s)
		_ = NameLevel(s, n)
	})
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"ref,name\nr1,张三\n",
		"\ufeffREF , Name,x\n1,\"a,b\",\n2,\"\"\"q\",z\n",
		"ref,name\nr1,\"unterminated\n",
		"name\n张三\n",
		"ref,id_number,birth_date,sex,hukou_region\nr,15030220150310122x,2015年3月10日,女,150302001\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		people, st, err := ReadCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		if st.Rows != len(people) {
			t.Fatalf("got %d rows counted, %d returned", st.Rows, len(people))
		}
		recs, _ := normalizeAll(people, 1)
		for _, p := range people {
			if p.Ref == "" || p.Ref != strings.TrimSpace(p.Ref) {
				t.Fatalf("ref %q not trimmed or empty", p.Ref)
			}
		}
		if len(recs) > 0 {
			var lv [NumFields]uint8
			levels(&recs[0], &recs[len(recs)-1], &lv)
		}
	})
}

func FuzzParseRow(f *testing.F) {
	f.Add("ref,name,sex", "r1,张三,男")
	f.Add(" Ref ,姓名,身份证号", ",李四,150302201503101229")
	f.Add("name", "x")
	f.Fuzz(func(t *testing.T, header, row string) {
		p, err := ParseRow(strings.Split(header, ","), strings.Split(row, ","))
		if err != nil {
			return
		}
		_ = Normalize(p)
	})
}

func FuzzCompare(f *testing.F) {
	f.Add("张子涵", "150302201503101229", "2015-03-10", "2", "150302", "張子函", "15030220150310122X", "2015/10/3", "女", "150302001")
	f.Add("巴特尔", "", "", "", "", "巴特儿", "1.5E+17", "42073", "M", "15")
	f.Fuzz(func(t *testing.T, n1, id1, b1, s1, r1, n2, id2, b2, s2, r2 string) {
		a := Person{Ref: "a", Name: n1, IDNumber: id1, BirthDate: b1, Sex: s1, HukouRegion: r1, FatherName: n2, GuardianID: id2}
		b := Person{Ref: "b", Name: n2, IDNumber: id2, BirthDate: b2, Sex: s2, HukouRegion: r2, MotherName: n1, GuardianID: id1}
		p := DefaultParams()
		ms, _ := Link([]Person{a}, []Person{b}, Options{Params: &p, ReviewBand: 1e-12})
		for _, m := range ms {
			if !(m.Score >= 0 && m.Score <= 1) {
				t.Fatalf("score %v out of [0,1]", m.Score)
			}
		}
		ix := NewIndex([]Person{a, b}, Options{Params: &p})
		if m, _ := ix.Match(b); m.Left >= 0 && !(m.Score >= 0 && m.Score <= 1) {
			t.Fatalf("score %v out of [0,1]", m.Score)
		}
	})
}

// FuzzCSVReader checks the fast CSV reader against encoding/csv: the same records, and an
// error where encoding/csv has one.
func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a,b\r\n\r\n1,\"x,\"\"y\"\"\"\n", "a\n\"multi\nline\"\n", "a,b\n1,\"2\"x\n",
		"a,b\n1,2,3\n", "a,b\n1,b\"c\n", "a,b\n\"open,2\n", "a,\n,\n", "\"\"\n", "a,b\n\"x\r\ny\",z", "a,b\n1,2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		std := csv.NewReader(strings.NewReader(s))
		mine := newCSVReader(strings.NewReader(s))
		var buf []string
		for n := 0; ; n++ {
			want, werr := std.Read()
			got, gerr := mine.Read(buf)
			if werr == io.EOF || gerr == io.EOF {
				if werr != gerr {
					t.Fatalf("record %d: got %q %v, want %q %v", n, got, gerr, want, werr)
				}
				return
			}
			if (werr != nil) != (gerr != nil) {
				t.Fatalf("record %d: got %q %v, want %q %v", n, got, gerr, want, werr)
			}
			if werr != nil {
				var we, ge *csv.ParseError
				if errors.As(werr, &we) && errors.As(gerr, &ge) && !errors.Is(ge.Err, we.Err) {
					t.Fatalf("record %d: got error %v, want %v", n, gerr, werr)
				}
				return
			}
			if !slices.Equal(got, want) {
				t.Fatalf("record %d: got %q, want %q", n, got, want)
			}
			buf = got
		}
	})
}
