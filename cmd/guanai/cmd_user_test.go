package main

import (
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestUserAndAuditCommands creates the first administrators with the real binary, changes an
// account, verifies the audit trail, tampers with one entry directly in the database file and
// expects audit verify to name it and exit 1.
func TestUserAndAuditCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	out, stderr, code := run(t, nil, "user", "add", "--db", db, "--username", "admin1", "--name", "吴刚", "--roles", "sysadmin",
		"--department", "minzheng", "--org", "150300")
	if code != 0 {
		t.Fatalf("user add: %d %s", code, stderr)
	}
	m := regexp.MustCompile(`初始密码：(\S+)`).FindSubmatch(out)
	if m == nil || !strings.Contains(string(out), "乌海市") || !strings.Contains(string(out), "动态口令") {
		t.Fatalf("user add printed: %s", out)
	}
	refusals := []struct {
		name string
		args []string
		want string
	}{
		{"administrator with another role", []string{"--username", "x1", "--name", "x", "--roles", "sysadmin,collector", "--department", "minzheng", "--org", "1503"}, "三员分立"},
		{"unknown role", []string{"--username", "x2", "--name", "x", "--roles", "boss", "--department", "minzheng", "--org", "1503"}, "未知的角色"},
		{"unknown division", []string{"--username", "x3", "--name", "x", "--roles", "collector", "--department", "minzheng", "--org", "159999"}, "159999"},
		{"weak password", []string{"--username", "x4", "--name", "x", "--roles", "collector", "--department", "minzheng", "--org", "150302003012", "--password", "abc"}, "至少 8"},
		{"missing name", []string{"--username", "x5", "--roles", "collector", "--department", "minzheng", "--org", "1503"}, "--name"},
	}
	for _, tt := range refusals {
		_, stderr, code := run(t, nil, append([]string{"user", "add", "--db", db}, tt.args...)...)
		if code != 2 || !strings.Contains(string(stderr), tt.want) {
			t.Errorf("%s: exit %d %s", tt.name, code, stderr)
		}
	}
	if _, stderr, code := run(t, nil, "user", "add", "--db", db, "--username", "admin1", "--name", "x", "--roles", "auditor", "--department", "minzheng", "--org", "1503"); code != 1 || !strings.Contains(string(stderr), "已存在") {
		t.Errorf("duplicate user: %d %s", code, stderr)
	}
	for _, sub := range []string{"disable", "enable", "unlock", "reset-mfa", "passwd"} {
		if out, stderr, code := run(t, nil, "user", sub, "--db", db, "admin1"); code != 0 {
			t.Errorf("user %s: %d %s %s", sub, code, out, stderr)
		}
	}
	out, _, code = run(t, nil, "user", "list", "--db", db)
	if code != 0 || !strings.Contains(string(out), "admin1") || !strings.Contains(string(out), "系统管理员") {
		t.Errorf("user list: %s", out)
	}
	if strings.Contains(string(out), string(m[1])) {
		t.Error("user list shows a password")
	}

	out, stderr, code = run(t, nil, "audit", "verify", "--db", db)
	if code != 0 || !strings.Contains(string(out), "审计日志完好：6 条") {
		t.Fatalf("verify: %d %s %s", code, out, stderr)
	}
	out, _, code = run(t, nil, "audit", "list", "--db", db, "--action", "user.")
	if code != 0 || strings.Count(string(out), "user.update") != 5 || !strings.Contains(string(out), "user.create") {
		t.Errorf("audit list: %s", out)
	}

	// Tamper with entry 4 in the file.
	sdb, err := sql.Open("sqlite", filepath.Join(dir, "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET actor = 'cli:nobody' WHERE seq = 4"} {
		if _, err := sdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	sdb.Close()
	out, stderr, code = run(t, nil, "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(string(out), "第 4 条") || !strings.Contains(string(stderr), "第 4 条") {
		t.Errorf("verify after tampering: %d %s %s", code, out, stderr)
	}
}

// TestKeysRotate rotates the data key of a database with records and checks that everything is
// re-encrypted, still readable, and the rotation audited.
func TestKeysRotate(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	if _, stderr, code := run(t, nil, "user", "add", "--db", db, "--username", "aud", "--name", "冯静", "--roles", "auditor", "--department", "minzheng", "--org", "1503"); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	out, stderr, code := run(t, nil, "keys", "rotate", "--db", db, "--batch", "1")
	if code != 0 || !strings.Contains(string(out), "k2") || !strings.Contains(string(out), "重新加密完成") {
		t.Fatalf("rotate: %d %s %s", code, out, stderr)
	}
	out, _, code = run(t, nil, "keys", "reseal", "--db", db)
	if code != 0 || !strings.Contains(string(out), "重新加密 0 项") {
		t.Errorf("reseal again: %d %s", code, out)
	}
	out, _, code = run(t, nil, "audit", "list", "--db", db, "--action", "key.")
	if code != 0 || strings.Count(string(out), "key.rotate") != 3 {
		t.Errorf("audit of the rotation: %s", out)
	}
	if out, _, code := run(t, nil, "audit", "verify", "--db", db); code != 0 {
		t.Errorf("verify after rotation: %s", out)
	}
	if _, stderr, code := run(t, nil, "keys", "spin", "--db", db); code != 2 || !strings.Contains(string(stderr), "未知的子命令") {
		t.Errorf("unknown sub-command: %d %s", code, stderr)
	}
}
