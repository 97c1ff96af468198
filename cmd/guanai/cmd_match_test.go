package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	matchRegistry = "../../internal/match/testdata/registry.csv"
	matchRoster   = "../../internal/match/testdata/roster.csv" // BOM, shuffled and unknown columns, empty fields
)

// matchGolden is the expected output for the testdata files: typos, traditional characters,
// a Mongolian variant, an ID typo, a dotted name, a swapped day and month, an unregistered
// sibling (R08, not linked), an unknown child (R10) and a row without ref (skipped).
const matchGolden = `left_ref,right_ref,score,method
L001,R01,1.0000,id
L003,R02,0.9942,probabilistic
L004,R03,0.9942,probabilistic
L005,R04,1.0000,id_fuzzy
L006,R05,1.0000,probabilistic
L007,R06,1.0000,id
L008,R07,1.0000,probabilistic
L009,R09,1.0000,probabilistic
L010,R11,0.9995,probabilistic
`

func runMatchMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Now: time.Now}
	code = Main(context.Background(), env, append([]string{"match"}, args...))
	return out.String(), errb.String(), code
}

func TestMatchOutput(t *testing.T) {
	out, errs, code := runMatchMain(t, "--left", matchRegistry, "--right", matchRoster)
	if code != 0 {
		t.Fatalf("got exit %d, want 0; stderr:\n%s", code, errs)
	}
	if out != matchGolden {
		t.Errorf("got output\n%s\nwant\n%s", out, matchGolden)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "比对完成：左 10 条，右 11 条，匹配 9 条（id 2，id_fuzzy 1，probabilistic 6）") {
		t.Errorf("got last stderr line %q, want the summary", last)
	}
	if !strings.Contains(errs, "1 行 ref 为空") {
		t.Errorf("got stderr without the empty-ref warning:\n%s", errs)
	}
}

func TestMatchOutFileAndThreshold(t *testing.T) {
	dir := t.TempDir()
	outPath := filepath.Join(dir, "m.csv")
	out, errs, code := runMatchMain(t, "--left", matchRegistry, "--right", matchRoster, "--out", outPath, "--threshold", "0.999")
	if code != 0 || out != "" {
		t.Fatalf("got exit %d and stdout %q, want 0 and nothing; stderr:\n%s", code, out, errs)
	}
	b, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(matchGolden), "\n") {
		if !strings.Contains(l, ",0.9942,") { // below 0.999
			want = append(want, l)
		}
	}
	if got := strings.TrimSpace(string(b)); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

func TestMatchErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noRef := write("noref.csv", "name,sex\n张三,1\n")
	broken := write("broken.csv", "ref,name\nr1,\"张三\n")
	ragged := write("ragged.csv", "ref,name\nr1,张三,多余\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing left file", []string{"--left", filepath.Join(dir, "nope.csv"), "--right", matchRoster}, 1, "找不到左侧文件"},
		{"missing right file", []string{"--left", matchRegistry, "--right", filepath.Join(dir, "nope.csv")}, 1, "找不到右侧文件"},
		{"no ref column", []string{"--left", noRef, "--right", matchRoster}, 1, "没有 ref 列"},
		{"unterminated quote", []string{"--left", matchRegistry, "--right", broken}, 1, "CSV 格式错误"},
		{"ragged row", []string{"--left", matchRegistry, "--right", ragged}, 1, "列数与表头不一致"},
		{"output directory missing", []string{"--left", matchRegistry, "--right", matchRoster, "--out", filepath.Join(dir, "no", "m.csv")}, 1, "不存在"},
		{"no arguments", nil, 2, "--left"},
		{"threshold out of range", []string{"--left", matchRegistry, "--right", matchRoster, "--threshold", "1.5"}, 2, "threshold"},
		{"unknown flag", []string{"--left", matchRegistry, "--right", matchRoster, "--fast"}, 2, "fast"},
		{"stray argument", []string{"--left", matchRegistry, "--right", matchRoster, "extra"}, 2, "多余"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runMatchMain(t, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("got exit %d, stderr %q; want exit %d mentioning %q", code, errs, tt.code, tt.want)
			}
			if code != 0 && out != "" {
				t.Errorf("got stdout %q on failure, want nothing", out)
			}
		})
	}
}

func TestMatchBinary(t *testing.T) {
	out, errs, code := run(t, nil, "match", "--left", matchRegistry, "--right", matchRoster)
	if code != 0 || string(out) != matchGolden {
		t.Errorf("got exit %d, output\n%s\nstderr\n%s", code, out, errs)
	}
	if _, _, code := run(t, nil, "match", "--threshold", "x"); code != 2 {
		t.Errorf("bad flag: got exit %d, want 2", code)
	}
}
