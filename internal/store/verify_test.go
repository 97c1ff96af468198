package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/roster"
)

// answerList writes a list's file as a department receives it, lets fill answer it (set puts a
// value in the row of a token and the column of a header) and reads it back as the department's
// roster.
func answerList(t *testing.T, e *env, ctx context.Context, uid string, fill func(set func(token, header, value string))) []RosterRow {
	t.Helper()
	v, kids, err := e.VerificationSheet(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := roster.Lookup(v.Department)
	vs := &roster.VerifySheet{Department: d, Title: "核查名单", Watermark: "仅用于核查，不得外传"}
	for i := range kids {
		vs.Rows = append(vs.Rows, roster.VerifyRow{Token: kids[i].Token, Record: &kids[i].Record})
	}
	var buf bytes.Buffer
	if err := roster.WriteVerification(&buf, vs); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("核查名单")
	fill(func(token, header, value string) {
		t.Helper()
		col := slices.Index(rows[2], header)
		r := slices.IndexFunc(rows, func(row []string) bool { return len(row) > 0 && row[0] == token })
		if col < 0 || r < 0 {
			t.Fatalf("no column %q or no row %q", header, token)
		}
		cell, _ := excelize.CoordinatesToCellName(col+1, r+1)
		if err := f.SetCellStr("核查名单", cell, value); err != nil {
			t.Fatal(err)
		}
	})
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	rd, err := roster.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()), "answered.xlsx", d, roster.ReadOptions{Today: testDay})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var got []RosterRow
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, RosterRow{Row: r.Number, Record: r.Record, Issues: r.Issues, Cells: r.Cells})
	}
}

// plainChild is a local child without an ID number (no hukou yet), living in region.
func plainChild(name, sex string, birth child.Date, region string) child.Record {
	no := false
	return child.Record{Name: name, Sex: sex, BirthDate: birth, HukouRegistered: &no, CoResidents: "both_parents",
		HukouAddress: &child.Address{RegionCode: region}, ResidenceAddr: &child.Address{RegionCode: region, Detail: "某小区1号"},
		Father: &child.Parent{Name: "赵强"}, Mother: &child.Parent{Name: "王芳"}}
}

func tokenOf(t *testing.T, e *env, ctx context.Context, uid, childUID string) string {
	t.Helper()
	_, kids, err := e.VerificationSheet(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kids {
		if k.UID == childUID {
			return k.Token
		}
	}
	t.Fatalf("child %s not in list %s", childUID, uid)
	return ""
}

// TestVerificationRoundTrip: a list of the school-age children goes to education; the answers
// come back: one found (linked by token, facts applied), one not found, one whose identity was
// changed (matched as any row, with a warning); importing the file again changes nothing.
func TestVerificationRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		kids := rosterFixture(t, e)
		d := mustCreate(t, e, plainChild("赵小红", "2", child.NewDate(2016, 8, 1), "150302003"))
		v, err := e.CreateVerification(ctx, "cli:t", VerificationSpec{Department: "教育", Note: "秋季学期入学核查"})
		if err != nil {
			t.Fatal(err)
		}
		// a (10), twin (7) and d (8) are 6–15 on the day; c (5) is not.
		if v.Count != 3 || v.Pending != 3 || v.Department != roster.Education || len(v.Code) != roster.TokenCodeLen {
			t.Fatalf("list %+v", v)
		}
		_, sheetKids, err := e.VerificationSheet(ctx, v.UID)
		if err != nil || len(sheetKids) != 3 || sheetKids[0].Token != roster.Token(v.Code, 1) || sheetKids[0].Record.Name == "" {
			t.Fatalf("sheet %+v %v", sheetKids, err)
		}
		tokA, tokTwin, tokD := tokenOf(t, e, ctx, v.UID, kids["a"].UID), tokenOf(t, e, ctx, v.UID, kids["twin"].UID), tokenOf(t, e, ctx, v.UID, d.UID)
		rows := answerList(t, e, ctx, v.UID, func(set func(token, header, value string)) {
			set(tokA, "年级", "四年级")
			set(tokA, "是否寄宿", "否")
			set(tokA, "核查结果", "已核实")
			set(tokTwin, "核查结果", "查无此人")
			set(tokD, "姓名", "钱小红") // another child: the identity no longer agrees
			set(tokD, "出生日期", "2014-02-03")
			set(tokD, "学校名称", "乌海市第二小学")
		})
		if len(rows) != 3 {
			t.Fatalf("%d rows read back", len(rows))
		}
		opt := RosterOptions{Department: roster.Education, Roster: "核查名单（已填）.xlsx", RosterDate: testDay}
		res, outs, err := e.ImportRoster(ctx, "clerk", opt, rows)
		if err != nil {
			t.Fatal(err)
		}
		p := res.Verification
		if p == nil || p.UID != v.UID || p.Answered != 1 || p.NotFound != 1 || p.Pending != 1 {
			t.Fatalf("progress %+v", p)
		}
		if len(p.Warnings) != 1 || p.Warnings[0].Code != "verify_identity_changed" || p.Warnings[0].Row != rows[2].Row || strings.Contains(p.Warnings[0].Message, "钱小红") {
			t.Errorf("warnings %+v", p.Warnings)
		}
		byRow := map[int]RosterOutcome{}
		for _, o := range outs {
			byRow[o.Row] = o
		}
		oa := byRow[rows[0].Row]
		if oa.Outcome != RosterUpdated || oa.Method != MethodVerification || oa.Score != 1 || oa.UID != kids["a"].UID {
			t.Errorf("found row %+v", oa)
		}
		if ot := byRow[rows[1].Row]; ot.Outcome != RosterUnmatched || ot.Lead != "" || ot.Method != "" {
			t.Errorf("not-found row %+v", ot)
		}
		if od := byRow[rows[2].Row]; od.Method == MethodVerification || od.UID == d.UID && od.Outcome == RosterUpdated {
			t.Errorf("changed identity linked by token: %+v", od)
		}
		a, _ := e.Get(ctx, kids["a"].UID)
		if a.Record.SchoolStage != "primary" || a.Record.Boarding == nil || *a.Record.Boarding || a.Version != 2 {
			t.Errorf("a after the answer: %+v v%d", a.Record, a.Version)
		}
		prov, _ := e.Provenance(ctx, kids["a"].UID)
		if !slices.ContainsFunc(prov, func(p ProvenanceEntry) bool {
			return p.Field == "boarding" && p.Source.Kind == SourceRoster && p.Source.Department == roster.Education && p.Source.Row == rows[0].Row
		}) {
			t.Errorf("no roster provenance for boarding: %+v", prov)
		}
		// The not-found child is in no school roster: not linked.
		var links int
		if err := e.read.QueryRow(e.d.bind("SELECT count(*) FROM roster_links WHERE child_id = (SELECT id FROM children WHERE uid = ?)"), kids["twin"].UID).Scan(&links); err != nil || links != 0 {
			t.Errorf("twin linked %d times (%v)", links, err)
		}
		var method string
		if err := e.read.QueryRow(e.d.bind("SELECT r.method FROM verification_items i JOIN roster_rows r ON r.id = i.roster_row_id WHERE i.token = ?"), tokA).Scan(&method); err != nil || method != MethodVerification {
			t.Errorf("item a's row: %q %v", method, err)
		}
		got, err := e.Verification(ctx, v.UID)
		if err != nil || got.Answered != 1 || got.NotFound != 1 || got.Pending != 1 || got.Note != "秋季学期入学核查" {
			t.Errorf("list after the answers %+v %v", got, err)
		}

		// The same file again changes nothing.
		res2, _, err := e.ImportRoster(ctx, "clerk", opt, rows)
		if err != nil {
			t.Fatal(err)
		}
		if p2 := res2.Verification; res2.Imported != 0 || res2.Updated != 0 || res2.Leads != 0 || p2 == nil || p2.UID != v.UID || p2.Answered != 1 || p2.NotFound != 1 || p2.Pending != 1 {
			t.Errorf("second import %+v %+v", res2, res2.Verification)
		}
		if a2, _ := e.Get(ctx, kids["a"].UID); a2.Version != a.Version {
			t.Errorf("second import made version %d", a2.Version)
		}

		// A token of this list in another department's roster is only a warning.
		ins := parseRows(t, roster.Insurance, []string{"姓名", "身份证号", "参保状态", "核查编号"},
			[]string{"王小明", kids["a"].Record.IDNumber, "已参保", tokA}, []string{"王小明", kids["a"].Record.IDNumber, "已参保", "HCZZZZZZ-0001"})
		res3, outs3, err := e.ImportRoster(ctx, "clerk", RosterOptions{Department: roster.Insurance, Roster: "参保.xlsx", RosterDate: testDay}, ins)
		if err != nil {
			t.Fatal(err)
		}
		if res3.Verification == nil || res3.Verification.UID != "" || len(res3.Verification.Warnings) != 2 ||
			res3.Verification.Warnings[0].Code != "verify_other_department" || res3.Verification.Warnings[1].Code != "verify_unknown_token" {
			t.Errorf("other department %+v", res3.Verification)
		}
		if outs3[0].Outcome != RosterUpdated || outs3[0].Method == MethodVerification {
			t.Errorf("other department's row %+v, want matched as usual", outs3[0])
		}
		// A roster without tokens reports no verification.
		plain := parseRows(t, roster.Insurance, []string{"姓名", "身份证号", "参保状态"}, []string{"王小明", kids["a"].Record.IDNumber, "已参保"})
		if res4, _, err := e.ImportRoster(ctx, "clerk", RosterOptions{Department: roster.Insurance, Roster: "参保2.xlsx", RosterDate: testDay}, plain); err != nil || res4.Verification != nil {
			t.Errorf("plain roster %+v %v", res4.Verification, err)
		}
	})
}

// TestVerificationIdentityByName: a row whose ID number was changed but whose name and birth date
// still agree is linked by its token.
func TestVerificationIdentityByName(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		kids := rosterFixture(t, e)
		v, err := e.CreateVerification(ctx, "cli:t", VerificationSpec{Department: roster.Health, Region: "150302"})
		if err != nil {
			t.Fatal(err)
		}
		if v.Count != 1 || v.Region != "150302" { // c (5) only
			t.Fatalf("list %+v", v)
		}
		tok := tokenOf(t, e, ctx, v.UID, kids["c"].UID)
		rows := answerList(t, e, ctx, v.UID, func(set func(token, header, value string)) {
			set(tok, "公民身份号码", "")
			set(tok, "健康管理次数", "3")
		})
		res, outs, err := e.ImportRoster(ctx, "clerk", RosterOptions{Department: roster.Health, Roster: "h.xlsx", RosterDate: testDay}, rows)
		if err != nil {
			t.Fatal(err)
		}
		if outs[0].Method != MethodVerification || outs[0].UID != kids["c"].UID || res.Verification.Answered != 1 || len(res.Verification.Warnings) != 0 {
			t.Errorf("row %+v, progress %+v", outs[0], res.Verification)
		}
	})
}

func TestVerificationSelection(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		kids := rosterFixture(t, e)
		// A child of another district (海南区 150303), 9.
		other := mustCreate(t, e, plainChild("孙小海", "1", child.NewDate(2016, 1, 1), "150303"))
		district := auth.WithPrincipal(ctx, principal(auth.RoleReviewer, "150302"))
		officer := auth.WithPrincipal(ctx, principal(auth.RoleOfficer, "150302"))

		v, err := e.CreateVerification(district, "ignored", VerificationSpec{Department: roster.Education})
		if err != nil {
			t.Fatal(err)
		}
		if v.Count != 2 || v.Region != "150302" || v.CreatedBy != "user:reviewer_150302" {
			t.Errorf("district list %+v: want a and twin, not the child of 150303", v)
		}
		_, rows, err := e.VerificationSheet(district, v.UID)
		if err != nil || slices.ContainsFunc(rows, func(r VerificationChild) bool { return r.UID == other.UID }) {
			t.Errorf("district sheet %+v %v", rows, err)
		}
		all, err := e.CreateVerification(ctx, "cli:t", VerificationSpec{Department: roster.Insurance})
		if err != nil || all.Count != 4 || all.Region != "" {
			t.Fatalf("whole registry %+v %v", all, err)
		}
		// The command line's list covers the whole registry: outside the district's jurisdiction.
		if _, err := e.Verification(district, all.UID); errCode(err) != CodeNotFound {
			t.Errorf("a list outside the jurisdiction: %v", err)
		}
		if _, _, err := e.VerificationSheet(district, all.UID); errCode(err) != CodeNotFound {
			t.Errorf("the file of a list outside the jurisdiction: %v", err)
		}
		if ls, err := e.Verifications(district, ""); err != nil || len(ls) != 1 || ls[0].UID != v.UID {
			t.Errorf("district lists %+v %v", ls, err)
		}
		if ls, err := e.Verifications(ctx, roster.Insurance); err != nil || len(ls) != 1 || ls[0].UID != all.UID {
			t.Errorf("insurance lists %+v %v", ls, err)
		}
		// An officer reads progress but may not make or download a list.
		if ls, err := e.Verifications(officer, ""); err != nil || len(ls) != 1 {
			t.Errorf("officer lists %+v %v", ls, err)
		}
		if _, err := e.CreateVerification(officer, "x", VerificationSpec{Department: roster.Education}); errCode(err) != CodeForbidden {
			t.Errorf("officer creates: %v", err)
		}
		if _, _, err := e.VerificationSheet(officer, v.UID); errCode(err) != CodeForbidden {
			t.Errorf("officer downloads: %v", err)
		}
		if _, err := e.Verifications(auth.WithPrincipal(ctx, principal(auth.RoleReviewer, "")), ""); errCode(err) != CodeForbidden {
			t.Errorf("an account without an org unit lists: %v", err)
		}
		if _, err := e.CreateVerification(district, "x", VerificationSpec{Department: roster.Education, Region: "150303"}); errCode(err) != CodeForbidden {
			t.Errorf("a region outside the jurisdiction: %v", err)
		}

		for _, tc := range []struct {
			name string
			spec VerificationSpec
			want string
		}{
			{"unknown department", VerificationSpec{Department: "civil"}, "未知的部门"},
			{"bad region", VerificationSpec{Department: roster.Education, Region: "15x"}, "格式不正确"},
			{"kind of another department", VerificationSpec{Department: roster.Police, Kind: DiscNoSchool}, "不是可以请"},
			{"report without a roster", VerificationSpec{Department: roster.Education, Kind: DiscNoSchool}, "尚未导入过"},
			{"nobody", VerificationSpec{Department: roster.Police}, "没有符合条件的儿童"}, // no migrant child
			{"no disabled child", VerificationSpec{Department: roster.Disability}, "没有符合条件的儿童"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.CreateVerification(ctx, "cli:t", tc.spec)
				if errCode(err) != CodeInvalid || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got %v, want invalid saying %q", err, tc.want)
				}
			})
		}
		defer func(n int) { verificationMax = n }(verificationMax)
		verificationMax = 3
		if _, err := e.CreateVerification(ctx, "cli:t", VerificationSpec{Department: roster.Insurance}); errCode(err) != CodeInvalid || !strings.Contains(err.Error(), "更小的区划") {
			t.Errorf("over the cap: %v", err)
		}
		verificationMax = 20_000

		// A discrepancy report once the department's roster is in: a is linked, twin is not.
		school := parseRows(t, roster.Education, []string{"姓名", "身份证号", "学校名称"}, []string{"王小明", kids["a"].Record.IDNumber, "乌海市第一小学"})
		if _, _, err := e.ImportRoster(ctx, "clerk", RosterOptions{Department: roster.Education, Roster: "s.xlsx", RosterDate: testDay}, school); err != nil {
			t.Fatal(err)
		}
		ns, err := e.CreateVerification(district, "x", VerificationSpec{Department: roster.Education, Kind: DiscNoSchool})
		if err != nil || ns.Count != 1 {
			t.Fatalf("no_school list %+v %v", ns, err)
		}
		if _, rows, _ := e.VerificationSheet(district, ns.UID); len(rows) != 1 || rows[0].UID != kids["twin"].UID {
			t.Errorf("no_school children %+v", rows)
		}

		// Making and downloading a list are audited, without personal data.
		page, err := e.AuditEntries(ctx, AuditQuery{Action: audit.VerifyExport, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var downloads int
		for _, en := range page.Items {
			if strings.Contains(string(en.Detail), `"step":"download"`) {
				downloads++
			}
			if strings.Contains(string(en.Detail), "王") || !strings.Contains(string(en.Detail), `"children"`) {
				t.Errorf("audit detail %s", en.Detail)
			}
		}
		if downloads != 2 || page.Total != 5 { // three lists made (the refused ones are not), two files
			t.Errorf("%d verify.export entries, %d downloads", page.Total, downloads)
		}
	})
}

// TestVerificationAnsweredByReview: an answered row whose identity no longer agrees goes to the
// matcher; when it lands in the review band and a person links it to the child the list asked
// about, the item is answered.
func TestVerificationAnsweredByReview(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		kids := rosterFixture(t, e)
		v, err := e.CreateVerification(ctx, "cli:t", VerificationSpec{Department: roster.Health, Region: "150302"})
		if err != nil {
			t.Fatal(err)
		}
		tok := tokenOf(t, e, ctx, v.UID, kids["c"].UID)
		rows := answerList(t, e, ctx, v.UID, func(set func(token, header, value string)) {
			set(tok, "公民身份号码", "")
			set(tok, "姓名", "李楠") // 李娜 written another way: no longer the same name
			set(tok, "健康管理次数", "2")
		})
		opt := RosterOptions{Department: roster.Health, Roster: "h.xlsx", RosterDate: testDay, Threshold: 0.999999, ReviewBand: 0.0001}
		res, outs, err := e.ImportRoster(ctx, "clerk", opt, rows)
		if err != nil {
			t.Fatal(err)
		}
		if outs[0].Outcome != RosterReview || outs[0].UID != kids["c"].UID || res.Verification.Pending != 1 {
			t.Fatalf("row %+v, progress %+v", outs[0], res.Verification)
		}
		pairs, err := e.RosterReviews(ctx, RosterReviewQuery{Department: roster.Health})
		if err != nil || len(pairs) != 1 {
			t.Fatalf("pairs %d %v", len(pairs), err)
		}
		if _, err := e.ReviewRoster(ctx, "reviewer", pairs[0].ID, true); err != nil {
			t.Fatal(err)
		}
		if got, err := e.Verification(ctx, v.UID); err != nil || got.Answered != 1 || got.Pending != 0 {
			t.Errorf("list after the review %+v %v", got, err)
		}
	})
}
