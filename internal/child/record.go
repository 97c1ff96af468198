// Package child is the record of a child as the two registration forms of the seed have it
// (附件1 流动儿童基本情况登记表, 附件2 留守儿童基本情况登记表): types with exactly the JSON keys and
// codes of DATA.md, the code tables with their Chinese labels, normalisation of what people
// type, and validation with field-level errors and warnings. It does no I/O.
package child

// Record is one child: the union of the items of both forms. Unknown or unfilled items are zero
// (nil pointers, empty strings, zero dates, nil sets) and are left out of the JSON.
type Record struct {
	Ref string `json:"ref,omitempty"` // 外部编号, the caller's own key

	Name            string   `json:"name,omitempty"`             // 姓名
	Sex             string   `json:"sex,omitempty"`              // 性别, GB/T 2261.1
	BirthDate       Date     `json:"birth_date,omitempty"`       // 出生日期
	Ethnicity       string   `json:"ethnicity,omitempty"`        // 民族, GB 3304
	IDNumber        string   `json:"id_number,omitempty"`        // 公民身份号码
	HukouRegistered *bool    `json:"hukou_registered,omitempty"` // 是否登记户口
	HukouAddress    *Address `json:"hukou_address,omitempty"`    // 户籍地址
	ResidenceAddr   *Address `json:"residence_address,omitempty"`

	CoResidents           string `json:"co_residents,omitempty"`           // 共同居住人 (form 1)
	ResidenceRegistration string `json:"residence_registration,omitempty"` // 居住登记 (form 1)
	Housing               string `json:"housing,omitempty"`                // 居住类型 (form 1)
	LeftHukouDate         Date   `json:"left_hukou_date,omitempty"`        // 离开户籍地日期 (form 1)
	ArrivedDate           Date   `json:"arrived_date,omitempty"`           // 来现居住地日期 (form 1)

	GuardianshipQuality string `json:"guardianship_quality,omitempty"` // 监护情况
	GuardianshipIssue   string `json:"guardianship_issue,omitempty"`   // 监护问题

	SchoolStage string `json:"school_stage,omitempty"` // 就学情况
	SchoolName  string `json:"school_name,omitempty"`  // 就读学校
	StudyStatus string `json:"study_status,omitempty"` // 学业状况
	Boarding    *bool  `json:"boarding,omitempty"`     // 是否学校寄宿

	Health                  []string        `json:"health,omitzero"`             // 健康状况 (set)
	HealthMgmt06            string          `json:"health_mgmt_0_6,omitempty"`   // 0-6岁儿童健康管理服务
	TCMMgmt036m             string          `json:"tcm_mgmt_0_36m,omitempty"`    // 0-36个月儿童中医药健康管理服务
	Immunization            string          `json:"immunization,omitempty"`      // 国家免疫规划疫苗接种情况 (疾控's roster, immunization.go)
	MedicalInsurance        string          `json:"medical_insurance,omitempty"` // 纳入医保情况
	DisabilityTypes         []string        `json:"disability_types,omitzero"`   // 残疾类别 (set)
	DisabilityGrade         string          `json:"disability_grade,omitempty"`  // 残疾等级
	DisabilityCertificate   *bool           `json:"disability_certificate,omitempty"`
	DisabilityCertificateNo string          `json:"disability_certificate_no,omitempty"`
	Rehabilitation          *Rehabilitation `json:"rehabilitation,omitempty"` // 接受康复救助情况

	Father *Parent `json:"father,omitempty"`
	Mother *Parent `json:"mother,omitempty"`

	BothParentsAway       *bool `json:"both_parents_away,omitempty"`        // 父母双方同时外出 (form 2)
	OneAwayOtherIncapable *bool `json:"one_away_other_incapable,omitempty"` // 父母一方外出、另一方无监护能力 (form 2)

	OtherGuardian *Guardian  `json:"other_guardian,omitempty"` // 其他监护人 (form 1)
	Caregiver     *Caregiver `json:"caregiver,omitempty"`      // 受委托照护人 (form 2)

	FamilyHardship      []string `json:"family_hardship,omitzero"`        // 家庭困难情况 (set)
	FamilyHardshipOther string   `json:"family_hardship_other,omitempty"` // 其他(说明)
	Assistance          []string `json:"assistance,omitzero"`             // 生活保障情况 (set)

	Vagrant          *bool        `json:"vagrant,omitempty"`        // 流浪
	HelpRequested    *HelpRequest `json:"help_requested,omitempty"` // 主动提出救助帮扶需求
	CollectionMethod string       `json:"collection_method,omitempty"`
	ReportingUnit    string       `json:"reporting_unit,omitempty"`
	ReportDate       Date         `json:"report_date,omitempty"`
}

// Address is a place: a division code of 6, 9 or 12 digits and the rest of the address.
type Address struct {
	RegionCode string `json:"region_code,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

// Parent is the father or the mother (父母基本信息).
type Parent struct {
	Name           string   `json:"name,omitempty"`
	IDNumber       string   `json:"id_number,omitempty"`
	Phone          string   `json:"phone,omitempty"`
	HukouAddress   *Address `json:"hukou_address,omitempty"`
	ResidenceAddr  *Address `json:"residence_address,omitempty"`
	MigrantWorker  *bool    `json:"migrant_worker,omitempty"`   // 是否外出务工
	WorkRegionCode string   `json:"work_region_code,omitempty"` // 务工地
	WorkSince      Date     `json:"work_since,omitempty"`       // 外出务工起始日期
	Capacity       string   `json:"capacity,omitempty"`         // 监护能力
}

// Guardian is the other guardian of form 1 (其他监护人).
type Guardian struct {
	Name          string   `json:"name,omitempty"`
	Relation      string   `json:"relation,omitempty"` // 与儿童关系: free text or a GB/T 4761 code
	IDNumber      string   `json:"id_number,omitempty"`
	Phone         string   `json:"phone,omitempty"`
	HukouAddress  *Address `json:"hukou_address,omitempty"`
	ResidenceAddr *Address `json:"residence_address,omitempty"`
}

// Caregiver is the entrusted caregiver of form 2 (受委托照护人).
type Caregiver struct {
	Present       *bool    `json:"present,omitempty"` // 有无受委托照护人
	Name          string   `json:"name,omitempty"`
	Relation      string   `json:"relation,omitempty"`
	RelationOther string   `json:"relation_other,omitempty"`
	IDNumber      string   `json:"id_number,omitempty"`
	Phone         string   `json:"phone,omitempty"`
	HukouAddress  *Address `json:"hukou_address,omitempty"`
	ResidenceAddr *Address `json:"residence_address,omitempty"`
}

// Rehabilitation 接受康复救助情况.
type Rehabilitation struct {
	Received *bool  `json:"received,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// HelpRequest 主动提出救助帮扶需求.
type HelpRequest struct {
	Requested *bool  `json:"requested,omitempty"`
	Detail    string `json:"detail,omitempty"`
	Date      Date   `json:"date,omitempty"`
}

// Bool returns a pointer to v, for building records.
func Bool(v bool) *bool { return &v }

// Region returns the division code of an address, or "" when the address is not known.
func (a *Address) Region() string {
	if a == nil {
		return ""
	}
	return a.RegionCode
}

// Multiple reports whether the child has two or more disability types (多重残疾).
func (r *Record) Multiple() bool { return len(r.DisabilityTypes) >= 2 }

// Issue is one finding of validation: an error (the value was not accepted) or a warning (the
// value was accepted but needs a look). Field is the JSON path of the item (e.g.
// "father.id_number"); Code is stable; Message is Chinese.
type Issue struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Issues collects the errors and warnings of one record.
type Issues struct {
	Errors   []Issue
	Warnings []Issue
}

// Error adds an error.
func (is *Issues) Error(field, code, msg string) {
	is.Errors = append(is.Errors, Issue{Field: field, Code: code, Message: msg})
}

// Warn adds a warning.
func (is *Issues) Warn(field, code, msg string) {
	is.Warnings = append(is.Warnings, Issue{Field: field, Code: code, Message: msg})
}

// Valid reports whether there are no errors.
func (is *Issues) Valid() bool { return len(is.Errors) == 0 }

// HasError reports whether field has an error.
func (is *Issues) HasError(field string) bool {
	for _, e := range is.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// WithoutIdentity returns a copy of the record without what identifies a person — names, ID and
// certificate numbers, phones, the detail of every address, the school's name and the free-text
// notes — and with the codes, dates and division codes that classification and statistics use.
// A reader of statistics who may not read records (统计人员, 督导) gets records only in this form.
func (r Record) WithoutIdentity() Record {
	r.Ref, r.Name, r.IDNumber, r.DisabilityCertificateNo = "", "", "", ""
	r.SchoolName, r.FamilyHardshipOther, r.ReportingUnit = "", "", ""
	r.HukouAddress, r.ResidenceAddr = regionOnly(r.HukouAddress), regionOnly(r.ResidenceAddr)
	if r.Rehabilitation != nil {
		r.Rehabilitation = &Rehabilitation{Received: r.Rehabilitation.Received}
	}
	if r.HelpRequested != nil {
		r.HelpRequested = &HelpRequest{Requested: r.HelpRequested.Requested, Date: r.HelpRequested.Date}
	}
	for _, pp := range []**Parent{&r.Father, &r.Mother} {
		if p := *pp; p != nil {
			*pp = &Parent{HukouAddress: regionOnly(p.HukouAddress), ResidenceAddr: regionOnly(p.ResidenceAddr), MigrantWorker: p.MigrantWorker,
				WorkRegionCode: p.WorkRegionCode, WorkSince: p.WorkSince, Capacity: p.Capacity}
		}
	}
	if g := r.OtherGuardian; g != nil {
		r.OtherGuardian = &Guardian{Relation: g.Relation, HukouAddress: regionOnly(g.HukouAddress), ResidenceAddr: regionOnly(g.ResidenceAddr)}
	}
	if c := r.Caregiver; c != nil {
		r.Caregiver = &Caregiver{Present: c.Present, Relation: c.Relation, HukouAddress: regionOnly(c.HukouAddress), ResidenceAddr: regionOnly(c.ResidenceAddr)}
	}
	return r
}

// regionOnly is an address without its detail (a new value: the record's own is not changed).
func regionOnly(a *Address) *Address {
	if a == nil {
		return nil
	}
	return &Address{RegionCode: a.RegionCode}
}
