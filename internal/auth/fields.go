package auth

import (
	"slices"
	"strings"
)

// identityFields are the items of a record every role that reads children sees: what
// identifies the child and where it lives.
var identityFields = []string{"ref", "name", "sex", "birth_date", "ethnicity", "id_number", "hukou_registered",
	"hukou_address", "residence_address"}

// departmentFields are the items of a record (top-level keys of DATA.md) that a department
// officer (部门业务员) sees besides the identity: its own domain.
var departmentFields = map[string][]string{
	"jiaoyu":  {"school_stage", "school_name", "study_status", "boarding"},
	"gongan":  {"residence_registration", "left_hukou_date", "arrived_date", "co_residents", "father", "mother", "other_guardian", "caregiver", "vagrant", "guardianship_quality", "guardianship_issue"},
	"weijian": {"health", "health_mgmt_0_6", "tcm_mgmt_0_36m"},
	"jikong":  {"health", "health_mgmt_0_6", "tcm_mgmt_0_36m"},
	"yibao":   {"medical_insurance"},
	"canlian": {"health", "disability_types", "disability_grade", "disability_certificate", "disability_certificate_no", "rehabilitation"},
}

// FieldView returns the top-level record items the principal may see, or all = true. Only a
// department officer (without a civil-affairs role) has a restricted view: the identity plus
// its department's items; civil affairs (民政) officers see everything.
func (p *Principal) FieldView() (fields []string, all bool) {
	if p == nil || slices.Contains(p.Roles, RoleCollector) || slices.Contains(p.Roles, RoleReviewer) ||
		!slices.Contains(p.Roles, RoleOfficer) || p.Department == "minzheng" {
		return nil, true
	}
	return append(slices.Clone(identityFields), departmentFields[p.Department]...), false
}

// SeesField reports whether the principal's field view includes the item at a JSON path
// (father.phone is in the view when father is).
func (p *Principal) SeesField(path string) bool {
	fields, all := p.FieldView()
	if all {
		return true
	}
	top, _, _ := strings.Cut(path, ".")
	return slices.Contains(fields, top)
}
