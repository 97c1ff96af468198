package sheet

import (
	"reflect"
	"testing"

	"guanai/internal/child"
)

func TestParseDate(t *testing.T) {
	d := child.NewDate
	for _, tc := range []struct {
		name     string
		in       string
		date1904 bool
		want     child.Date
		res      dateResult
	}{
		{"iso", "2015-03-10", false, d(2015, 3, 10), dateOK},
		{"slashes", "2015/3/10", false, d(2015, 3, 10), dateOK},
		{"dots", "2015.3.10", false, d(2015, 3, 10), dateOK},
		{"chinese", "2015年3月10日", false, d(2015, 3, 10), dateOK},
		{"eight digits", "20150310", false, d(2015, 3, 10), dateOK},
		{"full-width digits", "２０１５－０３－１０", false, d(2015, 3, 10), dateOK},
		{"stray spaces", "  2015 / 3 / 10 ", false, d(2015, 3, 10), dateOK},
		{"with a time", "2015-03-10 00:00:00", false, d(2015, 3, 10), dateOK},
		{"iso datetime", "2015-03-10T08:30:00Z", false, d(2015, 3, 10), dateOK},
		{"serial", "42073", false, d(2015, 3, 10), dateOK},
		{"serial with a time", "42073.75", false, d(2015, 3, 10), dateOK},
		{"serial 1904", "40611", true, d(2015, 3, 10), dateOK},
		{"serial after the phantom 1900-02-29", "3654", false, d(1910, 1, 1), dateOK},
		{"serial before 1910", "3653", false, 0, dateNotDate},
		{"a bare year is no serial", "2015", false, 0, dateNotDate},
		{"serial too late", "73051", false, 0, dateNotDate},
		{"impossible day", "2015-02-30", false, 0, dateImpossible},
		{"impossible eight digits", "20151301", false, 0, dateImpossible},
		{"year and month only", "2015.3", false, 0, dateNotDate},
		{"words", "不详", false, 0, dateNotDate},
		{"negative", "-42073", false, 0, dateNotDate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, res := parseDate(tc.in, tc.date1904)
			if got != tc.want || res != tc.res {
				t.Errorf("parseDate(%q) = %v, %d, want %v, %d", tc.in, got, res, tc.want, tc.res)
			}
		})
	}
}

func TestSerialDaysLeapBug(t *testing.T) {
	d := child.NewDate
	for _, tc := range []struct {
		serial   float64
		date1904 bool
		want     child.Date
	}{
		{1, false, d(1900, 1, 1)},
		{59, false, d(1900, 2, 28)},
		{60, false, 0}, // 1900-02-29, which Excel counts and the calendar does not have
		{61, false, d(1900, 3, 1)},
		{42073, false, d(2015, 3, 10)},
		{45838, false, d(2025, 6, 30)},
		{0, true, d(1904, 1, 1)},
		{40611, true, d(2015, 3, 10)},
		{0, false, 0},
		{-1, false, 0},
	} {
		if got := serialDays(tc.serial, tc.date1904); got != tc.want {
			t.Errorf("serialDays(%v, %v) = %v, want %v", tc.serial, tc.date1904, got, tc.want)
		}
	}
}

func TestParseSet(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		table *child.CodeTable
		want  setResult
	}{
		{"labels with 、", "视力、肢体", child.DisabilityType, setResult{codes: []string{"visual", "physical"}}},
		{"full labels with ，", "肢体残疾，视力残疾", child.DisabilityType, setResult{codes: []string{"visual", "physical"}}},
		{"multiple with its list", "多重残疾（视力、肢体）", child.DisabilityType, setResult{codes: []string{"visual", "physical"}}},
		{"multiple half-width", "多重残疾(听力,言语)", child.DisabilityType, setResult{codes: []string{"hearing", "speech"}}},
		{"multiple without list", "多重残疾", child.DisabilityType, setResult{codes: []string{}, multiple: true}},
		{"none", "无", child.DisabilityType, setResult{codes: []string{}}},
		{"codes and semicolons", "dibao;tekun", child.FamilyHardship, setResult{codes: []string{"dibao", "tekun"}}},
		{"other with a note", "低保、其他（因病致贫）", child.FamilyHardship, setResult{codes: []string{"dibao", "other"}, note: "因病致贫"}},
		{"other with a colon", "其他：车祸", child.FamilyHardship, setResult{codes: []string{"other"}, note: "车祸"}},
		{"a label holding 、", "心理、行为异常", child.Health, setResult{codes: []string{"psych_behavioral"}}},
		{"a label holding 、 among others", "慢性病、心理、行为异常", child.Health, setResult{codes: []string{"chronic_illness", "psych_behavioral"}}},
		{"spaces only", "视力 肢体", child.DisabilityType, setResult{codes: []string{"visual", "physical"}}},
		{"line breaks", "低保\n慢性病", child.Assistance, setResult{codes: []string{"dibao"}, bad: []string{"慢性病"}}},
		{"repeats", "低保、低保", child.Assistance, setResult{codes: []string{"dibao"}}},
		{"none mixed", "无、低保", child.Assistance, setResult{codes: []string{"dibao"}, exclusive: true}},
		{"unknown", "视力、飞行", child.DisabilityType, setResult{codes: []string{"visual"}, bad: []string{"飞行"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseSet(tc.in, tc.table)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseSet(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestSetTextReadsBack(t *testing.T) {
	for _, tc := range []struct {
		table *child.CodeTable
		codes []string
		want  string
	}{
		{child.DisabilityType, []string{"visual", "physical"}, "多重残疾（视力、肢体）"},
		{child.DisabilityType, []string{"mental"}, "精神残疾"},
		{child.DisabilityType, []string{}, "无"},
		{child.DisabilityType, nil, ""},
		{child.Health, []string{"chronic_illness", "psych_behavioral"}, "慢性病、心理/行为异常"},
		{child.Assistance, []string{"dibao", "de_facto_unsupported", "other"}, "低保、事实无人抚养儿童基本生活保障、其他"},
	} {
		got := setText(tc.table, tc.codes)
		if got != tc.want {
			t.Errorf("setText(%v) = %q, want %q", tc.codes, got, tc.want)
		}
		if back := parseSet(got, tc.table); !reflect.DeepEqual(back.codes, tc.codes) || back.bad != nil {
			t.Errorf("parseSet(%q) = %+v, want %v", got, back, tc.codes)
		}
	}
}

func TestParseRehab(t *testing.T) {
	yes, no := child.Bool(true), child.Bool(false)
	for _, tc := range []struct {
		in   string
		want *child.Rehabilitation
	}{
		{"", nil},
		{"是", &child.Rehabilitation{Received: yes}},
		{"否", &child.Rehabilitation{Received: no}},
		{"是：在市残联康复中心训练", &child.Rehabilitation{Received: yes, Detail: "在市残联康复中心训练"}},
		{"是（言语康复）", &child.Rehabilitation{Received: yes, Detail: "言语康复"}},
		{"否, 家长未申请", &child.Rehabilitation{Received: no, Detail: "家长未申请"}},
		{"待评估", &child.Rehabilitation{Detail: "待评估"}},
	} {
		got := parseRehab(tc.in)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseRehab(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if back := parseRehab(rehabText(tc.want)); !reflect.DeepEqual(back, tc.want) {
			t.Errorf("rehabText(%+v) = %q reads back as %+v", tc.want, rehabText(tc.want), back)
		}
	}
}

func TestHeaderKeys(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   int
	}{
		{"姓名", cName},
		{"姓 名*", cName},
		{"*姓名", cName},
		{"姓名（必填）", cName},
		{"姓名(必填)", cName},
		{"出生\n日期", cBirth},
		{"公民身份号码", cID},
		{"身份证号", cID},
		{"身份证号码", cID},
		{"公民身份证号码", cID},
		{"现居住地", cResAddr},
		{"现住址", cResAddr},
		{"居住地址", cResAddr},
		{"父亲身份证号", cFather + pID},
		{"母亲联系电话", cMother + pPhone},
		{"父母一方外出、另一方无监护能力", cOneAway},
		{"0—6岁儿童健康管理服务", cHealthMgmt},
		{"０-３６个月儿童中医药健康管理服务", cTCMMgmt},
		{"家庭困难情况（其他）说明", cHardshipOther},
		{"受委托照护人与儿童关系", cCaregiver + gRelation},
		{"有无受委托照护人", cCaregiverPresent},
	} {
		got, ok := headerIndex[headerKey(tc.header)]
		if !ok || got != tc.want {
			t.Errorf("header %q → column %d (%v), want %d (%s)", tc.header, got, ok, tc.want, columns[tc.want].label)
		}
	}
	for _, h := range []string{"年龄", "备注", "序号", ""} {
		if i, ok := headerIndex[headerKey(h)]; ok {
			t.Errorf("header %q → column %s, want none", h, columns[i].label)
		}
	}
}

// TestHeaderKeysUnique checks that no two columns share a label or alias after normalisation.
func TestHeaderKeysUnique(t *testing.T) {
	seen := map[string]string{}
	for _, c := range columns {
		for _, h := range append([]string{c.label}, c.aliases...) {
			k := headerKey(h)
			if prev, ok := seen[k]; ok && prev != c.label {
				t.Errorf("%q of %s and a header of %s are the same key %q", h, c.label, prev, k)
			}
			seen[k] = c.label
		}
	}
	if len(columns) != numColumns {
		t.Errorf("%d columns, want %d", len(columns), numColumns)
	}
	for i, c := range columns {
		if c.label == "" || c.field == "" {
			t.Errorf("column %d has no label or field", i)
		}
		if (c.kind == kCode || c.kind == kSet) && c.table == nil {
			t.Errorf("column %s has no code table", c.label)
		}
	}
}

// TestLabelsFollowDATA checks that the header keeps DATA.md's list of template columns in its
// order; the columns this package adds are marked extra.
func TestLabelsFollowDATA(t *testing.T) {
	data := []string{"姓名", "性别", "出生日期", "民族", "公民身份号码", "是否登记户口", "户籍地址", "户籍地区划代码", "现居住地",
		"现居住地区划代码", "共同居住人", "居住登记", "居住类型", "离开户籍地日期", "来现居住地日期", "监护情况", "监护问题", "就学情况",
		"就读学校", "学业状况", "是否学校寄宿", "健康状况", "0-6岁儿童健康管理服务", "0-36个月儿童中医药健康管理服务", "纳入医保情况",
		"残疾类别", "残疾等级", "是否持有残疾人证", "接受康复救助情况"}
	for _, p := range []string{"父亲", "母亲"} {
		for _, s := range []string{"姓名", "公民身份号码", "联系方式", "户籍地址", "现居住地", "是否外出务工", "务工地", "外出务工起始日期", "监护能力"} {
			data = append(data, p+s)
		}
	}
	data = append(data, "父母双方同时外出", "父母一方外出另一方无监护能力", "其他监护人姓名", "其他监护人与儿童关系",
		"其他监护人公民身份号码", "其他监护人联系方式", "有无受委托照护人", "受委托照护人姓名", "受委托照护人与儿童关系",
		"受委托照护人公民身份号码", "受委托照护人联系方式", "家庭困难情况", "生活保障情况", "是否流浪", "是否主动求助", "求助说明",
		"采集方式", "填报单位", "填报日期")
	var got []string
	for _, c := range columns {
		if !c.extra {
			got = append(got, c.label)
		}
	}
	if !reflect.DeepEqual(got, data) {
		t.Errorf("template columns without the extras:\n got %q\nwant %q", got, data)
	}
}

func TestColumnLabel(t *testing.T) {
	for _, tc := range []struct{ field, want string }{
		{"id_number", "公民身份号码"},
		{"father.phone", "父亲联系方式"},
		{"mother.id_number", "母亲公民身份号码"},
		{"hukou_address", "户籍地址"},
		{"hukou_address.region_code", "户籍地区划代码"},
		{"father.work_region_code", "父亲务工地"},
		{"caregiver.present", "有无受委托照护人"},
		{"caregiver.relation_other", "受委托照护人与儿童关系"},
		{"rehabilitation.received", "接受康复救助情况"},
		{"help_requested.date", "求助日期"},
		{"help_requested", "是否主动求助"},
		{"disability_grade", "残疾等级"},
		{"", ""},
		{"no_such_field", ""},
	} {
		if got := ColumnLabel(tc.field); got != tc.want {
			t.Errorf("ColumnLabel(%q) = %q, want %q", tc.field, got, tc.want)
		}
	}
	// Without a code column in the file, the division code of an address is reported under the
	// address it was resolved from.
	var present [numColumns]bool
	present[cHukouAddr] = true
	if i := columnOf("hukou_address.region_code", &present); i != cHukouAddr {
		t.Errorf("columnOf(hukou_address.region_code) without a code column = %d, want %d", i, cHukouAddr)
	}
}

func TestCleanCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{" 张小明\u00a0", "张小明"},
		{"=\"150302201503101237\"", "150302201503101237"},
		{"'150302201503101237", "150302201503101237"},
		{"\t150302201503101237", "150302201503101237"},
		{"\ufeff姓名", "姓名"},
		{"=", "="},
	} {
		if got := cleanCell(tc.in); got != tc.want {
			t.Errorf("cleanCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, tc := range []struct {
		in        string
		text      string
		lost      bool
		scientfic bool
	}{
		{"42073", "42073", false, false},
		{"42073.0", "42073", false, false},
		{"1.50302001003E+11", "150302001003", false, true},
		{"13800138000", "13800138000", false, false},
		{"1.50304200001011E+17", "1.50304200001011E+17", true, true},
		{"150304200001011000", "150304200001011000", true, false},
		{"150302860405111", "150302860405111", false, false},
		{"2.5", "2.5", true, false},
	} {
		if got := numberText(tc.in); got != tc.text {
			t.Errorf("numberText(%q) = %q, want %q", tc.in, got, tc.text)
		}
		if got := lostDigits(tc.in); got != tc.lost {
			t.Errorf("lostDigits(%q) = %v, want %v", tc.in, got, tc.lost)
		}
		if got := isScientific(tc.in); got != tc.scientfic {
			t.Errorf("isScientific(%q) = %v, want %v", tc.in, got, tc.scientfic)
		}
	}
	if got := excelDisplay("1.50304200001011E+17"); got != "1.50304E+17" {
		t.Errorf("excelDisplay = %q, want 1.50304E+17", got)
	}
}

func TestSpoiledAsNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{{"150302201503101237", true}, {"15030220150310123X", true}, {"150302003012", true}, {"0473", true},
		{"13800138000", false}, {"150302", false}, {"0473-3123456", false}, {"2015-03-10", false}, {"张", false}, {"1", false}} {
		if got := spoiledAsNumber(tc.in); got != tc.want {
			t.Errorf("spoiledAsNumber(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
