package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"reflect"
	"sort"
	"testing"

	"guanai/internal/auth"
	"guanai/internal/child"
)

func detailOf(a *child.Address) string {
	if a == nil {
		return ""
	}
	return a.Detail
}

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, f gateFixture) []objectRow {
		return []objectRow{
			{method: "BackfillFacts", mutates: true, call: func(ctx context.Context) (int, error) {
				_, err := e.BackfillFacts(ctx, 10)
				if err != nil {
					return 0, err
				}
				return 1, nil
			}, allowed: []*auth.Principal{}},
		}
	})
}

// recordsOf reads every record EachRecord yields, by the residence code and birth date that make
// them comparable, as JSON.
func recordsOf(t *testing.T, e *env) []string {
	t.Helper()
	var out []string
	err := e.EachRecord(opCtx(), "", func(r *child.Record, status string) error {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		out = append(out, status+" "+string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestFacts checks the statistics projection: every write keeps the child's facts, which hold
// nothing that identifies the child or a parent, and a status change keeps their status;
// EachRecord yields the same records from the facts as from the sealed records of children
// written before the projection existed; the backfill gives those children their facts, marks
// the projection complete and is audited.
func TestFacts(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		kids := demoChildren(7, 40)
		var uids []string
		for _, k := range kids {
			c, err := e.Create(ctx, "cli:t", k, Source{})
			if err != nil {
				t.Fatal(err)
			}
			uids = append(uids, c.UID)
		}
		// An edit rewrites the facts with the record; a submission changes their status.
		c, err := e.Get(ctx, uids[0])
		if err != nil {
			t.Fatal(err)
		}
		rec := c.Record
		rec.SchoolStage = "junior"
		if _, err := e.Update(ctx, "cli:t", uids[0], c.Version, rec, Source{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Transition(ctx, "cli:t", uids[1], StatusSubmitted, ""); err != nil {
			t.Fatal(err)
		}
		rows, err := e.read.QueryContext(ctx, "SELECT c.uid, f.status, f.res_code, f.hukou_code, f.facts FROM children c JOIN child_facts f ON f.id = c.id ORDER BY c.id")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var uid, status string
			var res, huk sql.NullString
			var facts []byte
			if err := rows.Scan(&uid, &status, &res, &huk, &facts); err != nil {
				t.Fatal(err)
			}
			n++
			c, err := e.Get(ctx, uid)
			if err != nil {
				t.Fatal(err)
			}
			var got child.Record
			if err := child.DecodeFacts(facts, &got); err != nil {
				t.Fatalf("%s: facts %x: %v", uid, facts, err)
			}
			if want := c.Record.WithoutIdentity(); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: facts\n%+v\nwant the record without identity\n%+v", uid, got, want)
			}
			if status != c.Status || res.String != c.Record.ResidenceAddr.Region() || huk.String != c.Record.HukouAddress.Region() {
				t.Errorf("%s: facts row (%s, %s, %s), record (%s, %s, %s)", uid, status, res.String, huk.String,
					c.Status, c.Record.ResidenceAddr.Region(), c.Record.HukouAddress.Region())
			}
			r := c.Record
			secrets := []string{r.Name, r.IDNumber, detailOf(r.HukouAddress), detailOf(r.ResidenceAddr)}
			for _, p := range []*child.Parent{r.Father, r.Mother} {
				if p != nil {
					secrets = append(secrets, p.Name, p.IDNumber, p.Phone)
				}
			}
			for _, secret := range secrets {
				if secret != "" && bytes.Contains(facts, []byte(secret)) {
					t.Errorf("%s: the facts hold %q", uid, secret)
				}
			}
			if uid == uids[0] && got.SchoolStage != "junior" {
				t.Errorf("the edit's facts have school stage %q", got.SchoolStage)
			}
			if uid == uids[1] && status != StatusSubmitted {
				t.Errorf("the submitted child's facts have status %q", status)
			}
		}
		rows.Close()
		if n != len(kids) {
			t.Fatalf("%d facts rows, want %d", n, len(kids))
		}
		if !e.complete(ctx) {
			t.Fatal("a database created with the projection is not complete")
		}

		want := recordsOf(t, e)
		if len(want) != len(kids) {
			t.Fatalf("EachRecord yielded %d records, want %d", len(want), len(kids))
		}
		// Children from before the projection: read from their records, the same records.
		if _, err := e.write.ExecContext(ctx, "DELETE FROM child_facts WHERE id % 3 = 0"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.write.ExecContext(ctx, "DELETE FROM meta WHERE key = 'facts_complete'"); err != nil {
			t.Fatal(err)
		}
		e.factsComplete.Store(false)
		if got := recordsOf(t, e); !reflect.DeepEqual(got, want) {
			t.Errorf("EachRecord over children without facts differs:\n%v\nwant\n%v", got, want)
		}
		res, err := e.BackfillFacts(ctx, 4)
		if err != nil || res.Filled != len(kids)/3 {
			t.Fatalf("backfill: %+v %v; want %d filled", res, err, len(kids)/3)
		}
		var count int
		if err := e.read.QueryRowContext(ctx, "SELECT count(*) FROM child_facts").Scan(&count); err != nil || count != len(kids) {
			t.Fatalf("%d facts rows after the backfill (%v), want %d", count, err, len(kids))
		}
		e.factsComplete.Store(false)
		if !e.complete(ctx) {
			t.Error("the backfill did not mark the projection complete")
		}
		if got := recordsOf(t, e); !reflect.DeepEqual(got, want) {
			t.Errorf("EachRecord after the backfill differs")
		}
		if res, err := e.BackfillFacts(ctx, 4); err != nil || res.Filled != 0 {
			t.Errorf("a second backfill: %+v %v; want nothing to do", res, err)
		}
		page, err := e.AuditEntries(ctx, AuditQuery{Action: "facts.backfill"})
		if err != nil || len(page.Items) != 1 {
			t.Errorf("backfill audit entries: %+v %v; want 1", page, err)
		}
	})
}
