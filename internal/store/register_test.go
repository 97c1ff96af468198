package store

import (
	"context"
	"strings"
	"testing"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, f gateFixture) []objectRow {
		var archUID string
		if e != nil {
			// A child of the district to archive from the queue (its item is made when the row
			// runs: ResolveReview's row closes the oldest open item).
			if c, err := e.Create(opCtx(), "", plainChild("郑小东", "1", child.NewDate(2012, 2, 2), "150302003"), Source{}); err == nil {
				archUID = c.UID
			}
			// Two open items of the fixture's child for the rows below.
			var id int64
			if err := e.queryRow(opCtx(), "SELECT id FROM children WHERE uid = ?", f.child).Scan(&id); err == nil {
				for range 2 {
					_, _ = e.write.ExecContext(opCtx(), e.d.bind("INSERT INTO review_queue (child_id, kind, detail, cause, as_of, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
						id, ReviewNoLongerQualifies, "{}", "测试", int64(testDay), e.d.timeArg(e.instant()))
				}
			}
		}
		lastOpen := func() (int64, error) {
			items, err := e.ReviewQueue(opCtx(), ReviewQuery{Open: true, UID: f.child})
			if err != nil || len(items) == 0 {
				return 0, err
			}
			return items[len(items)-1].ID, nil
		}
		return []objectRow{
			{method: "CountOpenReviews", call: func(ctx context.Context) (int, error) {
				m, err := e.CountOpenReviews(ctx)
				return m[ReviewNoLongerQualifies], err
			}, allowed: []*auth.Principal{revIn, colIn, eduIn, polIn, healIn}},
			{method: "ConfirmReview", mutates: true, call: func(ctx context.Context) (int, error) {
				id, err := lastOpen()
				if err != nil || id == 0 {
					return 0, err
				}
				return one(0, e.ConfirmReview(ctx, id, "已核实"))
			}, allowed: []*auth.Principal{revIn}},
			{method: "ArchiveReview", mutates: true, call: func(ctx context.Context) (int, error) {
				items, err := e.ReviewQueue(opCtx(), ReviewQuery{Open: true, UID: archUID})
				if err == nil && len(items) == 0 {
					_, err = e.write.ExecContext(opCtx(), e.d.bind("INSERT INTO review_queue (child_id, kind, detail, cause, as_of, created_at) SELECT id, ?, ?, ?, ?, ? FROM children WHERE uid = ?"),
						ReviewNoLongerQualifies, "{}", "测试", int64(testDay), e.d.timeArg(e.instant()), archUID)
					if err == nil {
						items, err = e.ReviewQueue(opCtx(), ReviewQuery{Open: true, UID: archUID})
					}
				}
				if err != nil || len(items) == 0 {
					return 0, err
				}
				return one(0, e.ArchiveReview(ctx, items[0].ID, "迁出本地", ""))
			}, allowed: []*auth.Principal{revIn}},
		}
	})
}

// migrantFamilyChild lives with both parents in 海勃湾区, where both work; hukou in 银川.
func migrantFamilyChild(name string) child.Record {
	r := plainChild(name, "1", child.NewDate(2015, 3, 10), "150302003")
	r.HukouAddress = &child.Address{RegionCode: "640104001"}
	r.LeftHukouDate = child.NewDate(2020, 1, 1)
	for _, p := range []*child.Parent{r.Father, r.Mother} {
		p.MigrantWorker, p.WorkRegionCode, p.WorkSince, p.Capacity = child.Bool(true), "150302", child.NewDate(2020, 1, 1), "capable"
	}
	return r
}

// TestReclassifyRuleChange: records classified under the earlier rule (the work distance from
// the hukou county) are classified again when the rule version changes; the answers that moved
// are counted, audited, and a child who leaves the scope is queued with the cause.
func TestReclassifyRuleChange(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		fam := mustCreate(t, e, migrantFamilyChild("王小军"))
		if fam.Classification.LeftBehind != "no" || fam.Classification.MigrantMonitoring != "yes" {
			t.Fatalf("set-up: %+v", fam.Classification)
		}
		local := plainChild("李小花", "2", child.NewDate(2014, 1, 1), "150302003")
		loc := mustCreate(t, e, local)
		if loc.Classification.InScope() {
			t.Fatalf("set-up: local child in scope %+v", loc.Classification)
		}
		// As the earlier rule stored them.
		mustExec(t, e, "UPDATE children SET left_behind = 'yes', rule_version = 'v1', rule_config = 'old' WHERE uid = ?", fam.UID)
		mustExec(t, e, "UPDATE children SET left_behind = 'yes', rule_version = 'v1', rule_config = 'old' WHERE uid = ?", loc.UID)
		res, err := e.Reclassify(ctx, testDay)
		if err != nil {
			t.Fatal(err)
		}
		if res.Checked != 2 || res.Moved["left_behind:yes→no"] != 2 || res.Queued != 1 {
			t.Fatalf("reclassify after the rule change: %+v", res)
		}
		got, _ := e.Get(ctx, fam.UID)
		if got.Classification.LeftBehind != "no" || !strings.Contains(got.Classification.Reasons[3], "儿童与父母双方共同居住") {
			t.Errorf("after: %s %q", got.Classification.LeftBehind, got.Classification.Reasons)
		}
		items, err := e.ReviewQueue(ctx, ReviewQuery{Open: true})
		if err != nil || len(items) != 1 || items[0].UID != loc.UID || items[0].Kind != ReviewNoLongerQualifies {
			t.Fatalf("queue %+v %v", items, err)
		}
		if !strings.Contains(items[0].Cause, "判定规则已更新") || !strings.Contains(items[0].Cause, "留守儿童：否") {
			t.Errorf("cause %q", items[0].Cause)
		}
		page, err := e.AuditEntries(ctx, AuditQuery{Action: audit.Reclassify})
		if err != nil || page.Total != 1 || !strings.Contains(string(page.Items[0].Detail), "left_behind:yes→no") {
			t.Fatalf("audit %+v %v", page, err)
		}
		// Nothing moves the second time: no audit entry.
		if res, err := e.Reclassify(ctx, testDay); err != nil || res.Checked != 0 {
			t.Fatalf("second run %+v %v", res, err)
		}
		if page, _ := e.AuditEntries(ctx, AuditQuery{Action: audit.Reclassify}); page.Total != 1 {
			t.Errorf("audit entries after a quiet run: %d", page.Total)
		}
	})
}

// TestIDMismatchBlocksSubmission: an ID number that disagrees with the sex or the birth date is
// kept in a draft but refuses submission and approval, naming the field.
func TestIDMismatchBlocksSubmission(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		r := plainChild("赵小燕", "2", child.NewDate(2016, 5, 5), "150302003")
		r.IDNumber = makeID("150302", r.BirthDate, true, 7) // a man's number
		c := mustCreate(t, e, r)
		if c.Status != StatusDraft {
			t.Fatalf("status %s", c.Status)
		}
		_, err := e.Transition(as("collector"), "", c.UID, StatusSubmitted, "")
		var se *Error
		if errCode(err) != CodeInvalid || !asError(err, &se) || len(se.Fields) != 1 || se.Fields[0].Field != "id_number" ||
			se.Fields[0].Code != "id_sex_mismatch" || !strings.Contains(se.Message, "不能提交") {
			t.Fatalf("submission: %v %+v", err, se)
		}
		r.Sex = "1"
		c, err = e.Update(as("collector"), "", c.UID, c.Version, r, Source{})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = e.Transition(as("collector"), "", c.UID, StatusSubmitted, ""); err != nil {
			t.Fatalf("submission after correction: %v", err)
		}
		// The birth date edited after submission: approval refused, returning still possible.
		r.BirthDate = child.NewDate(2016, 5, 6)
		if c, err = e.Update(as("collector"), "", c.UID, c.Version, r, Source{}); err != nil {
			t.Fatal(err)
		}
		_, err = e.Transition(as("reviewer"), "", c.UID, StatusApproved, "")
		if errCode(err) != CodeInvalid || !asError(err, &se) || se.Fields[0].Code != "id_birth_mismatch" || !strings.Contains(se.Message, "不能审核通过") {
			t.Fatalf("approval: %v", err)
		}
		if _, err := e.Transition(as("reviewer"), "", c.UID, StatusReturned, "出生日期与身份证号不符"); err != nil {
			t.Fatalf("return: %v", err)
		}
	})
}

func asError(err error, out **Error) bool {
	e, ok := err.(*Error)
	*out = e
	return ok
}

// TestReviewQueueWork: the reviewer confirms a newly qualifying child and archives one who turned
// 16 with a reason; the counts follow; bad reasons are refused.
func TestReviewQueueWork(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		rs := migrantOnly(t, 2)
		a := rs[0]
		setBirth(&a, child.NewDate(2009, 7, 10), 1)
		b := rs[1]
		setBirth(&b, child.NewDate(2015, 1, 20), 2)
		b.LeftHukouDate, b.ArrivedDate = child.NewDate(2025, 3, 15), child.NewDate(2025, 3, 15)
		ca, cb := mustCreate(t, e, a), mustCreate(t, e, b)
		if _, err := e.Reclassify(ctx, child.NewDate(2025, 9, 15)); err != nil {
			t.Fatal(err)
		}
		n, err := e.CountOpenReviews(ctx)
		if err != nil || n[ReviewNoLongerQualifies] != 1 || n[ReviewNewlyQualifies] != 1 {
			t.Fatalf("counts %v %v", n, err)
		}
		items, _ := e.ReviewQueue(ctx, ReviewQuery{Open: true})
		if len(items) != 2 || items[0].UID != ca.UID || !strings.Contains(items[0].Cause, "已满16周岁") || !strings.Contains(items[1].Cause, "已满6个月") {
			t.Fatalf("items %+v", items)
		}
		rev := as("reviewer")
		// A reviewer of another province sees nothing to work; a collector may not work it.
		out := auth.WithPrincipal(context.Background(), principal(auth.RoleReviewer, "110105"))
		if err := e.ConfirmReview(out, items[1].ID, ""); errCode(err) != CodeNotFound {
			t.Errorf("other district: %v", err)
		}
		col := auth.WithPrincipal(context.Background(), principal(auth.RoleCollector, "1503"))
		if err := e.ArchiveReview(col, items[0].ID, "年满16周岁", ""); errCode(err) != CodeForbidden {
			t.Errorf("collector: %v", err)
		}
		for _, bad := range []struct{ reason, note string }{{"搬家了", ""}, {"其他", ""}} {
			if err := e.ArchiveReview(rev, items[0].ID, bad.reason, bad.note); errCode(err) != CodeInvalid {
				t.Errorf("archive with %q/%q: %v", bad.reason, bad.note, err)
			}
		}
		if err := e.ArchiveReview(rev, items[0].ID, "年满16周岁", ""); err != nil {
			t.Fatal(err)
		}
		if err := e.ArchiveReview(rev, items[0].ID, "年满16周岁", ""); errCode(err) != CodeConflict {
			t.Errorf("archiving twice: %v", err)
		}
		if err := e.ConfirmReview(rev, items[1].ID, "已核实，继续监测"); err != nil {
			t.Fatal(err)
		}
		got, _ := e.Get(ctx, ca.UID)
		kept, _ := e.Get(ctx, cb.UID)
		if got.Status != StatusArchived || kept.Status == StatusArchived {
			t.Errorf("statuses %s %s", got.Status, kept.Status)
		}
		all, _ := e.ReviewQueue(ctx, ReviewQuery{})
		if all[0].Outcome != "archived:年满16周岁" || all[0].Resolution != "不再符合条件：年满16周岁" || all[1].Outcome != "confirmed" || all[1].Resolution != "已核实，继续监测" {
			t.Errorf("worked items %+v", all)
		}
		if n, _ := e.CountOpenReviews(ctx); n[ReviewNoLongerQualifies]+n[ReviewNewlyQualifies] != 0 {
			t.Errorf("counts after work %v", n)
		}
	})
}
