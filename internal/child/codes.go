package child

import (
	"sort"
	"strings"
)

// Code is one value of a code table: the code used in JSON, its Chinese label (as on the paper
// forms and in Excel) and other spellings people use for it.
type Code struct {
	Code    string
	Label   string
	Aliases []string
}

// CodeTable is the closed list of values of one item of the registration forms.
type CodeTable struct {
	Item   string // the item's Chinese name, for messages
	codes  []Code
	lookup map[string]string // normalised code, label or alias → code
	order  map[string]int    // code → position, for sorting sets
}

// newTable builds a table; labels are also accepted without a trailing suffix when suffix is set
// (族 for ethnic groups, 残疾 for disability types).
func newTable(item string, suffix string, codes ...Code) *CodeTable {
	t := &CodeTable{Item: item, codes: codes, lookup: make(map[string]string, len(codes)*4), order: make(map[string]int, len(codes))}
	for i, c := range codes {
		t.order[c.Code] = i
	}
	add := func(k, code string) {
		k = lookupKey(k)
		if k == "" {
			return
		}
		if prev, ok := t.lookup[k]; ok && prev != code {
			panic("child: code table " + item + ": " + k + " names two codes")
		}
		t.lookup[k] = code
	}
	for _, c := range codes {
		add(c.Code, c.Code)
		add(c.Label, c.Code)
		if suffix != "" && strings.HasSuffix(c.Label, suffix) && len(c.Label) > len(suffix) {
			add(strings.TrimSuffix(c.Label, suffix), c.Code)
		}
		for _, a := range c.Aliases {
			add(a, c.Code)
			if suffix != "" && strings.HasSuffix(a, suffix) && len(a) > len(suffix) {
				add(strings.TrimSuffix(a, suffix), c.Code)
			}
		}
	}
	return t
}

// lookupKey normalises a cell or JSON value for lookup: half-width, no spaces, lower-case ASCII,
// and the checkbox marks people copy from the paper form removed.
func lookupKey(s string) string {
	s = toHalfWidth(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '\u00a0', '\u3000', '\u200b', '\ufeff', '□', '☐', '口', '√', '☑', '■':
			continue
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Lookup returns the code for a code, a label or an alias, in any width and case.
func (t *CodeTable) Lookup(s string) (string, bool) {
	if c, ok := t.lookup[s]; ok { // fast path: the code itself
		return c, true
	}
	c, ok := t.lookup[lookupKey(s)]
	return c, ok
}

// Label returns the Chinese label of code, or "" when the code is not in the table.
func (t *CodeTable) Label(code string) string {
	for i := range t.codes {
		if t.codes[i].Code == code {
			return t.codes[i].Label
		}
	}
	return ""
}

// Has reports whether code is a code of the table (not a label).
func (t *CodeTable) Has(code string) bool {
	for i := range t.codes {
		if t.codes[i].Code == code {
			return true
		}
	}
	return false
}

// Codes returns the table's values in their defined order.
func (t *CodeTable) Codes() []Code { return append([]Code(nil), t.codes...) }

// Choices returns "code 标签 · code 标签 …" for an error message.
func (t *CodeTable) Choices() string {
	parts := make([]string, 0, len(t.codes))
	for _, c := range t.codes {
		parts = append(parts, c.Label)
	}
	return strings.Join(parts, "、")
}

// Code tables of DATA.md. Each is named after the item it codes.
var (
	// Sex 性别, GB/T 2261.1.
	Sex = newTable("性别", "",
		Code{"1", "男", []string{"男性", "m", "male"}},
		Code{"2", "女", []string{"女性", "f", "female"}},
		Code{"0", "未知的性别", []string{"未知"}},
		Code{"9", "未说明的性别", []string{"未说明"}},
	)
	// Ethnicity 民族, GB 3304 with the old names 崩龙族 (德昂族) and 毛难族 (毛南族) as aliases.
	Ethnicity = newTable("民族", "族", ethnicCodes()...)
	// CoResidents 共同居住人.
	CoResidents = newTable("共同居住人", "",
		Code{"both_parents", "父母双方", []string{"父母"}},
		Code{"one_parent", "父母一方", []string{"父亲", "母亲", "父或母"}},
		Code{"other_guardian", "其他监护人", nil},
	)
	// ResidenceRegistration 居住登记.
	ResidenceRegistration = newTable("居住登记", "",
		Code{"residence_permit", "办理居住证", []string{"居住证", "已办理居住证"}},
		Code{"temporary", "暂住登记", []string{"暂住"}},
		Code{"none", "未登记", []string{"无"}},
	)
	// Housing 居住类型.
	Housing = newTable("居住类型", "",
		Code{"owned", "自购房", []string{"自有住房", "自购"}},
		Code{"rented", "出租房屋", []string{"租房", "租赁"}},
		Code{"other", "其他", nil},
	)
	// GuardianshipQuality 监护情况.
	GuardianshipQuality = newTable("监护情况", "",
		Code{"good", "较好", []string{"好"}},
		Code{"fair", "一般", nil},
		Code{"poor", "较差", []string{"差"}},
	)
	// GuardianshipIssue 监护问题.
	GuardianshipIssue = newTable("监护问题", "",
		Code{"none", "无", nil},
		Code{"guardian_incapable", "父或母(或其他监护人)无监护能力", []string{"父或母或其他监护人无监护能力", "父或母无监护能力", "无监护能力", "父或母（或其他监护人）无监护能力"}},
		Code{"guardian_insufficient", "监护能力不足", []string{"父或母或其他监护人监护能力不足", "受委托照护人照护能力不足", "照护能力不足"}},
		Code{"unattended", "无人监护", nil},
	)
	// SchoolStage 就学情况.
	SchoolStage = newTable("就学情况", "",
		Code{"preschool", "学龄前", []string{"幼儿园", "学前"}},
		Code{"primary", "小学", nil},
		Code{"junior", "初中", nil},
		Code{"senior", "高中", []string{"普通高中"}},
		Code{"vocational", "中等职业教育", []string{"中职", "职高", "中专"}},
		Code{"special", "特殊教育", nil},
		Code{"unable", "无就学能力", nil},
		Code{"out_of_school", "失学", nil},
	)
	// StudyStatus 学业状况. The seed's form 2 misprints 辍学 as 犯学 and 肄业 as 辍业; both are accepted.
	StudyStatus = newTable("学业状况", "",
		Code{"enrolled", "在读", []string{"在校", "就读"}},
		Code{"dropped_out", "辍学", []string{"犯学"}},
		Code{"suspended", "休学", nil},
		Code{"graduated", "毕业", nil},
		Code{"completed", "结业", nil},
		Code{"incomplete", "肄业", []string{"辍业"}},
	)
	// Health 健康状况 (a set).
	Health = newTable("健康状况", "",
		Code{"healthy", "健康", nil},
		Code{"disabled", "残疾", nil},
		Code{"serious_illness", "重病", []string{"重大疾病"}},
		Code{"chronic_illness", "慢性病", nil},
		Code{"psych_behavioral", "心理/行为异常", []string{"心理行为异常", "心理和行为异常", "心理、行为异常"}},
	)
	// HealthService 0-6岁儿童健康管理服务 and 0-36个月儿童中医药健康管理服务.
	HealthService = newTable("健康管理服务", "",
		Code{"received_hukou", "在户籍地接受", nil},
		Code{"received_residence", "在居住地接受", nil},
		Code{"received", "已接受", []string{"接受", "是"}},
		Code{"not_received", "未接受", []string{"否"}},
		Code{"not_applicable", "不适用", nil},
	)
	// MedicalInsurance 纳入医保情况.
	MedicalInsurance = newTable("纳入医保情况", "",
		Code{"hukou_place", "纳入户籍地医保", []string{"户籍地医保", "户籍地"}},
		Code{"residence_place", "纳入居住地医保", []string{"居住地医保", "居住地"}},
		Code{"insured", "已纳入医保", []string{"已参保", "是"}},
		Code{"none", "未纳入医保", []string{"未参保", "否", "无"}},
	)
	// DisabilityType 残疾类别 (a set; two or more = 多重残疾).
	DisabilityType = newTable("残疾类别", "残疾",
		Code{"visual", "视力残疾", nil},
		Code{"hearing", "听力残疾", nil},
		Code{"speech", "言语残疾", []string{"语言残疾"}},
		Code{"physical", "肢体残疾", nil},
		Code{"intellectual", "智力残疾", nil},
		Code{"mental", "精神残疾", nil},
	)
	// DisabilityGrade 残疾等级.
	DisabilityGrade = newTable("残疾等级", "",
		Code{"1", "一级", []string{"1级", "壹级"}},
		Code{"2", "二级", []string{"2级", "贰级"}},
		Code{"3", "三级", []string{"3级", "叁级"}},
		Code{"4", "四级", []string{"4级", "肆级"}},
	)
	// Capacity 监护能力 of a parent.
	Capacity = newTable("监护能力", "",
		Code{"capable", "具备", []string{"具备监护能力", "有监护能力", "有", "正常"}},
		Code{"serious_illness", "重病", nil},
		Code{"severe_disability", "重残", []string{"重度残疾"}},
		Code{"incarcerated", "服刑在押/强制隔离戒毒", []string{"服刑在押", "强制隔离戒毒", "服刑", "在押"}},
		Code{"deceased", "死亡", []string{"已故", "去世"}},
		Code{"missing", "失踪", nil},
		Code{"other_incapable", "其他原因无监护能力", []string{"其他"}},
	)
	// CaregiverRelation 受委托照护人与儿童关系.
	CaregiverRelation = newTable("受委托照护人与儿童关系", "",
		Code{"paternal_grandfather", "爷爷", []string{"祖父"}},
		Code{"paternal_grandmother", "奶奶", []string{"祖母"}},
		Code{"maternal_grandfather", "外公", []string{"外祖父", "姥爷"}},
		Code{"maternal_grandmother", "外婆", []string{"外祖母", "姥姥"}},
		Code{"other", "其他", nil},
	)
	// FamilyHardship 家庭困难情况 (a set; empty = 无).
	FamilyHardship = newTable("家庭困难情况", "",
		Code{"dibao", "低保家庭", []string{"低保"}},
		Code{"tekun", "特困家庭", []string{"特困"}},
		Code{"dibao_edge", "低保边缘家庭", []string{"低保边缘"}},
		Code{"rigid_expense", "刚性支出困难家庭", []string{"刚性支出困难"}},
		Code{"poverty_watch", "防止返贫监测家庭", []string{"防止返贫监测", "防返贫监测家庭"}},
		Code{"other", "其他", nil},
	)
	// Assistance 生活保障情况 (a set; empty = 无).
	Assistance = newTable("生活保障情况", "",
		Code{"dibao", "低保", nil},
		Code{"tekun", "特困", []string{"特困供养"}},
		Code{"emergency", "急难社会救助", []string{"临时救助"}},
		Code{"orphan", "孤儿基本生活保障", []string{"孤儿"}},
		Code{"de_facto_unsupported", "事实无人抚养儿童基本生活保障", []string{"事实无人抚养儿童"}},
		Code{"disability_subsidies", "残疾人两项补贴", nil},
		Code{"vagrant_relief", "生活无着流浪乞讨人员救助", nil},
		Code{"charity", "慈善帮扶", nil},
		Code{"other", "其他", nil},
	)
	// CollectionMethod 采集方式.
	CollectionMethod = newTable("采集方式", "",
		Code{"home_visit", "入户走访", nil},
		Code{"self_report", "自主申报", nil},
		Code{"department", "部门数据", nil},
	)
	// Status 记录状态 of the registry workflow.
	Status = newTable("记录状态", "",
		Code{"draft", "草稿", nil},
		Code{"submitted", "已提交", nil},
		Code{"approved", "已审核", nil},
		Code{"uploaded", "已上报", nil},
		Code{"returned", "退回", []string{"已退回"}},
		Code{"archived", "已归档", nil},
	)
)

// ethnicNames lists the 56 ethnic groups of GB 3304 in code order (01 … 56).
var ethnicNames = [...]string{
	"汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
	"满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
	"佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
	"达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
	"塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
	"独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
}

func ethnicCodes() []Code {
	aliases := map[string][]string{
		"蒙古族":  {"蒙", "蒙族"},
		"德昂族":  {"崩龙族"},
		"毛南族":  {"毛难族"},
		"维吾尔族": {"维族"},
		"朝鲜族":  {"朝族"},
	}
	codes := make([]Code, 0, len(ethnicNames)+2)
	for i, n := range ethnicNames {
		code := string([]byte{byte('0' + (i+1)/10), byte('0' + (i+1)%10)})
		a := aliases[n]
		// A single-digit code typed without its leading zero ("1" for 汉族).
		if i < 9 {
			a = append(a, code[1:])
		}
		codes = append(codes, Code{code, n, a})
	}
	codes = append(codes,
		Code{"97", "其他未识别民族", []string{"未识别民族", "其他"}},
		Code{"98", "外国血统中国籍人士", []string{"外国血统"}},
	)
	return codes
}

// SortSet returns the codes of a set in the table's order, without repeats.
func (t *CodeTable) SortSet(set []string) []string {
	out := append(make([]string, 0, len(set)), set...)
	if len(out) < 2 {
		return out
	}
	sort.SliceStable(out, func(i, j int) bool { return t.order[out[i]] < t.order[out[j]] })
	w := 0
	for i, c := range out {
		if i > 0 && c == out[w-1] {
			continue
		}
		out[w] = c
		w++
	}
	return out[:w]
}
