package stats

import (
	"slices"
	"strings"
)

// tableDepartments maps a standard table to the departments whose data it holds, whose opinion
// the work plan's 保障措施（四） requires before it is published: enrolment → 教育 (jiaoyu),
// residence permits → 公安 (gongan), health management → 卫健 (weijian), insurance → 医保
// (yibao), disability → 残联 (canlian). The codes are the account departments (internal/auth).
var tableDepartments = map[string][]string{
	"school_stage": {"jiaoyu"}, "study_status": {"jiaoyu"}, "schooling": {"jiaoyu"},
	"residence_registration": {"gongan"},
	"health_mgmt_0_6":        {"weijian"}, "tcm_0_36m": {"weijian"},
	"medical_insurance": {"yibao"},
	"disability":        {"canlian"},
}

// dimDepartments maps a cross-tab dimension to the departments whose data it holds.
var dimDepartments = map[string][]string{
	"school_stage": {"jiaoyu"}, "study_status": {"jiaoyu"}, "schooling": {"jiaoyu"},
	"residence_registration": {"gongan"},
	"health_mgmt_0_6":        {"weijian"}, "tcm_0_36m": {"weijian"},
	"medical_insurance":   {"yibao"},
	"disability_category": {"canlian"}, "disability_grade": {"canlian"}, "rehabilitation": {"canlian"},
}

// CrossTabKey is the key of a cross-tab in a release: x:<rows>:<cols>.
func CrossTabKey(rows, cols string) string { return "x:" + rows + ":" + cols }

// ParseCrossTabKey splits a release's cross-tab key into its two dimensions; ok is false for a
// key that is not one, or names an unknown dimension, or the same one twice.
func ParseCrossTabKey(key string) (rows, cols string, ok bool) {
	rest, found := strings.CutPrefix(key, "x:")
	if !found {
		return "", "", false
	}
	rows, cols, found = strings.Cut(rest, ":")
	if !found || rows == cols || !slices.Contains(dimOrder, rows) || !slices.Contains(dimOrder, cols) {
		return "", "", false
	}
	return rows, cols, true
}

// ValidReleaseKey reports whether key names a standard table or a cross-tab a release may hold.
func ValidReleaseKey(key string) bool {
	if _, _, ok := ParseCrossTabKey(key); ok {
		return true
	}
	return slices.Contains(StandardTables(), key)
}

// ReleaseDepartments returns the departments whose sign-off a release of these tables and
// cross-tabs needs, in a fixed order.
func ReleaseDepartments(tables []string) []string {
	out := []string{}
	for _, d := range []string{"jiaoyu", "gongan", "weijian", "yibao", "canlian"} {
		for _, t := range tables {
			need := tableDepartments[t]
			if r, c, ok := ParseCrossTabKey(t); ok {
				need = append(slices.Clone(dimDepartments[r]), dimDepartments[c]...)
			}
			if slices.Contains(need, d) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// StandardTables lists the keys of the standard tables, in the order of the report.
func StandardTables() []string {
	out := make([]string, 0, len(sheetNames))
	for _, k := range standardOrder {
		if _, ok := sheetNames[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

var standardOrder = []string{"type", "division", "sex", "age5", "age3", "ethnicity", "origin_province", "parent_work_province",
	"school_stage", "study_status", "schooling", "residence_registration", "health_mgmt_0_6", "tcm_0_36m", "medical_insurance",
	"disability", "guardianship_quality", "guardianship_issue", "family_hardship", "assistance", "key_care_reason"}

// TableTitle returns the short Chinese name of a standard table ("" when unknown).
func TableTitle(key string) string { return sheetNames[key] }
