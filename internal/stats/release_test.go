package stats

import (
	"strings"
	"testing"
)

func TestReleaseDepartments(t *testing.T) {
	tests := []struct {
		name   string
		tables []string
		want   string
	}{
		{"no department's data", []string{"type", "sex", "age5", "family_hardship"}, ""},
		{"schooling and permits", []string{"sex", "school_stage", "residence_registration"}, "jiaoyu,gongan"},
		{"every department", []string{"disability", "medical_insurance", "tcm_0_36m", "schooling", "residence_registration"}, "jiaoyu,gongan,weijian,yibao,canlian"},
		{"a cross-tab's dimensions", []string{CrossTabKey("disability_grade", "health_mgmt_0_6")}, "weijian,canlian"},
		{"a cross-tab of no department", []string{CrossTabKey("sex", "age5")}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(ReleaseDepartments(tc.tables), ","); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	for _, k := range []string{"x:sex:sex", "x:sex", "x:nope:sex", "nope", "y:sex:age"} {
		if ValidReleaseKey(k) {
			t.Errorf("%q is valid, want invalid", k)
		}
	}
	for _, k := range []string{"x:sex:age5", "sex", "disability"} {
		if !ValidReleaseKey(k) {
			t.Errorf("%q is invalid, want valid", k)
		}
	}
}
