package rules

import (
	"strings"
	"testing"

	"guanai/internal/child"
)

// migrantFamily is a child of 宁夏银川兴庆区 living in 乌海海勃湾区 since 2023 with both
// parents, who both work in 海勃湾区 since 2023.
func migrantFamily() child.Record {
	return child.Record{
		Name: "王小军", Sex: "1", BirthDate: d("2015-03-10"),
		HukouAddress:  addr("640104001"),
		ResidenceAddr: addr("150302001"),
		CoResidents:   "both_parents",
		LeftHukouDate: d("2023-03-01"),
		Father:        &child.Parent{MigrantWorker: child.Bool(true), WorkRegionCode: "150302", WorkSince: d("2023-03-01"), Capacity: "capable"},
		Mother:        &child.Parent{MigrantWorker: child.Bool(true), WorkRegionCode: "150302", WorkSince: d("2023-03-01"), Capacity: "capable"},
	}
}

// TestLeftBehindRulesExamples walks the statements and examples of RULES.md, section
// "Left-behind child" (corrected 2026-12), one row each.
func TestLeftBehindRulesExamples(t *testing.T) {
	asOf := d("2025-06-30")
	tests := []struct {
		name     string
		base     func() child.Record
		edit     func(r *child.Record)
		want     Tri
		migrant  Tri    // when set, the monitoring-scope answer too
		reason   string // a phrase the left-behind reason must hold
		warning  string
		notInRsn string // a phrase it must not hold
	}{
		{name: "(a) both parents work away, child with grandparents at home", base: leftBehind, edit: func(r *child.Record) {}, want: Yes, reason: "父母双方外出务工"},
		{name: "(b) one away, the other seriously ill", base: leftBehind, edit: func(r *child.Record) {
			r.Mother = &child.Parent{MigrantWorker: child.Bool(false), Capacity: "serious_illness"}
		}, want: Yes, reason: "另一方无监护能力"},
		{name: "(b) other parent severely disabled, incarcerated, deceased, missing, other", base: leftBehind, edit: func(r *child.Record) {
			r.Mother = &child.Parent{Capacity: "missing"}
		}, want: Yes},
		{name: "migrant family in 海勃湾区 with both parents working there: migrant, not left-behind", base: migrantFamily, edit: func(r *child.Record) {}, want: No, migrant: Yes, reason: "儿童与父母双方共同居住", notInRsn: "父母双方外出务工，"},
		{name: "lives with both parents who work in another county: still not left-behind", base: migrantFamily, edit: func(r *child.Record) {
			r.Father.WorkRegionCode, r.Mother.WorkRegionCode = "110105", "110105"
		}, want: No, migrant: Yes, reason: "不属于留守儿童", warning: "co_residents_mismatch"},
		{name: "lives with the father at his work, mother ill at home", base: migrantFamily, edit: func(r *child.Record) {
			r.CoResidents = "one_parent"
			r.Mother = &child.Parent{MigrantWorker: child.Bool(false), Capacity: "serious_illness", ResidenceAddr: addr("640104001")}
		}, want: No, migrant: Yes, reason: "儿童与父亲共同居住"},
		{name: "lives with the ill mother at home, father away", base: leftBehind, edit: func(r *child.Record) {
			r.CoResidents = "one_parent"
			r.Mother = &child.Parent{MigrantWorker: child.Bool(false), Capacity: "serious_illness"}
		}, want: Yes, reason: "儿童与母亲共同居住"},
		{name: "lives with one parent: both parents away is impossible", base: leftBehind, edit: func(r *child.Record) {
			r.CoResidents = "one_parent"
		}, want: No, warning: "co_residents_mismatch"},
		{name: "work county measured from the residence, not the hukou", base: leftBehind, edit: func(r *child.Record) {
			// Hukou in 海勃湾区, living in 乌达区 with grandparents, parents working in 海勃湾区.
			r.HukouAddress = addr("150302001")
			r.Father.WorkRegionCode, r.Mother.WorkRegionCode = "150302", "150302"
		}, want: Yes},
		{name: "parents work where the child lives, away from the hukou: not away", base: leftBehind, edit: func(r *child.Record) {
			r.HukouAddress = addr("640104001")
			r.Father.WorkRegionCode, r.Mother.WorkRegionCode = "150304", "150304"
		}, want: No, reason: "与儿童现居住地在同一县域"},
		{name: "residence unknown: measured from the hukou", base: leftBehind, edit: func(r *child.Record) {
			r.ResidenceAddr = nil
			r.Father.WorkRegionCode = "150304"
		}, want: No, reason: "户籍地（现居住地未填写）"},
		{name: "threshold: six months by default", base: leftBehind, edit: func(r *child.Record) { r.Mother.WorkSince = d("2025-01-01") }, want: No},
		{name: "details missing: the form-2 summary decides and the reason says so", base: leftBehind, edit: func(r *child.Record) {
			r.Father, r.Mother = nil, nil
			r.BothParentsAway = child.Bool(true)
		}, want: Yes, reason: "依据登记表汇总项"},
		{name: "details and summary disagree: details decide, with a warning", base: leftBehind, edit: func(r *child.Record) {
			r.BothParentsAway = child.Bool(false)
		}, want: Yes, warning: "summary_mismatch"},
		{name: "both parents unable to care: not left-behind, 孤儿 / 事实无人抚养", base: leftBehind, edit: func(r *child.Record) {
			r.Father = &child.Parent{Capacity: "deceased"}
			r.Mother = &child.Parent{Capacity: "deceased"}
		}, want: No, reason: "事实无人抚养儿童"},
		{name: "left-behind and migrant at once", base: leftBehind, edit: func(r *child.Record) {
			r.ResidenceAddr = addr("640104001")
			r.LeftHukouDate = d("2023-09-01")
		}, want: Yes, migrant: Yes},
		{name: "16 or older: not left-behind", base: leftBehind, edit: func(r *child.Record) { r.BirthDate = d("2009-06-29") }, want: No},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.base()
			tt.edit(&r)
			res := Classify(&r, asOf, cfg())
			reason := res.Reasons()[3]
			if res.LeftBehind != tt.want {
				t.Errorf("left-behind %v, want %v\n%s", res.LeftBehind, tt.want, reason)
			}
			if tt.migrant != Undetermined && res.MigrantMonitoring != tt.migrant {
				t.Errorf("migrant %v, want %v\n%q", res.MigrantMonitoring, tt.migrant, res.Reasons())
			}
			if tt.reason != "" && !strings.Contains(reason, tt.reason) {
				t.Errorf("reason %q does not hold %q", reason, tt.reason)
			}
			if tt.notInRsn != "" && strings.Contains(reason, tt.notInRsn) {
				t.Errorf("reason %q holds %q", reason, tt.notInRsn)
			}
			if tt.warning != "" && !hasWarning(res.Warnings, tt.warning) {
				t.Errorf("warnings %v, want %s", res.Warnings, tt.warning)
			}
			if tt.warning == "" && (hasWarning(res.Warnings, "co_residents_mismatch") || hasWarning(res.Warnings, "summary_mismatch")) {
				t.Errorf("unexpected warning %v", res.Warnings)
			}
		})
	}
}

// TestRulesTimeExamples are the examples of RULES.md, section "Time".
func TestRulesTimeExamples(t *testing.T) {
	born := d("2010-05-10")
	for _, tt := range []struct {
		ref   string
		under bool
	}{{"2026-05-10", true}, {"2026-05-11", false}} {
		r := child.Record{BirthDate: born}
		if got := Classify(&r, d(tt.ref), cfg()).f.under == Yes; got != tt.under {
			t.Errorf("born 2010-05-10, as of %s: under 16 = %v, want %v", tt.ref, got, tt.under)
		}
	}
	for _, tt := range []struct{ from, reached string }{{"2024-03-31", "2024-09-30"}, {"2024-08-31", "2025-02-28"}} {
		if got := d(tt.from).AddMonths(6); got != d(tt.reached) {
			t.Errorf("%s + 6 months = %s, want %s", tt.from, got, tt.reached)
		}
	}
}

// TestUpcoming: the example and the six-month dates, each with what it changes.
func TestUpcoming(t *testing.T) {
	r := migrant()
	r.BirthDate = d("2010-05-10")
	r.LeftHukouDate = d("2025-03-31")
	r.Father = &child.Parent{MigrantWorker: child.Bool(true), WorkRegionCode: "110105", WorkSince: d("2025-06-01"), Capacity: "capable"}
	got := Upcoming(&r, d("2025-06-30"), d("2027-01-01"), cfg())
	want := []string{
		"2025-09-30 离开户籍地满6个月，届时属于流动儿童（监测摸排范围）、属于流动儿童（统计分析范围）",
		"2025-12-01 父亲外出务工满6个月",
		"2026-05-11 满16周岁，届时不再属于监测范围",
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].Text != want[i] {
			t.Errorf("change %d: %q, want %q", i, got[i].Text, want[i])
		}
	}
	if n := Upcoming(&r, d("2026-06-01"), d("2027-01-01"), cfg()); len(n) != 0 {
		t.Errorf("after 16: %+v", n)
	}
}
