package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"guanai/internal/child"
)

func TestCreateGetUpdate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		recs := demoChildren(1, 2)
		c := mustCreate(t, e, recs[0])
		if c.Version != 1 || c.Status != StatusDraft || !validUID(c.UID) {
			t.Fatalf("created: version %d status %s uid %q", c.Version, c.Status, c.UID)
		}
		got, err := e.Get(ctx, c.UID)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(c.Record)
		have, _ := json.Marshal(got.Record)
		if string(want) != string(have) {
			t.Fatalf("got record\n%s\nwant\n%s", have, want)
		}
		if got.Classification.AsOf != testDay || got.Classification.RuleVersion == "" || len(got.Classification.Reasons) == 0 {
			t.Errorf("classification not stored: %+v", got.Classification)
		}
		if got.CreatedBy != "cli:collector1" || got.CreatedAt.IsZero() || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("created by %q at %v, want cli:collector1 at %v", got.CreatedBy, got.CreatedAt, c.CreatedAt)
		}

		// An edit makes version 2.
		r := got.Record
		r.SchoolName = "乌海市第二十中学"
		r.Father.Phone = "13912345678"
		up, err := e.Update(as("collector2"), "collector2", c.UID, 1, r, Source{Note: "家访更正"})
		if err != nil {
			t.Fatal(err)
		}
		if up.Version != 2 || up.UpdatedBy != "cli:collector2" {
			t.Fatalf("updated: version %d by %s, want 2 by collector2", up.Version, up.UpdatedBy)
		}
		// Saving the same record again changes nothing.
		same, err := e.Update(as("collector2"), "collector2", c.UID, 2, r, Source{})
		if err != nil {
			t.Fatal(err)
		}
		if same.Version != 2 {
			t.Errorf("unchanged save made version %d, want 2", same.Version)
		}
		got, err = e.Get(ctx, c.UID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Record.SchoolName != "乌海市第二十中学" || got.Record.Father.Phone != "13912345678" || got.Version != 2 {
			t.Errorf("after update: school %q phone %q version %d", got.Record.SchoolName, got.Record.Father.Phone, got.Version)
		}
		old, err := e.GetVersion(ctx, c.UID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if old.SchoolName == "乌海市第二十中学" {
			t.Error("version 1 holds the change of version 2")
		}

		// Errors.
		tests := []struct {
			name string
			err  error
			code string
		}{
			{"get unknown", func() error { _, err := e.Get(ctx, "0190a0e0-0000-7000-8000-000000000000"); return err }(), CodeNotFound},
			{"get junk", func() error { _, err := e.Get(ctx, "'; DROP TABLE children; --"); return err }(), CodeNotFound},
			{"update unknown", func() error {
				_, err := e.Update(ctx, "a", "0190a0e0-0000-7000-8000-000000000000", 1, recs[1], Source{})
				return err
			}(), CodeNotFound},
			{"invalid record", func() error {
				bad := recs[1]
				bad.Name = ""
				_, err := e.Create(ctx, "a", bad, Source{})
				return err
			}(), CodeInvalid},
			{"no principal", func() error { _, err := e.Create(context.Background(), "a", recs[1], Source{}); return err }(), CodeForbidden},
			{"future version", func() error { _, err := e.Update(ctx, "a", c.UID, 9, r, Source{}); return err }(), CodeConflict},
		}
		for _, tc := range tests {
			if got := errCode(tc.err); got != tc.code {
				t.Errorf("%s: got %q (%v), want %q", tc.name, got, tc.err, tc.code)
			}
		}
		var se *Error
		if err := tests[3].err; err != nil {
			se = err.(*Error)
			if len(se.Fields) == 0 || se.Fields[0].Field != "name" {
				t.Errorf("invalid record: fields %+v, want name", se.Fields)
			}
		}
	})
}

func TestConcurrentWriters(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		c := mustCreate(t, e, demoChildren(2, 1)[0])
		base := c.Record

		// Writer A changes the school, writer B (from the same base) the insurance: merged.
		a := cloneRecord(t, base)
		a.SchoolName = "海勃湾区实验小学"
		if _, err := e.Update(ctx, "a", c.UID, 1, a, Source{}); err != nil {
			t.Fatal(err)
		}
		b := cloneRecord(t, base)
		b.MedicalInsurance = "none"
		if b.MedicalInsurance == base.MedicalInsurance {
			b.MedicalInsurance = "insured"
		}
		merged, err := e.Update(ctx, "b", c.UID, 1, b, Source{})
		if err != nil {
			t.Fatalf("merge of different fields: %v", err)
		}
		if merged.Version != 3 || merged.Record.SchoolName != "海勃湾区实验小学" || merged.Record.MedicalInsurance != b.MedicalInsurance {
			t.Fatalf("merged: version %d school %q insurance %q", merged.Version, merged.Record.SchoolName, merged.Record.MedicalInsurance)
		}

		// Writer C (still from version 1) changes the school differently: conflict naming it.
		cc := cloneRecord(t, base)
		cc.SchoolName = "乌达区第一小学"
		cc.Housing = "other"
		_, err = e.Update(ctx, "c", c.UID, 1, cc, Source{})
		if errCode(err) != CodeConflict {
			t.Fatalf("same field: got %v, want conflict", err)
		}
		se := err.(*Error)
		if len(se.Fields) != 1 || se.Fields[0].Field != "school_name" {
			t.Errorf("conflict fields %+v, want school_name only", se.Fields)
		}
		if want := "就读学校"; !strings.Contains(se.Message, want) {
			t.Errorf("conflict message %q does not name %s", se.Message, want)
		}
		// The same value twice is no conflict.
		d := cloneRecord(t, base)
		d.SchoolName = "海勃湾区实验小学"
		if _, err := e.Update(ctx, "d", c.UID, 1, d, Source{}); err != nil {
			t.Errorf("same value from both writers: %v", err)
		}
		got, _ := e.Get(ctx, c.UID)
		if got.Version != 3 {
			t.Errorf("version %d after a no-op merge, want 3", got.Version)
		}
	})
}

func cloneRecord(t *testing.T, r child.Record) child.Record {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var out child.Record
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
