package store

import (
	"encoding/json"
	"strings"

	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/region"
)

// itemLabels are the Chinese names of the record's items (DATA.md's 中文 column).
var itemLabels = map[string]string{
	"ref": "外部编号", "name": "姓名", "sex": "性别", "birth_date": "出生日期", "ethnicity": "民族",
	"id_number": "公民身份号码", "hukou_registered": "是否登记户口", "hukou_address": "户籍地址",
	"residence_address": "现居住地", "co_residents": "共同居住人", "residence_registration": "居住登记",
	"housing": "居住类型", "left_hukou_date": "离开户籍地日期", "arrived_date": "来现居住地日期",
	"guardianship_quality": "监护情况", "guardianship_issue": "监护问题", "school_stage": "就学情况",
	"school_name": "就读学校", "study_status": "学业状况", "boarding": "是否学校寄宿", "health": "健康状况",
	"health_mgmt_0_6": "0-6岁儿童健康管理服务", "tcm_mgmt_0_36m": "0-36个月儿童中医药健康管理服务",
	"medical_insurance": "纳入医保情况", "disability_types": "残疾类别", "disability_grade": "残疾等级",
	"disability_certificate": "是否持有残疾人证", "disability_certificate_no": "残疾人证号",
	"rehabilitation": "接受康复救助情况", "father": "父亲", "mother": "母亲",
	"both_parents_away": "父母双方同时外出", "one_away_other_incapable": "父母一方外出、另一方无监护能力",
	"other_guardian": "其他监护人", "caregiver": "受委托照护人", "family_hardship": "家庭困难情况",
	"family_hardship_other": "家庭困难情况（其他说明）", "assistance": "生活保障情况", "vagrant": "是否流浪",
	"help_requested": "主动提出救助帮扶需求", "collection_method": "采集方式", "reporting_unit": "填报单位",
	"report_date": "填报日期",
}

// subLabels name the items inside the nested objects: persons, addresses, rehabilitation and
// the help request.
var subLabels = map[string]string{
	"name": "姓名", "id_number": "公民身份号码", "phone": "联系方式", "hukou_address": "户籍地址",
	"residence_address": "现居住地", "migrant_worker": "是否外出务工", "work_region_code": "务工地",
	"work_since": "外出务工起始日期", "capacity": "监护能力", "relation": "与儿童关系",
	"relation_other": "与儿童关系（其他）", "present": "有无受委托照护人",
}

var objectLabels = map[string]map[string]string{
	"address":        {"region_code": "区划代码", "detail": "详细地址"},
	"rehabilitation": {"received": "是否接受", "detail": "说明"},
	"help_requested": {"requested": "是否提出", "detail": "说明", "date": "日期"},
}

// FieldLabel returns the Chinese name of a record item given by its JSON path:
// "father.phone" → 父亲联系方式, "hukou_address.region_code" → 户籍地址（区划代码）. Unknown paths
// are returned as they are.
func FieldLabel(path string) string {
	parts := strings.Split(path, ".")
	top, ok := itemLabels[parts[0]]
	if !ok {
		return path
	}
	if len(parts) == 1 {
		return top
	}
	switch parts[0] {
	case "hukou_address", "residence_address":
		return top + paren(objectLabels["address"], parts[1])
	case "rehabilitation", "help_requested":
		return top + paren(objectLabels[parts[0]], parts[1])
	case "father", "mother", "other_guardian", "caregiver":
		if parts[1] == "present" {
			return subLabels["present"]
		}
		sub, ok := subLabels[parts[1]]
		if !ok {
			return path
		}
		if len(parts) == 3 {
			return top + sub + paren(objectLabels["address"], parts[2])
		}
		return top + sub
	}
	return path
}

func paren(labels map[string]string, k string) string {
	if l, ok := labels[k]; ok {
		return "（" + l + "）"
	}
	return "（" + k + "）"
}

// codeTableOf returns the code table of a leaf, or nil.
func codeTableOf(path string) *child.CodeTable {
	last := path[strings.LastIndexByte(path, '.')+1:]
	switch path {
	case "caregiver.relation":
		return child.CaregiverRelation
	}
	switch last {
	case "sex":
		return child.Sex
	case "ethnicity":
		return child.Ethnicity
	case "co_residents":
		return child.CoResidents
	case "residence_registration":
		return child.ResidenceRegistration
	case "housing":
		return child.Housing
	case "guardianship_quality":
		return child.GuardianshipQuality
	case "guardianship_issue":
		return child.GuardianshipIssue
	case "school_stage":
		return child.SchoolStage
	case "study_status":
		return child.StudyStatus
	case "health":
		return child.Health
	case "health_mgmt_0_6", "tcm_mgmt_0_36m":
		return child.HealthService
	case "medical_insurance":
		return child.MedicalInsurance
	case "disability_types":
		return child.DisabilityType
	case "disability_grade":
		return child.DisabilityGrade
	case "capacity":
		return child.Capacity
	case "family_hardship":
		return child.FamilyHardship
	case "assistance":
		return child.Assistance
	case "collection_method":
		return child.CollectionMethod
	}
	return nil
}

// Sensitive reports whether the item at path is personal information that is shown masked by
// default: names, ID and certificate numbers, phones, detail addresses, the school and free text.
func Sensitive(path string) bool {
	last := path[strings.LastIndexByte(path, '.')+1:]
	switch last {
	case "name", "id_number", "phone", "detail", "relation_other":
		return true
	}
	switch path {
	case "school_name", "disability_certificate_no", "family_hardship_other", "ref":
		return true
	}
	return false
}

// displayValue renders a stored JSON leaf for a person: codes as their Chinese labels, yes/no as
// 是/否, sets joined with 、 (empty = 无), division codes with their names; sensitive values
// masked unless reveal.
func displayValue(path string, raw json.RawMessage, reveal bool) string {
	if len(raw) == 0 {
		return "（空）"
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case []any:
		if len(x) == 0 {
			return "无"
		}
		t := codeTableOf(path)
		parts := make([]string, 0, len(x))
		for _, e := range x {
			s, _ := e.(string)
			if t != nil && t.Label(s) != "" {
				s = t.Label(s)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "、")
	case string:
		if !reveal && Sensitive(path) {
			return mask(path, x)
		}
		if t := codeTableOf(path); t != nil {
			if l := t.Label(x); l != "" {
				return l
			}
		}
		if strings.HasSuffix(path, "region_code") {
			if name := region.Default().FullName(x); name != "" {
				return x + " " + name
			}
		}
		return x
	}
	return string(raw)
}

// mask hides a sensitive value the way the rest of guanai shows it.
func mask(path, v string) string {
	last := path[strings.LastIndexByte(path, '.')+1:]
	switch {
	case last == "name":
		return child.MaskName(v)
	case last == "id_number" || path == "disability_certificate_no":
		return idcard.Mask(v)
	case last == "phone":
		return child.MaskPhone(v)
	case last == "detail" && strings.HasSuffix(strings.TrimSuffix(path, ".detail"), "address"):
		return child.MaskDetail(v)
	}
	return "（已隐藏）"
}
