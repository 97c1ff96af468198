package store

import (
	"testing"

	"guanai/internal/auth"
	"guanai/internal/roster"
)

// TestRotateAndReseal: after a rotation every sealed value is re-encrypted under the new key and
// still opens; a second run changes nothing.
func TestRotateAndReseal(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		c := mustCreate(t, e, demoChildren(3, 1)[0])
		upd := c.Record
		upd.Name = "王小红"
		if _, err := e.Update(ctx, "cli:t", c.UID, 1, upd, Source{Note: "更正姓名"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Transition(ctx, "cli:t", c.UID, StatusArchived, "已迁出"); err != nil {
			t.Fatal(err)
		}
		u := &auth.User{Username: "rev", Name: "审核员", Roles: []string{auth.RoleReviewer}, Department: "minzheng", OrgCode: "150302",
			PasswordHash: auth.HashPassword("Secret-123"), TOTPSecret: "JBSWY3DPEHPK3PXP", MFAEnrolled: true}
		if err := e.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		before := e.keys.ActiveKeyID()
		id, err := e.RotateKey(ctx)
		if err != nil || id == before {
			t.Fatalf("rotate: %q %v", id, err)
		}
		batches := 0
		res, err := e.Reseal(ctx, 1, func(string, ResealResult) { batches++ })
		if err != nil {
			t.Fatal(err)
		}
		// children: record+brief; versions: 2 records, 1 diff, 1 note; 1 transition reason; the TOTP secret.
		if res.Resealed != 8 || res.Checked != 8 || batches < 6 {
			t.Errorf("reseal: %+v in %d batches", res, batches)
		}
		var rec, br []byte
		if err := e.read.QueryRow(e.d.bind("SELECT record, brief FROM children WHERE uid = ?"), c.UID).Scan(&rec, &br); err != nil {
			t.Fatal(err)
		}
		for _, v := range [][]byte{rec, br} {
			if k, _ := e.keys.KeyIDOf(v); k != id {
				t.Errorf("value under %s, want %s", k, id)
			}
		}
		got, err := e.Get(ctx, c.UID)
		if err != nil || got.Record.Name != "王小红" {
			t.Fatalf("get after reseal: %v", err)
		}
		if h, err := e.History(ctx, c.UID); err != nil || len(h) != 3 {
			t.Errorf("history after reseal: %d %v", len(h), err)
		}
		if u2, err := e.UserByName(ctx, "rev"); err != nil || u2.TOTPSecret != "JBSWY3DPEHPK3PXP" {
			t.Errorf("user after reseal: %v", err)
		}
		again, err := e.Reseal(ctx, 500, nil)
		if err != nil || again.Resealed != 0 || again.Checked != 8 {
			t.Errorf("second reseal: %+v %v", again, err)
		}
	})
}

// TestResealRosters: the sealed columns of the roster tables — rows as read, rejected cells and
// issues, discrepancies and their resolutions, leads' notes, verification lists' notes — are
// re-encrypted too, and read back after the rotation.
func TestResealRosters(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		kids := rosterFixture(t, e)
		idA := rosterID("640104", "20150310", "123")
		// Rows: a contradiction (the school), a lead, a rejected row.
		rows := parseRows(t, roster.Education, []string{"姓名", "身份证号", "学校名称", "就读状态", "是否随迁子女", "家庭住址"},
			[]string{"王小明", idA, "乌海市第三小学", "在读", "", ""},
			[]string{"赵小龙", rosterID("640104", "20100801", "015"), "乌海市第二中学", "在校", "是", "内蒙古自治区乌海市海勃湾区新华街道清泉社区"},
			[]string{"钱多多", "150302201501011230", "乌海市第一小学", "在校", "", ""})
		res, outs, err := e.ImportRoster(ctx, "clerk", RosterOptions{Department: roster.Education, Roster: "s.xlsx", RosterDate: testDay}, rows)
		if err != nil || res.Discrepancies != 1 || res.Leads != 1 || res.Rejected != 1 {
			t.Fatalf("import %+v %v", res, err)
		}
		rep, _ := e.Discrepancies(ctx, DiscrepancyQuery{Kind: DiscContradiction})
		if err := e.ResolveDiscrepancy(ctx, "reviewer", rep.Items[0].UID, "已电话核实"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.CloseLead(ctx, "director", outs[1].Lead, LeadNotFound, "", "入户未见"); err != nil {
			t.Fatal(err)
		}
		v, err := e.CreateVerification(ctx, "cli:t", VerificationSpec{Department: roster.Insurance, Note: "参保核查"})
		if err != nil {
			t.Fatal(err)
		}
		id, err := e.RotateKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Reseal(ctx, 2, nil); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"SELECT data FROM roster_rows", "SELECT cells FROM roster_rows", "SELECT issues FROM roster_rows",
			"SELECT detail FROM discrepancies", "SELECT resolution FROM discrepancies", "SELECT note FROM leads", "SELECT note FROM verifications"} {
			rs, err := e.read.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rs.Next() {
				var b []byte
				if err := rs.Scan(&b); err != nil {
					t.Fatal(err)
				}
				if len(b) == 0 {
					continue
				}
				n++
				if k, _ := e.keys.KeyIDOf(b); k != id {
					t.Errorf("%s: a value under %s, want %s", q, k, id)
				}
			}
			rs.Close()
			if n == 0 {
				t.Errorf("%s: nothing sealed to check", q)
			}
		}
		var rowID int64
		if err := e.read.QueryRow(e.d.bind("SELECT id FROM roster_rows WHERE child_id = (SELECT id FROM children WHERE uid = ?)"), kids["a"].UID).Scan(&rowID); err != nil {
			t.Fatal(err)
		}
		if p, err := e.RosterPair(ctx, rowID); err != nil || p.Record.SchoolName != "乌海市第三小学" {
			t.Errorf("roster row after reseal: %+v %v", p, err)
		}
		if rej, err := e.RosterRejects(ctx, res.Batch); err != nil || len(rej) != 1 || rej[0].Cells[0] != "钱多多" || len(rej[0].Errors) == 0 {
			t.Errorf("rejects after reseal: %+v %v", rej, err)
		}
		if rep, err := e.Discrepancies(ctx, DiscrepancyQuery{Kind: DiscContradiction, Status: "all"}); err != nil || len(rep.Items) != 1 || rep.Items[0].Roster != "乌海市第三小学" {
			t.Errorf("discrepancy after reseal: %+v %v", rep, err)
		}
		if l, err := e.Lead(ctx, outs[1].Lead); err != nil || l.Note != "入户未见" || l.Record.Name != "赵小龙" {
			t.Errorf("lead after reseal: %+v %v", l, err)
		}
		if got, err := e.Verification(ctx, v.UID); err != nil || got.Note != "参保核查" {
			t.Errorf("verification after reseal: %+v %v", got, err)
		}
	})
}
