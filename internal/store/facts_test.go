package store

import (
	"bytes"
	"context"
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

// TestFacts checks the statistics projection: every write keeps the record's facts, which hold
// nothing that identifies the child or a parent; EachRecord yields the same records from the
// facts as from the sealed records of rows written before the projection existed; the backfill
// gives those rows their facts and is audited.
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
		// An edit rewrites the facts with the record.
		c, err := e.Get(ctx, uids[0])
		if err != nil {
			t.Fatal(err)
		}
		rec := c.Record
		rec.SchoolStage = "4"
		if _, err := e.Update(ctx, "cli:t", uids[0], c.Version, rec, Source{}); err != nil {
			t.Fatal(err)
		}
		rows, err := e.read.QueryContext(ctx, "SELECT uid, facts FROM children ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var uid string
			var facts []byte
			if err := rows.Scan(&uid, &facts); err != nil {
				t.Fatal(err)
			}
			n++
			c, err := e.Get(ctx, uid)
			if err != nil {
				t.Fatal(err)
			}
			var got child.Record
			if err := json.Unmarshal(facts, &got); err != nil {
				t.Fatalf("%s: facts %q: %v", uid, facts, err)
			}
			if want := c.Record.WithoutIdentity(); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: facts\n%+v\nwant the record without identity\n%+v", uid, got, want)
			}
			r := c.Record
			for _, secret := range []string{r.Name, r.IDNumber, detailOf(r.HukouAddress), detailOf(r.ResidenceAddr)} {
				if secret != "" && bytes.Contains(facts, []byte(secret)) {
					t.Errorf("%s: the facts hold %q", uid, secret)
				}
			}
			for _, p := range []*child.Parent{r.Father, r.Mother} {
				if p == nil {
					continue
				}
				for _, secret := range []string{p.Name, p.IDNumber, p.Phone} {
					if secret != "" && bytes.Contains(facts, []byte(secret)) {
						t.Errorf("%s: the facts hold a parent's %q", uid, secret)
					}
				}
			}
			if uid == uids[0] && got.SchoolStage != "4" {
				t.Errorf("the edit's facts have school stage %q", got.SchoolStage)
			}
		}
		rows.Close()
		if n != len(kids) {
			t.Fatalf("%d rows, want %d", n, len(kids))
		}

		want := recordsOf(t, e)
		if len(want) != len(kids) {
			t.Fatalf("EachRecord yielded %d records, want %d", len(want), len(kids))
		}
		// Rows from before the projection: read from their records, the same records.
		if _, err := e.write.ExecContext(ctx, "UPDATE children SET facts = NULL WHERE id % 3 = 0"); err != nil {
			t.Fatal(err)
		}
		if got := recordsOf(t, e); !reflect.DeepEqual(got, want) {
			t.Errorf("EachRecord over rows without facts differs:\n%v\nwant\n%v", got, want)
		}
		res, err := e.BackfillFacts(ctx, 4)
		if err != nil || res.Filled != len(kids)/3 {
			t.Fatalf("backfill: %+v %v; want %d filled", res, err, len(kids)/3)
		}
		var missing int
		if err := e.read.QueryRowContext(ctx, "SELECT count(*) FROM children WHERE facts IS NULL").Scan(&missing); err != nil || missing != 0 {
			t.Fatalf("%d rows without facts after the backfill (%v)", missing, err)
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
