package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"guanai/internal/auth"
	"guanai/internal/child"
)

// rev2In is a second civil-affairs reviewer of the district: it approves revIn's upload requests.
var rev2In = (&auth.User{ID: 2, Username: "reviewer2_150302", Roles: []string{auth.RoleReviewer}, Department: "minzheng", OrgCode: "150302"}).Principal()

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, f gateFixture) []objectRow {
		var number, pending, approved string
		if e != nil {
			// A migrant child of the district uploaded by the operator's batch, and a second
			// one due for the district reviewer's batch, made under an approved request.
			approvedMigrant(e, "吴小上", child.NewDate(2015, 5, 1))
			b, err := e.CreateUploadBatch(opCtx(), "150302", nil)
			if err != nil || b.Records == 0 {
				panic("upload fixture: " + errText(err))
			}
			number = b.Number
			approvedMigrant(e, "吴小下", child.NewDate(2014, 4, 1))
			rq, err := e.RequestUpload(with(revIn), "", "")
			if err != nil {
				panic(err)
			}
			pending = rq.UID
			if rq, err = e.RequestUpload(with(revIn), "150302", "本月上报"); err == nil {
				_, err = e.DecideUpload(with(rev2In), rq.UID, true, "同意")
			}
			if err != nil {
				panic(err)
			}
			approved = rq.UID
		}
		rev := []*auth.Principal{revIn}
		return []objectRow{
			{method: "UploadBatches", call: func(ctx context.Context) (int, error) {
				bs, err := e.UploadBatches(ctx)
				return len(bs), err
			}, allowed: rev},
			{method: "UploadBatchItems", call: func(ctx context.Context) (int, error) {
				_, items, err := e.UploadBatchItems(ctx, number)
				return len(items), err
			}, allowed: rev},
			{method: "UploadRequests", call: func(ctx context.Context) (int, error) {
				rs, err := e.UploadRequests(ctx)
				return len(rs), err
			}, allowed: rev},
			{method: "RequestUpload", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.RequestUpload(ctx, "150302", ""))
			}, allowed: rev},
			{method: "DecideUpload", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.DecideUpload(ctx, pending, false, "本月已上报"))
			}, allowed: []*auth.Principal{rev2In}},
			{method: "CreateRequestedUploadBatch", mutates: true, call: func(ctx context.Context) (int, error) {
				b, err := e.CreateRequestedUploadBatch(ctx, approved, nil)
				if err != nil {
					return 0, err
				}
				return b.Records, nil
			}, allowed: rev},
			{method: "CreateUploadBatch", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.CreateUploadBatch(ctx, "", nil))
			}, allowed: []*auth.Principal{}},
			{method: "ApplyUploadFeedback", mutates: true, call: func(ctx context.Context) (int, error) {
				r, err := e.ApplyUploadFeedback(ctx, []UploadAnswer{{Row: 2, Batch: number, Seq: 1}})
				if err != nil {
					return 0, err
				}
				return r.Accepted, nil
			}, allowed: rev},
		}
	})
}

func errText(err error) string {
	if err == nil {
		return "no record"
	}
	return err.Error()
}

// approvedMigrant registers an approved migrant child living in 150302003 with its hukou in
// Yinchuan, and returns its uid.
func approvedMigrant(e *env, name string, birth child.Date) string {
	r := plainChild(name, "1", birth, "150302003")
	r.HukouAddress, r.LeftHukouDate = &child.Address{RegionCode: "640104"}, child.NewDate(2020, 1, 1)
	c, err := e.Create(opCtx(), "", r, Source{})
	if err == nil {
		_, err = e.Transition(opCtx(), "", c.UID, StatusSubmitted, "")
	}
	if err == nil {
		_, err = e.Transition(opCtx(), "", c.UID, StatusApproved, "")
	}
	if err != nil {
		panic("approved migrant: " + err.Error())
	}
	return c.UID
}

// batchUIDs makes a batch and returns the uids on each sheet.
func batchUIDs(t *testing.T, e *env, ctx context.Context, region string) (*UploadBatch, []string, []string) {
	t.Helper()
	var f1, f2 []string
	b, err := e.CreateUploadBatch(ctx, region, func(b *UploadBatch, form1, form2 []UploadEntry) (string, error) {
		for i, x := range form1 {
			if x.Seq != i+1 || x.Form != 1 {
				t.Errorf("form1 row %d: seq %d form %d", i, x.Seq, x.Form)
			}
			f1 = append(f1, x.Child.UID)
		}
		for i, x := range form2 {
			if x.Seq != len(form1)+i+1 || x.Form != 2 {
				t.Errorf("form2 row %d: seq %d form %d", i, x.Seq, x.Form)
			}
			f2 = append(f2, x.Child.UID)
		}
		return "digest", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b, f1, f2
}

// TestUploadBatches: over a generated population, a batch holds exactly the approved records
// not yet uploaded (migrant children on 附件1, left-behind children on 附件2); they become
// 已上报; a second batch with no change holds nothing; a changed record is due again; the
// national system's answer returns the named records to their collectors with the reason, and a
// returned record, approved again, is in the next batch.
func TestUploadBatches(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		recs := demoChildren(16, 120)
		var all []*Child
		for _, r := range recs {
			all = append(all, mustCreate(t, e, r))
		}
		wantF1, wantF2 := map[string]bool{}, map[string]bool{}
		approved := 0
		for i, c := range all {
			if i%3 == 2 {
				continue // stays a draft
			}
			if _, err := e.Transition(ctx, "", c.UID, StatusSubmitted, ""); err != nil {
				t.Fatal(err)
			}
			if i%3 == 1 {
				continue // submitted, not approved
			}
			if _, err := e.Transition(ctx, "", c.UID, StatusApproved, ""); err != nil {
				t.Fatal(err)
			}
			approved++
			cl := c.Classification
			if cl.MigrantMonitoring == "yes" || cl.MigrantStatistics == "yes" {
				wantF1[c.UID] = true
			}
			if cl.LeftBehind == "yes" {
				wantF2[c.UID] = true
			}
		}
		if len(wantF1) == 0 || len(wantF2) == 0 {
			t.Fatalf("the population has %d migrant and %d left-behind approved records; want some of each", len(wantF1), len(wantF2))
		}
		b, f1, f2 := batchUIDs(t, e, ctx, "")
		same := func(what string, got []string, want map[string]bool) {
			t.Helper()
			if len(got) != len(want) {
				t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
			}
			for _, u := range got {
				if !want[u] {
					t.Errorf("%s: %s is not an approved record of the form", what, u)
				}
			}
		}
		same("附件1", f1, wantF1)
		same("附件2", f2, wantF2)
		if b.Form1 != len(f1) || b.Form2 != len(f2) || b.Digest != "digest" || !strings.HasPrefix(b.Number, "SB000000-20250630-01") {
			t.Errorf("batch %+v", b)
		}
		for u := range wantF1 {
			if c, err := e.Get(ctx, u); err != nil || c.Status != StatusUploaded {
				t.Fatalf("%s after the batch: %v %v, want uploaded", u, c, err)
			}
		}
		// Nothing changed: the next batch is empty, and numbered next.
		b2, f1, f2 := batchUIDs(t, e, ctx, "")
		if len(f1)+len(f2) != 0 || b2.Records != 0 || b2.Number != strings.TrimSuffix(b.Number, "01")+"02" {
			t.Fatalf("second batch %+v: %d + %d rows, want none", b2, len(f1), len(f2))
		}
		// A record changed after its upload is due again (still 已上报).
		var changed *Child
		for u := range wantF1 {
			changed, _ = e.Get(ctx, u)
			break
		}
		r := changed.Record
		r.SchoolName = r.SchoolName + "（更正）"
		if _, err := e.Update(ctx, "", changed.UID, changed.Version, r, Source{Note: "更正学校"}); err != nil {
			t.Fatal(err)
		}
		_, f1, _ = batchUIDs(t, e, ctx, "")
		if !slices.Equal(f1, []string{changed.UID}) {
			after, _ := e.Get(ctx, changed.UID)
			t.Logf("changed: before v%d %s %s/%s; after v%d %s %s/%s", changed.Version, changed.Status, changed.Classification.MigrantMonitoring, changed.Classification.MigrantStatistics, after.Version, after.Status, after.Classification.MigrantMonitoring, after.Classification.MigrantStatistics)
			t.Fatalf("after a change: 附件1 %v, want %s", f1, changed.UID)
		}
		// The answer: the first row of the first batch accepted by number; a record returned by
		// identity number; an unknown number; an answer given twice.
		_, items, err := e.UploadBatchItems(ctx, b.Number)
		if err != nil || len(items) != b.Form1+b.Form2 {
			t.Fatalf("items %d %v", len(items), err)
		}
		var back *Child
		for _, it := range items[1:] {
			if it.UID != changed.UID && it.Form == 1 {
				back, _ = e.Get(ctx, it.UID)
				break
			}
		}
		res, err := e.ApplyUploadFeedback(ctx, []UploadAnswer{
			{Row: 2, Batch: b.Number, Seq: 1},
			{Row: 3, IDNumber: back.Record.IDNumber, Returned: true, Reason: "监护人联系方式缺失"},
			{Row: 4, IDNumber: "150302201501010000"},
			{Row: 5, Batch: b.Number, Seq: 1},
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Accepted != 1 || res.Returned != 1 || len(res.Errors) != 2 || res.Errors[0].Row != 4 || res.Errors[1].Row != 5 {
			t.Fatalf("feedback %+v", res)
		}
		got, err := e.Get(ctx, back.UID)
		if err != nil || got.Status != StatusReturned {
			t.Fatalf("returned record: %+v %v", got, err)
		}
		hist, err := e.HistoryRevealed(ctx, back.UID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, tr := range hist {
			if tr.Kind == EntryTransition && tr.To == StatusReturned && strings.Contains(tr.Reason, "监护人联系方式缺失") && strings.Contains(tr.Reason, b.Number) {
				found = true
			}
		}
		if !found {
			t.Errorf("no transition to returned with the reason: %+v", hist)
		}
		_, items, _ = e.UploadBatchItems(ctx, b.Number)
		for _, it := range items {
			switch {
			case it.Seq == 1 && it.Result != UploadAccepted:
				t.Errorf("row 1: %s, want accepted", it.Result)
			case it.UID == back.UID && it.Form == 1 && (it.Result != UploadReturned || it.Reason != "监护人联系方式缺失"):
				t.Errorf("returned item %+v", it)
			case it.Name != "" && !strings.Contains(it.Name, "*"):
				t.Errorf("item name %q not masked", it.Name)
			}
		}
		// Corrected, submitted and approved again: due in the next batch.
		if _, err := e.Transition(ctx, "", back.UID, StatusSubmitted, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Transition(ctx, "", back.UID, StatusApproved, ""); err != nil {
			t.Fatal(err)
		}
		_, f1, _ = batchUIDs(t, e, ctx, "")
		if !slices.Contains(f1, back.UID) {
			t.Errorf("a record approved again after a return is not in the next batch: %v", f1)
		}
		bs, err := e.UploadBatches(ctx)
		if err != nil || len(bs) != 4 {
			t.Fatalf("batches %d %v", len(bs), err)
		}
		if bs[3].Accepted != 1 || bs[3].Returned != 1 {
			t.Errorf("first batch's answers %+v", bs[3])
		}
		// A reviewer of another district sees none of it; a collector may not upload.
		other := auth.WithPrincipal(context.Background(), revOut)
		if _, _, err := e.UploadBatchItems(other, b.Number); errCode(err) != CodeNotFound {
			t.Errorf("other district: %v, want not found", err)
		}
		if _, err := e.CreateUploadBatch(auth.WithPrincipal(context.Background(), colIn), "", nil); errCode(err) != CodeForbidden {
			t.Errorf("collector: %v, want forbidden", err)
		}
		_ = approved
		// A reviewer's batch: requested, approved by another reviewer (not by oneself), made once.
		if _, err := e.CreateUploadBatch(with(revIn), "", nil); errCode(err) != CodeForbidden {
			t.Errorf("a reviewer's batch without a request: %v", err)
		}
		rq, err := e.RequestUpload(with(revIn), "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.CreateRequestedUploadBatch(with(revIn), rq.UID, nil); errCode(err) != CodeForbidden {
			t.Errorf("before approval: %v", err)
		}
		if _, err := e.DecideUpload(with(revIn), rq.UID, true, ""); errCode(err) != CodeForbidden {
			t.Errorf("approving one's own request: %v", err)
		}
		if _, err := e.DecideUpload(with(revOut), rq.UID, true, ""); errCode(err) != CodeNotFound {
			t.Errorf("another district approves: %v", err)
		}
		if _, err := e.DecideUpload(with(rev2In), rq.UID, true, "同意"); err != nil {
			t.Fatal(err)
		}
		rb, err := e.CreateRequestedUploadBatch(with(revIn), rq.UID, nil)
		if err != nil || rb.Region != "150302" {
			t.Fatalf("the requested batch: %+v %v", rb, err)
		}
		if _, err := e.CreateRequestedUploadBatch(with(revIn), rq.UID, nil); errCode(err) != CodeForbidden {
			t.Errorf("a request used twice: %v", err)
		}
		rs, err := e.UploadRequests(with(rev2In))
		if err != nil || len(rs) != 1 || rs[0].Status != "used" || rs[0].Batch != rb.Number {
			t.Errorf("requests %+v %v", rs, err)
		}
	})
}
