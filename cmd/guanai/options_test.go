package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runMain runs Main in process with a fixed clock (2025-06-30 12:00 in Wuhai). GUANAI_DB names
// no usable database, so that a command that lost its --db fails instead of opening ./data.
func runMain(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if k == "GUANAI_DB" {
				return "nowhere://"
			}
			return ""
		},
		Now: func() time.Time { return time.Date(2025, 6, 30, 12, 0, 0, 0, chinaTime) }}
	code = Main(context.Background(), env, args)
	return out.String(), errb.String(), code
}

// childrenCSV is a registration file of three rows, the third rejected (a 30 February, a wrong
// check digit).
const childrenCSV = "\ufeff姓名,性别,出生日期,民族,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期,父亲姓名,父亲联系方式\n" +
	"张小明,男,2015/3/10,汉族,150302201503101237,宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母一方,2024年3月31日,张强,13812345678\n" +
	"巴特尔,男,20140404,蒙古,150302201404041232,内蒙古自治区乌海市海勃湾区新华街道清泉社区,150302008003,父母双方,2023.9.1,,\n" +
	"李四,女,2015-02-30,汉族,150302201503101238,,,,,,\n"

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportRejectsAfterFile is the reported bug: --rejects after the file was silently ignored
// when an option came before the file. Wherever --rejects stands, the rejected row is written.
func TestImportRejectsAfterFile(t *testing.T) {
	tests := []struct {
		name string
		args func(file, db, rejects string) []string
	}{
		{"file first, options after", func(f, db, r string) []string {
			return []string{"import", "children", f, "--rejects", r, "--db", db, "--quiet"}
		}},
		{"an option before the file, --rejects after it", func(f, db, r string) []string {
			return []string{"import", "children", "--db", db, "--quiet", f, "--rejects", r}
		}},
		{"--rejects before the file", func(f, db, r string) []string {
			return []string{"import", "children", "--rejects", r, "--db", db, f, "--quiet"}
		}},
		{"--rejects=FILE after the file", func(f, db, r string) []string {
			return []string{"import", "children", "--quiet", f, "--db=" + db, "--rejects=" + r}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := writeFile(t, filepath.Join(dir, "children.csv"), childrenCSV)
			rejects := filepath.Join(dir, "rejects.csv")
			stdout, stderr, code := runMain(t, "", tt.args(file, "sqlite://"+filepath.Join(dir, "g.db"), rejects)...)
			if code != 0 {
				t.Fatalf("got exit %d, want 0: %s", code, stderr)
			}
			var sum struct {
				Rejected int    `json:"rejected"`
				Rejects  string `json:"rejects_file"`
			}
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
				t.Fatalf("summary is not JSON: %v\n%s", err, stdout)
			}
			if sum.Rejected != 1 || sum.Rejects != rejects {
				t.Errorf("got rejected %d, rejects_file %q; want 1, %q", sum.Rejected, sum.Rejects, rejects)
			}
			b, err := os.ReadFile(rejects)
			if err != nil {
				t.Fatalf("got no rejects file: %v", err)
			}
			if !strings.Contains(string(b), "李四") || strings.Contains(string(b), "张小明") {
				t.Errorf("got rejects file\n%s\nwant the row of 李四 only", b)
			}
		})
	}
}
