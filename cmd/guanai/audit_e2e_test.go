package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestAuditVerifyTruncation runs the real binary: commands write keyed audit entries and leave
// the anchor file beside the key file; someone with the SQLite file deletes the last entries,
// and guanai audit verify exits 1 naming the cut; then all of them, and it names that too.
func TestAuditVerifyTruncation(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	for _, u := range []string{"aud1", "aud2", "aud3"} {
		if _, stderr, code := run(t, nil, "user", "add", "--db", db, "--username", u, "--name", "冯静", "--roles", "auditor",
			"--department", "minzheng", "--org", "1503"); code != 0 {
			t.Fatalf("user add %s: %d %s", u, code, stderr)
		}
	}
	if _, stderr, code := run(t, nil, "audit", "list", "--db", db); code != 0 { // audited too: 4 entries
		t.Fatalf("audit list: %d %s", code, stderr)
	}
	anchor := filepath.Join(dir, "guanai.audit-anchor")
	if fi, err := os.Stat(anchor); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("anchor file: %v %v", fi, err)
	}
	out, stderr, code := run(t, nil, "audit", "verify", "--db", db)
	if code != 0 || !strings.Contains(string(out), "审计日志完好：4 条") || !strings.Contains(string(out), "记录第 4 条") ||
		!strings.Contains(string(out), "自第 1 条起以审计密钥签名") {
		t.Fatalf("verify: %d %s %s", code, out, stderr)
	}

	sdb, err := sql.Open("sqlite", filepath.Join(dir, "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	for _, q := range []string{"DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq > 2"} {
		if _, err := sdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, code = run(t, nil, "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(string(out), "库外锚点记录了第 4 条，但日志只到第 2 条") || !strings.Contains(string(stderr), "第 3 条") {
		t.Errorf("verify after deleting the last entries: %d %s %s", code, out, stderr)
	}
	if _, err := sdb.Exec("DELETE FROM audit_log"); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = run(t, nil, "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(string(out), "全部条目被删除") {
		t.Errorf("verify after deleting every entry: %d %s %s", code, out, stderr)
	}
}
