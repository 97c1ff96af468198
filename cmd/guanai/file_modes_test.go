//go:build unix

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOutputFilesArePrivate runs every command that writes a file and checks that the file is
// mode 0600 (it holds children's personal data), also where a file of mode 0644 stood before.
func TestOutputFilesArePrivate(t *testing.T) {
	// The usual umask, whatever the test runner's: 0600 must come from the code.
	defer syscall.Umask(syscall.Umask(0o022))
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	path := func(name string) string { return filepath.Join(dir, name) }
	// A file readable by all where one output will go: it is replaced by a private one.
	writeFile(t, path("rejects-existing.csv"), "old")
	writeFile(t, path("review-existing.csv"), "old")

	children := writeFile(t, path("children.csv"), childrenCSV)
	school := writeFile(t, path("school.csv"), "学生姓名,性别,出生年月,身份证号码\n孙小美,女,2015-13-01,\n")
	mustRun := func(args ...string) string {
		t.Helper()
		stdout, stderr, code := runMain(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: got exit %d, want 0: %s", args, code, stderr)
		}
		return stdout
	}
	mustRun("import", "children", children, "--db", db, "--quiet", "--rejects", path("rejects.csv"))
	mustRun("import", "children", children, "--db", db, "--quiet", "--rejects", path("rejects-existing.csv"))
	mustRun("import", "children", children, "--db", db, "--quiet", "--rejects", path("rejects.xlsx"))
	mustRun("import", "roster", "--dept", "education", school, "--db", db, "--quiet", "--rejects", path("roster-rejects.csv"))
	mustRun("export", "children", "--db", db, "--out", path("export.xlsx"))
	mustRun("export", "children", "--db", db, "--out", path("export.csv"))
	mustRun("stats", "--db", db, "--out", path("stats.json"))
	mustRun("stats", "--db", db, "--format", "xlsx", "--out", path("stats.xlsx"))
	mustRun("roster", "template", "--dept", "education", "--out", path("template.xlsx"))
	var v struct {
		UID string `json:"uid"`
	}
	if err := json.Unmarshal([]byte(mustRun("roster", "verify", "--dept", "education", "--db", db, "--out", path("verify.xlsx"))), &v); err != nil {
		t.Fatal(err)
	}
	mustRun("roster", "verification", v.UID, "--db", db, "--out", path("verification.xlsx"))
	mustRun("match", "--left", matchRegistry, "--right", matchRoster, "--out", path("matches.csv"),
		"--review", path("review-existing.csv"), "--explain", path("explain.csv"))

	for _, name := range []string{"rejects.csv", "rejects-existing.csv", "rejects.xlsx", "roster-rejects.csv", "export.xlsx", "export.csv",
		"stats.json", "stats.xlsx", "template.xlsx", "verify.xlsx", "verification.xlsx", "matches.csv", "review-existing.csv", "explain.csv"} {
		fi, err := os.Stat(path(name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: got mode %04o, want 0600", name, got)
		}
		if fi.Size() == 0 {
			t.Errorf("%s is empty", name)
		}
	}
}

// TestMatchFailureLeavesNoReviewFile checks that a match that fails removes the --review file it
// created beforehand (0600) for match.LinkFiles to fill.
func TestMatchFailureLeavesNoReviewFile(t *testing.T) {
	review := filepath.Join(t.TempDir(), "review.csv")
	_, stderr, code := runMain(t, "", "match", "--left", "/nonexistent/left.csv", "--right", matchRoster, "--review", review)
	if code != 1 {
		t.Fatalf("got exit %d, want 1: %s", code, stderr)
	}
	if _, err := os.Stat(review); !os.IsNotExist(err) {
		t.Errorf("got a review file after a failed match (%v), want none", err)
	}
}

// TestMatchReviewNotOverInput checks that --review naming an input file is refused before the
// file is touched (it is created beforehand, which would empty the input).
func TestMatchReviewNotOverInput(t *testing.T) {
	b, err := os.ReadFile(matchRoster)
	if err != nil {
		t.Fatal(err)
	}
	right := writeFile(t, filepath.Join(t.TempDir(), "roster.csv"), string(b))
	_, stderr, code := runMain(t, "", "match", "--left", matchRegistry, "--right", right, "--review", right)
	if code != 2 {
		t.Errorf("got exit %d, want 2: %s", code, stderr)
	}
	if after, _ := os.ReadFile(right); string(after) != string(b) {
		t.Errorf("the input file was changed")
	}
}
