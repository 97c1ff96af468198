package store

import (
	"testing"
)

// pathTo lists the moves that bring a new record to a status.
var pathTo = map[string][]string{
	StatusDraft:     nil,
	StatusSubmitted: {StatusSubmitted},
	StatusApproved:  {StatusSubmitted, StatusApproved},
	StatusUploaded:  {StatusSubmitted, StatusApproved, StatusUploaded},
	StatusReturned:  {StatusSubmitted, StatusReturned},
	StatusArchived:  {StatusArchived},
}

func TestTransitions(t *testing.T) {
	legal := map[[2]string]bool{
		{StatusDraft, StatusSubmitted}: true, {StatusDraft, StatusArchived}: true,
		{StatusSubmitted, StatusApproved}: true, {StatusSubmitted, StatusReturned}: true, {StatusSubmitted, StatusArchived}: true,
		{StatusApproved, StatusUploaded}: true, {StatusApproved, StatusReturned}: true, {StatusApproved, StatusArchived}: true,
		{StatusUploaded, StatusArchived}:  true,
		{StatusReturned, StatusSubmitted}: true, {StatusReturned, StatusArchived}: true,
	}
	statuses := []string{StatusDraft, StatusSubmitted, StatusApproved, StatusUploaded, StatusReturned, StatusArchived}
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		recs := demoChildren(7, len(statuses)*len(statuses))
		i := 0
		for _, from := range statuses {
			for _, to := range statuses {
				name := from + "→" + to
				c := mustCreate(t, e, recs[i])
				i++
				for _, step := range pathTo[from] {
					if _, err := e.Transition(as("reviewer"), "reviewer", c.UID, step, "原因"); err != nil {
						t.Fatalf("%s: reaching %s: %v", name, from, err)
					}
				}
				got, err := e.Transition(as("reviewer"), "reviewer", c.UID, to, "测试原因")
				if legal[[2]string{from, to}] {
					if err != nil {
						t.Errorf("%s: got %v, want allowed", name, err)
						continue
					}
					if got.Status != to {
						t.Errorf("%s: status %s, want %s", name, got.Status, to)
					}
				} else {
					if errCode(err) != CodeForbidden {
						t.Errorf("%s: got %v, want forbidden", name, err)
						continue
					}
					if msg := err.(*Error).Message; msg == "" || !hasHan(msg) {
						t.Errorf("%s: message %q is not Chinese", name, msg)
					}
					stored, _ := e.Get(ctx, c.UID)
					if stored.Status != from {
						t.Errorf("%s: refused move changed the status to %s", name, stored.Status)
					}
				}
				if CanTransition(from, to) != legal[[2]string{from, to}] {
					t.Errorf("CanTransition(%s, %s) = %v", from, to, CanTransition(from, to))
				}
			}
		}
	})
}

func TestTransitionReasons(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		recs := demoChildren(8, 3)
		c := mustCreate(t, e, recs[0])
		if _, err := e.Transition(as("a"), "a", c.UID, StatusSubmitted, ""); err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{StatusReturned, StatusArchived} {
			if _, err := e.Transition(as("a"), "a", c.UID, to, "  "); errCode(err) != CodeInvalid {
				t.Errorf("%s without reason: got %v, want invalid", to, err)
			}
		}
		if _, err := e.Transition(as("a"), "a", c.UID, "deleted", "x"); errCode(err) != CodeInvalid {
			t.Errorf("unknown status: got %v, want invalid", err)
		}
		if _, err := e.Transition(as("reviewer"), "reviewer", c.UID, StatusReturned, "身份证号与户口簿不符"); err != nil {
			t.Fatal(err)
		}
		// Corrected and submitted again.
		cur, _ := e.Get(ctx, c.UID)
		r := cur.Record
		r.SchoolName = "更正后的学校"
		if _, err := e.Update(as("collector"), "collector", c.UID, cur.Version, r, Source{Note: "按退回意见更正"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Transition(as("collector"), "collector", c.UID, StatusSubmitted, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Transition(as("reviewer"), "reviewer", c.UID, StatusArchived, "已迁出本市"); err != nil {
			t.Fatal(err)
		}
		// An archived record cannot be edited.
		cur, _ = e.Get(ctx, c.UID)
		if _, err := e.Update(as("collector"), "collector", c.UID, cur.Version, r, Source{}); errCode(err) != CodeForbidden {
			t.Errorf("update of an archived record: got %v, want forbidden", err)
		}
		h, err := e.History(ctx, c.UID)
		if err != nil {
			t.Fatal(err)
		}
		var moves []string
		for _, en := range h {
			if en.Kind == EntryTransition {
				moves = append(moves, en.From+"→"+en.To+":"+en.Reason+":"+en.Actor)
			}
		}
		want := []string{"draft→submitted::cli:a", "submitted→returned:身份证号与户口簿不符:cli:reviewer",
			"returned→submitted::cli:collector", "submitted→archived:已迁出本市:cli:reviewer"}
		if len(moves) != len(want) {
			t.Fatalf("transitions %v, want %v", moves, want)
		}
		for i := range want {
			if moves[i] != want[i] {
				t.Errorf("transition %d: %s, want %s", i, moves[i], want[i])
			}
		}
	})
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
