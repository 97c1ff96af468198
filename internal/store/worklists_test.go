package store

import (
	"context"
	"testing"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/roster"
)

func TestBulkReview(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		rosterFixture(t, e)
		// Two rows without ID numbers, each a near miss of a registered child: both go to review.
		rows := parseRows(t, roster.Health, []string{"儿童姓名", "性别", "出生日期", "健康管理", "现住址"},
			[]string{"李楠", "女", "2020-01-05", "在居住地接受", "内蒙古自治区乌海市海勃湾区新华街道"},
			[]string{"王大明", "男", "2015-03-10", "在居住地接受", "内蒙古自治区乌海市海勃湾区新华街道"})
		opt := RosterOptions{Department: roster.Health, Roster: "健康管理.xlsx", RosterDate: testDay, ReviewBand: 0.0001}
		res, _, err := e.ImportRoster(ctx, "clerk", opt, rows)
		if err != nil || res.Review != 2 {
			t.Fatalf("import: %+v %v", res, err)
		}
		pairs, err := e.RosterReviews(ctx, RosterReviewQuery{Department: roster.Health})
		if err != nil || len(pairs) != 2 {
			t.Fatalf("pairs %d %v", len(pairs), err)
		}
		hi, lo := pairs[0], pairs[1]
		if hi.Score == lo.Score {
			t.Fatalf("both pairs score %v: the test needs two scores", hi.Score)
		}
		mid := (hi.Score + lo.Score) / 2

		count := func(ctx context.Context, q RosterReviewQuery) int {
			t.Helper()
			n, err := e.RosterReviewCount(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(ctx, RosterReviewQuery{}); n != 2 {
			t.Errorf("count %d, want 2", n)
		}
		if n := count(ctx, RosterReviewQuery{MinScore: mid}); n != 1 {
			t.Errorf("count above %v: %d, want 1", mid, n)
		}
		if n := count(ctx, RosterReviewQuery{Department: roster.Education}); n != 0 {
			t.Errorf("education count %d, want 0", n)
		}
		// The candidates live in 海勃湾区: a reviewer of 乌达区 sees none, one of 海勃湾区 both.
		if n := count(auth.WithPrincipal(ctx, principal(auth.RoleReviewer, "150304")), RosterReviewQuery{}); n != 0 {
			t.Errorf("count outside the jurisdiction %d, want 0", n)
		}
		if n := count(auth.WithPrincipal(ctx, principal(auth.RoleReviewer, "150302")), RosterReviewQuery{}); n != 2 {
			t.Errorf("count inside the jurisdiction %d, want 2", n)
		}
		if _, err := e.RosterReviewCount(auth.WithPrincipal(ctx, principal(auth.RoleStatistician, "1503")), RosterReviewQuery{}); errCode(err) != CodeForbidden {
			t.Errorf("a statistician counts review pairs: %v", err)
		}

		if _, err := e.AcceptRosterReviews(ctx, "reviewer", RosterReviewQuery{}); errCode(err) != CodeInvalid {
			t.Errorf("bulk acceptance without a score: %v", err)
		}
		out, err := e.AcceptRosterReviews(auth.WithPrincipal(ctx, principal(auth.RoleReviewer, "150304")), "reviewer", RosterReviewQuery{MinScore: lo.Score})
		if err != nil || out.Accepted != 0 {
			t.Errorf("bulk acceptance outside the jurisdiction: %+v %v", out, err)
		}
		out, err = e.AcceptRosterReviews(ctx, "reviewer", RosterReviewQuery{MinScore: mid})
		if err != nil || out.Accepted != 1 || out.Updated != 1 || len(out.Failed) != 0 || out.More {
			t.Fatalf("bulk acceptance: %+v %v", out, err)
		}
		c, _ := e.Get(ctx, hi.Candidate.UID)
		if c.Record.HealthMgmt06 != "received_residence" {
			t.Errorf("accepted pair not applied: health_mgmt_0_6 = %q", c.Record.HealthMgmt06)
		}
		if c, _ := e.Get(ctx, lo.Candidate.UID); c.Record.HealthMgmt06 != "" {
			t.Errorf("the pair below the score was applied too: health_mgmt_0_6 = %q", c.Record.HealthMgmt06)
		}
		left, _ := e.RosterReviews(ctx, RosterReviewQuery{})
		if len(left) != 1 || left[0].ID != lo.ID {
			t.Errorf("pending after bulk acceptance: %+v", left)
		}
	})
}

func TestLeadDraft(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		rosterFixture(t, e)
		rows := parseRows(t, roster.Education, []string{"学生姓名", "身份证号", "父亲姓名", "学校名称", "年级", "在校状态", "是否住校", "是否随迁子女", "家庭住址"},
			[]string{"赵小龙", rosterID("640104", "20100801", "015"), "赵大勇", "乌海市第二中学", "初三", "在校", "是", "是", "内蒙古自治区乌海市海勃湾区新华街道清泉社区"})
		res, outs, err := e.ImportRoster(ctx, "clerk", RosterOptions{Department: roster.Education, Roster: "学生名册.xlsx", RosterDate: testDay}, rows)
		if err != nil || res.Leads != 1 {
			t.Fatalf("import: %+v %v", res, err)
		}
		uid := outs[0].Lead
		if n, err := e.LeadCount(ctx, LeadQuery{Status: LeadOpen}); err != nil || n != 1 {
			t.Errorf("open leads %d %v", n, err)
		}
		if n, _ := e.LeadCount(ctx, LeadQuery{Region: "150304"}); n != 0 {
			t.Errorf("leads in 乌达区: %d", n)
		}
		if _, err := e.LeadCount(ctx, LeadQuery{Status: "done"}); errCode(err) != CodeInvalid {
			t.Errorf("bad status: %v", err)
		}

		collector := auth.WithPrincipal(ctx, principal(auth.RoleCollector, "150302"))
		l, rec, err := e.LeadDraft(collector, uid)
		if err != nil {
			t.Fatal(err)
		}
		if l.UID != uid || rec.Name != "赵小龙" || rec.IDNumber != rosterID("640104", "20100801", "015") || rec.SchoolName != "乌海市第二中学" ||
			rec.Boarding == nil || !*rec.Boarding || rec.Father == nil || rec.Father.Name != "赵大勇" || rec.ResidenceAddr == nil ||
			rec.ResidenceAddr.RegionCode[:9] != "150302003" || rec.SchoolStage != "junior" {
			t.Errorf("draft %+v", rec)
		}
		if rec.BirthDate.String() != "2010-08-01" || rec.Sex != "1" {
			t.Errorf("draft identity from the ID number: %v %q", rec.BirthDate, rec.Sex)
		}
		page, err := e.AuditEntries(ctx, AuditQuery{Action: audit.LeadDraft})
		if err != nil || len(page.Items) != 1 || page.Items[0].Object != "lead:"+uid {
			t.Errorf("audit of the draft: %+v %v", page, err)
		}
		if _, _, err := e.LeadDraft(auth.WithPrincipal(ctx, principal(auth.RoleCollector, "150304")), uid); errCode(err) != CodeNotFound {
			t.Errorf("a collector of 乌达区 opens the lead: %v", err)
		}
		if _, _, err := e.LeadDraft(auth.WithPrincipal(ctx, principal(auth.RoleOfficer, "150302")), uid); errCode(err) != CodeForbidden {
			t.Errorf("an officer opens the lead to register the child: %v", err)
		}
	})
}

// TestPermitExpiring: migrant children whose latest police roster row has a residence permit that
// has run out, or runs out within PermitWarnDays, are listed with the date.
func TestPermitExpiring(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		kids := rosterFixture(t, e)
		// a and the twin came from Ningxia over a year ago: migrant children.
		for _, k := range []string{"a", "twin"} {
			rec := kids[k].Record
			rec.LeftHukouDate = child.NewDate(2024, 3, 1)
			c, err := e.Update(ctx, "clerk", kids[k].UID, kids[k].Version, rec, Source{})
			if err != nil {
				t.Fatal(err)
			}
			kids[k] = c
		}
		q := DiscrepancyQuery{Kind: DiscPermitExpiring, AsOf: testDay}
		if rep, err := e.Discrepancies(ctx, q); err != nil || !rep.NoRoster {
			t.Fatalf("before any police roster: %+v %v", rep, err)
		}
		header := []string{"姓名", "身份证号", "居住证编号", "签发日期", "有效期至"}
		rows := parseRows(t, roster.Police, header,
			[]string{"王小明", kids["a"].Record.IDNumber, "150302202200017", "2022-08-01", "2025-08-01"},    // in 32 days
			[]string{"王子涵", kids["twin"].Record.IDNumber, "150302202400018", "2024-01-01", "2030-01-01"}, // years ahead
			[]string{"李娜", kids["c"].Record.IDNumber, "150302202300019", "2023-01-01", "2025-01-01"})     // expired, but not migrant
		if _, _, err := e.ImportRoster(ctx, "clerk", RosterOptions{Department: roster.Police, Roster: "居住证.xlsx", RosterDate: testDay}, rows); err != nil {
			t.Fatal(err)
		}
		rep, err := e.Discrepancies(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Total != 1 || len(rep.Items) != 1 || rep.Items[0].Child != kids["a"].UID || rep.Items[0].Roster != "2025-08-01" || rep.Items[0].Label != "居住证有效期至" {
			t.Errorf("expiring permits %+v", rep)
		}
		sum, err := e.DiscrepancySummary(ctx, "", testDay)
		if err != nil || len(sum) != len(DiscrepancyKinds) {
			t.Fatalf("summary %d kinds, %v", len(sum), err)
		}
		for _, r := range sum {
			if r.Kind == DiscPermitExpiring && (r.Total != 1 || len(r.ByRegion) != 1 || len(r.Items) != 0) {
				t.Errorf("summary of permit_expiring %+v: want the count by division and no items", r)
			}
		}
		q.AsOf = child.NewDate(2029, 12, 1)
		if rep, _ := e.Discrepancies(ctx, q); rep.Total != 2 {
			t.Errorf("as of 2029-12-01: %d children, want 2", rep.Total)
		}
	})
}
