package child

import (
	"strconv"
	"strings"

	"guanai/internal/idcard"
	"guanai/internal/region"
)

// Validate checks a record as DATA.md asks: required items, names, identity numbers (GB 11643)
// against birth date and sex, phones, division codes, dates in order and not in the future, and
// the rules between items. It normalises in place what it can (a 15-digit identity number
// becomes 18 digits, phones their canonical form) and drops values that are errors, so that
// what remains can be classified. Findings are added to is.
func Validate(r *Record, is *Issues, opt Options) {
	v := validator{r: r, is: is, opt: &opt}
	v.child()
	v.parent("father", "父亲", r.Father, idcard.Male)
	v.parent("mother", "母亲", r.Mother, idcard.Female)
	v.guardian()
	v.caregiver()
	v.family()
}

type validator struct {
	r   *Record
	is  *Issues
	opt *Options
}

func (v *validator) child() {
	r, is := v.r, v.is
	if !is.HasError("name") {
		switch nameProblem(r.Name) {
		case "length":
			if r.Name == "" {
				is.Error("name", "required", "姓名为必填项")
			} else {
				is.Error("name", "length", "姓名应为 1–40 个字")
			}
			r.Name = ""
		case "chars":
			is.Error("name", "chars", "姓名“"+r.Name+"”含有不允许的字符：只能是汉字、字母和少数民族姓名中间的圆点“·”")
			r.Name = ""
		}
	}
	if r.Sex == "0" || r.Sex == "9" {
		msg := "性别为“" + Sex.Label(r.Sex) + "”，请核实后填写男或女"
		if v.opt.Import {
			is.Warn("sex", "sex_unspecified", msg)
		} else {
			is.Error("sex", "sex_unspecified", msg)
			r.Sex = ""
		}
	}
	if r.BirthDate == 0 {
		if !is.HasError("birth_date") {
			is.Error("birth_date", "required", "出生日期为必填项")
		}
	} else if v.future(r.BirthDate) {
		is.Error("birth_date", "future", "出生日期 "+r.BirthDate.String()+" 晚于今天")
		r.BirthDate = 0
	} else if oldest := v.oldestBirth(); r.BirthDate < oldest {
		is.Error("birth_date", "too_old", "出生日期 "+r.BirthDate.String()+" 早于 "+oldest.String()+"（"+
			strconv.Itoa(MaxAgeYears)+" 年前），不是儿童的出生日期，请核实")
		r.BirthDate = 0
	}
	v.childID()
	v.address("hukou_address", "户籍地址", r.HukouAddress)
	v.address("residence_address", "现居住地", r.ResidenceAddr)

	if r.LeftHukouDate != 0 {
		switch {
		case v.future(r.LeftHukouDate):
			is.Error("left_hukou_date", "future", "离开户籍地日期 "+r.LeftHukouDate.String()+" 晚于今天")
			r.LeftHukouDate = 0
		case r.BirthDate != 0 && r.LeftHukouDate < r.BirthDate:
			is.Error("left_hukou_date", "before_birth", "离开户籍地日期 "+r.LeftHukouDate.String()+" 早于出生日期 "+r.BirthDate.String())
			r.LeftHukouDate = 0
		}
	}
	if r.ArrivedDate != 0 {
		switch {
		case v.future(r.ArrivedDate):
			is.Error("arrived_date", "future", "来现居住地日期 "+r.ArrivedDate.String()+" 晚于今天")
			r.ArrivedDate = 0
		case r.LeftHukouDate != 0 && r.ArrivedDate < r.LeftHukouDate:
			is.Error("arrived_date", "before_left", "来现居住地日期 "+r.ArrivedDate.String()+" 早于离开户籍地日期 "+r.LeftHukouDate.String())
			r.ArrivedDate = 0
		case r.BirthDate != 0 && r.ArrivedDate < r.BirthDate:
			is.Error("arrived_date", "before_birth", "来现居住地日期 "+r.ArrivedDate.String()+" 早于出生日期 "+r.BirthDate.String())
			r.ArrivedDate = 0
		}
	}
	if len(r.Health) > 1 {
		for _, h := range r.Health {
			if h == "healthy" {
				is.Error("health", "exclusive", "健康状况选了“健康”又选了"+labels(Health, without(r.Health, "healthy"))+"，两者不能同时成立")
				r.Health = nil
				break
			}
		}
	}
	if len(r.DisabilityTypes) > 0 && r.DisabilityGrade == "" && !is.HasError("disability_grade") {
		is.Error("disability_grade", "required", "填写了残疾类别（"+labels(DisabilityType, r.DisabilityTypes)+"），残疾等级为必填项")
	}
	if r.DisabilityGrade != "" && r.DisabilityTypes != nil && len(r.DisabilityTypes) == 0 {
		is.Warn("disability_grade", "grade_without_type", "残疾类别为“无”，却填写了残疾等级“"+DisabilityGrade.Label(r.DisabilityGrade)+"”")
	} else if r.DisabilityGrade != "" && r.DisabilityTypes == nil {
		is.Warn("disability_grade", "grade_without_type", "填写了残疾等级“"+DisabilityGrade.Label(r.DisabilityGrade)+"”，未填写残疾类别")
	}
	v.certificate()
	if r.HelpRequested != nil && r.HelpRequested.Date != 0 && v.future(r.HelpRequested.Date) {
		is.Error("help_requested.date", "future", "求助日期 "+r.HelpRequested.Date.String()+" 晚于今天")
		r.HelpRequested.Date = 0
	}
	if r.ReportDate != 0 && v.future(r.ReportDate) {
		is.Error("report_date", "future", "填报日期 "+r.ReportDate.String()+" 晚于今天")
		r.ReportDate = 0
	}
}

func (v *validator) future(d Date) bool { return v.opt.Today != 0 && d > v.opt.Today }

// MaxAgeYears bounds a birth date: a record is of a child (under 18; archived records of young
// adults stay a few years), so a birth date more than MaxAgeYears before the as-of date is a
// typing or conversion error (1800-01-01, a parent's birth date, a year 19xx for 20xx).
const MaxAgeYears = 25

// oldestBirth is the earliest birth date accepted, MaxAgeYears before the as-of date (0, no
// bound, without one).
func (v *validator) oldestBirth() Date {
	if v.opt.Today == 0 {
		return 0
	}
	return v.opt.Today.AddYears(-MaxAgeYears)
}

// childID checks the child's identity number, required when the child has a hukou.
func (v *validator) childID() {
	r, is := v.r, v.is
	if is.HasError("id_number") {
		return
	}
	if r.IDNumber == "" {
		if r.HukouRegistered != nil && *r.HukouRegistered {
			is.Error("id_number", "required", "已登记户口的儿童，公民身份号码为必填项")
		}
		return
	}
	id, ok := v.idNumber("id_number", "公民身份号码", r.IDNumber)
	if !ok {
		r.IDNumber = ""
		return
	}
	r.IDNumber = id.Number
	born := DateOf(id.Birth)
	if r.BirthDate != 0 && born != r.BirthDate {
		is.Warn("id_number", "id_birth_mismatch", "公民身份号码中的出生日期 "+born.String()+" 与填写的出生日期 "+r.BirthDate.String()+" 不一致")
	}
	if r.Sex == "1" || r.Sex == "2" {
		if idSex := sexCode(id.Sex); idSex != r.Sex {
			is.Warn("id_number", "id_sex_mismatch", "公民身份号码第 17 位表示性别为“"+Sex.Label(idSex)+"”，与填写的性别“"+Sex.Label(r.Sex)+"”不一致")
		}
	}
	if r.HukouRegistered != nil && !*r.HukouRegistered {
		is.Warn("hukou_registered", "id_without_hukou", "填写了公民身份号码，但“是否登记户口”为否")
	}
}

func sexCode(s int) string {
	if s == idcard.Male {
		return "1"
	}
	return "2"
}

// idNumber parses an identity number, reporting errors and the 15→18 conversion under field.
func (v *validator) idNumber(field, item, s string) (idcard.ID, bool) {
	id, err := idcard.Parse(s)
	if err != nil {
		e, _ := err.(*idcard.Error)
		code, msg := "id_invalid", err.Error()
		if e != nil {
			code, msg = e.Code, e.Message
			if !strings.HasPrefix(msg, "公民身份号码") {
				msg = item + "：" + msg
			} else if item != "公民身份号码" {
				msg = strings.Replace(msg, "公民身份号码", item, 1)
			}
		}
		v.is.Error(field, code, msg)
		return idcard.ID{}, false
	}
	if id.Converted {
		v.is.Warn(field, "converted_15", item+"为 15 位旧号码，已按 GB 11643-1999 转换为 18 位："+id.Number)
	}
	if v.opt.Today != 0 && DateOf(id.Birth) > v.opt.Today {
		v.is.Error(field, "birth_date", item+"中的出生日期 "+DateOf(id.Birth).String()+" 晚于今天")
		return idcard.ID{}, false
	}
	return id, true
}

// address checks that a division code exists in the division table.
func (v *validator) address(field, item string, a *Address) {
	if a == nil || a.RegionCode == "" {
		return
	}
	v.regionCode(cat(field, ".region_code"), item, &a.RegionCode)
	if n := len(a.RegionCode); n > 0 && n < 6 {
		name := v.opt.regions().FullName(a.RegionCode)
		v.is.Warn(cat(field, ".region_code"), "region_level", item+"区划代码只到"+map[bool]string{true: "省级", false: "地级"}[n == 2]+"（"+name+"），应至少到县级（6 位）")
	}
}

func (v *validator) regionCode(field, item string, code *string) {
	n, ok := region.Normalize(*code)
	if !ok {
		v.is.Error(field, "region_format", item+"区划代码“"+*code+"”格式不对：应为 6 位（县级）、9 位（乡级）或 12 位（村级）数字")
		*code = ""
		return
	}
	*code = n
	if _, ok := v.opt.regions().Lookup(n); !ok {
		msg := item + "区划代码 " + n + " 不在全国行政区划代码表（国家统计局 2023 年）中"
		if v.opt.Import {
			v.is.Warn(field, "region_unknown", msg+"，可能是旧代码，请核实")
		} else {
			v.is.Error(field, "region_unknown", msg)
		}
	}
}

func (v *validator) certificate() {
	r, is := v.r, v.is
	if r.DisabilityCertificateNo == "" || is.HasError("disability_certificate_no") {
		return
	}
	cert, err := idcard.ParseDisabilityCert(r.DisabilityCertificateNo)
	if err != nil {
		e, _ := err.(*idcard.Error)
		code, msg := "certificate_invalid", err.Error()
		if e != nil {
			code, msg = e.Code, e.Message
		}
		is.Error("disability_certificate_no", code, msg)
		r.DisabilityCertificateNo = ""
		return
	}
	r.DisabilityCertificateNo = cert.Number
	if r.IDNumber != "" && cert.Holder.Number != r.IDNumber {
		is.Warn("disability_certificate_no", "certificate_mismatch", "残疾人证号前 18 位与儿童的公民身份号码不一致")
	}
	if want := disabilityCategory(r.DisabilityTypes); want != 0 && want != cert.Category {
		is.Warn("disability_certificate_no", "certificate_mismatch", "残疾人证号的残疾类别位与填写的残疾类别（"+labels(DisabilityType, r.DisabilityTypes)+"）不一致")
	}
	if r.DisabilityGrade != "" && r.DisabilityGrade[0]-'0' != byte(cert.Grade) {
		is.Warn("disability_certificate_no", "certificate_mismatch", "残疾人证号的残疾等级位与填写的残疾等级“"+DisabilityGrade.Label(r.DisabilityGrade)+"”不一致")
	}
	if r.DisabilityCertificate != nil && !*r.DisabilityCertificate {
		is.Warn("disability_certificate", "certificate_mismatch", "填写了残疾人证号，但“是否持有残疾人证”为否")
	}
}

// disabilityCategory returns the certificate's category digit for a set of types: the type's own
// digit for one type, 7 (多重) for two or more, 0 for none.
func disabilityCategory(types []string) int {
	switch len(types) {
	case 0:
		return 0
	case 1:
		return map[string]int{"visual": 1, "hearing": 2, "speech": 3, "physical": 4, "intellectual": 5, "mental": 6}[types[0]]
	}
	return 7
}

func (v *validator) parent(field, item string, p *Parent, wantSex int) {
	if p == nil {
		return
	}
	is := v.is
	v.personName(cat(field, ".name"), cat(item, "姓名"), &p.Name)
	if p.IDNumber != "" && !is.HasError(cat(field, ".id_number")) {
		if id, ok := v.idNumber(cat(field, ".id_number"), cat(item, "公民身份号码"), p.IDNumber); ok {
			p.IDNumber = id.Number
			if id.Sex != wantSex {
				is.Warn(cat(field, ".id_number"), "parent_sex", item+"公民身份号码第 17 位表示性别为“"+Sex.Label(sexCode(id.Sex))+"”，与“"+cat(item, "”不符"))
			}
		} else {
			p.IDNumber = ""
		}
	}
	v.phone(cat(field, ".phone"), cat(item, "联系方式"), &p.Phone)
	v.address(cat(field, ".hukou_address"), cat(item, "户籍地址"), p.HukouAddress)
	v.address(cat(field, ".residence_address"), cat(item, "现居住地"), p.ResidenceAddr)
	if p.WorkRegionCode != "" && !is.HasError(cat(field, ".work_region_code")) {
		// A work place may be named down to any level, the province included.
		n, ok := region.Normalize(p.WorkRegionCode)
		if !ok {
			if res, err := v.opt.regions().Resolve(p.WorkRegionCode); err == nil {
				n, ok = res.Code, true
			}
		}
		if !ok {
			is.Error(cat(field, ".work_region_code"), "region_format", item+"务工地“"+p.WorkRegionCode+"”应为行政区划代码（2、4、6、9 或 12 位）或可识别的地名")
			p.WorkRegionCode = ""
		} else {
			p.WorkRegionCode = n
			v.regionCode(cat(field, ".work_region_code"), cat(item, "务工地"), &p.WorkRegionCode)
		}
	}
	if p.WorkSince != 0 && v.future(p.WorkSince) {
		is.Error(cat(field, ".work_since"), "future", item+"外出务工起始日期 "+p.WorkSince.String()+" 晚于今天")
		p.WorkSince = 0
	}
}

func (v *validator) personName(field, item string, name *string) {
	if *name == "" || v.is.HasError(field) {
		return
	}
	switch nameProblem(*name) {
	case "length":
		v.is.Error(field, "length", cat(item, "应为 1–40 个字"))
		*name = ""
	case "chars":
		v.is.Error(field, "chars", item+"“"+*name+"”含有不允许的字符：只能是汉字、字母和圆点“·”")
		*name = ""
	}
}

func (v *validator) phone(field, item string, phone *string) {
	if *phone == "" || v.is.HasError(field) {
		return
	}
	n, ok := NormalizePhone(*phone)
	if !ok {
		v.is.Error(field, "phone", item+"“"+*phone+"”不是有效的电话号码：手机号应为 11 位（1 开头），固定电话应带区号（如 0473-1234567）")
		*phone = ""
		return
	}
	*phone = n
}

func (v *validator) guardian() {
	g := v.r.OtherGuardian
	if g == nil {
		return
	}
	v.personName("other_guardian.name", "其他监护人姓名", &g.Name)
	if g.IDNumber != "" && !v.is.HasError("other_guardian.id_number") {
		if id, ok := v.idNumber("other_guardian.id_number", "其他监护人公民身份号码", g.IDNumber); ok {
			g.IDNumber = id.Number
		} else {
			g.IDNumber = ""
		}
	}
	v.phone("other_guardian.phone", "其他监护人联系方式", &g.Phone)
	v.address("other_guardian.hukou_address", "其他监护人户籍地址", g.HukouAddress)
	v.address("other_guardian.residence_address", "其他监护人现居住地", g.ResidenceAddr)
}

func (v *validator) caregiver() {
	c := v.r.Caregiver
	if c == nil {
		return
	}
	v.personName("caregiver.name", "受委托照护人姓名", &c.Name)
	if c.IDNumber != "" && !v.is.HasError("caregiver.id_number") {
		if id, ok := v.idNumber("caregiver.id_number", "受委托照护人公民身份号码", c.IDNumber); ok {
			c.IDNumber = id.Number
		} else {
			c.IDNumber = ""
		}
	}
	v.phone("caregiver.phone", "受委托照护人联系方式", &c.Phone)
	v.address("caregiver.hukou_address", "受委托照护人户籍地址", c.HukouAddress)
	v.address("caregiver.residence_address", "受委托照护人现居住地", c.ResidenceAddr)
	if c.Present != nil && !*c.Present && (c.Name != "" || c.IDNumber != "") {
		v.is.Warn("caregiver.present", "caregiver_present", "“有无受委托照护人”为无，却填写了受委托照护人信息")
	}
}

func (v *validator) family() {
	r, is := v.r, v.is
	for _, h := range r.FamilyHardship {
		if h == "other" && r.FamilyHardshipOther == "" {
			is.Error("family_hardship_other", "required", "家庭困难情况选择了“其他”，请填写具体说明")
		}
	}
}

// labels joins the Chinese labels of codes with 、.
func labels(t *CodeTable, codes []string) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = t.Label(c)
	}
	return strings.Join(parts, "、")
}

func without(set []string, drop string) []string {
	out := make([]string, 0, len(set))
	for _, s := range set {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}
