package store

import (
	"errors"
	"strings"
	"testing"

	"guanai/internal/audit"
	"guanai/internal/auth"
)

// TestAuditTrail writes audited events, checks what the entries say and that the chain verifies,
// then changes one stored entry directly and expects verify to name exactly that entry.
func TestAuditTrail(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		bg := opCtx()
		col := auth.WithClientIP(auth.WithPrincipal(bg, principal(auth.RoleCollector, "150302003012")), "10.0.0.7")
		c, err := e.Create(col, "user:c", scopedChild(t, 1, "150302003012", "640104"), Source{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Get(col, c.UID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Search(col, Query{Name: c.Record.Name, IDNumber: c.Record.IDNumber}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Transition(col, "user:c", c.UID, StatusSubmitted, ""); err != nil {
			t.Fatal(err)
		}
		auditor := auth.WithPrincipal(bg, principal(auth.RoleAuditor, "1503"))
		page, err := e.AuditEntries(auditor, AuditQuery{Actor: "user:collector_150302003012"})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for i := len(page.Items) - 1; i >= 0; i-- {
			it := page.Items[i]
			actions = append(actions, it.Action)
			if it.IP != "10.0.0.7" {
				t.Errorf("entry %d: ip %q", it.Seq, it.IP)
			}
			// The trail never holds the child's name or ID number in clear.
			if strings.Contains(string(it.Detail), c.Record.IDNumber) || strings.Contains(string(it.Detail), c.Record.Name) {
				t.Errorf("entry %d holds personal data: %s", it.Seq, it.Detail)
			}
		}
		want := []string{audit.ChildCreate, audit.ChildRead, audit.ChildSearch, audit.ChildTransit}
		if strings.Join(actions, ",") != strings.Join(want, ",") {
			t.Errorf("actions %v, want %v", actions, want)
		}
		if _, err := e.AuditEntries(col, AuditQuery{}); errCode(err) != CodeForbidden {
			t.Errorf("a collector reads the audit trail: %v", err)
		}
		res, err := e.VerifyAudit(bg)
		if err != nil || res.Entries != 5 { // the four above and the audit administrator's reading
			t.Fatalf("verify: %+v %v", res, err)
		}

		// Append-only: the database refuses changes.
		if _, err := e.write.ExecContext(bg, "UPDATE audit_log SET actor = 'x' WHERE seq = 2"); err == nil {
			t.Fatal("UPDATE of an audit entry was accepted")
		}
		if _, err := e.write.ExecContext(bg, "DELETE FROM audit_log WHERE seq = 2"); err == nil {
			t.Fatal("DELETE of an audit entry was accepted")
		}
		// Someone with full access to the database removes the guard and edits entry 3.
		drop := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"}
		if e.d.postgres {
			drop = []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"}
		}
		for _, q := range drop {
			if _, err := e.write.ExecContext(bg, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.write.ExecContext(bg, e.d.bind("UPDATE audit_log SET detail = ? WHERE seq = 3"), `{"criteria":"nothing"}`); err != nil {
			t.Fatal(err)
		}
		_, err = e.VerifyAudit(bg)
		var brk *audit.Break
		if !errors.As(err, &brk) || brk.Seq != 3 {
			t.Fatalf("verify after tampering with entry 3: %v", err)
		}
		// Removing it instead is found at the same place.
		if _, err := e.write.ExecContext(bg, "DELETE FROM audit_log WHERE seq = 3"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.VerifyAudit(bg); !errors.As(err, &brk) || brk.Seq != 3 {
			t.Fatalf("verify after removing entry 3: %v", err)
		}
	})
}

// TestAuditCheckpoints writes past a checkpoint and checks that a rewritten chain (every hash
// recomputed after a change) is caught at the checkpoint.
func TestAuditCheckpoints(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		bg := opCtx()
		for i := 0; i < audit.CheckpointEvery+5; i++ {
			if err := e.Audit(bg, audit.StatsRead, "", map[string]any{"i": i}); err != nil {
				t.Fatal(err)
			}
		}
		res, err := e.VerifyAudit(bg)
		if err != nil || res.Checkpoints != 1 || res.Entries != audit.CheckpointEvery+5 {
			t.Fatalf("verify: %+v %v", res, err)
		}
		// Truncating the end below the checkpoint is found.
		drop := "DROP TRIGGER audit_log_no_delete"
		if e.d.postgres {
			drop = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
		}
		if _, err := e.write.ExecContext(bg, drop); err != nil {
			t.Fatal(err)
		}
		if _, err := e.write.ExecContext(bg, e.d.bind("DELETE FROM audit_log WHERE seq >= ?"), audit.CheckpointEvery-10); err != nil {
			t.Fatal(err)
		}
		var brk *audit.Break
		if _, err := e.VerifyAudit(bg); !errors.As(err, &brk) || brk.Seq != audit.CheckpointEvery-10 {
			t.Fatalf("verify after truncation: %v", err)
		}
	})
}
