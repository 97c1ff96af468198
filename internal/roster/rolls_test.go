package roster

import (
	"slices"
	"testing"

	"guanai/internal/child"
)

func TestMergeRolls(t *testing.T) {
	none := []string{}
	for _, tc := range []struct {
		name                 string
		r                    Record
		hardship, assistance []string // the record's
		wantH, wantA         []string
		contradictions       int
	}{
		{"unanswered: filled", Record{Department: Assistance, RollFacts: RollFacts{AssistanceKinds: []string{"dibao", "disability_subsidies"}}},
			nil, nil, []string{"dibao"}, []string{"dibao", "disability_subsidies"}, 0},
		{"无 contradicts", Record{Department: Assistance, RollFacts: RollFacts{AssistanceKinds: []string{"tekun"}}},
			none, none, none, none, 2},
		{"another kind is added", Record{Department: Assistance, RollFacts: RollFacts{AssistanceKinds: []string{"orphan"}}},
			[]string{"other"}, []string{"charity"}, []string{"other"}, []string{"orphan", "charity"}, 0},
		{"低保 against 特困", Record{Department: Assistance, RollFacts: RollFacts{AssistanceKinds: []string{"tekun"}}},
			[]string{"dibao"}, []string{"dibao"}, []string{"dibao"}, []string{"dibao"}, 2},
		{"the same: nothing", Record{Department: Assistance, RollFacts: RollFacts{AssistanceKinds: []string{"dibao"}}},
			[]string{"dibao"}, []string{"dibao"}, []string{"dibao"}, []string{"dibao"}, 0},
		{"watch list", Record{Department: Rural, RollFacts: RollFacts{PovertyWatch: true}},
			[]string{"dibao_edge"}, nil, []string{"dibao_edge", "poverty_watch"}, nil, 0},
		{"妇联 fills nothing", Record{Department: Women, RollFacts: RollFacts{Support: "春蕾计划"}}, nil, nil, nil, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Merge(&tc.r, child.Record{FamilyHardship: tc.hardship, Assistance: tc.assistance})
			if !slices.Equal(m.Record.FamilyHardship, tc.wantH) || !slices.Equal(m.Record.Assistance, tc.wantA) || len(m.Contradictions) != tc.contradictions {
				t.Errorf("got %v / %v, %d contradictions (%+v); want %v / %v, %d", m.Record.FamilyHardship, m.Record.Assistance,
					len(m.Contradictions), m.Contradictions, tc.wantH, tc.wantA, tc.contradictions)
			}
			if (tc.wantH == nil) != (m.Record.FamilyHardship == nil) {
				t.Errorf("unknown and 无 confused: %#v", m.Record.FamilyHardship)
			}
		})
	}
}

func TestImmunizationFromHealthRoster(t *testing.T) {
	for _, tc := range []struct{ cell, have, want string }{
		{"按时完成", "", "complete"}, {"漏种乙肝疫苗", "", "incomplete"}, {"未接种", "", "none"}, {"见附表", "", ""},
		{"全程接种", "incomplete", "incomplete"}, // a contradiction: kept
	} {
		m := Merge(&Record{Department: Health, Immunization: tc.cell}, child.Record{Immunization: tc.have})
		if m.Record.Immunization != tc.want {
			t.Errorf("%q over %q: %q, want %q", tc.cell, tc.have, m.Record.Immunization, tc.want)
		}
		if tc.have != "" && tc.have != child.ParseImmunization(tc.cell) && len(m.Contradictions) != 1 {
			t.Errorf("%q over %q: no contradiction", tc.cell, tc.have)
		}
	}
}

func TestRollLeads(t *testing.T) {
	asOf := child.NewDate(2025, 6, 30)
	r := Record{Department: Assistance, BirthDate: child.NewDate(2016, 7, 7), HukouAddress: &child.Address{RegionCode: "150302003"}}
	if got := LeadReasons(&r, asOf); !slices.Equal(got, []string{LeadOnRoll}) || LeadRegion(&r) != "150302003" {
		t.Errorf("reasons %v, region %q", got, LeadRegion(&r))
	}
	r.BirthDate = child.NewDate(2005, 1, 1)
	if got := LeadReasons(&r, asOf); got != nil {
		t.Errorf("an adult on the roll: %v", got)
	}
	r = Record{Department: Education, BirthDate: child.NewDate(2016, 7, 7)}
	if got := LeadReasons(&r, asOf); len(got) != 0 {
		t.Errorf("a school roster row without signals: %v", got)
	}
}
