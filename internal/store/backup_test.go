package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"guanai/internal/auth"
)

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, f gateFixture) []objectRow {
		return []objectRow{
			{method: "Backup", mutates: true, call: func(ctx context.Context) (int, error) {
				dir, err := os.MkdirTemp("", "guanai-backup-gate-")
				if err != nil {
					return 0, err
				}
				defer os.RemoveAll(dir)
				return one(e.Backup(ctx, filepath.Join(dir, "b")))
			}, allowed: []*auth.Principal{}},
			{method: "VerifyRestored", mutates: true, call: func(ctx context.Context) (int, error) {
				m := &Manifest{KeyringID: e.keys.ID()}
				if err := e.queryRow(opCtx(), "SELECT seq, hash FROM audit_log ORDER BY seq LIMIT 1").Scan(&m.AuditSeq, &m.AuditHash); err != nil {
					return 0, err
				}
				return one(e.VerifyRestored(ctx, m))
			}, allowed: []*auth.Principal{}},
		}
	})
}

// TestBackupRestore takes a backup of a registry in use, restores it into a new database (a new
// file, or a new PostgreSQL schema) with the same key file, and finds every record, its history
// and a whole audit chain; a manifest of another chain is refused.
func TestBackupRestore(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		recs := demoChildren(91, 40)
		for _, r := range recs {
			mustCreate(t, e, r)
		}
		first, err := e.Search(ctx, Query{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		c := first.Items[0]
		r := c.Record
		r.SchoolName = "乌海市第九小学"
		if _, err := e.Update(ctx, "", c.UID, c.Version, r, Source{Note: "更正学校"}); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "backup")
		m, err := e.Backup(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		if m.Records != 40 || m.KeyringID != e.keys.ID() || m.SM3 == "" {
			t.Fatalf("manifest %+v", m)
		}
		if _, err := e.Backup(ctx, dir); errCode(err) != CodeInvalid {
			t.Errorf("a backup into a directory that is not empty: %v", err)
		}
		read, err := ReadManifest(dir)
		if err != nil || *read != *m {
			t.Fatalf("read manifest %+v %v, want %+v", read, err, m)
		}
		// Restore into a new database.
		var url string
		if e.Dialect() == "postgres" {
			// The production case: an empty database of its own (pg_dump writes the test
			// schema's objects qualified by it, and they land in the same schema there).
			url = restoreDatabase(t)
			if _, schema := libpqURL(e.url); schema != "" {
				url += sepOf(url) + "search_path=" + schema
			}
		} else {
			url = "sqlite://" + filepath.Join(t.TempDir(), "restored.db")
		}
		if _, err := RestoreFiles(ctx, url, m, dir, false); err != nil {
			t.Fatal(err)
		}
		s2, err := Open(ctx, url, Options{Keyring: e.keys, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if _, err := s2.VerifyRestored(ctx, m); err != nil {
			t.Fatalf("verify restored: %v", err)
		}
		page, err := s2.Search(ctx, Query{Limit: 1})
		if err != nil || page.Total != 40 {
			t.Fatalf("restored: %d records (%v), want 40", page.Total, err)
		}
		h, err := s2.History(ctx, c.UID)
		if err != nil || len(h) != 2 {
			t.Fatalf("restored history %d entries (%v), want 2 versions", len(h), err)
		}
		if got, err := s2.Get(ctx, c.UID); err != nil || got.Record.SchoolName != "乌海市第九小学" {
			t.Errorf("restored record: %v", err)
		}
		other := *m
		other.AuditHash = strings.Repeat("0", 64)
		if _, err := s2.VerifyRestored(ctx, &other); errCode(err) != CodeInvalid {
			t.Errorf("a manifest of another chain: %v, want invalid", err)
		}
		if _, err := RestoreFiles(ctx, url, m, dir, false); errCode(err) != CodeInvalid {
			t.Errorf("a restore over a database without replace: %v, want invalid", err)
		}
	})
}

func sepOf(url string) string {
	if strings.Contains(url, "?") {
		return "&"
	}
	return "?"
}

// restoreDatabase makes an empty PostgreSQL database for a restore and returns its URL.
func restoreDatabase(t *testing.T) string {
	t.Helper()
	db, err := openAdmin()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := fmt.Sprintf("%s_r%d", pg.name, pg.n.Add(1))
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if db, err := openAdmin(); err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			db.Close()
		}
	})
	return strings.Replace(pg.url, "/"+pg.name, "/"+name, 1)
}
