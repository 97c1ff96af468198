package store

import (
	"strings"

	"guanai/internal/child"
	"guanai/internal/region"
)

// plainColumns are the children table's columns copied in plain text from the record: codes,
// dates, booleans and division codes that search and statistics need. Nothing here identifies a
// person on its own; names, ID numbers, phones, detail addresses, school names and free text stay
// inside the sealed record only. The order matches plainValues.
var plainColumns = []string{
	"sex", "birth_date", "ethnicity", "hukou_registered",
	"res_code", "res_province", "res_prefecture", "res_county", "res_township", "res_village",
	"hukou_code", "hukou_province", "hukou_prefecture", "hukou_county", "hukou_township", "hukou_village",
	"co_residents", "residence_registration", "housing",
	"father_migrant_worker", "father_work_province", "father_capacity",
	"mother_migrant_worker", "mother_work_province", "mother_capacity",
	"caregiver_relation", "guardianship_quality", "guardianship_issue",
	"school_stage", "study_status", "boarding",
	"health", "health_mgmt_0_6", "tcm_mgmt_0_36m", "medical_insurance",
	"disability_types", "disability_grade", "disability_certificate", "rehabilitation",
	"family_hardship", "assistance", "vagrant", "help_requested",
	"collection_method", "reporting_unit", "report_date",
}

// plainValues returns the values of plainColumns for r. Unknown items are NULL.
func plainValues(r *child.Record, out []any) []any {
	res := regionLevels(r.ResidenceAddr.Region())
	huk := regionLevels(r.HukouAddress.Region())
	var fWorker, mWorker *bool
	var fWork, mWork, fCap, mCap string
	if p := r.Father; p != nil {
		fWorker, fWork, fCap = p.MigrantWorker, region.ProvinceOf(p.WorkRegionCode), p.Capacity
	}
	if p := r.Mother; p != nil {
		mWorker, mWork, mCap = p.MigrantWorker, region.ProvinceOf(p.WorkRegionCode), p.Capacity
	}
	var caregiverRelation string
	if r.Caregiver != nil {
		caregiverRelation = r.Caregiver.Relation
	}
	var rehab, help *bool
	if r.Rehabilitation != nil {
		rehab = r.Rehabilitation.Received
	}
	if r.HelpRequested != nil {
		help = r.HelpRequested.Requested
	}
	return append(out,
		text(r.Sex), date(r.BirthDate), text(r.Ethnicity), boolean(r.HukouRegistered),
		res[0], res[1], res[2], res[3], res[4], res[5],
		huk[0], huk[1], huk[2], huk[3], huk[4], huk[5],
		text(r.CoResidents), text(r.ResidenceRegistration), text(r.Housing),
		boolean(fWorker), text(fWork), text(fCap),
		boolean(mWorker), text(mWork), text(mCap),
		text(caregiverRelation), text(r.GuardianshipQuality), text(r.GuardianshipIssue),
		text(r.SchoolStage), text(r.StudyStatus), boolean(r.Boarding),
		set(r.Health), text(r.HealthMgmt06), text(r.TCMMgmt036m), text(r.MedicalInsurance),
		set(r.DisabilityTypes), text(r.DisabilityGrade), boolean(r.DisabilityCertificate), boolean(rehab),
		set(r.FamilyHardship), set(r.Assistance), boolean(r.Vagrant), boolean(help),
		text(r.CollectionMethod), text(r.ReportingUnit), date(r.ReportDate),
	)
}

// regionLevels returns a division code as given and its province, prefecture, county, township
// and village prefixes; levels deeper than the code are NULL.
func regionLevels(code string) [6]any {
	var out [6]any
	if code == "" {
		return out
	}
	out[0] = code
	for i, n := range [...]int{2, 4, 6, 9, 12} {
		if len(code) >= n {
			out[i+1] = code[:n]
		}
	}
	return out
}

// text is NULL for "".
func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// date is NULL for the zero date, else yyyymmdd.
func date(d child.Date) any {
	if d == 0 {
		return nil
	}
	return int64(d)
}

// boolean is NULL for an unknown yes/no.
func boolean(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

// set stores a code set as ",a,b," so that membership is LIKE '%,a,%'; the empty set (无) is ""
// and an unknown set NULL.
func set(codes []string) any {
	if codes == nil {
		return nil
	}
	if len(codes) == 0 {
		return ""
	}
	return "," + strings.Join(codes, ",") + ","
}

// splitSet reverses set.
func splitSet(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
