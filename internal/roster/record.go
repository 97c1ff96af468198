package roster

import (
	"guanai/internal/child"
)

// Record is one row of a department's roster, read and checked. Identity items (name, sex,
// birth date, identity number, addresses, parents and guardian) are what the matcher compares;
// the department's items are the facts it holds about the child. Unknown items are zero.
// Its JSON is the roster row as stored (sealed: it holds names and numbers).
type Record struct {
	Department string `json:"department"`

	Name             string         `json:"name,omitempty"`
	Sex              string         `json:"sex,omitempty"`
	BirthDate        child.Date     `json:"birth_date,omitempty"`
	IDNumber         string         `json:"id_number,omitempty"`
	HukouAddress     *child.Address `json:"hukou_address,omitempty"`
	ResidenceAddress *child.Address `json:"residence_address,omitempty"`
	FatherName       string         `json:"father_name,omitempty"`
	MotherName       string         `json:"mother_name,omitempty"`
	GuardianName     string         `json:"guardian_name,omitempty"`
	GuardianID       string         `json:"guardian_id,omitempty"`

	// Signals some rosters carry (学籍系统's 随迁子女、留守儿童 flags).
	Migrant     *bool `json:"migrant,omitempty"`
	LeftBehind  *bool `json:"left_behind,omitempty"`
	ParentsAway *bool `json:"parents_away,omitempty"`

	// Education (教育).
	SchoolName  string `json:"school_name,omitempty"`
	SchoolStage string `json:"school_stage,omitempty"`
	Grade       string `json:"grade,omitempty"`
	StudyStatus string `json:"study_status,omitempty"`
	Boarding    *bool  `json:"boarding,omitempty"`

	// Police (公安).
	ResidenceRegistration string     `json:"residence_registration,omitempty"`
	PermitNo              string     `json:"permit_no,omitempty"`
	PermitIssued          child.Date `json:"permit_issued,omitempty"`
	PermitExpires         child.Date `json:"permit_expires,omitempty"`

	// Health (卫生健康).
	HealthMgmt06 string `json:"health_mgmt_0_6,omitempty"`
	HealthVisits *int   `json:"health_visits,omitempty"`
	TCMMgmt036m  string `json:"tcm_mgmt_0_36m,omitempty"`
	TCMVisits    *int   `json:"tcm_visits,omitempty"`
	Immunization string `json:"immunization,omitempty"`

	// Insurance (医保).
	Insured          *bool  `json:"insured,omitempty"`
	MedicalInsurance string `json:"medical_insurance,omitempty"`
	InsurancePlace   string `json:"insurance_place,omitempty"` // as written
	// InsuranceRegion is the division code of InsurancePlace, when it names one.
	InsuranceRegion string `json:"insurance_region,omitempty"`
	Scheme          string `json:"scheme,omitempty"`

	// Disability federation (残联).
	CertificateNo   string                `json:"disability_certificate_no,omitempty"`
	DisabilityTypes []string              `json:"disability_types,omitzero"`
	DisabilityGrade string                `json:"disability_grade,omitempty"`
	Rehabilitation  *child.Rehabilitation `json:"rehabilitation,omitempty"`

	// Verification round trip (核查往返): the token (核查编号) of a list civil affairs sent the
	// department, and the department's answer — VerifyFound (已核实) or VerifyNotFound (查无此人);
	// "" when the row says nothing but its facts.
	VerifyToken  string `json:"verification_token,omitempty"`
	VerifyResult string `json:"verification_result,omitempty"`

	RollFacts // civil affairs' rolls and 妇联's lists (rolls.go)
}

// ResidenceCode returns the division code of the residence address, else "".
func (r *Record) ResidenceCode() string {
	if r.ResidenceAddress != nil {
		return r.ResidenceAddress.RegionCode
	}
	return ""
}

// HukouCode returns the division code of the hukou address, else "".
func (r *Record) HukouCode() string {
	if r.HukouAddress != nil {
		return r.HukouAddress.RegionCode
	}
	return ""
}

// AgeOn returns the age in full years (周岁) on date d, or -1 when the birth date is unknown.
func (r *Record) AgeOn(d child.Date) int {
	if r.BirthDate == 0 || d == 0 {
		return -1
	}
	return r.BirthDate.FullYears(d)
}
