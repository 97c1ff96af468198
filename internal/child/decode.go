package child

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"guanai/internal/region"
)

// raw is one JSON value as it came (a slice of the input), parsed later so that a wrong type or
// code becomes a field error instead of failing the whole record.
type raw = []byte

type wireAddress struct {
	RegionCode raw `json:"region_code"`
	Detail     raw `json:"detail"`
}

type wireParent struct {
	Name           raw `json:"name"`
	IDNumber       raw `json:"id_number"`
	Phone          raw `json:"phone"`
	HukouAddress   raw `json:"hukou_address"`
	ResidenceAddr  raw `json:"residence_address"`
	MigrantWorker  raw `json:"migrant_worker"`
	WorkRegionCode raw `json:"work_region_code"`
	WorkSince      raw `json:"work_since"`
	Capacity       raw `json:"capacity"`
}

type wireGuardian struct {
	Present       raw `json:"present"`
	Name          raw `json:"name"`
	Relation      raw `json:"relation"`
	RelationOther raw `json:"relation_other"`
	IDNumber      raw `json:"id_number"`
	Phone         raw `json:"phone"`
	HukouAddress  raw `json:"hukou_address"`
	ResidenceAddr raw `json:"residence_address"`
}

type wireRecord struct {
	Ref                     raw `json:"ref"`
	Name                    raw `json:"name"`
	Sex                     raw `json:"sex"`
	BirthDate               raw `json:"birth_date"`
	Ethnicity               raw `json:"ethnicity"`
	IDNumber                raw `json:"id_number"`
	HukouRegistered         raw `json:"hukou_registered"`
	HukouAddress            raw `json:"hukou_address"`
	ResidenceAddr           raw `json:"residence_address"`
	CoResidents             raw `json:"co_residents"`
	ResidenceRegistration   raw `json:"residence_registration"`
	Housing                 raw `json:"housing"`
	LeftHukouDate           raw `json:"left_hukou_date"`
	ArrivedDate             raw `json:"arrived_date"`
	GuardianshipQuality     raw `json:"guardianship_quality"`
	GuardianshipIssue       raw `json:"guardianship_issue"`
	SchoolStage             raw `json:"school_stage"`
	SchoolName              raw `json:"school_name"`
	StudyStatus             raw `json:"study_status"`
	Boarding                raw `json:"boarding"`
	Health                  raw `json:"health"`
	HealthMgmt06            raw `json:"health_mgmt_0_6"`
	TCMMgmt036m             raw `json:"tcm_mgmt_0_36m"`
	Immunization            raw `json:"immunization"`
	MedicalInsurance        raw `json:"medical_insurance"`
	DisabilityTypes         raw `json:"disability_types"`
	DisabilityGrade         raw `json:"disability_grade"`
	DisabilityCertificate   raw `json:"disability_certificate"`
	DisabilityCertificateNo raw `json:"disability_certificate_no"`
	Rehabilitation          raw `json:"rehabilitation"`
	Father                  raw `json:"father"`
	Mother                  raw `json:"mother"`
	BothParentsAway         raw `json:"both_parents_away"`
	OneAwayOtherIncapable   raw `json:"one_away_other_incapable"`
	OtherGuardian           raw `json:"other_guardian"`
	Caregiver               raw `json:"caregiver"`
	FamilyHardship          raw `json:"family_hardship"`
	FamilyHardshipOther     raw `json:"family_hardship_other"`
	Assistance              raw `json:"assistance"`
	Vagrant                 raw `json:"vagrant"`
	HelpRequested           raw `json:"help_requested"`
	CollectionMethod        raw `json:"collection_method"`
	ReportingUnit           raw `json:"reporting_unit"`
	ReportDate              raw `json:"report_date"`
}

// set methods store a member of the object by its DATA.md key; unknown keys are ignored.

func (w *wireAddress) set(key, val []byte) {
	switch string(key) {
	case "region_code":
		w.RegionCode = val
	case "detail":
		w.Detail = val
	}
}

func (w *wireParent) set(key, val []byte) {
	switch string(key) {
	case "name":
		w.Name = val
	case "id_number":
		w.IDNumber = val
	case "phone":
		w.Phone = val
	case "hukou_address":
		w.HukouAddress = val
	case "residence_address":
		w.ResidenceAddr = val
	case "migrant_worker":
		w.MigrantWorker = val
	case "work_region_code":
		w.WorkRegionCode = val
	case "work_since":
		w.WorkSince = val
	case "capacity":
		w.Capacity = val
	}
}

func (w *wireGuardian) set(key, val []byte) {
	switch string(key) {
	case "present":
		w.Present = val
	case "name":
		w.Name = val
	case "relation":
		w.Relation = val
	case "relation_other":
		w.RelationOther = val
	case "id_number":
		w.IDNumber = val
	case "phone":
		w.Phone = val
	case "hukou_address":
		w.HukouAddress = val
	case "residence_address":
		w.ResidenceAddr = val
	}
}

func (w *wireRecord) set(key, val []byte) {
	switch string(key) {
	case "ref":
		w.Ref = val
	case "name":
		w.Name = val
	case "sex":
		w.Sex = val
	case "birth_date":
		w.BirthDate = val
	case "ethnicity":
		w.Ethnicity = val
	case "id_number":
		w.IDNumber = val
	case "hukou_registered":
		w.HukouRegistered = val
	case "hukou_address":
		w.HukouAddress = val
	case "residence_address":
		w.ResidenceAddr = val
	case "co_residents":
		w.CoResidents = val
	case "residence_registration":
		w.ResidenceRegistration = val
	case "housing":
		w.Housing = val
	case "left_hukou_date":
		w.LeftHukouDate = val
	case "arrived_date":
		w.ArrivedDate = val
	case "guardianship_quality":
		w.GuardianshipQuality = val
	case "guardianship_issue":
		w.GuardianshipIssue = val
	case "school_stage":
		w.SchoolStage = val
	case "school_name":
		w.SchoolName = val
	case "study_status":
		w.StudyStatus = val
	case "boarding":
		w.Boarding = val
	case "health":
		w.Health = val
	case "health_mgmt_0_6":
		w.HealthMgmt06 = val
	case "tcm_mgmt_0_36m":
		w.TCMMgmt036m = val
	case "immunization":
		w.Immunization = val
	case "medical_insurance":
		w.MedicalInsurance = val
	case "disability_types":
		w.DisabilityTypes = val
	case "disability_grade":
		w.DisabilityGrade = val
	case "disability_certificate":
		w.DisabilityCertificate = val
	case "disability_certificate_no":
		w.DisabilityCertificateNo = val
	case "rehabilitation":
		w.Rehabilitation = val
	case "father":
		w.Father = val
	case "mother":
		w.Mother = val
	case "both_parents_away":
		w.BothParentsAway = val
	case "one_away_other_incapable":
		w.OneAwayOtherIncapable = val
	case "other_guardian":
		w.OtherGuardian = val
	case "caregiver":
		w.Caregiver = val
	case "family_hardship":
		w.FamilyHardship = val
	case "family_hardship_other":
		w.FamilyHardshipOther = val
	case "assistance":
		w.Assistance = val
	case "vagrant":
		w.Vagrant = val
	case "help_requested":
		w.HelpRequested = val
	case "collection_method":
		w.CollectionMethod = val
	case "reporting_unit":
		w.ReportingUnit = val
	case "report_date":
		w.ReportDate = val
	}
}

// Options set how a record is checked.
type Options struct {
	// Today is the date of entry, for "not in the future"; zero skips those checks.
	Today Date
	// Import relaxes two checks as DATA.md allows for imported data: an unknown division code and
	// sex 0/9 are warnings instead of errors.
	Import bool
	// Regions is the division table; nil means region.Default().
	Regions *region.Table
}

func (o *Options) regions() *region.Table {
	if o.Regions == nil {
		o.Regions = region.Default()
	}
	return o.Regions
}

// decoder turns raw JSON values into typed fields, collecting issues.
type decoder struct {
	is  *Issues
	opt *Options
}

// Decode reads one child record from JSON (the keys of DATA.md), leniently: codes may be given
// as codes or Chinese labels, yes/no as booleans or 是/否, dates in the usual shapes, sets as
// arrays or separated text. A value that cannot be read is left out of the record and reported as
// a field error; the rest of the record is still read. The result is then checked by Validate.
func Decode(data []byte, opt Options) (Record, Issues) {
	var is Issues
	var w wireRecord
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		is.Error("", "empty", "空行：没有儿童记录")
		return Record{}, is
	}
	if data[0] != '{' {
		is.Error("", "json", "不是 JSON 对象：每行应是一个儿童记录 {…}")
		return Record{}, is
	}
	if err := scanObject(data, w.set); err != nil {
		is.Error("", "json", "不是有效的 JSON："+jsonErrorText(err))
		return Record{}, is
	}
	d := decoder{is: &is, opt: &opt}
	r := d.record(&w)
	Validate(&r, &is, opt)
	return r, is
}

// jsonErrorText turns an encoding/json error into a short Chinese explanation.
func jsonErrorText(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return "第 " + strconv.FormatInt(e.Offset, 10) + " 个字节附近语法错误（" + e.Error() + "）"
	case *json.UnmarshalTypeError:
		return "字段 " + e.Field + " 的类型不对（" + e.Value + "）"
	case *scanError:
		return e.Error()
	}
	return err.Error()
}

func (d *decoder) record(w *wireRecord) Record {
	var r Record
	r.Ref = d.ref(w.Ref)
	r.Name = d.name("name", w.Name, "姓名")
	r.Sex = d.code("sex", w.Sex, Sex)
	r.BirthDate = d.date("birth_date", w.BirthDate, "出生日期")
	r.Ethnicity = d.code("ethnicity", w.Ethnicity, Ethnicity)
	r.IDNumber = d.text("id_number", w.IDNumber, "公民身份号码")
	r.HukouRegistered = d.bool("hukou_registered", w.HukouRegistered, "是否登记户口")
	r.HukouAddress = d.address("hukou_address", w.HukouAddress, "户籍地址")
	r.ResidenceAddr = d.address("residence_address", w.ResidenceAddr, "现居住地")
	r.CoResidents = d.code("co_residents", w.CoResidents, CoResidents)
	r.ResidenceRegistration = d.code("residence_registration", w.ResidenceRegistration, ResidenceRegistration)
	r.Housing = d.code("housing", w.Housing, Housing)
	r.LeftHukouDate = d.date("left_hukou_date", w.LeftHukouDate, "离开户籍地日期")
	r.ArrivedDate = d.date("arrived_date", w.ArrivedDate, "来现居住地日期")
	r.GuardianshipQuality = d.code("guardianship_quality", w.GuardianshipQuality, GuardianshipQuality)
	r.GuardianshipIssue = d.code("guardianship_issue", w.GuardianshipIssue, GuardianshipIssue)
	r.SchoolStage = d.code("school_stage", w.SchoolStage, SchoolStage)
	r.SchoolName = d.text("school_name", w.SchoolName, "就读学校")
	r.StudyStatus = d.code("study_status", w.StudyStatus, StudyStatus)
	r.Boarding = d.bool("boarding", w.Boarding, "是否学校寄宿")
	r.Health = d.set("health", w.Health, Health)
	r.HealthMgmt06 = d.code("health_mgmt_0_6", w.HealthMgmt06, HealthService)
	r.TCMMgmt036m = d.code("tcm_mgmt_0_36m", w.TCMMgmt036m, HealthService)
	r.Immunization = d.code("immunization", w.Immunization, ImmunizationStatus)
	r.MedicalInsurance = d.code("medical_insurance", w.MedicalInsurance, MedicalInsurance)
	r.DisabilityTypes = d.set("disability_types", w.DisabilityTypes, DisabilityType)
	r.DisabilityGrade = d.code("disability_grade", w.DisabilityGrade, DisabilityGrade)
	r.DisabilityCertificate = d.bool("disability_certificate", w.DisabilityCertificate, "是否持有残疾人证")
	r.DisabilityCertificateNo = d.text("disability_certificate_no", w.DisabilityCertificateNo, "残疾人证号")
	r.Rehabilitation = d.rehabilitation("rehabilitation", w.Rehabilitation)
	r.Father = d.parent("father", w.Father, "父亲")
	r.Mother = d.parent("mother", w.Mother, "母亲")
	r.BothParentsAway = d.bool("both_parents_away", w.BothParentsAway, "父母双方同时外出")
	r.OneAwayOtherIncapable = d.bool("one_away_other_incapable", w.OneAwayOtherIncapable, "父母一方外出、另一方无监护能力")
	if g := d.guardian("other_guardian", w.OtherGuardian, "其他监护人"); g != nil {
		r.OtherGuardian = &Guardian{Name: g.Name, Relation: g.Relation, IDNumber: g.IDNumber, Phone: g.Phone, HukouAddress: g.HukouAddress, ResidenceAddr: g.ResidenceAddr}
	}
	if g := d.guardian("caregiver", w.Caregiver, "受委托照护人"); g != nil {
		c := &Caregiver{Present: g.Present, Name: g.Name, RelationOther: g.RelationOther, IDNumber: g.IDNumber, Phone: g.Phone, HukouAddress: g.HukouAddress, ResidenceAddr: g.ResidenceAddr}
		if g.Relation != "" {
			if code, ok := CaregiverRelation.Lookup(g.Relation); ok {
				c.Relation = code
			} else {
				// Free text such as 姑姑 is kept as 其他 with the text.
				c.Relation = "other"
				if c.RelationOther == "" {
					c.RelationOther = g.Relation
				}
			}
		}
		r.Caregiver = c
	}
	r.FamilyHardship = d.set("family_hardship", w.FamilyHardship, FamilyHardship)
	r.FamilyHardshipOther = d.text("family_hardship_other", w.FamilyHardshipOther, "家庭困难情况（其他）说明")
	r.Assistance = d.set("assistance", w.Assistance, Assistance)
	r.Vagrant = d.bool("vagrant", w.Vagrant, "是否流浪")
	r.HelpRequested = d.help("help_requested", w.HelpRequested)
	r.CollectionMethod = d.code("collection_method", w.CollectionMethod, CollectionMethod)
	r.ReportingUnit = d.text("reporting_unit", w.ReportingUnit, "填报单位")
	r.ReportDate = d.date("report_date", w.ReportDate, "填报日期")
	return r
}

// isNull reports an absent value or JSON null.
func isNull(v raw) bool {
	return len(v) == 0 || (len(v) == 4 && string(v) == "null")
}

// scalar returns the text of a JSON string or number (numbers as written); ok is false for
// other JSON types.
func (d *decoder) scalar(field string, v raw, item string) (string, bool) {
	if isNull(v) {
		return "", false
	}
	switch v[0] {
	case '"':
		return unquote(v), true
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(v), true
	case 't', 'f':
		return string(v), true
	}
	d.is.Error(field, "type", item+"应为文本，填写的是 "+jsonKind(v))
	return "", false
}

func jsonKind(v raw) string {
	switch v[0] {
	case '{':
		return "对象"
	case '[':
		return "数组"
	case 't', 'f':
		return "布尔值"
	case '"':
		return "文本"
	}
	return "数字"
}

func (d *decoder) ref(v raw) string {
	if isNull(v) {
		return ""
	}
	s, _ := d.scalar("ref", v, "外部编号")
	return s
}

func (d *decoder) text(field string, v raw, item string) string {
	s, ok := d.scalar(field, v, item)
	if !ok {
		return ""
	}
	return NormalizeText(s)
}

func (d *decoder) name(field string, v raw, item string) string {
	s, ok := d.scalar(field, v, item)
	if !ok {
		return ""
	}
	return NormalizeName(s)
}

func (d *decoder) code(field string, v raw, t *CodeTable) string {
	s, ok := d.scalar(field, v, t.Item)
	if !ok {
		return ""
	}
	if strings.TrimFunc(s, isSpace) == "" {
		return ""
	}
	c, ok := t.Lookup(s)
	if !ok {
		d.is.Error(field, "code", t.Item+"“"+s+"”不是有效的值，可选："+t.Choices())
		return ""
	}
	return c
}

func (d *decoder) bool(field string, v raw, item string) *bool {
	if isNull(v) {
		return nil
	}
	s, ok := d.scalar(field, v, item)
	if !ok {
		return nil
	}
	if strings.TrimFunc(s, isSpace) == "" {
		return nil
	}
	b, ok := ParseBool(s)
	if !ok {
		d.is.Error(field, "type", item+"应填“是”或“否”，填写的是“"+s+"”")
		return nil
	}
	return &b
}

func (d *decoder) date(field string, v raw, item string) Date {
	s, ok := d.scalar(field, v, item)
	if !ok || strings.TrimFunc(s, isSpace) == "" {
		return 0
	}
	dt, shaped, err := ParseDate(s)
	if err != nil {
		if shaped {
			d.is.Error(field, "date", item+"“"+s+"”不是真实存在的日期")
		} else {
			d.is.Error(field, "date", item+"“"+s+"”不是日期，应写成 YYYY-MM-DD（如 2015-03-10）")
		}
		return 0
	}
	return dt
}

// set reads a JSON array of codes or labels (or one text with separators). "无" and an empty
// array mean the empty set, which is kept as a non-nil empty slice: known to be empty.
func (d *decoder) set(field string, v raw, t *CodeTable) []string {
	if isNull(v) {
		return nil
	}
	var items []string
	if v[0] == '[' {
		_ = scanArray(v, func(a []byte) {
			if s, ok := d.scalar(field, a, t.Item); ok {
				items = append(items, s)
			}
		})
	} else {
		s, ok := d.scalar(field, v, t.Item)
		if !ok {
			return nil
		}
		items = SplitSet(s)
	}
	return parseSetItems(field, items, t, d.is)
}

// parseSetItems looks up each item of a set; "无" alone means empty.
func parseSetItems(field string, items []string, t *CodeTable, is *Issues) []string {
	out := make([]string, 0, len(items))
	bad := false
	for _, s := range items {
		k := lookupKey(s)
		if k == "" {
			continue
		}
		if k == "无" || k == "none" {
			if len(items) > 1 {
				is.Error(field, "exclusive", t.Item+"填了“无”又填了其他选项")
				bad = true
			}
			continue
		}
		c, ok := t.Lookup(s)
		if !ok {
			is.Error(field, "code", t.Item+"“"+s+"”不是有效的值，可选："+t.Choices())
			bad = true
			continue
		}
		out = append(out, c)
	}
	if bad {
		return nil
	}
	return t.SortSet(out)
}

func (d *decoder) address(field string, v raw, item string) *Address {
	if isNull(v) {
		return nil
	}
	if v[0] == '"' {
		// A plain text address: resolve it to a division code.
		s, ok := d.scalar(field, v, item)
		if !ok || strings.TrimFunc(s, isSpace) == "" {
			return nil
		}
		return ResolveAddress(field, item, "", s, d.is, d.opt)
	}
	if v[0] != '{' {
		d.is.Error(field, "type", item+"应为 {\"region_code\": …, \"detail\": …} 或地址文本")
		return nil
	}
	var w wireAddress
	if err := scanObject(v, w.set); err != nil {
		d.is.Error(field, "type", item+"格式不对："+jsonErrorText(err))
		return nil
	}
	code, _ := d.scalar(cat(field, ".region_code"), w.RegionCode, cat(item, "区划代码"))
	detail := d.text(cat(field, ".detail"), w.Detail, cat(item, "详细地址"))
	if strings.TrimSpace(code) == "" && detail == "" {
		return nil
	}
	return ResolveAddress(field, item, code, detail, d.is, d.opt)
}

// ResolveAddress builds an address from a division code and a detail text. Without a code, the
// detail is resolved as free text (内蒙古自治区乌海市海勃湾区新华街道…) to the deepest division it
// names, and the rest stays as the detail. A code is checked for its form; whether it exists is
// Validate's check.
func ResolveAddress(field, item, code, detail string, is *Issues, opt *Options) *Address {
	code = strings.TrimSpace(code)
	if code != "" {
		n, ok := region.Normalize(code)
		if !ok {
			is.Error(cat(field, ".region_code"), "region_format", item+"区划代码“"+code+"”格式不对：应为 6 位（县级）、9 位（乡级）或 12 位（村级）数字")
			code = ""
		} else {
			code = n
		}
		return &Address{RegionCode: code, Detail: detail}
	}
	if detail == "" {
		return nil
	}
	res, err := opt.regions().Resolve(detail)
	if err != nil {
		if re, ok := err.(*region.ResolveError); ok && re.Code == "ambiguous" {
			is.Warn(field, "address_ambiguous", item+"“"+detail+"”"+re.Message)
		} else {
			is.Warn(field, "address_unresolved", item+"“"+detail+"”无法识别到行政区划，请补充区划代码或写明省、市、县（区）")
		}
		return &Address{Detail: detail}
	}
	return &Address{RegionCode: res.Code, Detail: res.Rest}
}

func (d *decoder) parent(field string, v raw, item string) *Parent {
	if isNull(v) {
		return nil
	}
	if v[0] != '{' {
		d.is.Error(field, "type", cat(item, "信息应为 JSON 对象"))
		return nil
	}
	var w wireParent
	if err := scanObject(v, w.set); err != nil {
		d.is.Error(field, "type", item+"信息格式不对："+jsonErrorText(err))
		return nil
	}
	p := &Parent{
		Name:           d.name(cat(field, ".name"), w.Name, cat(item, "姓名")),
		IDNumber:       d.text(cat(field, ".id_number"), w.IDNumber, cat(item, "公民身份号码")),
		Phone:          d.text(cat(field, ".phone"), w.Phone, cat(item, "联系方式")),
		HukouAddress:   d.address(cat(field, ".hukou_address"), w.HukouAddress, cat(item, "户籍地址")),
		ResidenceAddr:  d.address(cat(field, ".residence_address"), w.ResidenceAddr, cat(item, "现居住地")),
		MigrantWorker:  d.bool(cat(field, ".migrant_worker"), w.MigrantWorker, cat(item, "是否外出务工")),
		WorkRegionCode: d.text(cat(field, ".work_region_code"), w.WorkRegionCode, cat(item, "务工地")),
		WorkSince:      d.date(cat(field, ".work_since"), w.WorkSince, cat(item, "外出务工起始日期")),
		Capacity:       d.code(cat(field, ".capacity"), w.Capacity, Capacity),
	}
	return p
}

func (d *decoder) guardian(field string, v raw, item string) *wireGuardianValues {
	if isNull(v) {
		return nil
	}
	if v[0] != '{' {
		d.is.Error(field, "type", cat(item, "信息应为 JSON 对象"))
		return nil
	}
	var w wireGuardian
	if err := scanObject(v, w.set); err != nil {
		d.is.Error(field, "type", item+"信息格式不对："+jsonErrorText(err))
		return nil
	}
	return &wireGuardianValues{
		Present:       d.bool(cat(field, ".present"), w.Present, cat("有无", item)),
		Name:          d.name(cat(field, ".name"), w.Name, cat(item, "姓名")),
		Relation:      d.text(cat(field, ".relation"), w.Relation, cat(item, "与儿童关系")),
		RelationOther: d.text(cat(field, ".relation_other"), w.RelationOther, cat(item, "与儿童关系（其他）")),
		IDNumber:      d.text(cat(field, ".id_number"), w.IDNumber, cat(item, "公民身份号码")),
		Phone:         d.text(cat(field, ".phone"), w.Phone, cat(item, "联系方式")),
		HukouAddress:  d.address(cat(field, ".hukou_address"), w.HukouAddress, cat(item, "户籍地址")),
		ResidenceAddr: d.address(cat(field, ".residence_address"), w.ResidenceAddr, cat(item, "现居住地")),
	}
}

type wireGuardianValues struct {
	Present                                        *bool
	Name, Relation, RelationOther, IDNumber, Phone string
	HukouAddress, ResidenceAddr                    *Address
}

func (d *decoder) rehabilitation(field string, v raw) *Rehabilitation {
	if isNull(v) {
		return nil
	}
	if v[0] != '{' {
		// "是"/"否" or true/false for the whole item.
		b := d.bool(field, v, "接受康复救助情况")
		if b == nil {
			return nil
		}
		return &Rehabilitation{Received: b}
	}
	var w struct{ Received, Detail raw }
	if err := scanObject(v, func(k, val []byte) {
		switch string(k) {
		case "received":
			w.Received = val
		case "detail":
			w.Detail = val
		}
	}); err != nil {
		d.is.Error(field, "type", "接受康复救助情况格式不对："+jsonErrorText(err))
		return nil
	}
	r := &Rehabilitation{Received: d.bool(cat(field, ".received"), w.Received, "是否接受康复救助"), Detail: d.text(cat(field, ".detail"), w.Detail, "康复救助说明")}
	if r.Received == nil && r.Detail == "" {
		return nil
	}
	return r
}

func (d *decoder) help(field string, v raw) *HelpRequest {
	if isNull(v) {
		return nil
	}
	if v[0] != '{' {
		b := d.bool(field, v, "是否主动求助")
		if b == nil {
			return nil
		}
		return &HelpRequest{Requested: b}
	}
	var w struct{ Requested, Detail, Date raw }
	if err := scanObject(v, func(k, val []byte) {
		switch string(k) {
		case "requested":
			w.Requested = val
		case "detail":
			w.Detail = val
		case "date":
			w.Date = val
		}
	}); err != nil {
		d.is.Error(field, "type", "主动求助情况格式不对："+jsonErrorText(err))
		return nil
	}
	h := &HelpRequest{
		Requested: d.bool(cat(field, ".requested"), w.Requested, "是否主动求助"),
		Detail:    d.text(cat(field, ".detail"), w.Detail, "求助说明"),
		Date:      d.date(cat(field, ".date"), w.Date, "求助日期"),
	}
	if h.Requested == nil && h.Detail == "" && h.Date == 0 {
		return nil
	}
	return h
}
