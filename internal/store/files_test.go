package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestSQLiteFilesPrivate: the database file and its -wal and -shm are readable by their owner
// only (0600), for a new database and for one made earlier with a wider mode.
func TestSQLiteFilesPrivate(t *testing.T) {
	tests := []struct {
		name   string
		before func(t *testing.T, path string) // prepares the files before the store opens them
	}{
		{name: "new database", before: func(*testing.T, string) {}},
		{name: "existing database made 0644", before: func(t *testing.T, path string) {
			e := openEnv(t, "sqlite://"+path, filepath.Dir(path))
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{path + "-wal", path + "-shm"} {
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "guanai.db")
			tt.before(t, path)
			e := openEnv(t, "sqlite://"+path, dir)
			// A write, so that the WAL is in use.
			if err := e.Audit(context.Background(), "test.write", "", nil); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != 0o600 {
					t.Errorf("%s: mode %#o, want 0600", filepath.Base(p), got)
				}
			}
		})
	}
}
