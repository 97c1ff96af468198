package store

import (
	"context"
	"testing"

	"guanai/internal/auth"
)

// TestRotateAndReseal: after a rotation every sealed value is re-encrypted under the new key and
// still opens; a second run changes nothing.
func TestRotateAndReseal(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
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
