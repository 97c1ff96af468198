package web

import (
	"net/http"

	"guanai/internal/child"
	"guanai/internal/region"
	"guanai/internal/rules"
)

// codeTables are the code tables the UI offers, by item key.
var codeTables = map[string]*child.CodeTable{
	"sex": child.Sex, "ethnicity": child.Ethnicity, "co_residents": child.CoResidents,
	"residence_registration": child.ResidenceRegistration, "housing": child.Housing,
	"guardianship_quality": child.GuardianshipQuality, "guardianship_issue": child.GuardianshipIssue,
	"school_stage": child.SchoolStage, "study_status": child.StudyStatus, "health": child.Health,
	"health_service": child.HealthService, "medical_insurance": child.MedicalInsurance,
	"disability_types": child.DisabilityType, "disability_grade": child.DisabilityGrade,
	"capacity": child.Capacity, "caregiver_relation": child.CaregiverRelation,
	"family_hardship": child.FamilyHardship, "assistance": child.Assistance,
	"collection_method": child.CollectionMethod, "status": child.Status,
}

type codeJSON struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

func (s *Server) codes(w http.ResponseWriter, r *http.Request) {
	out := make(map[string][]codeJSON, len(codeTables)+1)
	for k, t := range codeTables {
		for _, c := range t.Codes() {
			out[k] = append(out[k], codeJSON{c.Code, c.Label})
		}
	}
	for _, c := range []string{rules.ReasonFamilyHardship, rules.ReasonDisability, rules.ReasonGuardianshipMissing, rules.ReasonVagrant, rules.ReasonPsychBehavioral, rules.ReasonHelpRequested} {
		out["key_care_reason"] = append(out["key_care_reason"], codeJSON{c, rules.ReasonLabel(c)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"codes": out, "rule_version": rules.Version})
}

type divisionJSON struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Level    int    `json:"level"`
	FullName string `json:"full_name,omitempty"`
	Leaf     bool   `json:"leaf"`
}

func (s *Server) division(d region.Division, full bool) divisionJSON {
	j := divisionJSON{Code: d.Code, Name: d.Name, Level: int(d.Level), Leaf: d.Level == region.Village}
	if full {
		j.FullName = s.Regions.FullName(d.Code)
	}
	return j
}

// regionChildren lists the divisions under ?parent= (the provinces when empty).
func (s *Server) regionChildren(w http.ResponseWriter, r *http.Request) {
	parent := r.URL.Query().Get("parent")
	if parent != "" {
		n, ok := region.Normalize(parent)
		if !ok {
			s.fail(w, r, &Error{Code: "bad_request", Message: "区划代码“" + parent + "”格式不对"})
			return
		}
		if _, ok := s.Regions.Lookup(n); !ok {
			s.fail(w, r, &Error{Code: "not_found", Message: "没有区划代码 " + n})
			return
		}
		parent = n
	}
	kids := s.Regions.Children(parent)
	out := make([]divisionJSON, len(kids))
	for i, d := range kids {
		out[i] = s.division(d, false)
	}
	writeJSON(w, http.StatusOK, map[string]any{"parent": parent, "items": out})
}

func (s *Server) regionGet(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	n, ok := region.Normalize(code)
	d, found := s.Regions.Lookup(n)
	if !ok || !found {
		s.fail(w, r, &Error{Code: "not_found", Message: "没有区划代码 " + code})
		return
	}
	var path []divisionJSON
	for _, p := range s.Regions.Path(n) {
		path = append(path, s.division(p, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"division": s.division(d, true), "path": path})
}

func (s *Server) regionResolve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if q == "" {
		s.fail(w, r, &Error{Code: "bad_request", Message: "请提供地址 q"})
		return
	}
	res, err := s.Regions.ResolveWithin(q, r.URL.Query().Get("scope"))
	if err != nil {
		var re *region.ResolveError
		if ok := asResolveError(err, &re); ok {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]any{"code": re.Code, "message": re.Message, "candidates": re.Candidates, "candidate_codes": re.CandidateCodes, "total": re.Total}})
			return
		}
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": res.Code, "level": int(res.Level), "full_name": s.Regions.FullName(res.Code), "matched": res.Matched, "rest": res.Rest})
}

func asResolveError(err error, target **region.ResolveError) bool {
	re, ok := err.(*region.ResolveError)
	if ok {
		*target = re
	}
	return ok
}
