package rules

import (
	"reflect"
	"strings"
	"testing"

	"guanai/internal/child"
)

func d(s string) child.Date {
	v, _, err := child.ParseDate(s)
	if err != nil {
		panic(s)
	}
	return v
}

func addr(code string) *child.Address { return &child.Address{RegionCode: code} }

// migrant returns a child who is a migrant child in both scopes as of 2025-06-30: born
// 2015-03-10, hukou in 宁夏银川兴庆区, living with one parent in 乌海海勃湾区 since 2024-03-31.
func migrant() child.Record {
	return child.Record{
		Name: "张小明", Sex: "1", BirthDate: d("2015-03-10"),
		HukouAddress:  addr("640104001"),
		ResidenceAddr: addr("150302001"),
		CoResidents:   "one_parent",
		LeftHukouDate: d("2024-03-31"),
	}
}

// leftBehind returns a child of 乌海乌达区 whose parents both work in 北京 since 2023-01-01.
func leftBehind() child.Record {
	return child.Record{
		Name: "李小红", Sex: "2", BirthDate: d("2014-06-01"),
		HukouAddress:  addr("150304001"),
		ResidenceAddr: addr("150304001"),
		CoResidents:   "other_guardian",
		Father:        &child.Parent{MigrantWorker: child.Bool(true), WorkRegionCode: "110105", WorkSince: d("2023-01-01"), Capacity: "capable"},
		Mother:        &child.Parent{MigrantWorker: child.Bool(true), WorkRegionCode: "110105", WorkSince: d("2023-01-01"), Capacity: "capable"},
	}
}

func cfg() *Config { c := DefaultConfig(); return &c }

func TestAge(t *testing.T) {
	tests := []struct {
		name, birth, ref string
		age              int
		under            Tri
	}{
		{"day before 16th birthday", "2010-05-10", "2026-05-09", 15, Yes},
		{"16th birthday itself is still under 16", "2010-05-10", "2026-05-10", 15, Yes},
		{"day after 16th birthday", "2010-05-10", "2026-05-11", 16, No},
		{"day of birth", "2020-01-01", "2020-01-01", 0, Yes},
		{"29 February: birthday is 28 February in common years", "2016-02-29", "2017-02-28", 0, Yes},
		{"29 February: one year old from 1 March", "2016-02-29", "2017-03-01", 1, Yes},
		{"29 February: 16th birthday in a leap year", "2008-02-29", "2024-02-29", 15, Yes},
		{"29 February: 16 the day after", "2008-02-29", "2024-03-01", 16, No},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := child.Record{BirthDate: d(tt.birth)}
			res := Classify(&r, d(tt.ref), cfg())
			if res.Age != tt.age || res.f.under != tt.under {
				t.Errorf("born %s as of %s: got age %d under %v, want %d %v", tt.birth, tt.ref, res.Age, res.f.under, tt.age, tt.under)
			}
		})
	}
}

func TestNotBornYet(t *testing.T) {
	r := migrant()
	res := Classify(&r, d("2014-01-01"), cfg())
	if res.Age != -1 || res.MigrantMonitoring != No || res.LeftBehind != No || res.KeyCare != No {
		t.Errorf("got age %d %v %v %v, want -1 and no everywhere", res.Age, res.MigrantMonitoring, res.LeftBehind, res.KeyCare)
	}
	if !strings.Contains(res.Reasons()[0], "尚未出生") {
		t.Errorf("reason %q does not say the child was not born yet", res.Reasons()[0])
	}
}

func TestMonths(t *testing.T) {
	tests := []struct {
		name, from, ref string
		want            Tri
	}{
		{"2024-03-31 + 6 months: not on 2024-09-29", "2024-03-31", "2024-09-29", No},
		{"2024-03-31 + 6 months: reached on 2024-09-30", "2024-03-31", "2024-09-30", Yes},
		{"2024-08-31 + 6 months: not on 2025-02-27", "2024-08-31", "2025-02-27", No},
		{"2024-08-31 + 6 months: reached on 2025-02-28", "2024-08-31", "2025-02-28", Yes},
		{"plain day", "2024-01-15", "2024-07-15", Yes},
		{"plain day minus one", "2024-01-15", "2024-07-14", No},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := migrant()
			r.LeftHukouDate = d(tt.from)
			res := Classify(&r, d(tt.ref), cfg())
			if res.f.awayLong != tt.want || res.MigrantMonitoring != tt.want {
				t.Errorf("left %s as of %s: got %v/%v, want %v", tt.from, tt.ref, res.f.awayLong, res.MigrantMonitoring, tt.want)
			}
		})
	}
}

func TestMigrant(t *testing.T) {
	asOf := d("2025-06-30")
	tests := []struct {
		name                  string
		edit                  func(r *child.Record)
		central               [][]string
		monitoring, statistic Tri
		missing               []string
	}{
		{name: "cross-county, six months, with a parent", edit: func(r *child.Record) {}, monitoring: Yes, statistic: Yes},
		{name: "16 years old", edit: func(r *child.Record) { r.BirthDate = d("2009-06-29") }, monitoring: No, statistic: No},
		{name: "not living with parent or guardian", edit: func(r *child.Record) { r.CoResidents = "" }, monitoring: Undetermined, statistic: Undetermined, missing: []string{"co_residents"}},
		{name: "same county, other township", edit: func(r *child.Record) {
			r.HukouAddress = addr("150302002")
		}, monitoring: No, statistic: Yes},
		{name: "same township", edit: func(r *child.Record) {
			r.HukouAddress = addr("150302001005")
		}, monitoring: No, statistic: No},
		{name: "same county, known only to county level", edit: func(r *child.Record) {
			r.HukouAddress = addr("150302")
		}, monitoring: No, statistic: Undetermined, missing: []string{"hukou_address.region_code"}},
		{name: "different county, county level only", edit: func(r *child.Record) {
			r.HukouAddress, r.ResidenceAddr = addr("640104"), addr("150302")
		}, monitoring: Yes, statistic: Yes},
		{name: "central urban area move", edit: func(r *child.Record) {
			r.HukouAddress = addr("150303001")
		}, central: [][]string{{"150302", "150303"}}, monitoring: No, statistic: Yes},
		{name: "central urban configured for another city", edit: func(r *child.Record) {
			r.HukouAddress = addr("150303001")
		}, central: [][]string{{"640104", "640105"}}, monitoring: Yes, statistic: Yes},
		{name: "one county in the central list, the other not", edit: func(r *child.Record) {
			r.HukouAddress = addr("150304001")
		}, central: [][]string{{"150302", "150303"}}, monitoring: Yes, statistic: Yes},
		{name: "arrived date used when left date missing", edit: func(r *child.Record) {
			r.LeftHukouDate, r.ArrivedDate = 0, d("2025-01-01")
		}, monitoring: No, statistic: No},
		{name: "no dates", edit: func(r *child.Record) { r.LeftHukouDate = 0 }, monitoring: Undetermined, statistic: Undetermined, missing: []string{"left_hukou_date"}},
		{name: "no hukou address", edit: func(r *child.Record) { r.HukouAddress = nil }, monitoring: Undetermined, statistic: Undetermined, missing: []string{"hukou_address.region_code"}},
		{name: "a no beats an unknown", edit: func(r *child.Record) { r.CoResidents = ""; r.LeftHukouDate = d("2025-06-01") }, monitoring: No, statistic: No},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := migrant()
			tt.edit(&r)
			c := cfg()
			c.CentralUrban = tt.central
			res := Classify(&r, asOf, c)
			if res.MigrantMonitoring != tt.monitoring || res.MigrantStatistics != tt.statistic {
				t.Errorf("got monitoring %v statistics %v, want %v %v\nreasons: %q", res.MigrantMonitoring, res.MigrantStatistics, tt.monitoring, tt.statistic, res.Reasons())
			}
			if res.MigrantMonitoring == Yes && res.MigrantStatistics != Yes {
				t.Error("a child in the monitoring scope must be in the statistics scope")
			}
			for _, m := range tt.missing {
				if !contains(res.Missing(), m) {
					t.Errorf("missing = %q, want it to name %s", res.Missing(), m)
				}
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestLeftBehind(t *testing.T) {
	asOf := d("2025-06-30")
	tests := []struct {
		name    string
		edit    func(r *child.Record)
		months  int
		want    Tri
		warning string
		reason  string
	}{
		{name: "both parents away", edit: func(r *child.Record) {}, want: Yes},
		{name: "father home, mother capable", edit: func(r *child.Record) { r.Father.MigrantWorker = child.Bool(false) }, want: No},
		{name: "father away, mother seriously ill", edit: func(r *child.Record) {
			r.Mother = &child.Parent{MigrantWorker: child.Bool(false), Capacity: "serious_illness"}
		}, want: Yes},
		{name: "mother away, father deceased", edit: func(r *child.Record) {
			r.Father = &child.Parent{Capacity: "deceased"}
		}, want: Yes},
		{name: "both deceased: not left-behind", edit: func(r *child.Record) {
			r.Father = &child.Parent{Capacity: "deceased"}
			r.Mother = &child.Parent{Capacity: "deceased"}
		}, want: No, reason: "孤儿"},
		{name: "both unable to care though one works away", edit: func(r *child.Record) {
			r.Father.Capacity = "severe_disability"
			r.Mother = &child.Parent{Capacity: "incarcerated"}
		}, want: No, reason: "父母双方均无监护能力"},
		{name: "work in the same county", edit: func(r *child.Record) { r.Father.WorkRegionCode = "150304" }, want: No},
		{name: "work only named by province", edit: func(r *child.Record) {
			r.Father.WorkRegionCode, r.Mother.WorkRegionCode = "11", "44"
		}, want: Yes},
		{name: "work named by the own prefecture: unknown", edit: func(r *child.Record) { r.Father.WorkRegionCode = "1503" }, want: Undetermined},
		{name: "away five months", edit: func(r *child.Record) { r.Mother.WorkSince = d("2025-01-31") }, want: No},
		{name: "away five months, threshold 3", edit: func(r *child.Record) { r.Mother.WorkSince = d("2025-01-31") }, months: 3, want: Yes},
		{name: "away six months exactly with month-end clamp", edit: func(r *child.Record) { r.Mother.WorkSince = d("2024-12-31") }, want: Yes},
		{name: "16 years old", edit: func(r *child.Record) { r.BirthDate = d("2009-01-01") }, want: No},
		{name: "no parent details, summary both away", edit: func(r *child.Record) {
			r.Father, r.Mother = nil, nil
			r.BothParentsAway = child.Bool(true)
		}, want: Yes, reason: "依据登记表汇总项"},
		{name: "no parent details, summary one away other incapable", edit: func(r *child.Record) {
			r.Father, r.Mother = nil, nil
			r.BothParentsAway, r.OneAwayOtherIncapable = child.Bool(false), child.Bool(true)
		}, want: Yes, reason: "依据登记表汇总项"},
		{name: "no parent details, summary both no", edit: func(r *child.Record) {
			r.Father, r.Mother = nil, nil
			r.BothParentsAway, r.OneAwayOtherIncapable = child.Bool(false), child.Bool(false)
		}, want: No},
		{name: "details decide over the summary, with a warning", edit: func(r *child.Record) {
			r.BothParentsAway = child.Bool(false)
		}, want: Yes, warning: "summary_mismatch"},
		{name: "details say no, summary says yes", edit: func(r *child.Record) {
			r.Father.MigrantWorker = child.Bool(false)
			r.BothParentsAway = child.Bool(true)
		}, want: No, warning: "summary_mismatch"},
		{name: "nothing known about parents", edit: func(r *child.Record) { r.Father, r.Mother = nil, nil }, want: Undetermined},
		{name: "mother's work start missing", edit: func(r *child.Record) { r.Mother.WorkSince = 0 }, want: Undetermined},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := leftBehind()
			tt.edit(&r)
			c := cfg()
			if tt.months != 0 {
				c.LeftBehindMonths = tt.months
			}
			res := Classify(&r, asOf, c)
			if res.LeftBehind != tt.want {
				t.Errorf("got %v, want %v\nreasons: %q", res.LeftBehind, tt.want, res.Reasons())
			}
			if tt.warning != "" && !hasWarning(res.Warnings, tt.warning) {
				t.Errorf("warnings %v, want %s", res.Warnings, tt.warning)
			}
			if tt.warning == "" && hasWarning(res.Warnings, "summary_mismatch") {
				t.Errorf("unexpected summary warning %v", res.Warnings)
			}
			if tt.reason != "" && !strings.Contains(res.Reasons()[3], tt.reason) {
				t.Errorf("reason %q does not mention %q", res.Reasons()[3], tt.reason)
			}
		})
	}
}

func TestLeftBehindMissingItems(t *testing.T) {
	r := leftBehind()
	r.Mother.WorkSince = 0
	res := Classify(&r, d("2025-06-30"), cfg())
	if got := res.Missing(); !contains(got, "mother.work_since") {
		t.Errorf("missing = %q, want mother.work_since", got)
	}
}

func hasWarning(ws []child.Issue, code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}

func TestBothMigrantAndLeftBehind(t *testing.T) {
	// Living with grandparents in another county while both parents work elsewhere.
	r := leftBehind()
	r.ResidenceAddr = addr("640104001")
	r.LeftHukouDate = d("2023-09-01")
	res := Classify(&r, d("2025-06-30"), cfg())
	if res.MigrantMonitoring != Yes || res.MigrantStatistics != Yes || res.LeftBehind != Yes {
		t.Errorf("got %v %v %v, want yes yes yes\n%q", res.MigrantMonitoring, res.MigrantStatistics, res.LeftBehind, res.Reasons())
	}
}

func TestKeyCare(t *testing.T) {
	asOf := d("2025-06-30")
	none := func(r *child.Record) {
		r.FamilyHardship, r.DisabilityTypes, r.Health = []string{}, []string{}, []string{"healthy"}
		r.GuardianshipIssue, r.Vagrant = "none", child.Bool(false)
		r.HelpRequested = &child.HelpRequest{Requested: child.Bool(false)}
	}
	tests := []struct {
		name    string
		base    func() child.Record
		edit    func(r *child.Record)
		want    Tri
		reasons []string
	}{
		{"migrant, nothing wrong", migrant, none, No, []string{}},
		{"migrant with hardship", migrant, func(r *child.Record) { none(r); r.FamilyHardship = []string{"dibao"} }, Yes, []string{ReasonFamilyHardship}},
		{"left-behind with disability", leftBehind, func(r *child.Record) {
			none(r)
			r.DisabilityTypes = []string{"physical"}
			r.Health = []string{"disabled"}
		}, Yes, []string{ReasonDisability}},
		{"disability from health only", leftBehind, func(r *child.Record) { none(r); r.DisabilityTypes = nil; r.Health = []string{"disabled"} }, Yes, []string{ReasonDisability}},
		{"unattended", migrant, func(r *child.Record) { none(r); r.GuardianshipIssue = "unattended" }, Yes, []string{ReasonGuardianshipMissing}},
		{"guardian incapable", migrant, func(r *child.Record) { none(r); r.GuardianshipIssue = "guardian_incapable" }, Yes, []string{ReasonGuardianshipMissing}},
		{"guardian insufficient is not missing", migrant, func(r *child.Record) { none(r); r.GuardianshipIssue = "guardian_insufficient" }, No, []string{}},
		{"vagrant and psych", migrant, func(r *child.Record) {
			none(r)
			r.Vagrant = child.Bool(true)
			r.Health = []string{"psych_behavioral"}
		}, Yes, []string{ReasonVagrant, ReasonPsychBehavioral}},
		{"several reasons in fixed order", leftBehind, func(r *child.Record) {
			none(r)
			r.Vagrant = child.Bool(true)
			r.FamilyHardship = []string{"tekun"}
		}, Yes, []string{ReasonFamilyHardship, ReasonVagrant}},
		{"migrant with hardship and a help request", migrant, func(r *child.Record) {
			none(r)
			r.HelpRequested = &child.HelpRequest{Requested: child.Bool(true)}
			r.FamilyHardship = []string{"tekun"}
		}, Yes, []string{ReasonFamilyHardship, ReasonHelpRequested}},
		// The seed names help requests only for cross-township migrant children.
		{"left-behind with only a help request", leftBehind, func(r *child.Record) {
			none(r)
			r.HelpRequested = &child.HelpRequest{Requested: child.Bool(true)}
		}, No, []string{}},
		{"left-behind with hardship and a help request", leftBehind, func(r *child.Record) {
			none(r)
			r.HelpRequested = &child.HelpRequest{Requested: child.Bool(true)}
			r.FamilyHardship = []string{"dibao"}
		}, Yes, []string{ReasonFamilyHardship}},
		{"not in scope, hardship", func() child.Record {
			r := migrant()
			r.CoResidents = "one_parent"
			r.ResidenceAddr = addr("640104001")
			return r
		}, func(r *child.Record) { none(r); parentsHome(r); r.FamilyHardship = []string{"dibao"} }, No, []string{}},
		{"cross-township help request outside monitoring scope", migrant, func(r *child.Record) {
			none(r)
			r.HukouAddress = addr("150302002")
			r.HelpRequested = &child.HelpRequest{Requested: child.Bool(true), Detail: "需要学业帮扶"}
		}, Yes, []string{ReasonHelpRequested}},
		{"cross-township without help request", migrant, func(r *child.Record) {
			none(r)
			parentsHome(r)
			r.HukouAddress = addr("150302002")
			r.FamilyHardship = []string{"dibao"}
		}, No, []string{}},
		{"in scope, care facts unknown", migrant, func(r *child.Record) {}, Undetermined, []string{}},
		{"in scope, one reason known yes, others unknown", migrant, func(r *child.Record) { r.Vagrant = child.Bool(true) }, Yes, []string{ReasonVagrant}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.base()
			tt.edit(&r)
			res := Classify(&r, asOf, cfg())
			if res.KeyCare != tt.want || !reflect.DeepEqual(res.KeyCareReasons, tt.reasons) {
				t.Errorf("got %v %q, want %v %q\n%q", res.KeyCare, res.KeyCareReasons, tt.want, tt.reasons, res.Reasons())
			}
		})
	}
}

// parentsHome makes both parents capable and at home: not left-behind.
func parentsHome(r *child.Record) {
	r.Father = &child.Parent{MigrantWorker: child.Bool(false), Capacity: "capable"}
	r.Mother = &child.Parent{MigrantWorker: child.Bool(false), Capacity: "capable"}
}

func TestKeyCareUndeterminedNamesMissing(t *testing.T) {
	r := migrant()
	res := Classify(&r, d("2025-06-30"), cfg())
	got := res.Missing()
	for _, k := range []string{"family_hardship", "disability_types", "guardianship_issue", "vagrant", "health", "help_requested"} {
		if !contains(got, k) {
			t.Errorf("missing = %q, want %s", got, k)
		}
	}
}

func TestQualityWarnings(t *testing.T) {
	asOf := d("2025-06-30")
	tests := []struct {
		name string
		edit func(r *child.Record)
		code string
	}{
		{"primary at 3", func(r *child.Record) { r.BirthDate = d("2022-01-01"); r.SchoolStage = "primary" }, "school_stage_age"},
		{"preschool at 12", func(r *child.Record) { r.BirthDate = d("2013-01-01"); r.SchoolStage = "preschool" }, "school_stage_age"},
		{"dropout at 12", func(r *child.Record) { r.BirthDate = d("2013-01-01"); r.StudyStatus = "dropped_out" }, "compulsory_dropout"},
		{"out of school at 8", func(r *child.Record) { r.BirthDate = d("2017-01-01"); r.SchoolStage = "out_of_school" }, "compulsory_out_of_school"},
		{"0-6 management at 7", func(r *child.Record) { r.BirthDate = d("2018-01-01"); r.HealthMgmt06 = "received" }, "health_mgmt_age"},
		{"TCM after 36 months", func(r *child.Record) { r.BirthDate = d("2022-06-29"); r.TCMMgmt036m = "received" }, "tcm_age"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := migrant()
			tt.edit(&r)
			res := Classify(&r, asOf, cfg())
			if !hasWarning(res.Warnings, tt.code) {
				t.Errorf("warnings %v, want %s", res.Warnings, tt.code)
			}
		})
	}
	// Exactly 36 months is still within 0–36 months.
	r := migrant()
	r.BirthDate, r.TCMMgmt036m = d("2022-06-30"), "received"
	if res := Classify(&r, asOf, cfg()); hasWarning(res.Warnings, "tcm_age") {
		t.Errorf("36 months exactly: unexpected warning %v", res.Warnings)
	}
}

func TestTriLogic(t *testing.T) {
	U, Y, N := Undetermined, Yes, No
	if and(Y, U) != U || and(Y, N, U) != N || and(Y, Y) != Y || and() != Y {
		t.Error("and is wrong")
	}
	if or(N, U) != U || or(U, Y) != Y || or(N, N) != N || or() != N {
		t.Error("or is wrong")
	}
	tests := []struct {
		a, b  string
		level int
		want  Tri
	}{
		{"150302", "150303", 6, Y}, {"150302001", "150302", 6, N}, {"150302001", "150302", 9, U},
		{"150302001", "150302002", 9, Y}, {"44", "150302", 6, Y}, {"15", "150302", 6, U}, {"", "150302", 6, U},
	}
	for _, tt := range tests {
		if got := differ(tt.a, tt.b, tt.level); got != tt.want {
			t.Errorf("differ(%s, %s, %d) = %v, want %v", tt.a, tt.b, tt.level, got, tt.want)
		}
	}
}
