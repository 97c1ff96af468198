package store

import (
	"slices"
	"testing"

	"guanai/internal/roster"
)

// TestAssistanceRoll: civil affairs' social-assistance roll fills 家庭困难情况 and 生活保障情况 of
// matched children as its values, reports where the collector wrote otherwise, makes the
// unregistered child under 16 a home-visit lead (assigned by hukou when the roll has no
// residence), and a second import changes nothing; the 防止返贫监测 list adds 防止返贫监测家庭.
func TestAssistanceRoll(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		kids := rosterFixture(t, e)
		// c: the collector wrote 无 for 家庭困难情况 (an empty set).
		c, _ := e.Get(ctx, kids["c"].UID)
		c.Record.FamilyHardship = []string{}
		if _, err := e.Update(ctx, "", c.UID, c.Version, c.Record, Source{Note: "入户填写"}); err != nil {
			t.Fatal(err)
		}
		idA, idC := rosterID("640104", "20150310", "123"), rosterID("150302", "20200105", "224")
		header := []string{"姓名", "身份证号", "户籍地址", "保障类别"}
		rows := parseRows(t, roster.Assistance, header,
			[]string{"王小明", idA, "", "低保、残疾人两项补贴"},
			[]string{"李娜", idC, "", "特困"},
			[]string{"周小红", rosterID("150302", "20160707", "028"), "内蒙古自治区乌海市海勃湾区新华街道", "孤儿"},
			[]string{"吴大军", rosterID("150302", "20050101", "013"), "内蒙古自治区乌海市海勃湾区新华街道", "低保"}, // 20: no lead
		)
		opt := RosterOptions{Department: roster.Assistance, Roster: "社会救助对象.xlsx", RosterDate: testDay}
		res, outs, err := e.ImportRoster(ctx, "clerk", opt, rows)
		if err != nil {
			t.Fatal(err)
		}
		if res.Updated != 2 || res.Leads != 1 || res.Discrepancies != 1 || res.Rejected != 0 {
			t.Errorf("result %+v", res)
		}
		a, _ := e.Get(ctx, kids["a"].UID)
		if !slices.Equal(a.Record.FamilyHardship, []string{"dibao"}) || !slices.Equal(a.Record.Assistance, []string{"dibao", "disability_subsidies"}) {
			t.Errorf("a: hardship %v, assistance %v", a.Record.FamilyHardship, a.Record.Assistance)
		}
		c2, _ := e.Get(ctx, kids["c"].UID)
		if len(c2.Record.FamilyHardship) != 0 || c2.Record.FamilyHardship == nil || !slices.Equal(c2.Record.Assistance, []string{"tekun"}) {
			t.Errorf("c: the collector's 无 must stay (a discrepancy), assistance filled: %v %v", c2.Record.FamilyHardship, c2.Record.Assistance)
		}
		rep, err := e.Discrepancies(ctx, DiscrepancyQuery{Kind: DiscContradiction})
		if err != nil || rep.Total != 1 || rep.Items[0].Field != "family_hardship" || rep.Items[0].Child != kids["c"].UID {
			t.Errorf("contradictions %+v %v", rep, err)
		}
		if outs[2].Lead == "" || outs[3].Lead != "" {
			t.Fatalf("leads %q %q", outs[2].Lead, outs[3].Lead)
		}
		l, err := e.Lead(ctx, outs[2].Lead)
		if err != nil || l.RegionCode != "150302003" || !slices.Equal(l.Reasons, []string{roster.LeadOnRoll}) {
			t.Errorf("lead %+v %v", l, err)
		}
		// Again: nothing changes.
		res2, _, err := e.ImportRoster(ctx, "clerk", opt, rows)
		if err != nil || res2.Updated != 0 || res2.Leads != 0 || res2.Discrepancies != 0 {
			t.Errorf("second import %+v %v", res2, err)
		}
		if a2, _ := e.Get(ctx, kids["a"].UID); a2.Version != a.Version {
			t.Errorf("second import made version %d", a2.Version)
		}
		// The 防止返贫监测 list: adds to what the record holds.
		rural := parseRows(t, roster.Rural, []string{"姓名", "身份证号", "监测对象类别"}, []string{"王小明", idA, "边缘易致贫户"})
		if res, _, err := e.ImportRoster(ctx, "clerk", RosterOptions{Department: roster.Rural, Roster: "监测对象.xlsx", RosterDate: testDay}, rural); err != nil || res.Updated != 1 {
			t.Errorf("rural %+v %v", res, err)
		}
		a3, _ := e.Get(ctx, kids["a"].UID)
		if !slices.Equal(a3.Record.FamilyHardship, []string{"dibao", "poverty_watch"}) {
			t.Errorf("a after the watch list: %v", a3.Record.FamilyHardship)
		}
		// 疾控's immunisation column is kept in the record, with its provenance.
		health := parseRows(t, roster.Health, []string{"姓名", "身份证号", "预防接种"}, []string{"王小明", idA, "按时完成"})
		if res, _, err := e.ImportRoster(ctx, "clerk", RosterOptions{Department: roster.Health, Roster: "接种.xlsx", RosterDate: testDay}, health); err != nil || res.Updated != 1 {
			t.Errorf("health %+v %v", res, err)
		}
		a4, _ := e.Get(ctx, kids["a"].UID)
		prov, _ := e.Provenance(ctx, kids["a"].UID)
		from := false
		for _, p := range prov {
			from = from || p.Field == "immunization" && p.Source.Department == roster.Health
		}
		if a4.Record.Immunization != "complete" || !from {
			t.Errorf("immunization %q, provenance %v", a4.Record.Immunization, from)
		}
	})
}
