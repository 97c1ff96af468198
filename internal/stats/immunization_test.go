package stats

import (
	"testing"

	"guanai/internal/child"
	"guanai/internal/region"
)

// TestImmunizationCounted: 疾控's immunisation status kept in the record is a dimension of the
// cross-tabs; the counts by status add up to the children counted.
func TestImmunizationCounted(t *testing.T) {
	rs := append([]child.Record(nil), testPopulation(t)[:2000]...)
	want := map[string]int64{}
	for i := range rs {
		switch i % 3 {
		case 0:
			rs[i].Immunization = "complete"
		case 1:
			rs[i].Immunization = "incomplete"
		}
	}
	tab, err := CrossTab(Records(rs), Query{AsOf: genDate, Region: "150302"}, "immunization", "sex", region.County)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for i, c := range tab.Rows.Categories {
		want[c.Code] = tab.RowTotals[i]
		sum += tab.RowTotals[i]
	}
	if want["complete"] == 0 || want["incomplete"] == 0 || want[Unknown] == 0 || sum != tab.Total {
		t.Errorf("immunization rows %v, total %d", want, tab.Total)
	}
	if tab.Rows.Title != "国家免疫规划疫苗接种情况" {
		t.Errorf("title %q", tab.Rows.Title)
	}
}
