package roster

import (
	"slices"
	"strings"

	"guanai/internal/child"
)

// Contradiction is a roster fact that disagrees with a value the child's record already holds.
// It is never applied: it becomes a discrepancy (差异) for a person to check.
type Contradiction struct {
	Field  string `json:"field"`  // DATA.md path: study_status, medical_insurance …
	Label  string `json:"label"`  // its Chinese name
	Record string `json:"record"` // the record's value as people read it (labels for codes)
	Roster string `json:"roster"` // the roster's value
}

// MergeResult is what a roster row does to a child's record.
type MergeResult struct {
	// Record is the child's record with the roster's facts where the record had none (or had a
	// less precise one: 已接受 → 在居住地接受, 已纳入医保 → 纳入居住地医保).
	Record child.Record
	// Filled lists the paths the roster filled or refined, in the department's order.
	Filled []string
	// Contradictions are the facts that disagree with the record and were not applied.
	Contradictions []Contradiction
}

// Merge lays the department facts of roster row r over rec. Only the department's items are
// touched (a school roster never changes insurance); an item the record leaves empty is filled;
// an equal one is left alone; a different one is a contradiction and is not applied. rec is
// not modified.
func Merge(r *Record, rec child.Record) MergeResult {
	m := merger{res: MergeResult{Record: rec}}
	out := &m.res.Record
	switch r.Department {
	case Education:
		out.SchoolName = m.text("school_name", "就读学校", out.SchoolName, r.SchoolName)
		out.SchoolStage = m.code("school_stage", child.SchoolStage, out.SchoolStage, r.SchoolStage, nil)
		out.StudyStatus = m.code("study_status", child.StudyStatus, out.StudyStatus, r.StudyStatus, nil)
		out.Boarding = m.boolean("boarding", "是否学校寄宿", out.Boarding, r.Boarding)
	case Police:
		out.ResidenceRegistration = m.code("residence_registration", child.ResidenceRegistration, out.ResidenceRegistration, r.ResidenceRegistration, nil)
	case Health:
		out.HealthMgmt06 = m.code("health_mgmt_0_6", child.HealthService, out.HealthMgmt06, r.HealthMgmt06, refineService)
		out.TCMMgmt036m = m.code("tcm_mgmt_0_36m", child.HealthService, out.TCMMgmt036m, r.TCMMgmt036m, refineService)
		out.Immunization = m.code("immunization", child.ImmunizationStatus, out.Immunization, child.ParseImmunization(r.Immunization), nil)
	case Insurance:
		out.MedicalInsurance = m.code("medical_insurance", child.MedicalInsurance, out.MedicalInsurance, InsuranceCode(r, &rec), refineInsurance)
	case Disability:
		m.disability(r, out)
	default:
		m.rolls(r, out)
	}
	return m.res
}

type merger struct{ res MergeResult }

func (m *merger) filled(path string) { m.res.Filled = append(m.res.Filled, path) }

func (m *merger) contradict(path, label, have, roster string) {
	m.res.Contradictions = append(m.res.Contradictions, Contradiction{Field: path, Label: label, Record: have, Roster: roster})
}

// text merges a free text compared after normalisation (spaces, full-width).
func (m *merger) text(path, label, have, roster string) string {
	if roster == "" {
		return have
	}
	if have == "" {
		m.filled(path)
		return roster
	}
	if textKey(have) != textKey(roster) {
		m.contradict(path, label, have, roster)
	}
	return have
}

func textKey(s string) string {
	return strings.Join(strings.Fields(child.NormalizeText(s)), "")
}

// refine says whether roster value want may replace the record's have as a more precise form of
// the same fact (ok), or is a less precise form of it (same), or neither (a contradiction).
type refine func(have, want string) (ok, same bool)

func (m *merger) code(path string, t *child.CodeTable, have, want string, rf refine) string {
	if want == "" || want == have {
		return have
	}
	if have == "" {
		m.filled(path)
		return want
	}
	if rf != nil {
		ok, same := rf(have, want)
		if ok {
			m.filled(path)
			return want
		}
		if same {
			return have
		}
	}
	m.contradict(path, t.Item, t.Label(have), t.Label(want))
	return have
}

// refineService: 已接受 is a less precise 在户籍地接受 / 在居住地接受.
func refineService(have, want string) (bool, bool) {
	specific := func(c string) bool { return c == "received_hukou" || c == "received_residence" }
	switch {
	case have == "received" && specific(want):
		return true, false
	case specific(have) && want == "received":
		return false, true
	}
	return false, false
}

// refineInsurance: 已纳入医保 is a less precise 纳入户籍地医保 / 纳入居住地医保.
func refineInsurance(have, want string) (bool, bool) {
	specific := func(c string) bool { return c == "hukou_place" || c == "residence_place" }
	switch {
	case have == "insured" && specific(want):
		return true, false
	case specific(have) && want == "insured":
		return false, true
	}
	return false, false
}

func yesNo(b *bool) string {
	if b == nil {
		return ""
	}
	if *b {
		return "是"
	}
	return "否"
}

func (m *merger) boolean(path, label string, have, want *bool) *bool {
	if want == nil {
		return have
	}
	if have == nil {
		m.filled(path)
		v := *want
		return &v
	}
	if *have != *want {
		m.contradict(path, label, yesNo(have), yesNo(want))
	}
	return have
}

// InsuranceCode returns the 纳入医保情况 a roster row says for the child of rec: the stated code;
// else, for an insured child, 纳入户籍地医保 or 纳入居住地医保 when the place of insurance lies in
// the county (else the prefecture) of the child's hukou or residence, 已纳入医保 when it says
// neither; 未纳入医保 for a child not insured.
func InsuranceCode(r *Record, rec *child.Record) string {
	if r.MedicalInsurance != "" && r.MedicalInsurance != "insured" {
		return r.MedicalInsurance
	}
	if r.Insured == nil {
		return r.MedicalInsurance
	}
	if !*r.Insured {
		return "none"
	}
	place := r.InsuranceRegion
	if place == "" {
		return "insured"
	}
	hukou, res := "", ""
	if rec.HukouAddress != nil {
		hukou = rec.HukouAddress.RegionCode
	}
	if rec.ResidenceAddr != nil {
		res = rec.ResidenceAddr.RegionCode
	}
	for _, n := range []int{6, 4} {
		in := func(code string) bool { return len(code) >= n && len(place) >= n && code[:n] == place[:n] }
		switch {
		case in(hukou) && in(res):
			return "insured" // the child lives where its hukou is: either reading holds
		case in(hukou):
			return "hukou_place"
		case in(res):
			return "residence_place"
		}
	}
	return "insured"
}

func (m *merger) disability(r *Record, out *child.Record) {
	holds := r.CertificateNo != "" || len(r.DisabilityTypes) > 0
	if len(r.DisabilityTypes) > 0 {
		switch {
		case out.DisabilityTypes == nil:
			out.DisabilityTypes = slices.Clone(r.DisabilityTypes)
			m.filled("disability_types")
		case !slices.Equal(child.DisabilityType.SortSet(slices.Clone(out.DisabilityTypes)), child.DisabilityType.SortSet(slices.Clone(r.DisabilityTypes))):
			m.contradict("disability_types", "残疾类别", setLabel(child.DisabilityType, out.DisabilityTypes), setLabel(child.DisabilityType, r.DisabilityTypes))
		}
	}
	out.DisabilityGrade = m.code("disability_grade", child.DisabilityGrade, out.DisabilityGrade, r.DisabilityGrade, nil)
	if holds {
		switch {
		case out.Health == nil:
			out.Health = []string{"disabled"}
			m.filled("health")
		case slices.Contains(out.Health, "disabled"):
		case slices.Contains(out.Health, "healthy"):
			m.contradict("health", "健康状况", setLabel(child.Health, out.Health), child.Health.Label("disabled"))
		default:
			out.Health = child.Health.SortSet(append(slices.Clone(out.Health), "disabled"))
			m.filled("health")
		}
	}
	if r.CertificateNo != "" {
		out.DisabilityCertificate = m.boolean("disability_certificate", "是否持有残疾人证", out.DisabilityCertificate, child.Bool(true))
		out.DisabilityCertificateNo = m.text("disability_certificate_no", "残疾人证号", out.DisabilityCertificateNo, r.CertificateNo)
	}
	if rh := r.Rehabilitation; rh != nil {
		cur := out.Rehabilitation
		next := &child.Rehabilitation{}
		if cur != nil {
			*next = *cur
		}
		changed := false
		if rh.Received != nil {
			switch {
			case next.Received == nil:
				next.Received, changed = child.Bool(*rh.Received), true
			case *next.Received != *rh.Received:
				m.contradict("rehabilitation.received", "接受康复救助情况", yesNo(next.Received), yesNo(rh.Received))
			}
		}
		if rh.Detail != "" && next.Detail == "" {
			next.Detail, changed = rh.Detail, true
		}
		if changed {
			out.Rehabilitation = next
			m.filled("rehabilitation")
		}
	}
}

func setLabel(t *child.CodeTable, codes []string) string {
	if len(codes) == 0 {
		return "无"
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = t.Label(c)
	}
	return strings.Join(out, "、")
}
