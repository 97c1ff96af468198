package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"guanai/internal/audit"
	"guanai/internal/seal"
)

// The audit chain is keyed and anchored outside the database (docs/security.md). These tests
// play someone who holds the database but not the key file: each tampering must make
// VerifyAudit name the right problem, on SQLite and PostgreSQL.

// anchored opens a second store on e's database with an anchor beside its key file, as the
// command line does.
func anchored(t *testing.T, e *env) *Store {
	t.Helper()
	return anchoredWith(t, e, e.keys)
}

func anchoredWith(t *testing.T, e *env, keys *seal.Keyring) *Store {
	t.Helper()
	s, err := Open(opCtx(), e.url, Options{Keyring: keys, Now: e.clock.Now,
		AuditAnchor: audit.AnchorPath(filepath.Join(e.dir, seal.DefaultKeyFileName))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// appendN appends n audited reads and brings the anchor up to them.
func appendN(t *testing.T, s *Store, n int) audit.Head {
	t.Helper()
	ctx := opCtx()
	for i := range n {
		if err := s.Audit(ctx, audit.StatsRead, "", map[string]any{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	h, err := s.AuditAnchor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// unguard removes the append-only triggers, as someone with full access to the database can.
func unguard(t *testing.T, e *env) {
	t.Helper()
	drop := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"}
	if e.d.postgres {
		drop = []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"}
	}
	for _, q := range drop {
		mustExec(t, e, q)
	}
}

func mustExec(t *testing.T, e *env, q string, args ...any) {
	t.Helper()
	if _, err := e.write.ExecContext(opCtx(), e.d.bind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// entries reads the whole chain.
func entries(t *testing.T, e *env) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	err := e.readAudit(opCtx(), func(b []audit.Entry) bool { out = append(out, b...); return true })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rewrite recomputes every hash of the chain with seal (plain SM3 when keys is nil, else the
// given key file's audit key) and stores the result, as an attacker rewriting the whole chain.
func rewrite(t *testing.T, e *env, keys audit.Keys) {
	t.Helper()
	es := entries(t, e)
	prev := audit.Genesis
	for i := range es {
		es[i].Actor = "user:someone_else"
		if keys == nil {
			audit.SealPlain(prev, &es[i])
		} else if err := audit.Seal(keys, prev, &es[i]); err != nil {
			t.Fatal(err)
		}
		prev = es[i].Hash
		mustExec(t, e, "UPDATE audit_log SET actor = ?, key_id = ?, prev_hash = ?, hash = ? WHERE seq = ?",
			es[i].Actor, es[i].KeyID, es[i].Prev, es[i].Hash, es[i].Seq)
	}
	mustExec(t, e, "DELETE FROM audit_checkpoints")
}

func wantBreak(t *testing.T, s *Store, kind audit.BreakKind, seq int64) {
	t.Helper()
	_, err := s.VerifyAudit(opCtx())
	var brk *audit.Break
	if !errors.As(err, &brk) || brk.Kind != kind || brk.Seq != seq {
		t.Fatalf("verify: got %v (%+v), want a break %s at %d", err, brk, kind, seq)
	}
	if brk.Reason == "" {
		t.Error("a break without a reason")
	}
}

// TestAuditTampering: every change the security review tried is found, and named.
func TestAuditTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, e *env)
		kind   audit.BreakKind
		seq    int64
	}{
		{"entry changed", func(t *testing.T, e *env) {
			mustExec(t, e, "UPDATE audit_log SET detail = ? WHERE seq = 3", `{"i":99}`)
		}, audit.Changed, 3},
		{"middle entry deleted", func(t *testing.T, e *env) { mustExec(t, e, "DELETE FROM audit_log WHERE seq = 3") }, audit.Missing, 3},
		{"last entries deleted", func(t *testing.T, e *env) { mustExec(t, e, "DELETE FROM audit_log WHERE seq > 7") }, audit.Truncated, 8},
		{"all entries deleted", func(t *testing.T, e *env) { mustExec(t, e, "DELETE FROM audit_log") }, audit.Emptied, 1},
		{"whole chain rewritten with plain SM3", func(t *testing.T, e *env) { rewrite(t, e, nil) }, audit.Unkeyed, 1},
		{"plain SM3 rewrite hidden by moving the keyed-from seq", func(t *testing.T, e *env) {
			rewrite(t, e, nil)
			mustExec(t, e, "UPDATE meta SET value = '11' WHERE key = 'audit_keyed_from'")
		}, audit.Unkeyed, 1},
		{"whole chain rewritten with another key file", func(t *testing.T, e *env) {
			rewrite(t, e, newKeyring(t, t.TempDir()))
		}, audit.Changed, 1},
		{"whole chain rewritten with the right key", func(t *testing.T, e *env) { rewrite(t, e, e.keys) }, audit.Rewritten, 10},
		{"keyed-from seq deleted", func(t *testing.T, e *env) {
			mustExec(t, e, "DELETE FROM meta WHERE key = 'audit_keyed_from'")
		}, audit.KeyedFromDiff, 0},
		{"anchor deleted", func(t *testing.T, e *env) {
			if err := os.Remove(audit.AnchorPath(filepath.Join(e.dir, seal.DefaultKeyFileName))); err != nil {
				t.Fatal(err)
			}
		}, audit.AnchorMissing, 0},
		{"last entries deleted and the anchor edited to agree", func(t *testing.T, e *env) {
			mustExec(t, e, "DELETE FROM audit_log WHERE seq > 7")
			p := audit.AnchorPath(filepath.Join(e.dir, seal.DefaultKeyFileName))
			b, err := os.ReadFile(p)
			if err != nil || !strings.Contains(string(b), `"seq": 10,`) {
				t.Fatalf("anchor file: %s %v", b, err)
			}
			os.WriteFile(p, []byte(strings.Replace(string(b), `"seq": 10,`, `"seq": 7,`, 1)), 0o600)
		}, audit.AnchorInvalid, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				s := anchored(t, e)
				if h := appendN(t, s, 10); h.Seq != 10 || h.KeyID != e.keys.AuditKeyID() {
					t.Fatalf("anchored head %+v", h)
				}
				res, err := s.VerifyAudit(opCtx())
				if err != nil || res.Entries != 10 || res.Keyed != 10 || res.KeyedFrom != 1 || res.Anchor == nil || res.Anchor.Seq != 10 || res.LastSeq != 10 {
					t.Fatalf("verify before tampering: %+v %v", res, err)
				}
				unguard(t, e)
				tt.tamper(t, e)
				wantBreak(t, s, tt.kind, tt.seq)
			})
		})
	}
}

// TestAuditAnchorHoldsEvidence: once the database's chain is cut, new entries do not carry the
// anchor past the cut, and a deleted anchor is not silently made anew; guanai audit reanchor
// makes it anew, and the chain verifies again.
func TestAuditAnchorHoldsEvidence(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		s := anchored(t, e)
		appendN(t, s, 10)
		unguard(t, e)
		mustExec(t, e, "DELETE FROM audit_log WHERE seq > 7")
		// A server started now finds the anchor ahead of the database, and says so.
		if h, err := anchored(t, e).AuditAnchor(ctx); err == nil || h.Seq != 10 {
			t.Errorf("a new store on the cut database: %+v %v, want the anchor at 10 and an error", h, err)
		}
		// The server goes on appending, beyond the anchored seq: the anchor stays at 10.
		for i := range 5 {
			if err := s.Audit(ctx, audit.StatsRead, "", map[string]any{"after": i}); err != nil {
				t.Fatal(err)
			}
		}
		if h, err := s.AuditAnchor(ctx); err == nil || h.Seq != 10 {
			t.Errorf("anchor after the cut: %+v %v, want it held at 10 with an error", h, err)
		}
		wantBreak(t, s, audit.Rewritten, 10)
		if _, err := s.ReanchorAudit(ctx); err == nil {
			t.Error("reanchor over an anchor that disagrees with the database")
		}

		// The operator moves the anchor away deliberately: writers do not make a new one ...
		path := audit.AnchorPath(filepath.Join(e.dir, seal.DefaultKeyFileName))
		if err := os.Rename(path, path+".incident"); err != nil {
			t.Fatal(err)
		}
		if err := s.Audit(ctx, audit.StatsRead, "", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuditAnchor(ctx); err == nil {
			t.Error("a missing anchor was made anew by a writer")
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("anchor file: %v", err)
		}
		wantBreak(t, s, audit.AnchorMissing, 0)
		// ... reanchor does, audited.
		h, err := s.ReanchorAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.VerifyAudit(ctx)
		if err != nil || res.Anchor == nil || res.Anchor.Seq != h.Seq || res.LastSeq != h.Seq {
			t.Fatalf("after reanchor: %+v %v", res, err)
		}
		if es := entries(t, e); es[len(es)-1].Action != audit.AuditReanchor {
			t.Errorf("reanchor not audited: %+v", es[len(es)-1])
		}
		// And the writers follow it again.
		if got := appendN(t, s, 2); got.Seq != h.Seq+2 {
			t.Errorf("anchor after reanchor: %+v, want %d", got, h.Seq+2)
		}
	})
}

// TestAuditRotation: entries keyed before and after guanai keys rotate verify, each under its
// own key, in the store that rotated and in one opened afterwards.
func TestAuditRotation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		s := anchored(t, e)
		appendN(t, s, 3)
		if _, err := s.RotateKey(ctx); err != nil {
			t.Fatal(err)
		}
		h := appendN(t, s, 3)
		if h.KeyID != "k2" {
			t.Errorf("anchor keyed with %s, want k2", h.KeyID)
		}
		ids := map[string]int{}
		for _, en := range entries(t, e) {
			ids[en.KeyID]++
		}
		if ids["k1"] != 3 || ids["k2"] != 4 { // the rotation's own entry is keyed with k2
			t.Errorf("entries by key: %v", ids)
		}
		for name, st := range map[string]*Store{"rotating store": s, "store opened afterwards": anchoredWith(t, e, newKeyring(t, e.dir))} {
			if res, err := st.VerifyAudit(ctx); err != nil || res.Keyed != 7 {
				t.Errorf("%s: %+v %v", name, res, err)
			}
		}
	})
}

// TestAuditTransition: a database written before 0011 — plain SM3 entries, no key_id — is
// migrated: the entries it had stay plain and verify, the new ones are keyed, and a rewrite of
// the whole chain as plain entries is found at the first entry that was keyed.
func TestAuditTransition(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		// Take the database back to before 0011, with five entries of the old kind.
		mustExec(t, e, "DELETE FROM schema_migrations WHERE version = 11")
		mustExec(t, e, "DELETE FROM meta WHERE key IN ('audit_keyed_from', 'audit_chain', 'audit_anchored')")
		mustExec(t, e, "ALTER TABLE audit_log DROP COLUMN key_id")
		prev := audit.Genesis
		for i := range 5 {
			en := audit.Entry{Seq: int64(i + 1), At: e.clock.Now().UTC().Truncate(1e6), Actor: "cli:root", Action: audit.UserCreate,
				Object: "user:u" + string(rune('a'+i)), Detail: audit.Detail(nil)}
			audit.SealPlain(prev, &en)
			prev = en.Hash
			mustExec(t, e, "INSERT INTO audit_log (seq, at, actor, action, object, detail, ip, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				en.Seq, e.d.timeArg(en.At), en.Actor, en.Action, en.Object, string(en.Detail), en.IP, en.Prev, en.Hash)
		}
		// The new version opens it (migration 0011) and appends.
		s := anchored(t, e)
		if res, err := s.VerifyAudit(ctx); err != nil || res.Entries != 5 || res.Keyed != 0 || res.KeyedFrom != 6 || res.Anchor != nil {
			t.Fatalf("after the upgrade, before any new entry: %+v %v", res, err)
		}
		if h := appendN(t, s, 4); h.Seq != 9 || h.KeyedFrom != 6 {
			t.Errorf("anchor %+v", h)
		}
		res, err := s.VerifyAudit(ctx)
		if err != nil || res.Entries != 9 || res.Keyed != 4 || res.KeyedFrom != 6 {
			t.Fatalf("verify across the transition: %+v %v", res, err)
		}
		es := entries(t, e)
		if es[4].KeyID != "" || es[5].KeyID == "" || es[5].Prev != es[4].Hash {
			t.Errorf("transition: %+v / %+v", es[4], es[5])
		}
		unguard(t, e)
		rewrite(t, e, nil)
		wantBreak(t, s, audit.Unkeyed, 6)
	})
}

// TestAuditAnchorTwoWriters: two stores on one database and one anchor — the server and the
// command line — append at the same time; the anchor never moves backwards and ends at the
// last entry.
func TestAuditAnchorTwoWriters(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		writers := []*Store{anchored(t, e), anchored(t, e)}
		anchor := audit.NewAnchor(audit.AnchorPath(filepath.Join(e.dir, seal.DefaultKeyFileName)), e.keys)
		const n = 60
		stop := make(chan struct{})
		watched := make(chan error, 1)
		go func() {
			var last int64
			for {
				select {
				case <-stop:
					watched <- nil
					return
				default:
				}
				h, err := anchor.Read()
				if err != nil && !errors.Is(err, audit.ErrNoAnchor) {
					watched <- err
					return
				}
				if h.Seq < last {
					watched <- errors.New("the anchor moved backwards")
					return
				}
				last = max(last, h.Seq)
			}
		}()
		var wg sync.WaitGroup
		for w, s := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range n {
					if err := s.Audit(ctx, audit.StatsRead, "", map[string]any{"writer": w, "i": i}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		for _, s := range writers {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
		close(stop)
		if err := <-watched; err != nil {
			t.Fatal(err)
		}
		h, err := anchor.Read()
		if err != nil || h.Seq != 2*n {
			t.Fatalf("anchor %+v %v, want seq %d", h, err, 2*n)
		}
		if res, err := anchored(t, e).VerifyAudit(ctx); err != nil || res.Anchor.Seq != 2*n || res.Entries != 2*n {
			t.Errorf("verify: %+v %v", res, err)
		}
	})
}

// TestAuditNoAnchorYet: a store with an anchor but no keyed entry yet has nothing to anchor, and
// verify passes; a store without an anchor (tests) never writes one.
func TestAuditNoAnchorYet(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		if err := e.Audit(ctx, audit.StatsRead, "", nil); err != nil {
			t.Fatal(err)
		}
		if h, err := e.AuditAnchor(ctx); err != nil || h.Seq != 0 {
			t.Errorf("no anchor configured: %+v %v", h, err)
		}
		if res, err := e.VerifyAudit(ctx); err != nil || res.AnchorPath != "" || res.Keyed != 1 {
			t.Errorf("verify without an anchor: %+v %v", res, err)
		}
		path := audit.AnchorPath(filepath.Join(e.dir, seal.DefaultKeyFileName))
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("anchor written by a store without one: %v", err)
		}
	})
}
