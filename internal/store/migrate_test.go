package store

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMigrationsPaired(t *testing.T) {
	lite, err := loadMigrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	post, err := loadMigrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(post) {
		t.Fatalf("got %d SQLite and %d PostgreSQL migrations, want the same non-zero number", len(lite), len(post))
	}
	for i := range lite {
		if lite[i].name != post[i].name {
			t.Errorf("migration %d: SQLite %s, PostgreSQL %s; every change comes as a pair", i, lite[i].name, post[i].name)
		}
	}
	// Every table of one dialect exists in the other.
	for i := range lite {
		if a, b := tablesOf(lite[i].sql), tablesOf(post[i].sql); strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("%s: SQLite tables %v, PostgreSQL tables %v", lite[i].name, a, b)
		}
	}
}

func tablesOf(sql string) []string {
	var out []string
	for _, line := range strings.Split(sql, "\n") {
		if rest, ok := strings.CutPrefix(line, "CREATE TABLE "); ok {
			out = append(out, strings.Fields(rest)[0])
		}
		if rest, ok := strings.CutPrefix(line, "CREATE INDEX "); ok {
			out = append(out, strings.Fields(rest)[0])
		}
		if rest, ok := strings.CutPrefix(line, "ALTER TABLE "); ok {
			// ALTER TABLE t ADD COLUMN c type…: the table, the change and the column (the types
			// differ by dialect).
			f := strings.Fields(rest)
			out = append(out, f[0]+"."+strings.Join(f[1:min(4, len(f))], " "))
		}
	}
	return out
}

func TestMigrateEmptyAndReopen(t *testing.T) {
	want, _ := loadMigrations("sqlite")
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		v, err := e.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != want[len(want)-1].version {
			t.Fatalf("schema version %d, want %d", v, want[len(want)-1].version)
		}
		var applied string
		if err := e.read.QueryRowContext(ctx, "SELECT CAST(max(applied_at) AS TEXT) FROM schema_migrations").Scan(&applied); err != nil {
			t.Fatal(err)
		}
		c := mustCreate(t, e, demoChildren(5, 1)[0])
		e.Close()

		// Re-opening applies nothing and keeps the data.
		e.clock.set(e.clock.Now().Add(time.Hour))
		s2, err := Open(ctx, e.url, Options{Keyring: e.keys, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		var n int
		var applied2 string
		if err := s2.read.QueryRowContext(ctx, "SELECT count(*), CAST(max(applied_at) AS TEXT) FROM schema_migrations").Scan(&n, &applied2); err != nil {
			t.Fatal(err)
		}
		if n != len(want) || applied2 != applied {
			t.Errorf("after re-open: %d migrations applied at %s, want %d at %s", n, applied2, len(want), applied)
		}
		if _, err := s2.Get(ctx, c.UID); err != nil {
			t.Errorf("record lost on re-open: %v", err)
		}

		// Another key file is refused: the records could not be opened.
		other := newKeyring(t, t.TempDir())
		if s3, err := Open(ctx, e.url, Options{Keyring: other, Now: e.clock.Now}); err == nil {
			s3.Close()
			t.Error("a database sealed under another key file was opened")
		} else if !strings.Contains(err.Error(), "密钥文件与数据库不匹配") {
			t.Errorf("wrong key file: %v", err)
		}
	})
}

func TestOpenURLs(t *testing.T) {
	ctx := opCtx()
	k := newKeyring(t, t.TempDir())
	dir := t.TempDir()
	tests := []struct {
		name, url string
		ok        bool
	}{
		{"memory", "sqlite::memory:", true},
		{"memory slashes", "sqlite://:memory:", true},
		{"absolute, parent created", "sqlite://" + filepath.Join(dir, "a", "b", "guanai.db"), true},
		{"unknown scheme", "mysql://localhost/guanai", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.url, Options{Keyring: k})
			if (err == nil) != tc.ok {
				t.Fatalf("open %s: err %v, want ok=%v", tc.url, err, tc.ok)
			}
			if err != nil {
				return
			}
			defer s.Close()
			if _, err := s.Create(ctx, "u", demoChildren(6, 1)[0], Source{}); err != nil {
				t.Errorf("create on %s: %v", tc.url, err)
			}
		})
	}
	if _, err := Open(ctx, "sqlite::memory:", Options{}); err == nil {
		t.Error("open without a keyring succeeded")
	}
	if got := redactURL("postgres://u:secret@h/db"); strings.Contains(got, "secret") {
		t.Errorf("redactURL kept the password: %s", got)
	}
}

func TestSQLitePragmas(t *testing.T) {
	e := openSQLiteEnv(t)
	ctx := opCtx()
	for _, tc := range []struct {
		db     string
		pragma string
		want   string
	}{
		{"write", "journal_mode", "wal"},
		{"write", "foreign_keys", "1"},
		{"write", "synchronous", "1"},
		{"write", "busy_timeout", "10000"},
		{"read", "busy_timeout", "10000"},
		{"read", "query_only", "1"},
	} {
		db := e.write
		if tc.db == "read" {
			db = e.read
		}
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s connection: PRAGMA %s = %s, want %s", tc.db, tc.pragma, got, tc.want)
		}
	}
	if _, err := e.read.ExecContext(ctx, "DELETE FROM children"); err == nil {
		t.Error("the reader pool can write")
	}
}
