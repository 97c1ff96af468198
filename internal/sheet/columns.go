package sheet

import (
	"strings"
	"unicode"

	"guanai/internal/child"
)

// kind says how the cells of a column are read and written.
type kind uint8

const (
	kText      kind = iota // free text
	kName                  // a person's name
	kCode                  // one value of a code table
	kSet                   // several values of a code table
	kBool                  // 是/否
	kDate                  // a date
	kID                    // a citizen identity number
	kPhone                 // a telephone number
	kAddress               // an address as text
	kRegion                // the division code of an address
	kWorkPlace             // 务工地: a division code or a place name
	kRehab                 // 接受康复救助情况: 是/否 and/or text
	kRelation              // 受委托照护人与儿童关系: a code or free text
	kCertNo                // 残疾人证号
)

// column is one column of the template.
type column struct {
	label   string           // the header as DATA.md writes it
	aliases []string         // other headers accepted for it
	field   string           // the JSON path of DATA.md
	kind    kind             //
	table   *child.CodeTable // for kCode and kSet
	extra   bool             // not in DATA.md's list of template columns (see docs/import.md)
	yes, no string           // labels of a kBool column (是/否 unless set)
}

// Offsets of the columns of a parent (父亲…, 母亲…).
const (
	pName = iota
	pID
	pPhone
	pHukouAddr
	pHukouCode
	pResAddr
	pResCode
	pMigrant
	pWorkPlace
	pWorkSince
	pCapacity
	pLen
)

// Offsets of the columns of the other guardian (其他监护人…) and of the caregiver (受委托照护人…,
// after its 有无受委托照护人 column).
const (
	gName = iota
	gRelation
	gID
	gPhone
	gHukouAddr
	gHukouCode
	gResAddr
	gResCode
	gLen
)

// Column numbers in template order: DATA.md's list, with the columns it does not list (extra)
// placed next to the item they complete.
const (
	cName = iota
	cSex
	cBirth
	cEthnicity
	cID
	cHukouReg
	cHukouAddr
	cHukouCode
	cResAddr
	cResCode
	cCoResidents
	cResRegistration
	cHousing
	cLeftHukou
	cArrived
	cGuardQuality
	cGuardIssue
	cSchoolStage
	cSchoolName
	cStudyStatus
	cBoarding
	cHealth
	cHealthMgmt
	cTCMMgmt
	cInsurance
	cDisTypes
	cDisGrade
	cDisCert
	cDisCertNo
	cRehab
	cFather
	cMother           = cFather + pLen
	cBothAway         = cMother + pLen
	cOneAway          = cBothAway + 1
	cGuardian         = cOneAway + 1
	cCaregiverPresent = cGuardian + gLen
	cCaregiver        = cCaregiverPresent + 1
	cHardship         = cCaregiver + gLen
	cHardshipOther    = cHardship + 1
	cAssistance       = cHardshipOther + 1
	cVagrant          = cAssistance + 1
	cHelp             = cVagrant + 1
	cHelpDetail       = cHelp + 1
	cHelpDate         = cHelpDetail + 1
	cMethod           = cHelpDate + 1
	cUnit             = cMethod + 1
	cReportDate       = cUnit + 1
	cRef              = cReportDate + 1
	cImmunization     = cRef + 1
	numColumns        = cImmunization + 1
)

// idAliases are the other names of 公民身份号码 (DATA.md), also after a person's prefix.
var idAliases = []string{"身份证号", "身份证号码", "公民身份证号码", "公民身份证号", "身份证"}

// residenceAliases are the other names of 现居住地.
var residenceAliases = []string{"现住址", "居住地址", "现居住地址", "现住地址"}

// phoneAliases are the other names of 联系方式.
var phoneAliases = []string{"联系电话", "电话", "手机号", "手机号码", "电话号码"}

// columns is the template, indexed by the column numbers above.
var columns = buildColumns()

func buildColumns() []column {
	c := make([]column, numColumns)
	set := func(i int, label, field string, k kind, t *child.CodeTable, aliases ...string) {
		c[i] = column{label: label, field: field, kind: k, table: t, aliases: aliases}
	}
	set(cName, "姓名", "name", kName, nil, "儿童姓名")
	set(cSex, "性别", "sex", kCode, child.Sex)
	set(cBirth, "出生日期", "birth_date", kDate, nil, "出生年月日", "出生年月")
	set(cEthnicity, "民族", "ethnicity", kCode, child.Ethnicity)
	set(cID, "公民身份号码", "id_number", kID, nil, idAliases...)
	set(cHukouReg, "是否登记户口", "hukou_registered", kBool, nil)
	set(cHukouAddr, "户籍地址", "hukou_address", kAddress, nil, "户籍所在地", "户口所在地")
	set(cHukouCode, "户籍地区划代码", "hukou_address.region_code", kRegion, nil, "户籍地址区划代码", "户籍地行政区划代码")
	set(cResAddr, "现居住地", "residence_address", kAddress, nil, residenceAliases...)
	set(cResCode, "现居住地区划代码", "residence_address.region_code", kRegion, nil, "现居住地行政区划代码", "现住址区划代码")
	set(cCoResidents, "共同居住人", "co_residents", kCode, child.CoResidents)
	set(cResRegistration, "居住登记", "residence_registration", kCode, child.ResidenceRegistration)
	set(cHousing, "居住类型", "housing", kCode, child.Housing)
	set(cLeftHukou, "离开户籍地日期", "left_hukou_date", kDate, nil, "离开户籍地时间")
	set(cArrived, "来现居住地日期", "arrived_date", kDate, nil, "来现居住地时间")
	set(cGuardQuality, "监护情况", "guardianship_quality", kCode, child.GuardianshipQuality)
	set(cGuardIssue, "监护问题", "guardianship_issue", kCode, child.GuardianshipIssue)
	set(cSchoolStage, "就学情况", "school_stage", kCode, child.SchoolStage)
	set(cSchoolName, "就读学校", "school_name", kText, nil, "学校名称")
	set(cStudyStatus, "学业状况", "study_status", kCode, child.StudyStatus)
	set(cBoarding, "是否学校寄宿", "boarding", kBool, nil, "是否寄宿")
	set(cHealth, "健康状况", "health", kSet, child.Health)
	set(cHealthMgmt, "0-6岁儿童健康管理服务", "health_mgmt_0_6", kCode, child.HealthService)
	set(cTCMMgmt, "0-36个月儿童中医药健康管理服务", "tcm_mgmt_0_36m", kCode, child.HealthService)
	set(cInsurance, "纳入医保情况", "medical_insurance", kCode, child.MedicalInsurance)
	set(cDisTypes, "残疾类别", "disability_types", kSet, child.DisabilityType)
	set(cDisGrade, "残疾等级", "disability_grade", kCode, child.DisabilityGrade)
	set(cDisCert, "是否持有残疾人证", "disability_certificate", kBool, nil)
	set(cDisCertNo, "残疾人证号", "disability_certificate_no", kCertNo, nil, "残疾证号")
	c[cDisCertNo].extra = true
	set(cRehab, "接受康复救助情况", "rehabilitation", kRehab, nil)

	for _, p := range []struct {
		base          int
		label, field  string
		capacityAlias string
	}{{cFather, "父亲", "father", ""}, {cMother, "母亲", "mother", ""}} {
		l, f := p.label, p.field+"."
		set(p.base+pName, l+"姓名", f+"name", kName, nil)
		set(p.base+pID, l+"公民身份号码", f+"id_number", kID, nil, prefixed(l, idAliases)...)
		set(p.base+pPhone, l+"联系方式", f+"phone", kPhone, nil, prefixed(l, phoneAliases)...)
		set(p.base+pHukouAddr, l+"户籍地址", f+"hukou_address", kAddress, nil, l+"户籍所在地")
		set(p.base+pHukouCode, l+"户籍地区划代码", f+"hukou_address.region_code", kRegion, nil, l+"户籍地址区划代码")
		set(p.base+pResAddr, l+"现居住地", f+"residence_address", kAddress, nil, prefixed(l, residenceAliases)...)
		set(p.base+pResCode, l+"现居住地区划代码", f+"residence_address.region_code", kRegion, nil)
		set(p.base+pMigrant, l+"是否外出务工", f+"migrant_worker", kBool, nil)
		set(p.base+pWorkPlace, l+"务工地", f+"work_region_code", kWorkPlace, nil, l+"务工地点", l+"外出务工地")
		set(p.base+pWorkSince, l+"外出务工起始日期", f+"work_since", kDate, nil, l+"外出务工时间", l+"外出务工开始日期")
		set(p.base+pCapacity, l+"监护能力", f+"capacity", kCode, child.Capacity)
		c[p.base+pHukouCode].extra = true
		c[p.base+pResCode].extra = true
	}
	set(cBothAway, "父母双方同时外出", "both_parents_away", kBool, nil, "父母双方是否同时外出")
	set(cOneAway, "父母一方外出另一方无监护能力", "one_away_other_incapable", kBool, nil)

	for _, p := range []struct {
		base         int
		label, field string
	}{{cGuardian, "其他监护人", "other_guardian"}, {cCaregiver, "受委托照护人", "caregiver"}} {
		l, f := p.label, p.field+"."
		set(p.base+gName, l+"姓名", f+"name", kName, nil)
		set(p.base+gRelation, l+"与儿童关系", f+"relation", kText, nil, l+"关系")
		set(p.base+gID, l+"公民身份号码", f+"id_number", kID, nil, prefixed(l, idAliases)...)
		set(p.base+gPhone, l+"联系方式", f+"phone", kPhone, nil, prefixed(l, phoneAliases)...)
		set(p.base+gHukouAddr, l+"户籍地址", f+"hukou_address", kAddress, nil)
		set(p.base+gHukouCode, l+"户籍地区划代码", f+"hukou_address.region_code", kRegion, nil)
		set(p.base+gResAddr, l+"现居住地", f+"residence_address", kAddress, nil, prefixed(l, residenceAliases)...)
		set(p.base+gResCode, l+"现居住地区划代码", f+"residence_address.region_code", kRegion, nil)
		for _, o := range []int{gHukouAddr, gHukouCode, gResAddr, gResCode} {
			c[p.base+o].extra = true
		}
	}
	c[cCaregiver+gRelation].kind = kRelation
	c[cCaregiver+gRelation].table = child.CaregiverRelation
	set(cCaregiverPresent, "有无受委托照护人", "caregiver.present", kBool, nil, "是否有受委托照护人")
	c[cCaregiverPresent].yes, c[cCaregiverPresent].no = "有", "无"

	set(cHardship, "家庭困难情况", "family_hardship", kSet, child.FamilyHardship)
	set(cHardshipOther, "家庭困难情况其他说明", "family_hardship_other", kText, nil, "家庭困难情况(其他)说明", "家庭困难其他说明", "其他(说明)", "其他说明")
	c[cHardshipOther].extra = true
	set(cAssistance, "生活保障情况", "assistance", kSet, child.Assistance)
	set(cVagrant, "是否流浪", "vagrant", kBool, nil, "流浪")
	set(cHelp, "是否主动求助", "help_requested.requested", kBool, nil, "主动提出救助帮扶需求", "是否主动提出救助帮扶需求")
	set(cHelpDetail, "求助说明", "help_requested.detail", kText, nil, "求助内容", "救助帮扶需求")
	set(cHelpDate, "求助日期", "help_requested.date", kDate, nil)
	c[cHelpDate].extra = true
	set(cMethod, "采集方式", "collection_method", kCode, child.CollectionMethod)
	set(cUnit, "填报单位", "reporting_unit", kText, nil)
	set(cReportDate, "填报日期", "report_date", kDate, nil)
	set(cRef, "外部编号", "ref", kText, nil)
	c[cRef].extra = true
	set(cImmunization, "国家免疫规划疫苗接种情况", "immunization", kCode, child.ImmunizationStatus, "预防接种", "免疫规划疫苗接种", "疫苗接种情况")
	c[cImmunization].extra = true
	for i := range c {
		if c[i].kind == kBool && c[i].yes == "" {
			c[i].yes, c[i].no = "是", "否"
		}
	}
	return c
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

// ignoredHeaders are columns people add that carry nothing to import; they are skipped without
// a warning. 错误原因 is the column WriteRejects adds, so that a fixed rejects file imports again.
var ignoredHeaders = map[string]bool{"序号": true, "错误原因": true, "行号": true}

// headerIndex maps the key of every label and alias to its column.
var headerIndex = buildHeaderIndex()

func buildHeaderIndex() map[string]int {
	m := make(map[string]int, numColumns*3)
	for i, c := range columns {
		for _, h := range append([]string{c.label}, c.aliases...) {
			k := headerKey(h)
			if _, dup := m[k]; !dup { // a collision is a bug caught by TestHeaderKeysUnique
				m[k] = i
			}
		}
	}
	return m
}

// headerKey normalises a header cell for lookup: full-width to half-width, white space and line
// breaks removed, the marks of a required column (a leading or trailing *, （必填）) removed, and
// the punctuation people vary (brackets, 、, -, /) dropped.
func headerKey(s string) string {
	s = child.NormalizeText(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), r == '\u200b', r == '\ufeff':
		case strings.ContainsRune("*＊※()（）[]【】、,，:：-—–~～_/.·;；'\"“”", r):
		default:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteRune(r)
		}
	}
	k := b.String()
	for _, mark := range []string{"必填项", "必填", "选填", "可选"} {
		if strings.HasSuffix(k, mark) && len(k) > len(mark) {
			k = strings.TrimSuffix(k, mark)
			break
		}
	}
	return k
}

// fieldColumn maps a JSON path to its column.
var fieldColumn = func() map[string]int {
	m := make(map[string]int, numColumns+8)
	for i, c := range columns {
		m[c.field] = i
	}
	// Items without a column of their own are reported under the column that holds them.
	m["help_requested"] = cHelp
	m["caregiver"] = cCaregiver + gName
	m["rehabilitation.received"] = cRehab
	m["rehabilitation.detail"] = cRehab
	m["caregiver.relation_other"] = cCaregiver + gRelation
	return m
}()

// ColumnLabel returns the template column (its Chinese header) that holds the item at a JSON
// path of DATA.md, such as "father.phone" → 父亲联系方式 or "hukou_address.region_code" →
// 户籍地区划代码. A path below an item without a column of its own is reported under the item
// ("rehabilitation.received" → 接受康复救助情况). It returns "" for a path of no column, such as
// the empty path of a whole-record error.
func ColumnLabel(field string) string {
	if i := columnOf(field, nil); i >= 0 {
		return columns[i].label
	}
	return ""
}

// columnOf returns the column of a JSON path, or -1. When present is given, a path whose column
// is missing from the file falls back to the column the value was read from: the division code
// of an address resolved from its text is reported under the address.
func columnOf(field string, present *[numColumns]bool) int {
	for field != "" {
		if i, ok := fieldColumn[field]; ok {
			if present == nil || present[i] {
				return i
			}
		}
		dot := strings.LastIndexByte(field, '.')
		if dot < 0 {
			break
		}
		field = field[:dot]
	}
	return -1
}

// Labels returns the header of the template: DATA.md's column labels in DATA.md's order, with
// the columns this package adds for items DATA.md's list leaves out (残疾人证号, the division
// codes of the parents' and guardians' addresses, 家庭困难情况其他说明, 求助日期, 外部编号) next to
// the item they complete.
func Labels() []string {
	out := make([]string, numColumns)
	for i, c := range columns {
		out[i] = c.label
	}
	return out
}

// columnName returns the spreadsheet name of a 0-based column index: A, B, …, Z, AA, ….
func columnName(i int) string {
	var b [4]byte
	n := len(b)
	for i++; i > 0 && n > 0; i = (i - 1) / 26 {
		n--
		b[n] = byte('A' + (i-1)%26)
	}
	return string(b[n:])
}
