package region

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	tb := Default()
	for _, tc := range []struct {
		name, text, scope string
		code, matched     string
		rest              string
	}{
		// Wuhai, from every starting level.
		{name: "full", text: "内蒙古自治区乌海市海勃湾区新华街道清泉社区",
			code: "150302003012", matched: "内蒙古自治区乌海市海勃湾区新华街道清泉社区"},
		{name: "full with detail", text: "内蒙古自治区乌海市海勃湾区新华街道清泉社区幸福路12号3单元",
			code: "150302003012", matched: "内蒙古自治区乌海市海勃湾区新华街道清泉社区", rest: "幸福路12号3单元"},
		{name: "no province", text: "乌海市海勃湾区林荫街道温馨社区",
			code: "150302008003", matched: "乌海市海勃湾区林荫街道温馨社区"},
		{name: "no province nor city", text: "海勃湾区新华街道",
			code: "150302003", matched: "海勃湾区新华街道"},
		{name: "short province", text: "内蒙古乌海市海南区拉僧庙镇XX路12号",
			code: "150303103", matched: "内蒙古乌海市海南区拉僧庙镇", rest: "XX路12号"},
		{name: "short province ellipsis", text: "内蒙古乌海市海南区…",
			code: "150303", matched: "内蒙古乌海市海南区", rest: "…"},
		{name: "city without suffix", text: "乌海海勃湾区",
			code: "150302", matched: "乌海海勃湾区"},
		{name: "county without suffix", text: "乌海市海勃湾新华街道",
			code: "150302003", matched: "乌海市海勃湾新华街道"},
		{name: "county without suffix then road", text: "乌海市海勃湾新华街道人民路12号3单元",
			code: "150302003", matched: "乌海市海勃湾新华街道", rest: "人民路12号3单元"},
		{name: "all without suffix", text: "内蒙古乌海海勃湾新华街道清泉社区3号楼",
			code: "150302003012", matched: "内蒙古乌海海勃湾新华街道清泉社区", rest: "3号楼"},
		{name: "Wuda village", text: "乌海市乌达区巴音赛街道幸福社区居委会5号",
			code: "150304009010", matched: "乌海市乌达区巴音赛街道幸福社区居委会", rest: "5号"},
		{name: "committee long form", text: "海勃湾区新华街道清泉社区居民委员会",
			code: "150302003012", matched: "海勃湾区新华街道清泉社区居民委员会"},
		{name: "village committee by place name", text: "海南区巴音陶亥镇羊路井村二组",
			code: "150303104234", matched: "海南区巴音陶亥镇羊路井村", rest: "二组"},
		{name: "village committee official name", text: "海南区巴音陶亥镇羊路井村民委员会",
			code: "150303104234", matched: "海南区巴音陶亥镇羊路井村民委员会"},
		{name: "township skipped", text: "海勃湾区清泉社区3号楼",
			code: "150302003012", matched: "海勃湾区清泉社区", rest: "3号楼"},
		{name: "street office", text: "海勃湾区新华街道办事处",
			code: "150302003", matched: "海勃湾区新华街道办事处"},
		{name: "Haibowan industrial park", text: "乌海市海勃湾区乌海高新技术产业开发区海勃湾产业园",
			code: "150302400", matched: "乌海市海勃湾区乌海高新技术产业开发区海勃湾产业园"},
		{name: "county only then detail", text: "乌达区人民路",
			code: "150304", matched: "乌达区", rest: "人民路"},

		// Normalisation.
		{name: "spaces and nbsp", text: " 内蒙古 乌海市\u00a0海勃湾区\u3000新华街道 幸福路 12号",
			code: "150302003", matched: "内蒙古乌海市海勃湾区新华街道", rest: "幸福路12号"},
		{name: "full-width digits and comma", text: "乌海市海勃湾区新华街道，幸福路１２号",
			code: "150302003", matched: "乌海市海勃湾区新华街道", rest: "幸福路12号"},
		{name: "separators between names", text: "内蒙古自治区，乌海市、海勃湾区-新华街道 , 幸福路1号",
			code: "150302003", matched: "内蒙古自治区,乌海市、海勃湾区-新华街道", rest: "幸福路1号"},
		{name: "nation prefix", text: "中国内蒙古乌海市",
			code: "1503", matched: "中国内蒙古乌海市"},

		// Short province names.
		{name: "Ningxia", text: "宁夏银川市兴庆区", code: "640104", matched: "宁夏银川市兴庆区"},
		{name: "Guangxi", text: "广西南宁市青秀区", code: "450103", matched: "广西南宁市青秀区"},
		{name: "Xinjiang", text: "新疆乌鲁木齐市天山区", code: "650102", matched: "新疆乌鲁木齐市天山区"},
		{name: "Xinjiang city without suffix", text: "新疆乌鲁木齐", code: "6501", matched: "新疆乌鲁木齐"},
		{name: "Tibet", text: "西藏拉萨市城关区", code: "540102", matched: "西藏拉萨市城关区"},
		{name: "Beijing", text: "北京朝阳区建国路88号", code: "110105", matched: "北京朝阳区", rest: "建国路88号"},
		{name: "Shanghai", text: "上海浦东新区世纪大道", code: "310115", matched: "上海浦东新区", rest: "世纪大道"},
		{name: "province only", text: "内蒙古", code: "15", matched: "内蒙古"},

		// Other provinces.
		{name: "Dongguan", text: "广东省东莞市东城街道", code: "441900003", matched: "广东省东莞市东城街道"},
		{name: "Dongguan city", text: "东莞市", code: "4419", matched: "东莞市"},
		{name: "province-administered county", text: "湖北省仙桃市", code: "429004", matched: "湖北省仙桃市"},
		{name: "autonomous prefecture short", text: "延边龙井市", code: "222405", matched: "延边龙井市"},
		{name: "ambiguous county settled by city", text: "河北省石家庄市新华区", code: "130105", matched: "河北省石家庄市新华区"},
		{name: "ambiguous county settled by township", text: "新华区革新街街道", code: "130105001", matched: "新华区革新街街道"},
		{name: "city then road keeps road", text: "河北石家庄新华路12号", code: "1301", matched: "河北石家庄", rest: "新华路12号"},

		// Scope.
		{name: "scope settles township", text: "新华街道幸福路1号", scope: "1503",
			code: "150302003", matched: "新华街道", rest: "幸福路1号"},
		{name: "scope allows village first", text: "清泉社区3号楼", scope: "1503",
			code: "150302003012", matched: "清泉社区", rest: "3号楼"},
		{name: "scope padded", text: "温馨社区", scope: "150300000000",
			code: "150302008003", matched: "温馨社区"},
		{name: "scope prefers Hainan district", text: "海南区", scope: "1503",
			code: "150303", matched: "海南区"},
		{name: "scope does not hide other provinces", text: "北京市朝阳区", scope: "1503",
			code: "110105", matched: "北京市朝阳区"},
		{name: "scope and full text", text: "内蒙古自治区乌海市乌达区三道坎街道富强社区", scope: "1503",
			code: "150304002001", matched: "内蒙古自治区乌海市乌达区三道坎街道富强社区"},
		{name: "scope with village-level street word", text: "新村路12号", scope: "150302",
			code: "", matched: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tb.ResolveWithin(tc.text, tc.scope)
			if tc.code == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("ResolveWithin(%q, %q) = %+v, %v; want not_found", tc.text, tc.scope, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ResolveWithin(%q, %q) error %v, want %s", tc.text, tc.scope, err, tc.code)
			}
			d, _ := tb.Lookup(tc.code)
			want := Resolution{Code: tc.code, Level: d.Level, Matched: tc.matched, Rest: tc.rest}
			if got != want {
				t.Errorf("ResolveWithin(%q, %q) = %+v, want %+v", tc.text, tc.scope, got, want)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	tb := Default()
	for _, tc := range []struct {
		name, text, scope string
		code              string // error code
		candidates        []string
		total             int    // 0: don't check
		partial           string // code resolved before the ambiguous name
	}{
		{name: "detail only", text: "幸福路1号", code: CodeNotFound},
		{name: "empty", text: "", code: CodeNotFound},
		{name: "spaces only", text: " \u3000\u00a0 ", code: CodeNotFound},
		{name: "road named after a province", text: "北京东路12号", code: CodeNotFound},
		{name: "road named after a township", text: "新华路12号", code: CodeNotFound},
		{name: "latin text", text: "Room 101, No.5", code: CodeNotFound},
		{name: "county name in many cities", text: "新华区", code: CodeAmbiguous,
			candidates: []string{"河北省石家庄市新华区", "河北省沧州市新华区", "河南省平顶山市新华区"}, total: 3},
		{name: "county name with scope elsewhere", text: "新华区幸福路", scope: "1503", code: CodeAmbiguous, total: 3},
		{name: "township name in many counties", text: "城关镇", code: CodeAmbiguous, total: 88},
		{name: "Xinhua street without context", text: "新华街道", code: CodeAmbiguous},
		{name: "community in two Wuhai districts", text: "幸福社区", scope: "1503", code: CodeAmbiguous,
			candidates: []string{"内蒙古自治区乌海市海勃湾区新华街道幸福社区", "内蒙古自治区乌海市乌达区巴音赛街道幸福社区"}, total: 2, partial: ""},
		{name: "ambiguous below a resolved city", text: "乌海市幸福社区", code: CodeAmbiguous, total: 2, partial: "1503"},
		{name: "ambiguous below a resolved province", text: "甘肃省城关镇", code: CodeAmbiguous, partial: "62"},
		{name: "invalid scope", text: "乌海市", scope: "9999", code: CodeInvalidScope},
		{name: "malformed scope", text: "乌海市", scope: "乌海", code: CodeInvalidScope},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tb.ResolveWithin(tc.text, tc.scope)
			var re *ResolveError
			if !errors.As(err, &re) {
				t.Fatalf("ResolveWithin(%q, %q) = %+v, %v; want a *ResolveError", tc.text, tc.scope, got, err)
			}
			if re.Code != tc.code {
				t.Fatalf("ResolveWithin(%q, %q) error code %q (%s), want %q", tc.text, tc.scope, re.Code, re.Message, tc.code)
			}
			if re.Message == "" || re.Error() != re.Message {
				t.Errorf("error message %q, Error() %q: want a non-empty message", re.Message, re.Error())
			}
			if tc.code == CodeAmbiguous {
				if !strings.Contains(re.Message, "对应多个行政区划") || !strings.Contains(re.Message, "请写明上级区划") {
					t.Errorf("ambiguous message = %q", re.Message)
				}
				if len(re.Candidates) != len(re.CandidateCodes) || len(re.Candidates) == 0 || len(re.Candidates) > maxCandidates {
					t.Errorf("candidates %v / codes %v: want 1..%d of each", re.Candidates, re.CandidateCodes, maxCandidates)
				}
				if got.Code != tc.partial {
					t.Errorf("partial resolution code = %q, want %q", got.Code, tc.partial)
				}
			}
			if tc.code == CodeNotFound && !strings.Contains(re.Message, "无法识别") {
				t.Errorf("not_found message = %q", re.Message)
			}
			for _, c := range tc.candidates {
				if !slices.Contains(re.Candidates, c) {
					t.Errorf("candidates %v, want %q among them", re.Candidates, c)
				}
			}
			if tc.total != 0 && re.Total != tc.total {
				t.Errorf("Total = %d, want %d", re.Total, tc.total)
			}
		})
	}
}

// TestResolveFullNames resolves the full name of every division followed by
// a detail address. The only failures allowed are the rows that cannot be
// told apart by name (listed in knownUnresolvable).
func TestResolveFullNames(t *testing.T) {
	tb := Default()
	tb.villages()
	step := int32(1)
	if testing.Short() || raceEnabled {
		step = 31
	}
	const detail = "幸福路12号"
	var failed []string
	for id := int32(0); id < tb.base[6]; id += step {
		code := tb.code(id)
		text := tb.fullName(id) + detail
		r, err := tb.Resolve(text)
		if err == nil && r.Code == code && r.Rest == detail {
			continue
		}
		failed = append(failed, code)
		if !knownUnresolvable[code] {
			t.Errorf("Resolve(%q) = %+v, %v; want %s with rest %s", text, r, err, code, detail)
		}
	}
	if step == 1 && len(failed) != len(knownUnresolvable) {
		t.Errorf("failed %v, want exactly the known %d", failed, len(knownUnresolvable))
	}
}

// knownUnresolvable are rows whose full name equals another row's: the
// placeholder prefecture 县 of Chongqing, county-level rows repeating their
// city (东莞, 中山, 儋州, 嘉峪关), townships and villages repeating their
// parent, and pairs of villages with the same name in one township.
var knownUnresolvable = map[string]bool{
	"5002": true, "441900": true, "442000": true, "460400": true, "620201": true,
	"350527000": true, "540173400": true, "341125402001": true, "350527000000": true,
	"130402007014": true, "130402007018": true, "130730103001": true, "130730103002": true,
	"130730104001": true, "130730104002": true,
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"内蒙古自治区乌海市海勃湾区新华街道清泉社区幸福路12号",
		"乌海海勃湾新华街道",
		"新华区", "城关镇", "幸福路1号", "", " ", "北京东路",
		"内蒙古内蒙古内蒙古", "海勃湾区办事处办事处",
		"\xff\xfe乌海", "１５０３", "中国中国乌海市",
	} {
		f.Add(s, "")
		f.Add(s, "1503")
	}
	tb := Default()
	f.Fuzz(func(t *testing.T, text, scope string) {
		norm := NormalizeAddress(text)
		r, err := tb.ResolveWithin(text, scope)
		if !strings.HasPrefix(norm, r.Matched) {
			t.Fatalf("Matched %q is not a prefix of %q", r.Matched, norm)
		}
		if !strings.HasSuffix(norm, r.Rest) || len(r.Matched)+len(r.Rest) > len(norm) {
			t.Fatalf("Rest %q is not a suffix after Matched %q of %q", r.Rest, r.Matched, norm)
		}
		if err != nil {
			var re *ResolveError
			if !errors.As(err, &re) || re.Message == "" {
				t.Fatalf("error %v is not a *ResolveError with a message", err)
			}
			return
		}
		d, ok := tb.Lookup(r.Code)
		if !ok || d.Level != r.Level || r.Matched == "" {
			t.Fatalf("Resolve(%q) = %+v: code not in table or empty match", text, r)
		}
	})
}
