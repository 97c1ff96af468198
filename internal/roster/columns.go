// Package roster reads the rosters that departments send to civil affairs — schools (教育),
// the police (公安, residence permits), health (卫生健康, 0–6 health management), medical
// insurance (医保) and the disability federation (残联) — and says which items of the child
// record of DATA.md each roster's facts stand for. It has the columns of each department with
// the headers people really use, an xlsx template per department, row parsing into a Record with
// field-level Chinese errors, and Merge, which lays a roster row's facts over a child's record
// without ever overwriting a value the record holds (a contradiction is reported instead).
//
// Files are read with the cell layer of internal/sheet (sheet.Table): the same formats,
// encodings, Excel dates and numbers as the registration template. The package does no other
// I/O; matching rows to the registry and storing them is internal/store's work.
package roster

import (
	"sort"
	"strings"

	"guanai/internal/child"
	"guanai/internal/sheet"
)

// Departments (部门) that send rosters; the values of --dept.
const (
	Education  = "education"  // 教育部门: 学生名册
	Police     = "police"     // 公安部门: 居住证、暂住登记
	Health     = "health"     // 卫生健康部门: 0–6 岁儿童健康管理
	Insurance  = "insurance"  // 医疗保障部门: 参保名册
	Disability = "disability" // 残疾人联合会: 持证残疾儿童
)

// Department describes one department's roster.
type Department struct {
	Code  string // education, police …
	Label string // 教育部门 …
	Title string // the template's title row
	// Fields are the DATA.md items (JSON paths) the roster's facts update.
	Fields []string
	// columns are the department's own columns; the identity columns are shared.
	columns []column
}

// kind says how the cells of a column are read.
type kind uint8

const (
	kText    kind = iota // free text
	kName                // a person's name
	kSex                 // 性别
	kDate                // a date
	kID                  // a citizen identity number
	kCertNo              // 残疾人证号
	kCode                // one value of a code table
	kSet                 // several values of a code table
	kBool                // 是/否
	kAddress             // an address as text
	kRegion              // a division code
	kCount               // a number of visits
	kRange               // a validity period: a date, or "起…至…" of which the end counts
	kRehab               // 康复: 是/否 and/or text
	kInsured             // 参保状态: 已参保/未参保 as insurance systems write it
	kToken               // 核查编号: the token of a verification list
	kResult              // 核查结果: 已核实 / 查无此人
)

// column is one column of a roster.
type column struct {
	key     string // the Record item it fills (see Record's JSON keys)
	label   string // the template's header
	aliases []string
	kind    kind
	table   *child.CodeTable // kCode, kSet
	hint    string           // the template's rule for the column
}

// Keys of the columns (the JSON keys of Record).
const (
	kyName         = "name"
	kySex          = "sex"
	kyBirth        = "birth_date"
	kyID           = "id_number"
	kyHukouAddr    = "hukou_address"
	kyHukouCode    = "hukou_code"
	kyResAddr      = "residence_address"
	kyResCode      = "residence_code"
	kyFather       = "father_name"
	kyMother       = "mother_name"
	kyGuardian     = "guardian_name"
	kyGuardianID   = "guardian_id"
	kyMigrant      = "migrant"
	kyLeftBehind   = "left_behind"
	kyParentsAway  = "parents_away"
	kySchool       = "school_name"
	kyStage        = "school_stage"
	kyGrade        = "grade"
	kyStudy        = "study_status"
	kyBoarding     = "boarding"
	kyRegistration = "residence_registration"
	kyPermitNo     = "permit_no"
	kyPermitIssued = "permit_issued"
	kyPermitExpiry = "permit_expires"
	kyHealthMgmt   = "health_mgmt_0_6"
	kyHealthVisits = "health_visits"
	kyTCM          = "tcm_mgmt_0_36m"
	kyTCMVisits    = "tcm_visits"
	kyImmunization = "immunization"
	kyInsured      = "insured"
	kyInsurance    = "medical_insurance"
	kyInsurePlace  = "insurance_place"
	kyScheme       = "scheme"
	kyCertNo       = "disability_certificate_no"
	kyDisTypes     = "disability_types"
	kyDisGrade     = "disability_grade"
	kyRehab        = "rehabilitation"
	kyToken        = "verification_token"
	kyResult       = "verification_result"
)

// identityColumns identify the child in every roster.
var identityColumns = []column{
	{key: kyName, label: "姓名", aliases: []string{"学生姓名", "儿童姓名", "幼儿姓名", "姓名(儿童)", "参保人姓名", "残疾人姓名", "持证人姓名", "人员姓名", "居住人姓名", "申领人姓名", "受检者姓名", "被管理人姓名"}, kind: kName,
		hint: "必填。汉字或字母，少数民族姓名中间用圆点“·”"},
	{key: kySex, label: "性别", aliases: []string{"学生性别", "儿童性别"}, kind: kSex, hint: "男或女；不填时按公民身份号码"},
	{key: kyBirth, label: "出生日期", aliases: []string{"出生年月", "出生年月日", "生日", "出生时间"}, kind: kDate,
		hint: "没有公民身份号码时必填；写成 2015-03-10（也可 2015/3/10、2015年3月10日、20150310）"},
	{key: kyID, label: "公民身份号码", aliases: []string{"身份证号", "身份证号码", "证件号码", "公民身份证号码", "身份证件号码", "学生身份证号", "儿童身份证号", "身份证", "证件号", "公民身份号", "居民身份证号码"}, kind: kID,
		hint: "18 位，最后一位可以是 X；本列请设为文本格式，否则后几位会丢失"},
	{key: kyHukouAddr, label: "户籍地址", aliases: []string{"户籍所在地", "户口所在地", "户籍地", "户籍地详址", "户籍详细地址"}, kind: kAddress,
		hint: "完整地址，如 内蒙古自治区乌海市海勃湾区新华街道人民路1号"},
	{key: kyHukouCode, label: "户籍地区划代码", aliases: []string{"户籍地行政区划代码", "户籍区划代码"}, kind: kRegion, hint: "6、9 或 12 位行政区划代码"},
	{key: kyResAddr, label: "现居住地", aliases: []string{"现住址", "居住地址", "家庭住址", "现居住地址", "家庭地址", "居住地", "住址", "现居住详细地址", "居住详址"}, kind: kAddress,
		hint: "完整地址；家访线索按此分派到村（社区）"},
	{key: kyResCode, label: "现居住地区划代码", aliases: []string{"居住地区划代码", "现住址区划代码", "居住地行政区划代码"}, kind: kRegion, hint: "6、9 或 12 位行政区划代码"},
	{key: kyFather, label: "父亲姓名", aliases: []string{"父亲"}, kind: kName},
	{key: kyMother, label: "母亲姓名", aliases: []string{"母亲"}, kind: kName},
	{key: kyGuardian, label: "监护人姓名", aliases: []string{"监护人", "家长姓名", "家长", "联系人姓名"}, kind: kName},
	{key: kyGuardianID, label: "监护人公民身份号码", aliases: []string{"监护人身份证号", "监护人身份证号码", "家长身份证号", "家长身份证号码", "监护人证件号码"}, kind: kID},
	{key: kyMigrant, label: "是否随迁子女", aliases: []string{"随迁子女", "是否流动儿童", "流动儿童", "是否进城务工人员随迁子女", "进城务工人员随迁子女"}, kind: kBool,
		hint: "是或否：户籍不在本地、随父母在本地居住的儿童"},
	{key: kyLeftBehind, label: "是否留守儿童", aliases: []string{"留守儿童"}, kind: kBool, hint: "是或否"},
	{key: kyParentsAway, label: "父母是否外出务工", aliases: []string{"父母外出务工", "父母双方外出务工", "是否父母外出务工"}, kind: kBool, hint: "是或否"},
}

// verifyColumns are the columns of a verification list (核查名单, see verify.go) that come back
// with the department's answers; any roster may carry them, no template shows them.
var verifyColumns = []column{
	{key: kyToken, label: "核查编号", aliases: []string{"核查号", "核查序号"}, kind: kToken,
		hint: "民政部门下发核查名单时生成，请勿修改"},
	{key: kyResult, label: "核查结果", aliases: []string{"核实结果", "核查情况"}, kind: kResult,
		hint: "已核实（本部门有此人，请填写本部门各列）或 查无此人"},
}

// studyStatus is 就读状态: DATA.md's 学业状况, with the words schools use read by studyWord.
var studyStatus = child.StudyStatus

// departments in the order of CONTRACT.md.
var departments = []*Department{
	{Code: Education, Label: "教育部门", Title: "乌海市学生名册（教育部门，用于流动儿童和留守儿童信息比对）",
		Fields: []string{"school_name", "school_stage", "study_status", "boarding"},
		columns: []column{
			{key: kySchool, label: "学校名称", aliases: []string{"学校", "就读学校", "所在学校", "学校(园)名称", "幼儿园名称", "学校全称"}, kind: kText, hint: "学校全称"},
			{key: kyStage, label: "学段", aliases: []string{"就学情况", "就读学段", "学习阶段", "学段(学前/小学/初中/高中)"}, kind: kCode, table: child.SchoolStage,
				hint: "学龄前、小学、初中、高中、中等职业教育、特殊教育；不填时按年级"},
			{key: kyGrade, label: "年级", aliases: []string{"就读年级", "所在年级"}, kind: kText, hint: "如 三年级、初二、高一、大班"},
			{key: kyStudy, label: "就读状态", aliases: []string{"在校状态", "学籍状态", "学业状况", "就学状态", "学生状态"}, kind: kCode, table: studyStatus,
				hint: "在读、辍学、休学、毕业、结业、肄业"},
			{key: kyBoarding, label: "是否寄宿", aliases: []string{"寄宿", "是否学校寄宿", "是否住校", "住校", "寄宿生", "是否寄宿生"}, kind: kBool, hint: "是或否"},
		}},
	{Code: Police, Label: "公安部门", Title: "乌海市居住证和暂住登记名册（公安部门，用于流动儿童和留守儿童信息比对）",
		Fields: []string{"residence_registration"},
		columns: []column{
			{key: kyRegistration, label: "登记类型", aliases: []string{"居住登记", "登记类别", "证件类型", "居住登记类型", "办证类型"}, kind: kCode, table: child.ResidenceRegistration,
				hint: "办理居住证、暂住登记、未登记；不填时有居住证号即为办理居住证"},
			{key: kyPermitNo, label: "居住证号", aliases: []string{"居住证编号", "居住证号码", "居住证件号码"}, kind: kText, hint: "居住证上的编号"},
			{key: kyPermitIssued, label: "签发日期", aliases: []string{"发证日期", "办证日期", "签发时间", "登记日期", "办理日期"}, kind: kDate, hint: "写成 2024-03-10"},
			{key: kyPermitExpiry, label: "有效期至", aliases: []string{"有效期限", "有效截止日期", "截止日期", "有效期", "有效期截止"}, kind: kRange,
				hint: "写成 2027-03-10，或“2024-03-10至2027-03-10”"},
		}},
	{Code: Health, Label: "卫生健康部门", Title: "乌海市 0-6 岁儿童健康管理名册（卫生健康部门，用于流动儿童和留守儿童信息比对）",
		Fields: []string{"health_mgmt_0_6", "tcm_mgmt_0_36m", "immunization"},
		columns: []column{
			{key: kyHealthMgmt, label: "0-6岁儿童健康管理服务", aliases: []string{"健康管理", "儿童健康管理", "是否接受健康管理", "0-6岁健康管理", "健康管理服务", "是否纳入健康管理"}, kind: kCode, table: child.HealthService,
				hint: "在户籍地接受、在居住地接受、已接受、未接受、不适用；不填时按健康管理次数"},
			{key: kyHealthVisits, label: "健康管理次数", aliases: []string{"随访次数", "体检次数", "健康检查次数", "健康管理服务次数"}, kind: kCount, hint: "本年度接受健康检查的次数"},
			{key: kyTCM, label: "0-36个月儿童中医药健康管理服务", aliases: []string{"中医药健康管理", "中医药健康管理服务", "是否接受中医药健康管理", "0-36个月中医药健康管理"}, kind: kCode, table: child.HealthService,
				hint: "在户籍地接受、在居住地接受、已接受、未接受、不适用；不填时按中医药健康管理次数"},
			{key: kyTCMVisits, label: "中医药健康管理次数", aliases: []string{"中医药随访次数", "中医药服务次数"}, kind: kCount},
			{key: kyImmunization, label: "预防接种", aliases: []string{"免疫接种", "免疫规划", "疫苗接种", "预防接种情况", "接种情况", "免疫规划疫苗接种"}, kind: kText, hint: "国家免疫规划疫苗接种：按程序完成、未全程接种或未接种（疾控提供）"},
		}},
	{Code: Insurance, Label: "医疗保障部门", Title: "乌海市城乡居民医疗保险参保名册（医疗保障部门，用于流动儿童和留守儿童信息比对）",
		Fields: []string{"medical_insurance"},
		columns: []column{
			{key: kyInsured, label: "参保状态", aliases: []string{"是否参保", "参保情况", "缴费状态", "参保缴费状态", "人员参保状态"}, kind: kInsured,
				hint: "已参保或未参保（正常参保、停保、中断也可）"},
			{key: kyInsurance, label: "纳入医保情况", aliases: []string{"医保情况"}, kind: kCode, table: child.MedicalInsurance,
				hint: "纳入户籍地医保、纳入居住地医保、已纳入医保、未纳入医保（有参保状态、参保地时可不填）"},
			{key: kyInsurePlace, label: "参保地", aliases: []string{"参保地区", "参保所在地", "参保统筹区", "统筹区", "参保地区划代码", "统筹区划"}, kind: kText,
				hint: "地名或行政区划代码；用来判断纳入户籍地还是居住地医保"},
			{key: kyScheme, label: "险种", aliases: []string{"参保险种", "险种类型", "医保类型", "险种名称"}, kind: kText, hint: "如 城乡居民基本医疗保险（仅保存在名册中）"},
		}},
	{Code: Disability, Label: "残疾人联合会", Title: "乌海市持证残疾儿童名册（残联，用于流动儿童和留守儿童信息比对）",
		Fields: []string{"health", "disability_types", "disability_grade", "disability_certificate", "disability_certificate_no", "rehabilitation"},
		columns: []column{
			{key: kyCertNo, label: "残疾人证号", aliases: []string{"残疾证号", "残疾人证号码", "残疾证号码", "持证号码", "残疾人证编号"}, kind: kCertNo,
				hint: "第二代残疾人证号，20 位：持证人公民身份号码 + 类别 + 等级"},
			{key: kyDisTypes, label: "残疾类别", aliases: []string{"残疾类型", "残疾种类", "类别"}, kind: kSet, table: child.DisabilityType,
				hint: "视力、听力、言语、肢体、智力、精神；多重残疾写“多重残疾（视力、肢体）”；不填时按残疾人证号"},
			{key: kyDisGrade, label: "残疾等级", aliases: []string{"等级", "残疾级别"}, kind: kCode, table: child.DisabilityGrade, hint: "一级至四级；不填时按残疾人证号"},
			{key: kyRehab, label: "康复情况", aliases: []string{"康复", "是否接受康复", "接受康复救助情况", "康复服务", "康复救助", "康复救助情况", "是否接受康复救助", "康复服务情况"}, kind: kRehab,
				hint: "是或否，可在后面写明，如 是：在市残联康复中心训练"},
		}},
}

// Departments returns the departments in the order of CONTRACT.md.
func Departments() []*Department { return departments }

// Lookup returns the department with the code (education, police, health, insurance,
// disability); a Chinese name (教育, 公安, 卫健, 医保, 残联) is accepted too.
func Lookup(code string) (*Department, bool) {
	c := strings.ToLower(strings.TrimSpace(code))
	for _, d := range departments {
		if d.Code == c || d.Label == code {
			return d, true
		}
	}
	if d, ok := departmentAliases[c]; ok {
		return Lookup(d)
	}
	return nil, false
}

var departmentAliases = map[string]string{
	"教育": Education, "教育局": Education, "学校": Education,
	"公安": Police, "公安局": Police,
	"卫健": Health, "卫生健康": Health, "卫生": Health, "卫健委": Health,
	"医保": Insurance, "医疗保障": Insurance, "医保局": Insurance,
	"残联": Disability, "残疾人联合会": Disability,
}

// Codes lists the department codes, for messages.
func Codes() string {
	out := make([]string, len(departments))
	for i, d := range departments {
		out[i] = d.Code
	}
	return strings.Join(out, ", ")
}

// Columns returns the template's column headers of the department: the identity columns and
// the department's own.
func (d *Department) Columns() []string {
	cs := d.fileColumns()
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.label
	}
	return out
}

// fileColumns returns the identity columns followed by the department's own: a template's.
func (d *Department) fileColumns() []column {
	return append(append([]column(nil), identityColumns...), d.columns...)
}

// all returns what a roster may carry: the template's columns and the verification columns.
func (d *Department) all() []column {
	return append(d.fileColumns(), verifyColumns...)
}

// own reports whether position i of all() is one of the department's own columns.
func (d *Department) own(i int) bool {
	return i >= len(identityColumns) && i < len(identityColumns)+len(d.columns)
}

// headerIndex maps the header keys of a department's columns to their position in all().
func (d *Department) headerIndex() map[string]int {
	m := make(map[string]int)
	for i, c := range d.all() {
		m[sheet.HeaderKey(c.label)] = i
		for _, a := range c.aliases {
			if _, dup := m[sheet.HeaderKey(a)]; !dup {
				m[sheet.HeaderKey(a)] = i
			}
		}
	}
	return m
}

// ignoredHeaders are columns that rosters commonly carry and that have no item here: ignored
// without a warning.
var ignoredHeaders = func() map[string]bool {
	m := map[string]bool{}
	for _, h := range []string{"序号", "编号", "错误原因", "备注", "说明", "年龄", "班级", "民族", "联系电话", "联系方式", "手机号", "手机号码", "家长电话", "监护人电话", "监护人联系电话", "学籍号", "全国学籍号", "学号", "外部编号", "所属街道", "所属社区", "乡镇", "村居"} {
		m[sheet.HeaderKey(h)] = true
	}
	return m
}()

// labelOf returns a department's column header for a Record key, for messages.
func (d *Department) labelOf(key string) string {
	for _, c := range d.all() {
		if c.key == key {
			return c.label
		}
	}
	return key
}

// sortedAliases lists a column's aliases for the help sheet.
func sortedAliases(c column) []string {
	out := append([]string(nil), c.aliases...)
	sort.Strings(out)
	return out
}
