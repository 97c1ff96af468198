package rules

import (
	"fmt"
	"strings"

	"guanai/internal/child"
)

// Version names the rules this package implements; every answer carries it so that a stored
// classification can be told from one made under other rules.
//
// v2 (2026-12): a parent works away when the work county differs from the county where the child
// lives (not the hukou county), and a child who lives with both parents is not left-behind.
const Version = "乌民发〔2024〕47号·RULES v2"

// Config holds what RULES.md lets each deployment set.
type Config struct {
	// AgeLimit is the age in full years from which a person is no longer a child here (16).
	AgeLimit int
	// MigrantMonths is how long a migrant child must have lived away (6, fixed by the seed).
	MigrantMonths int
	// LeftBehindMonths is how long a parent must have worked away (default 6; the seed lets each
	// locality set its own).
	LeftBehindMonths int
	// CentralUrban lists, per city, the county codes forming its central urban area
	// (城市中心城区); a move between two counties of one group is out of the monitoring scope.
	CentralUrban [][]string
}

// DefaultConfig returns the seed's settings: under 16, six months, no central urban areas.
func DefaultConfig() Config {
	return Config{AgeLimit: 16, MigrantMonths: 6, LeftBehindMonths: 6}
}

// Validate reports a setting that cannot work.
func (c *Config) Validate() error {
	if c.AgeLimit < 1 || c.AgeLimit > 18 {
		return fmt.Errorf("年龄上限应为 1–18 周岁，现为 %d", c.AgeLimit)
	}
	if c.MigrantMonths < 0 || c.MigrantMonths > 120 {
		return fmt.Errorf("流动儿童离开户籍地时长应为 0–120 个月，现为 %d", c.MigrantMonths)
	}
	if c.LeftBehindMonths < 0 || c.LeftBehindMonths > 120 {
		return fmt.Errorf("留守儿童父母外出务工时长应为 0–120 个月，现为 %d", c.LeftBehindMonths)
	}
	for _, g := range c.CentralUrban {
		for _, code := range g {
			if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
				return fmt.Errorf("中心城区的区县代码应为 6 位数字，“%s”不是", code)
			}
		}
	}
	return nil
}

// centralUrbanPair reports whether two counties lie in one central urban area.
func (c *Config) centralUrbanPair(a, b string) bool {
	for _, g := range c.CentralUrban {
		inA, inB := false, false
		for _, code := range g {
			inA = inA || code == a
			inB = inB || code == b
		}
		if inA && inB {
			return true
		}
	}
	return false
}

// KeyCareReason codes of the key-care ledger (重点关爱服务对象信息台账).
const (
	ReasonFamilyHardship      = "family_hardship"      // 家庭生活困难
	ReasonDisability          = "disability"           // 自身残疾
	ReasonGuardianshipMissing = "guardianship_missing" // 监护缺失
	ReasonVagrant             = "vagrant"              // 流浪
	ReasonPsychBehavioral     = "psych_behavioral"     // 心理和行为异常
	ReasonHelpRequested       = "help_requested"       // 主动提出救助帮扶需求
)

// reasonOrder is the order of the key-care reasons in answers.
var reasonOrder = [...]string{ReasonFamilyHardship, ReasonDisability, ReasonGuardianshipMissing, ReasonVagrant, ReasonPsychBehavioral, ReasonHelpRequested}

// ReasonLabel gives the Chinese name of a key-care reason code.
func ReasonLabel(code string) string {
	switch code {
	case ReasonFamilyHardship:
		return "家庭生活困难"
	case ReasonDisability:
		return "自身残疾"
	case ReasonGuardianshipMissing:
		return "监护缺失"
	case ReasonVagrant:
		return "流浪"
	case ReasonPsychBehavioral:
		return "心理和行为异常"
	case ReasonHelpRequested:
		return "主动提出救助帮扶需求"
	}
	return code
}

// Result is the classification of one child as of one date. The Tri fields are the answers;
// the rest are the facts they rest on, kept for Reasons.
type Result struct {
	AsOf    child.Date
	Version string

	// Age in full years on AsOf; -1 when the birth date is unknown or after AsOf.
	Age int

	MigrantMonitoring Tri // 流动儿童 · 监测摸排范围
	MigrantStatistics Tri // 流动儿童 · 统计分析范围
	LeftBehind        Tri // 留守儿童
	KeyCare           Tri // 重点关爱服务对象
	// KeyCareReasons are the reason codes when KeyCare is Yes, in a fixed order.
	KeyCareReasons []string

	// Warnings are the data-quality findings that depend on the date or on several items.
	Warnings []child.Issue

	rec *child.Record
	cfg *Config
	f   facts
}

// facts are the intermediate answers, for the reasons and the missing items.
type facts struct {
	under Tri // under the age limit
	// migrant conditions
	coRes, crossCounty, notCentral, awayLong, crossTownship Tri
	awayFrom                                                child.Date
	awayFromArrived                                         bool
	// left-behind
	father, mother                  parentFacts
	bothAwayD, oneAwayD             Tri // from the parents' details
	bothAway, oneAway               Tri // after the form-2 summary where details are silent
	bothAwaySummary, oneAwaySummary bool
	bothIncapable                   bool
	// livesWith is the parent the child lives with, as far as the record tells: "father",
	// "mother", "both" (co_residents = both_parents) or "".
	livesWith string
	// childCounty is the county the parents' work is measured from: the residence's, or the
	// hukou's when the residence is unknown; fromHukou says which.
	childCounty string
	fromHukou   bool
	// key care
	care      [len(reasonOrder)]Tri
	scope1    Tri // migrant (monitoring) or left-behind
	branch1   Tri // scope1 and one of the five circumstances
	statsHelp Tri // cross-township migrant (statistics scope) who asked for help
}

type parentFacts struct {
	known       bool
	away        Tri
	worker      Tri
	crossCounty Tri
	longEnough  Tri
	incapable   Tri
	deadOrGone  bool
	reached     child.Date
}

// Classify applies the rules to one record as of asOf. The record is not changed and must not be
// changed while the Result is in use.
func Classify(r *child.Record, asOf child.Date, cfg *Config) Result {
	res := Result{AsOf: asOf, Version: Version, Age: -1, rec: r, cfg: cfg}
	f := &res.f

	// 不满十六周岁
	if r.BirthDate != 0 {
		if asOf < r.BirthDate {
			f.under = No
		} else {
			res.Age = r.BirthDate.FullYears(asOf)
			f.under = triOf(res.Age < cfg.AgeLimit)
		}
	}

	hukou := r.HukouAddress.Region()
	resid := r.ResidenceAddr.Region()

	// 随父母或其他监护人居住
	if r.CoResidents != "" {
		f.coRes = Yes
	}
	f.crossCounty = differ(hukou, resid, 6)
	f.crossTownship = differ(hukou, resid, 9)
	f.notCentral = Yes
	if f.crossCounty == Yes && len(hukou) >= 6 && len(resid) >= 6 && cfg.centralUrbanPair(hukou[:6], resid[:6]) {
		f.notCentral = No
	} else if f.crossCounty == Undetermined && len(cfg.CentralUrban) > 0 {
		f.notCentral = Undetermined
	}
	f.awayFrom = r.LeftHukouDate
	if f.awayFrom == 0 && r.ArrivedDate != 0 {
		f.awayFrom, f.awayFromArrived = r.ArrivedDate, true
	}
	if f.awayFrom != 0 {
		f.awayLong = triOf(f.awayFrom.MonthsReached(cfg.MigrantMonths, asOf))
	}
	res.MigrantMonitoring = and(f.under, f.coRes, f.crossCounty, f.notCentral, f.awayLong)
	res.MigrantStatistics = and(f.under, f.coRes, f.crossTownship, f.awayLong)

	res.LeftBehind = res.leftBehind(hukou, resid)
	res.keyCare()
	res.qualityChecks()
	return res
}

// deadOrGone capacities: a parent who has died, is missing or is held does not work away.
func deadOrGone(capacity string) bool {
	return capacity == "deceased" || capacity == "missing" || capacity == "incarcerated"
}

// parent gathers the facts of one parent; childCounty is where the child lives.
func (res *Result) parent(p *child.Parent, childCounty string) parentFacts {
	var pf parentFacts
	if p == nil {
		return pf
	}
	pf.known = true
	if p.Capacity != "" {
		pf.incapable = triOf(p.Capacity != "capable")
	}
	if deadOrGone(p.Capacity) {
		pf.deadOrGone = true
		pf.away = No
		return pf
	}
	if p.MigrantWorker != nil {
		pf.worker = triOf(*p.MigrantWorker)
	}
	if pf.worker == No {
		pf.away = No
		return pf
	}
	pf.crossCounty = differ(p.WorkRegionCode, childCounty, 6)
	if p.WorkSince != 0 {
		pf.reached = p.WorkSince.AddMonths(res.cfg.LeftBehindMonths)
		pf.longEnough = triOf(res.AsOf >= pf.reached)
	}
	pf.away = and(pf.worker, pf.crossCounty, pf.longEnough)
	return pf
}

// leftBehind decides 留守儿童 (RULES.md): the distance of a parent's work is measured from the
// county where the child lives, and a child who lives with both parents is not left-behind.
func (res *Result) leftBehind(hukou, resid string) Tri {
	r, f := res.rec, &res.f
	f.childCounty = resid
	if f.childCounty == "" {
		f.childCounty, f.fromHukou = hukou, true
	}
	f.father = res.parent(r.Father, f.childCounty)
	f.mother = res.parent(r.Mother, f.childCounty)
	fa, mo := &f.father, &f.mother
	f.bothAwayD = and(fa.away, mo.away)
	f.oneAwayD = or(and(fa.away, mo.incapable), and(mo.away, fa.incapable))
	f.bothIncapable = fa.incapable == Yes && mo.incapable == Yes

	// Which parent the child lives with: both by co_residents; with one parent, the one who is
	// not away when the other is.
	switch r.CoResidents {
	case "both_parents":
		f.livesWith = "both"
	case "one_parent":
		switch {
		case fa.away == Yes && mo.away != Yes:
			f.livesWith = "mother"
		case mo.away == Yes && fa.away != Yes:
			f.livesWith = "father"
		case fa.known && fa.worker == Yes && fa.crossCounty == No:
			f.livesWith = "father"
		case mo.known && mo.worker == Yes && mo.crossCounty == No:
			f.livesWith = "mother"
		}
	}

	f.bothAway, f.oneAway = f.bothAwayD, f.oneAwayD
	if f.bothAwayD == Undetermined && r.BothParentsAway != nil {
		f.bothAway, f.bothAwaySummary = triOf(*r.BothParentsAway), true
	}
	if f.oneAwayD == Undetermined && r.OneAwayOtherIncapable != nil {
		f.oneAway, f.oneAwaySummary = triOf(*r.OneAwayOtherIncapable), true
	}
	if r.BothParentsAway != nil && f.bothAwayD != Undetermined && f.bothAwayD != triOf(*r.BothParentsAway) {
		res.warn("both_parents_away", "summary_mismatch", fmt.Sprintf("登记表“父母双方同时外出”填“%s”，与父母详细信息得出的“%s”不一致，已按父母详细信息认定", yesNo(*r.BothParentsAway), f.bothAwayD.Chinese()))
	}
	if r.OneAwayOtherIncapable != nil && f.oneAwayD != Undetermined && f.oneAwayD != triOf(*r.OneAwayOtherIncapable) {
		res.warn("one_away_other_incapable", "summary_mismatch", fmt.Sprintf("登记表“父母一方外出、另一方无监护能力”填“%s”，与父母详细信息得出的“%s”不一致，已按父母详细信息认定", yesNo(*r.OneAwayOtherIncapable), f.oneAwayD.Chinese()))
	}
	// A child who lives with one or both parents cannot have both parents away; one who lives
	// with both cannot be left-behind at all.
	if f.bothAway == Yes && (r.CoResidents == "both_parents" || r.CoResidents == "one_parent") {
		res.warn("co_residents", "co_residents_mismatch", "共同居住人为“"+child.CoResidents.Label(r.CoResidents)+"”，与“父母双方外出务工”不一致，已按共同居住人认定，请核实")
		f.bothAway = No
	}
	if f.bothIncapable || r.CoResidents == "both_parents" {
		return No
	}
	return and(f.under, or(f.bothAway, f.oneAway))
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func (res *Result) keyCare() {
	r, f := res.rec, &res.f
	// 家庭生活困难
	if r.FamilyHardship != nil {
		f.care[0] = triOf(len(r.FamilyHardship) > 0)
	}
	// 自身残疾: disability types, or 残疾 in the health status.
	healthKnown := r.Health != nil
	hasHealth := func(code string) bool {
		for _, h := range r.Health {
			if h == code {
				return true
			}
		}
		return false
	}
	var typesTri, healthTri Tri
	if r.DisabilityTypes != nil {
		typesTri = triOf(len(r.DisabilityTypes) > 0)
	}
	if healthKnown {
		healthTri = triOf(hasHealth("disabled"))
	}
	switch {
	case typesTri == Yes || healthTri == Yes:
		f.care[1] = Yes
	case typesTri == No || healthTri == No:
		// One of the two says no and the other is silent or agrees: 健康 excludes 残疾 and an
		// empty type list means 无.
		f.care[1] = No
	}
	// 监护缺失
	if r.GuardianshipIssue != "" {
		f.care[2] = triOf(r.GuardianshipIssue == "unattended" || r.GuardianshipIssue == "guardian_incapable")
	}
	// 流浪
	if r.Vagrant != nil {
		f.care[3] = triOf(*r.Vagrant)
	}
	// 心理和行为异常
	if healthKnown {
		f.care[4] = triOf(hasHealth("psych_behavioral"))
	}
	// 主动提出救助帮扶需求
	if r.HelpRequested != nil && r.HelpRequested.Requested != nil {
		f.care[5] = triOf(*r.HelpRequested.Requested)
	}
	// The seed (四(二)) names two groups: migrant and left-behind children with hardship,
	// disability, missing guardianship, vagrancy or psychological/behavioural abnormality; and
	// cross-township migrant children who ask for help. A help request alone therefore puts a
	// left-behind child who is not a cross-township migrant child in no group (RULES.md lists it
	// in the first group too; the seed decides — see docs/rules.md).
	f.scope1 = or(res.MigrantMonitoring, res.LeftBehind)
	f.branch1 = and(f.scope1, or(f.care[:5]...))
	f.statsHelp = and(res.MigrantStatistics, f.crossTownship, f.care[5])
	res.KeyCare = or(f.branch1, f.statsHelp)
	res.KeyCareReasons = []string{}
	if res.KeyCare == Yes {
		if f.branch1 == Yes {
			for i, t := range f.care[:5] {
				if t == Yes {
					res.KeyCareReasons = append(res.KeyCareReasons, reasonOrder[i])
				}
			}
		}
		if f.statsHelp == Yes {
			res.KeyCareReasons = append(res.KeyCareReasons, ReasonHelpRequested)
		}
	}
}

func (res *Result) warn(field, code, msg string) {
	res.Warnings = append(res.Warnings, child.Issue{Field: field, Code: code, Message: msg})
}

// qualityChecks adds the date-dependent data-quality warnings of RULES.md.
func (res *Result) qualityChecks() {
	r := res.rec
	if r.BirthDate == 0 || res.Age < 0 {
		return
	}
	age := res.Age
	stage := child.SchoolStage.Label(r.SchoolStage)
	switch r.SchoolStage {
	case "preschool":
		if age >= 8 {
			res.warn("school_stage", "school_stage_age", fmt.Sprintf("%d 周岁儿童的就学情况为“%s”，与年龄不符，请核实", age, stage))
		}
	case "primary":
		if age < 5 || age > 15 {
			res.warn("school_stage", "school_stage_age", fmt.Sprintf("%d 周岁儿童的就学情况为“%s”，与年龄不符，请核实", age, stage))
		}
	case "junior":
		if age < 10 {
			res.warn("school_stage", "school_stage_age", fmt.Sprintf("%d 周岁儿童的就学情况为“%s”，与年龄不符，请核实", age, stage))
		}
	case "senior", "vocational":
		if age < 13 {
			res.warn("school_stage", "school_stage_age", fmt.Sprintf("%d 周岁儿童的就学情况为“%s”，与年龄不符，请核实", age, stage))
		}
	case "out_of_school":
		if age >= 6 && age <= 15 {
			res.warn("school_stage", "compulsory_out_of_school", fmt.Sprintf("%d 周岁儿童处于义务教育年龄却“失学”，需跟进核实", age))
		}
	}
	if r.StudyStatus == "dropped_out" && age >= 6 && age <= 15 {
		res.warn("study_status", "compulsory_dropout", fmt.Sprintf("%d 周岁儿童处于义务教育年龄却“辍学”，需跟进核实", age))
	}
	if r.HealthMgmt06 != "" && r.HealthMgmt06 != "not_applicable" && age >= 7 {
		res.warn("health_mgmt_0_6", "health_mgmt_age", fmt.Sprintf("儿童已满 %d 周岁，不在 0-6 岁儿童健康管理服务范围内，却填写了“%s”", age, child.HealthService.Label(r.HealthMgmt06)))
	}
	if r.TCMMgmt036m != "" && r.TCMMgmt036m != "not_applicable" && res.AsOf > r.BirthDate.AddMonths(36) {
		res.warn("tcm_mgmt_0_36m", "tcm_age", fmt.Sprintf("儿童已超过 36 个月（%s 满 36 个月），不在 0-36 个月儿童中医药健康管理服务范围内，却填写了“%s”", r.BirthDate.AddMonths(36), child.HealthService.Label(r.TCMMgmt036m)))
	}
}
