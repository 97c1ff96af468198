package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/sheet"
)

// TestBackupAndRestore on the real binary: a backup taken while the registry is in use, more
// work after it, then the restore — the records of the backup's moment are back with their
// history, the audit chain verifies (anchored anew at the restored head), and a damaged backup or
// a restore over a database without --replace is refused.
func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	env := append(os.Environ(), "GUANAI_DB=", "GUANAI_DATA_DIR=", "GUANAI_KEY_FILE=", "GUANAI_CONFIG=")
	guanai := func(args ...string) (string, string, error) {
		t.Helper()
		cmd := exec.Command(binary, append(args, "--db", db)...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		return string(out), stderr.String(), err
	}
	g := demo.New(21, child.NewDate(2025, 6, 30))
	file := func(name string, n int) string {
		t.Helper()
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		records := func(yield func(child.Record) bool) {
			for range n {
				if !yield(g.Child()) {
					return
				}
			}
		}
		if err := sheet.WriteChildren(f, records, sheet.WriteOptions{Format: sheet.CSV}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return path
	}
	records := func() int {
		t.Helper()
		out, stderr, err := guanai("stats", "--format", "json")
		if err != nil {
			t.Fatalf("stats: %v %s", err, stderr)
		}
		var rep struct {
			Totals struct {
				Records int `json:"records"`
			} `json:"totals"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		return rep.Totals.Records
	}
	if _, stderr, err := guanai("import", "children", file("a.csv", 300), "--quiet"); err != nil {
		t.Fatalf("import: %v %s", err, stderr)
	}
	before := records()
	backup := filepath.Join(dir, "backup")
	out, stderr, err := guanai("backup", "--out", backup)
	if err != nil {
		t.Fatalf("backup: %v %s", err, stderr)
	}
	var m struct {
		Records   int    `json:"records"`
		AuditSeq  int64  `json:"audit_seq"`
		KeyringID string `json:"keyring_id"`
		File      string `json:"file"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Records != before || m.AuditSeq == 0 || m.File != "guanai.db" {
		t.Fatalf("manifest %s (%v): want %d records", out, err, before)
	}
	if !strings.Contains(stderr, "密钥文件") {
		t.Errorf("the backup does not say the key file is to be kept apart: %s", stderr)
	}
	if _, err := os.Stat(filepath.Join(backup, "guanai.key")); err == nil {
		t.Error("the key file is in the backup")
	}
	if fi, err := os.Stat(filepath.Join(backup, "guanai.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v %v, want mode 0600", fi, err)
	}

	// Work goes on after the backup.
	if _, stderr, err := guanai("import", "children", file("b.csv", 50), "--quiet"); err != nil {
		t.Fatalf("second import: %v %s", err, stderr)
	}
	if records() != before+50 {
		t.Fatalf("after the second import: %d records", records())
	}
	// Restoring over the database needs --replace.
	if _, stderr, err := guanai("restore", "--from", backup); err == nil || !strings.Contains(stderr, "--replace") {
		t.Errorf("restore over a database without --replace: %v %s", err, stderr)
	}
	if _, stderr, err := guanai("restore", "--from", backup, "--replace"); err != nil {
		t.Fatalf("restore: %v %s", err, stderr)
	}
	if n := records(); n != before {
		t.Errorf("after the restore: %d records, want the backup's %d", n, before)
	}
	if out, stderr, err := guanai("audit", "verify"); err != nil {
		t.Errorf("audit verify after the restore: %v\n%s%s", err, out, stderr)
	}
	if out, _, _ := guanai("audit", "list", "--action", "backup.restore"); !strings.Contains(out, "backup.restore") {
		t.Errorf("the restore is not in the trail:\n%s", out)
	}
	// A changed byte in the dump is refused before anything is replaced.
	dump := filepath.Join(backup, "guanai.db")
	b, _ := os.ReadFile(dump)
	b[len(b)/2] ^= 0xff
	os.WriteFile(dump, b, 0o600)
	if _, stderr, err := guanai("restore", "--from", backup, "--replace"); err == nil || !strings.Contains(stderr, "SM3") {
		t.Errorf("restore of a damaged backup: %v %s", err, stderr)
	}
	if n := records(); n != before {
		t.Errorf("the refused restore changed the database: %d records", n)
	}
}
