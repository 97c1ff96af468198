package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

type classifyLine struct {
	Line              int      `json:"line"`
	Ref               *string  `json:"ref"`
	Valid             bool     `json:"valid"`
	Errors            []issue  `json:"errors"`
	Warnings          []issue  `json:"warnings"`
	Age               *int     `json:"age"`
	MigrantMonitoring string   `json:"migrant_monitoring"`
	MigrantStatistics string   `json:"migrant_statistics"`
	LeftBehind        string   `json:"left_behind"`
	KeyCare           string   `json:"key_care"`
	KeyCareReasons    []string `json:"key_care_reasons"`
	Reasons           []string `json:"reasons"`
	Missing           []string `json:"missing"`
}

type issue struct{ Field, Code, Message string }

func parseLines(t *testing.T, out []byte) []classifyLine {
	t.Helper()
	var res []classifyLine
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l classifyLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("output line is not JSON: %v\n%s", err, sc.Text())
		}
		if l.Errors == nil || l.Warnings == nil || l.KeyCareReasons == nil || l.Reasons == nil || l.Missing == nil {
			t.Fatalf("arrays must be present, not null: %s", sc.Text())
		}
		res = append(res, l)
	}
	return res
}

// TestClassifyGolden runs the real binary over testdata/classify.jsonl and compares the whole
// output, Chinese reasons included, with testdata/classify.golden.jsonl (-update rewrites it).
func TestClassifyGolden(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "classify.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, in, "classify", "--as-of", "2025-06-30", "--central-urban", "150302,150303")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden := filepath.Join("testdata", "classify.golden.jsonl")
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		gl, wl := strings.Split(string(out), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("line %d differs:\n got  %s\n want %s", i+1, g, w)
			}
		}
	}
	inLines := strings.Count(string(in), "\n")
	if got := len(parseLines(t, out)); got != inLines {
		t.Errorf("%d output lines for %d input lines", got, inLines)
	}
}

func TestClassifyContract(t *testing.T) {
	in := strings.Join([]string{
		`{"ref":"m1","name":"张小明","sex":"1","birth_date":"2015-03-10","hukou_address":{"region_code":"640104"},"residence_address":{"region_code":"150302"},"co_residents":"one_parent","left_hukou_date":"2024-03-31","family_hardship":["dibao"]}`,
		`not json at all`,
		``,
		`{"ref":"bad","name":"李四","birth_date":"2015-02-30","sex":"7"}`,
		`{"ref":7,"name":"王五","birth_date":"2010-05-10"}`,
	}, "\n") + "\n"
	out, stderr, code := run(t, []byte("\ufeff"+in), "classify", "--as-of", "2026-05-11")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := parseLines(t, out)
	if len(lines) != 5 {
		t.Fatalf("got %d lines, want 5:\n%s", len(lines), out)
	}
	for i, l := range lines {
		if l.Line != i+1 {
			t.Errorf("line %d numbered %d", i+1, l.Line)
		}
	}
	m := lines[0]
	if !m.Valid || *m.Ref != "m1" || m.MigrantMonitoring != "yes" || m.MigrantStatistics != "yes" || m.KeyCare != "yes" || fmt.Sprint(m.KeyCareReasons) != "[family_hardship]" || *m.Age != 11 {
		t.Errorf("line 1 = %+v", m)
	}
	if lines[1].Valid || lines[1].Errors[0].Code != "json" || lines[1].Ref != nil {
		t.Errorf("line 2 = %+v, want invalid json", lines[1])
	}
	if lines[2].Valid || lines[2].Errors[0].Code != "empty" {
		t.Errorf("line 3 = %+v, want invalid empty", lines[2])
	}
	bad := lines[3]
	if bad.Valid || len(bad.Errors) < 2 {
		t.Errorf("line 4 = %+v, want two field errors", bad)
	}
	fields := map[string]bool{}
	for _, e := range bad.Errors {
		fields[e.Field] = true
		if e.Message == "" {
			t.Errorf("error without message: %+v", e)
		}
	}
	if !fields["birth_date"] || !fields["sex"] {
		t.Errorf("line 4 errors %+v, want birth_date and sex", bad.Errors)
	}
	// Born 2010-05-10: 16 from 2026-05-11.
	if l := lines[4]; *l.Ref != "7" || *l.Age != 16 || l.MigrantMonitoring != "no" || l.LeftBehind != "no" {
		t.Errorf("line 5 = %+v", l)
	}
}

func TestClassifyUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"bad as-of", []string{"classify", "--as-of", "2025-02-30"}, 2},
		{"bad months", []string{"classify", "--left-behind-months", "-1"}, 2},
		{"bad central", []string{"classify", "--central-urban", "15030"}, 2},
		{"unknown flag", []string{"classify", "--nope"}, 2},
		{"unknown command", []string{"nope"}, 2},
		{"help", []string{"classify", "-h"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := run(t, nil, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d: %s", code, tt.code, stderr)
			}
			if code == 2 && len(stderr) == 0 {
				t.Error("no message on stderr")
			}
		})
	}
}

// TestClassifyLeftBehindMonths checks the --left-behind-months option end to end.
func TestClassifyLeftBehindMonths(t *testing.T) {
	in := `{"name":"李小红","birth_date":"2014-06-01","hukou_address":{"region_code":"150304"},"father":{"migrant_worker":true,"work_region_code":"110105","work_since":"2025-03-01"},"mother":{"migrant_worker":true,"work_region_code":"110105","work_since":"2025-03-01"}}` + "\n"
	for _, tt := range []struct {
		months string
		want   string
	}{{"6", "no"}, {"3", "yes"}} {
		out, _, _ := run(t, []byte(in), "classify", "--as-of", "2025-06-30", "--left-behind-months", tt.months)
		if got := parseLines(t, out)[0].LeftBehind; got != tt.want {
			t.Errorf("months %s: left_behind %s, want %s", tt.months, got, tt.want)
		}
	}
}

// TestClassifyStreamOrder runs the streaming classifier in process over many lines with several
// workers and checks that the output keeps the input order.
func TestClassifyStreamOrder(t *testing.T) {
	var in bytes.Buffer
	n := 3000
	for i := range n {
		fmt.Fprintf(&in, `{"ref":"r%d","name":"张三","birth_date":"2015-03-10"}`+"\n", i)
	}
	var out bytes.Buffer
	env := &Env{Stdin: &in, Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }, Now: func() time.Time { return time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC) }}
	if code := Main(context.Background(), env, []string{"classify", "--workers", "4"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := parseLines(t, out.Bytes())
	if len(lines) != n {
		t.Fatalf("got %d lines", len(lines))
	}
	for i, l := range lines {
		if *l.Ref != fmt.Sprintf("r%d", i) || l.Line != i+1 {
			t.Fatalf("line %d out of order: %+v", i, l)
		}
	}
}

// TestClassifyLongLine checks that a line longer than the limit is answered and skipped.
func TestClassifyLongLine(t *testing.T) {
	var in bytes.Buffer
	in.WriteString(`{"name":"` + strings.Repeat("张", maxLine/3+10) + `"}` + "\n")
	in.WriteString(`{"ref":"after","name":"张三","birth_date":"2015-03-10"}` + "\n")
	var out bytes.Buffer
	c := &Classifier{AsOf: 20250630, Workers: 2}
	c.Config.AgeLimit, c.Config.MigrantMonths, c.Config.LeftBehindMonths = 16, 6, 6
	if err := c.Stream(context.Background(), &in, &out); err != nil {
		t.Fatal(err)
	}
	lines := parseLines(t, out.Bytes())
	if len(lines) != 2 || lines[0].Valid || lines[0].Errors[0].Code != "too_long" || *lines[1].Ref != "after" {
		t.Fatalf("got %+v", lines)
	}
}

func FuzzClassifyLine(f *testing.F) {
	for _, s := range []string{`{"name":"张三","birth_date":"2015-03-10"}`, `{`, `null`, `{"father":{"work_region_code":"44"}}`, `{"hukou_address":"乌海市海勃湾区"}`} {
		f.Add([]byte(s))
	}
	c := &Classifier{AsOf: 20250630}
	c.Config.AgeLimit, c.Config.MigrantMonths, c.Config.LeftBehindMonths = 16, 6, 6
	f.Fuzz(func(t *testing.T, line []byte) {
		out := c.classifyLine(nil, 1, line, false)
		var l classifyLine
		if err := json.Unmarshal(out, &l); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if bytes.Count(out, []byte("\n")) != 1 {
			t.Fatalf("output must be one line: %q", out)
		}
	})
}
