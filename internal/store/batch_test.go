package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, f gateFixture) []objectRow {
		uid, draft := "", ""
		return []objectRow{
			// A draft the district's collector registered, deleted (archived) by that collector.
			{method: "DiscardDraft", mutates: true, call: func(ctx context.Context) (int, error) {
				if draft == "" {
					c, err := e.Create(auth.WithPrincipal(opCtx(), colIn), "", plainChild("林小废", "2", child.NewDate(2017, 5, 5), "150302003"), Source{})
					if err != nil {
						return 0, err
					}
					draft = c.UID
				}
				return one(e.DiscardDraft(ctx, "", draft, "重复登记"))
			}, allowed: []*auth.Principal{colIn}},
			// A submitted record of the fixture's district, approved in a batch by civil affairs.
			{method: "TransitionBatch", mutates: true, call: func(ctx context.Context) (int, error) {
				if uid == "" {
					c, err := e.Create(opCtx(), "", plainChild("林小批", "1", child.NewDate(2017, 4, 4), "150302003"), Source{})
					if err != nil {
						return 0, err
					}
					if _, err := e.Transition(opCtx(), "", c.UID, StatusSubmitted, ""); err != nil {
						return 0, err
					}
					uid = c.UID
				}
				res, err := e.TransitionBatch(ctx, "", []string{uid}, StatusApproved, "")
				return len(res.Done), err
			}, allowed: []*auth.Principal{revIn}},
		}
	})
}

// TestTransitionBatch approves a queue in one batch: records in the jurisdiction and in the right
// status move, each with its transition, comment and audit entry naming the batch; others are
// refused by name and stay as they were; the bounds and the reason rules are those of one record.
func TestTransitionBatch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		op := opCtx()
		var queue []string
		for i := range 12 {
			c, err := e.Create(op, "", plainChild("批量"+string(rune('甲'+i)), "1", child.NewDate(2015, 1, 1+i), "150302003"), Source{})
			if err != nil {
				t.Fatal(err)
			}
			if i < 10 {
				if _, err := e.Transition(op, "", c.UID, StatusSubmitted, ""); err != nil {
					t.Fatal(err)
				}
			}
			queue = append(queue, c.UID)
		}
		other, err := e.Create(op, "", plainChild("外区", "2", child.NewDate(2015, 2, 2), "150303001"), Source{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Transition(op, "", other.UID, StatusSubmitted, ""); err != nil {
			t.Fatal(err)
		}
		rev := auth.WithPrincipal(op, revIn)
		res, err := e.TransitionBatch(rev, "", append(slices.Clone(queue), other.UID, "0190aaaa-0000-7000-8000-000000000000"), StatusApproved, "材料齐全")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Done) != 10 || len(res.Refused) != 4 || res.Batch == "" {
			t.Fatalf("done %d refused %d (%+v)", len(res.Done), len(res.Refused), res.Refused)
		}
		for _, r := range res.Refused {
			if !strings.ContainsAny(r.Message, "记录草稿") {
				t.Errorf("refusal of %s without a reason: %q", r.UID, r.Message)
			}
		}
		for i, uid := range queue {
			c, err := e.Get(op, uid)
			if err != nil {
				t.Fatal(err)
			}
			want := StatusApproved
			if i >= 10 {
				want = StatusDraft
			}
			if c.Status != want {
				t.Errorf("record %d: %s, want %s", i, c.Status, want)
			}
		}
		if c, _ := e.Get(op, other.UID); c.Status != StatusSubmitted {
			t.Errorf("another district's record moved to %s", c.Status)
		}
		// The comment is kept with the transition; one audit entry per record names the batch.
		h, err := e.History(op, queue[0])
		if err != nil {
			t.Fatal(err)
		}
		if last := h[len(h)-1]; last.To != StatusApproved || last.Reason == "" {
			t.Errorf("last history entry %+v, want the approval with its comment", last)
		}
		page, err := e.AuditEntries(op, AuditQuery{Action: audit.ChildTransit, Actor: revIn.Actor(), Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, it := range page.Items {
			if strings.Contains(string(it.Detail), res.Batch) {
				n++
			}
		}
		if n != 10 {
			t.Errorf("%d audit entries name the batch, want 10", n)
		}

		for _, tt := range []struct {
			name   string
			ctx    context.Context
			uids   []string
			to     string
			reason string
			code   string
		}{
			{"collector cannot approve", auth.WithPrincipal(op, colIn), queue[10:], StatusApproved, "", CodeForbidden},
			{"return needs a reason", rev, queue[:1], StatusReturned, " ", CodeInvalid},
			{"nothing chosen", rev, nil, StatusApproved, "", CodeInvalid},
			{"too many", rev, make([]string, MaxBatchTransition+1), StatusApproved, "", CodeInvalid},
			{"unknown status", rev, queue[:1], "done", "", CodeInvalid},
		} {
			if tt.name == "too many" {
				for i := range tt.uids {
					tt.uids[i] = newUID(e.instant()) + string(rune('a'+i%26))
				}
			}
			if _, err := e.TransitionBatch(tt.ctx, "", tt.uids, tt.to, tt.reason); errCode(err) != tt.code {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			}
		}
	})
}

// TestDiscardDraft: a collector deletes the drafts it registered — archived with the reason, kept
// in the history, out of the list — and nothing else.
func TestDiscardDraft(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		col := auth.WithPrincipal(opCtx(), colIn)
		mine, err := e.Create(col, "", plainChild("草稿甲", "1", child.NewDate(2016, 1, 1), "150302003"), Source{})
		if err != nil {
			t.Fatal(err)
		}
		submitted, err := e.Create(col, "", plainChild("草稿乙", "1", child.NewDate(2016, 1, 2), "150302003"), Source{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Transition(col, "", submitted.UID, StatusSubmitted, ""); err != nil {
			t.Fatal(err)
		}
		other, err := e.Create(opCtx(), "", plainChild("草稿丙", "1", child.NewDate(2016, 1, 3), "150302003"), Source{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name string
			uid  string
			code string
		}{
			{"submitted", submitted.UID, CodeForbidden},
			{"someone else's", other.UID, CodeForbidden},
			{"unknown", "0190aaaa-0000-7000-8000-000000000000", CodeNotFound},
		} {
			if _, err := e.DiscardDraft(col, "", tt.uid, ""); errCode(err) != tt.code {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			}
		}
		c, err := e.DiscardDraft(col, "", mine.UID, "重复登记")
		if err != nil || c.Status != StatusArchived {
			t.Fatalf("discard: %v %v", c, err)
		}
		h, err := e.History(opCtx(), mine.UID)
		if err != nil {
			t.Fatal(err)
		}
		if last := h[len(h)-1]; last.To != StatusArchived || !strings.Contains(last.Reason, "草稿作废") {
			t.Errorf("history %+v", last)
		}
		p, err := e.Search(col, Query{Name: "草稿甲"})
		if err != nil || p.Total != 0 {
			t.Errorf("the discarded draft is still listed: %d %v", p.Total, err)
		}
	})
}
