package store

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/region"
	"guanai/internal/rules"
	"guanai/internal/stats"
)

// keyCareChild is a migrant child living in village (hukou in 银川, away since 2020) of a
// 低保 family: key care, responsible division the residence.
func keyCareChild(name, sex string, birth child.Date, village string) child.Record {
	r := plainChild(name, sex, birth, village)
	r.HukouAddress, r.LeftHukouDate = &child.Address{RegionCode: "640104"}, child.NewDate(2020, 1, 1)
	r.FamilyHardship = []string{"dibao"}
	return r
}

// done is one object for a call that returned no error.
func done(err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return 1, nil
}

// pngBytes is the start of a PNG file: enough for the content sniffing.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)

// ledgerFixture is the key-care case of the permission test: assessed, visited (next visit due
// in three days), referred to education, with an attachment.
type ledgerFixture struct {
	child    string
	referral int64
	attach   int64
}

func buildLedgerFixture(e *env) ledgerFixture {
	op := opCtx()
	must := func(err error) {
		if err != nil {
			panic("ledger fixture: " + err.Error())
		}
	}
	c, err := e.Create(op, "", keyCareChild("吴小关", "2", child.NewDate(2015, 4, 4), "150302003012"), Source{AllowDuplicate: true})
	must(err)
	var f ledgerFixture
	f.child = c.UID
	must(e.AssessLedger(op, c.UID, LedgerAssessment{Risk: "high", Needs: []string{"living"}, Director: "李主任"}))
	_, _, err = e.RecordLedgerVisit(op, c.UID, LedgerVisit{Date: testDay, Mode: "home", Visitor: "李主任", Findings: "家中困难", NextDue: testDay.AddDays(3)})
	must(err)
	f.referral, err = e.ReferLedger(op, c.UID, LedgerReferral{Department: "jiaoyu", Request: "请落实教育资助", Deadline: testDay.AddDays(10)})
	must(err)
	a, err := e.AddLedgerAttachment(op, c.UID, 0, "家访.png", pngBytes)
	must(err)
	f.attach = a.ID
	return f
}

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, _ gateFixture) []objectRow {
		var f ledgerFixture
		if e != nil {
			f = buildLedgerFixture(e)
		}
		ledger := []*auth.Principal{revIn, colIn}
		count := func(n int, err error) (int, error) { return n, err }
		return []objectRow{
			{method: "LedgerEntries", call: func(ctx context.Context) (int, error) {
				es, err := e.LedgerEntries(ctx, LedgerQuery{})
				return len(es), err
			}, allowed: ledger},
			{method: "LedgerCount", call: func(ctx context.Context) (int, error) { return e.LedgerCount(ctx, LedgerQuery{Region: "150302"}) }, allowed: ledger},
			{method: "EachLedgerEntry", call: func(ctx context.Context) (int, error) {
				n := 0
				return n, e.EachLedgerEntry(ctx, LedgerQuery{Records: true}, func(*LedgerEntry) error { n++; return nil })
			}, allowed: ledger},
			{method: "LedgerCase", call: func(ctx context.Context) (int, error) { return one(e.LedgerCase(ctx, f.child)) }, allowed: ledger},
			{method: "LedgerAttachment", call: func(ctx context.Context) (int, error) {
				_, b, err := e.LedgerAttachment(ctx, f.child, f.attach)
				if err == nil && !bytes.Equal(b, pngBytes) {
					return 0, errInvalid("attachment changed")
				}
				return count(len(b), err)
			}, allowed: ledger},
			{method: "LedgerWorkList", call: func(ctx context.Context) (int, error) {
				w, err := e.LedgerWorkList(ctx)
				if err != nil {
					return 0, err
				}
				return len(w.Visits) + len(w.Review) + len(w.Referrals) + w.VisitsDue + w.ReferralsWaiting, nil
			}, allowed: []*auth.Principal{revIn, colIn, eduIn}},
			{method: "Referrals", call: func(ctx context.Context) (int, error) {
				rs, err := e.Referrals(ctx, ReferralQuery{})
				return len(rs), err
			}, allowed: []*auth.Principal{revIn, colIn, eduIn}},
			{method: "LedgerStats", call: func(ctx context.Context) (int, error) {
				st, err := e.LedgerStats(ctx, "150302")
				if err != nil {
					return 0, err
				}
				return st.Open, nil
			}, allowed: ledger},
			{method: "AssessLedger", mutates: true, call: func(ctx context.Context) (int, error) {
				return done(e.AssessLedger(ctx, f.child, LedgerAssessment{Risk: "elevated", Needs: []string{"living", "education"}, Director: "李主任"}))
			}, allowed: []*auth.Principal{revIn}},
			{method: "AddLedgerMeasure", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.AddLedgerMeasure(ctx, f.child, LedgerMeasure{Measure: "dibao", Start: testDay}))
			}, allowed: []*auth.Principal{revIn}},
			{method: "RecordLedgerVisit", mutates: true, call: func(ctx context.Context) (int, error) {
				_, _, err := e.RecordLedgerVisit(ctx, f.child, LedgerVisit{Date: testDay, Mode: "phone", Visitor: "李主任", Findings: "电话回访"})
				return done(err)
			}, allowed: ledger},
			{method: "ReferLedger", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.ReferLedger(ctx, f.child, LedgerReferral{Department: "weijian", Request: "心理评估", Deadline: testDay.AddDays(5)}))
			}, allowed: ledger},
			{method: "AnswerReferral", mutates: true, call: func(ctx context.Context) (int, error) {
				return done(e.AnswerReferral(ctx, f.referral, true, "已落实资助"))
			}, allowed: []*auth.Principal{eduIn}},
			{method: "AddLedgerAttachment", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.AddLedgerAttachment(ctx, f.child, 0, "scan.png", pngBytes))
			}, allowed: ledger},
			{method: "RequestLedgerClosure", mutates: true, call: func(ctx context.Context) (int, error) {
				return done(e.RequestLedgerClosure(ctx, f.child, "moved", ""))
			}, allowed: ledger},
			{method: "DecideLedgerClosure", mutates: true, call: func(ctx context.Context) (int, error) {
				return done(e.DecideLedgerClosure(ctx, f.child, false, "仍需帮扶"))
			}, allowed: []*auth.Principal{revIn}},
			{method: "SyncLedger", mutates: true, call: func(ctx context.Context) (int, error) { return e.SyncLedger(ctx) }},
		}
	})
}

// TestLedgerCase walks a case end to end: key care at registration opens the entry, the
// reviewer assesses it and sets a plan, the collector visits, a referral to education is
// answered by its officer, the record changes and the entry is flagged, the closure is asked for
// and approved, and the entry reopens when the child qualifies again — every step in the entry's
// history and the audit trail, under its principal.
func TestLedgerCase(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		const village = "150302003012"
		col := auth.WithPrincipal(context.Background(), principal(auth.RoleCollector, village))
		rev := auth.WithPrincipal(context.Background(), principal(auth.RoleReviewer, "150302"))
		edu := auth.WithPrincipal(context.Background(), deptPrincipal(auth.RoleOfficer, "150302", "jiaoyu"))
		heal := auth.WithPrincipal(context.Background(), deptPrincipal(auth.RoleOfficer, "150302", "weijian"))
		other := auth.WithPrincipal(context.Background(), principal(auth.RoleReviewer, "150303"))

		c, err := e.Create(col, "", keyCareChild("吴小关", "2", child.NewDate(2015, 4, 4), village), Source{})
		if err != nil {
			t.Fatal(err)
		}
		plain := mustCreateCtx(t, e, col, plainChild("郑小平", "1", child.NewDate(2014, 1, 1), village))
		if c.Classification.KeyCare != "yes" {
			t.Fatalf("fixture not key care: %+v", c.Classification)
		}
		es, err := e.LedgerEntries(col, LedgerQuery{})
		if err != nil || len(es) != 1 || es[0].Child != c.UID || es[0].Status != LedgerAssessing || es[0].RegionCode != village {
			t.Fatalf("entries after registration: %+v %v", es, err)
		}
		if got, want := es[0].NextVisit, testDay.AddMonths(1); got != want || es[0].OpenedOn != testDay {
			t.Fatalf("first visit due %s (opened %s), want %s", got, es[0].OpenedOn, want)
		}
		if _, err := e.LedgerCase(col, plain.UID); ErrorCode(err) != CodeNotFound {
			t.Fatalf("case of a child not in the ledger: %v", err)
		}
		if _, err := e.LedgerCase(other, c.UID); ErrorCode(err) != CodeNotFound {
			t.Fatalf("case read from another district: %v", err)
		}

		// Assessment and plan: the reviewer's only.
		a := LedgerAssessment{Risk: "high", Needs: []string{"living", "education"}, Director: "李主任", Cadre: "王干部", Note: "父母外出，家庭困难"}
		if err := e.AssessLedger(col, c.UID, a); ErrorCode(err) != CodeForbidden {
			t.Fatalf("collector assessed: %v", err)
		}
		bad := []struct {
			name string
			a    LedgerAssessment
		}{
			{"no risk", LedgerAssessment{Needs: []string{"living"}, Director: "李"}},
			{"unknown need", LedgerAssessment{Risk: "high", Needs: []string{"money"}, Director: "李"}},
			{"no director", LedgerAssessment{Risk: "high", Needs: []string{"living"}}},
		}
		for _, b := range bad {
			if err := e.AssessLedger(rev, c.UID, b.a); ErrorCode(err) != CodeInvalid {
				t.Errorf("%s: %v, want invalid", b.name, err)
			}
		}
		if err := e.AssessLedger(rev, c.UID, a); err != nil {
			t.Fatal(err)
		}
		amount := 600.0
		if _, err := e.AddLedgerMeasure(rev, c.UID, LedgerMeasure{Measure: "dibao", Start: testDay, Amount: &amount, Given: "每月低保金600元"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.AddLedgerMeasure(rev, c.UID, LedgerMeasure{Measure: "nothing"}); ErrorCode(err) != CodeInvalid {
			t.Fatalf("unknown measure: %v", err)
		}

		// A visit: next one from the risk level (high: monthly).
		if _, _, err := e.RecordLedgerVisit(col, c.UID, LedgerVisit{Date: testDay.AddDays(1), Mode: "home", Visitor: "李主任", Findings: "x"}); ErrorCode(err) != CodeInvalid {
			t.Fatalf("visit in the future: %v", err)
		}
		_, next, err := e.RecordLedgerVisit(col, c.UID, LedgerVisit{Date: testDay.AddDays(-2), Mode: "home", Visitor: "李主任", Findings: "孩子在家，生活有保障", Situation: "良好"})
		if err != nil {
			t.Fatal(err)
		}
		if want := testDay.AddDays(-2).AddMonths(1); next != want {
			t.Fatalf("next visit %s, want %s", next, want)
		}

		// A referral to education, answered by its officer only.
		rid, err := e.ReferLedger(col, c.UID, LedgerReferral{Department: "jiaoyu", Request: "请落实教育资助", Deadline: testDay.AddDays(10)})
		if err != nil {
			t.Fatal(err)
		}
		if rs, err := e.Referrals(heal, ReferralQuery{}); err != nil || len(rs) != 0 {
			t.Fatalf("health sees education's referral: %v %v", rs, err)
		}
		rs, err := e.Referrals(edu, ReferralQuery{Status: "waiting"})
		if err != nil || len(rs) != 1 || rs[0].Request != "请落实教育资助" {
			t.Fatalf("education's queue: %+v %v", rs, err)
		}
		if err := e.AnswerReferral(heal, rid, true, "x"); ErrorCode(err) != CodeNotFound {
			t.Fatalf("health answered: %v", err)
		}
		if err := e.AnswerReferral(edu, rid, true, "已纳入资助名单"); err != nil {
			t.Fatal(err)
		}
		if err := e.AnswerReferral(edu, rid, false, "again"); ErrorCode(err) != CodeConflict {
			t.Fatalf("answered twice: %v", err)
		}

		// Closure asked for while the child still qualifies: the reviewer cannot approve it.
		if err := e.RequestLedgerClosure(col, c.UID, "resolved", "已脱困"); err != nil {
			t.Fatal(err)
		}
		if err := e.DecideLedgerClosure(rev, c.UID, true, ""); ErrorCode(err) != CodeConflict {
			t.Fatalf("closed a child who still qualifies: %v", err)
		}
		// The family leaves 低保: key care is no longer yes, the entry is flagged, not counted open.
		cur, err := e.Get(col, c.UID)
		if err != nil {
			t.Fatal(err)
		}
		r := cur.Record
		r.FamilyHardship = []string{}
		cur, err = e.Update(col, "", c.UID, cur.Version, r, Source{})
		if err != nil {
			t.Fatal(err)
		}
		if cur.Classification.KeyCare == "yes" {
			t.Fatalf("still key care: %+v", cur.Classification)
		}
		if n, _ := e.LedgerCount(rev, LedgerQuery{}); n != 0 {
			t.Fatalf("open entries after key care ended: %d", n)
		}
		if n, _ := e.LedgerCount(rev, LedgerQuery{Status: "flagged"}); n != 1 {
			t.Fatalf("flagged entries: %d", n)
		}
		w, err := e.LedgerWorkList(rev)
		if err != nil || w.AwaitingClosure != 1 {
			t.Fatalf("reviewer's work list: %+v %v", w, err)
		}
		if err := e.DecideLedgerClosure(col, c.UID, true, ""); ErrorCode(err) != CodeForbidden {
			t.Fatalf("collector approved: %v", err)
		}
		if err := e.DecideLedgerClosure(rev, c.UID, true, "同意"); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.LedgerCount(rev, LedgerQuery{Status: "closed"}); n != 1 {
			t.Fatalf("closed entries: %d", n)
		}
		if _, _, err := e.RecordLedgerVisit(col, c.UID, LedgerVisit{Date: testDay, Mode: "phone", Visitor: "李", Findings: "x"}); ErrorCode(err) != CodeConflict {
			t.Fatalf("visit of a closed case: %v", err)
		}

		// The child qualifies again: the same entry reopens, awaiting assessment.
		r.FamilyHardship = []string{"tekun"}
		if _, err := e.Update(col, "", c.UID, cur.Version, r, Source{}); err != nil {
			t.Fatal(err)
		}
		lc, err := e.LedgerCase(rev, c.UID)
		if err != nil {
			t.Fatal(err)
		}
		if lc.Entry.Status != LedgerAssessing || lc.Entry.Reopened != 1 || lc.Entry.Flagged {
			t.Fatalf("reopened entry: %+v", lc.Entry)
		}
		if len(lc.Visits) != 1 || lc.Visits[0].Findings != "孩子在家，生活有保障" || len(lc.Measures) != 1 || lc.Measures[0].Given != "每月低保金600元" ||
			len(lc.Referrals) != 1 || lc.Referrals[0].Answer != "已纳入资助名单" || lc.Assessment != a.Note {
			t.Fatalf("case: %+v", lc)
		}
		var actions []string
		for _, ev := range lc.Events {
			actions = append(actions, ev.Action)
		}
		want := []string{"open", "assess", "measure", "visit", "refer", "answer", "close_request", "flag", "close_approve", "reopen"}
		if !slices.Equal(actions, want) {
			t.Fatalf("history %v, want %v", actions, want)
		}
		// Archiving the record flags the entry.
		if _, err := e.Transition(rev, "", c.UID, StatusArchived, "迁出本市"); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.LedgerCount(rev, LedgerQuery{Status: "flagged"}); n != 1 {
			t.Fatalf("flagged after archiving: %d", n)
		}

		// The trail: each step under its principal.
		page, err := e.AuditEntries(opCtx(), AuditQuery{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, it := range page.Items {
			seen[it.Action+" "+it.Actor] = true
		}
		for _, want := range []string{audit.LedgerSync + " user:collector_" + village, audit.LedgerAssess + " user:reviewer_150302",
			audit.LedgerVisit + " user:collector_" + village, audit.LedgerRefer + " user:collector_" + village,
			audit.LedgerAnswer + " user:officer_150302", audit.LedgerClose + " user:reviewer_150302", audit.LedgerRead + " user:reviewer_150302"} {
			if !seen[want] {
				t.Errorf("no audit entry %q", want)
			}
		}
	})
}

// TestLedgerAttachmentChecks: the type comes from the content, the size is capped, the content
// is sealed (not in the database in clear).
func TestLedgerAttachmentChecks(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		op := opCtx()
		c := mustCreateCtx(t, e, op, keyCareChild("吴小关", "2", child.NewDate(2015, 4, 4), "150302003012"))
		tests := []struct {
			name string
			file string
			data []byte
			code string
		}{
			{"png", "a.png", pngBytes, ""},
			{"pdf", "a.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 32)...), ""},
			{"exe named png", "b.png", append([]byte("MZ\x90\x00"), make([]byte, 64)...), CodeInvalid},
			{"empty", "c.png", nil, CodeInvalid},
			{"too large", "d.png", append(slices.Clone(pngBytes), make([]byte, MaxAttachmentSize)...), CodeInvalid},
		}
		for _, tt := range tests {
			_, err := e.AddLedgerAttachment(op, c.UID, 0, tt.file, tt.data)
			if ErrorCode(err) != tt.code && !(tt.code == "" && err == nil) {
				t.Errorf("%s: %v, want %q", tt.name, err, tt.code)
			}
		}
		var n int
		if err := e.queryRow(op, "SELECT count(*) FROM ledger_attachments WHERE data = ?", pngBytes).Scan(&n); err != nil || n != 0 {
			t.Fatalf("attachment stored in clear: %d %v", n, err)
		}
	})
}

// TestLedgerMatchesStats is the invariant: the open entries of a region number exactly
// the key-care count `guanai stats` reports for it on the same day, over a generated population
// of 10,000 — for the city, each district and each township — and still after a year has passed
// and the daily re-evaluation has run.
func TestLedgerMatchesStats(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 records")
	}
	each(t, func(t *testing.T, e *env) {
		op := opCtx()
		recs := demoChildren(1414, 10000)
		for i := 0; i < len(recs); i += 2000 {
			if _, _, err := e.ImportRows(op, "", ImportOptions{}, rowsOf(recs[i:min(i+2000, len(recs))])); err != nil {
				t.Fatal(err)
			}
		}
		check := func(asOf child.Date) {
			t.Helper()
			compare := func(code string) []stats.RegionRow {
				rep, err := stats.Compute(stats.RegistrySource(op, e, code), stats.Query{AsOf: asOf, Region: code, Config: rules.DefaultConfig(), Workers: 1})
				if err != nil {
					t.Fatal(err)
				}
				n, err := e.LedgerCount(op, LedgerQuery{Region: code})
				if err != nil {
					t.Fatal(err)
				}
				if int64(n) != rep.Totals.KeyCare {
					t.Errorf("%s on %s: %d open entries, stats key_care %d", code, asOf, n, rep.Totals.KeyCare)
				}
				return rep.ByRegion
			}
			total := 0
			for _, county := range compare("1503") {
				if county.KeyCare > 0 {
					total++
				}
				for _, town := range region.Default().Children(county.RegionCode) {
					compare(town.Code)
				}
			}
			if total == 0 {
				t.Fatal("no key-care child in any district: the test proves nothing")
			}
		}
		if n, _ := e.LedgerCount(op, LedgerQuery{}); n < 100 {
			t.Fatalf("only %d open entries in 10,000 children", n)
		}
		check(testDay)
		later := testDay.AddYears(1)
		e.clock.set(noonOf(later))
		if _, err := e.Reclassify(op, later); err != nil {
			t.Fatal(err)
		}
		check(later)
		if n, _ := e.LedgerCount(op, LedgerQuery{Status: "flagged"}); n == 0 {
			t.Fatal("a year later no entry is flagged: nobody turned 16?")
		}
	})
}
