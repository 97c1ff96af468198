package match

import (
	"bytes"
	"strings"
	"testing"
)

// family builds a child of the 张伟/李娜 family of 海勃湾区.
func family(ref, name, sex, birth, id string) Person {
	return Person{Ref: ref, Name: name, Sex: sex, BirthDate: birth, IDNumber: id, HukouRegion: "150302",
		ResidenceRegion: "150302001", FatherName: "张伟", MotherName: "李娜", GuardianName: "张伟"}
}

const (
	idA = "150302201503101229" // 张子涵, girl, 2015-03-10
	idB = "150302201503101317" // 张子轩, boy, same day
	idC = "150302201709052216" // 张子墨, boy, 2017-09-05
)

func linkMap(left, right []Person) map[string]Match {
	p := DefaultParams()
	ms, _ := Link(left, right, Options{Params: &p})
	out := map[string]Match{}
	for _, m := range ms {
		out[m.RightRef] = m
	}
	return out
}

func TestTwinsAndSiblingsNotLinked(t *testing.T) {
	twinA := family("A", "张子涵", "2", "2015-03-10", idA)
	twinB := family("B", "张子轩", "1", "2015-03-10", idB)
	sibC := family("C", "张子墨", "1", "2017-09-05", idC)
	noID := func(p Person, ref string) Person { p.Ref, p.IDNumber = ref, ""; return p }
	tests := []struct {
		name  string
		left  []Person
		right Person
		want  string // left ref linked, "" for none
	}{
		{"only the other twin registered, no ID", []Person{twinB, sibC}, noID(twinA, "r"), ""},
		{"only the other twin registered, with ID", []Person{twinB, sibC}, Person{Ref: "r", Name: "张子涵", BirthDate: "2015-03-10", IDNumber: idA, FatherName: "张伟", MotherName: "李娜"}, ""},
		{"both twins registered, no ID: A", []Person{twinA, twinB, sibC}, noID(twinA, "r"), "A"},
		{"both twins registered, no ID: B", []Person{twinA, twinB, sibC}, noID(twinB, "r"), "B"},
		{"sibling born later not linked", []Person{twinA, sibC}, noID(twinB, "r"), ""},
		{"same-sex twin, generation character shared", []Person{family("A", "张子涵", "1", "2015-03-10", "")}, family("r", "张子轩", "1", "2015-03-10", ""), ""},
		{"twin with a homophone typo goes to the right twin", []Person{twinA, twinB}, family("r", "张子函", "2", "2015-03-10", ""), "A"},
		{"sibling's ID copied onto the child's row", []Person{twinA, sibC}, func() Person { p := noID(twinB, "r"); p.IDNumber = idC; return p }(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := linkMap(tt.left, []Person{tt.right})["r"]
			linked := ""
			if got.Decision == DecisionLink {
				linked = got.LeftRef
			}
			if linked != tt.want {
				t.Errorf("got link %q (score %.3f to %q), want %q", linked, got.Score, got.LeftRef, tt.want)
			}
		})
	}
}

func TestMethods(t *testing.T) {
	left := []Person{family("A", "张子涵", "2", "2015-03-10", idA), family("C", "张子墨", "1", "2017-09-05", idC)}
	typo := []byte(idA)
	typo[9], typo[10] = typo[10], typo[9] // 2015 → 2051…: an exchanged pair of digits
	right := []Person{
		{Ref: "r1", Name: "张子涵", IDNumber: idA},
		{Ref: "r2", Name: "张子涵", BirthDate: "2015-03-10", IDNumber: string(typo)},
		{Ref: "r3", Name: "张子墨", BirthDate: "2017-09-05", Sex: "男", FatherName: "张伟", MotherName: "李娜"},
	}
	want := map[string]string{"r1": "id", "r2": "id_fuzzy", "r3": "probabilistic"}
	got := linkMap(left, right)
	for ref, method := range want {
		if m := got[ref]; m.Method != method || m.Decision != DecisionLink {
			t.Errorf("%s: got %s %s (score %.3f), want link by %s", ref, m.Decision, m.Method, m.Score, method)
		}
	}
}

func TestIndexMatch(t *testing.T) {
	p := DefaultParams()
	ix := NewIndex([]Person{family("A", "张子涵", "2", "2015-03-10", idA), family("C", "张子墨", "1", "2017-09-05", idC)}, Options{Params: &p})
	m, ok := ix.Match(Person{Ref: "x", Name: "張子涵", BirthDate: "2015/3/10", MotherName: "李娜"})
	if !ok || m.LeftRef != "A" || m.Method != "probabilistic" || len(m.Fields) != NumFields {
		t.Fatalf("got %+v %v, want a link to A with the breakdown", m, ok)
	}
	for _, f := range m.Fields {
		if f.Field == "given_name" && (f.Level != "exact" || f.Weight <= 0) {
			t.Errorf("given_name: got %s %.2f, want exact with a positive weight", f.Level, f.Weight)
		}
	}
	m, ok = ix.Match(Person{Ref: "y", Name: "王五", BirthDate: "2001-01-01"})
	if ok || m.Decision != DecisionNoMatch {
		t.Errorf("unknown child: got %+v %v, want no match", m, ok)
	}
}

func TestReadCSV(t *testing.T) {
	in := "\ufeff Name ,REF,备注,Birth-Date,sex\n" +
		"张三,r1,x,2015-03-10,男\n" +
		"\"李,四\",r2,,20150311,\n" +
		"王五,,,2015-01-01,1\n" +
		"\"赵\"\"六\",r3,,,\n"
	people, st, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 3 || st.EmptyRef != 1 {
		t.Errorf("got %d rows, %d without ref; want 3 and 1", st.Rows, st.EmptyRef)
	}
	want := []Person{
		{Ref: "r1", Name: "张三", BirthDate: "2015-03-10", Sex: "男"},
		{Ref: "r2", Name: "李,四", BirthDate: "20150311"},
		{Ref: "r3", Name: "赵\"六"},
	}
	for i := range want {
		if i >= len(people) || people[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, people, want[i])
		}
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty file", "", "文件为空"},
		{"no ref column", "name,sex\n张三,1\n", "没有 ref 列"},
		{"unterminated quote", "ref,name\nr1,\"张三\n", "引号"},
		{"bare quote", "ref,name\nr1,张\"三\n", "引号"},
		{"field count", "ref,name\nr1,张三,多余\n", "列数"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadCSV(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestReadCSVGB18030(t *testing.T) {
	// "ref,name\nr1,张三\n" in GB18030
	in := []byte{'r', 'e', 'f', ',', 'n', 'a', 'm', 'e', '\n', 'r', '1', ',', 0xD5, 0xC5, 0xC8, 0xFD, '\n'}
	people, st, err := ReadCSV(bytes.NewReader(in))
	if err != nil || len(people) != 1 || people[0].Name != "张三" || st.Encoding != "GB18030" {
		t.Errorf("got %+v %+v %v, want 张三 read as GB18030", people, st, err)
	}
}

func TestWriteCSV(t *testing.T) {
	ms := []Match{
		{LeftRef: "L1", RightRef: "R1", Score: 0.99996, Method: "id", Decision: DecisionLink},
		{LeftRef: "L2", RightRef: "R,2", Score: 0.3, Method: "probabilistic", Decision: DecisionReview},
		{LeftRef: "L3", RightRef: "R\"3", Score: 0.5, Method: "probabilistic", Decision: DecisionLink},
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, ms); err != nil {
		t.Fatal(err)
	}
	want := "left_ref,right_ref,score,method\nL1,R1,1.0000,id\nL3,\"R\"\"3\",0.5000,probabilistic\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
