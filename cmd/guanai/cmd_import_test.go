package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

type summary struct {
	Rows, Imported, Updated, Unchanged, Rejected int
	Errors                                       []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
}

// TestImportChildrenEndToEnd imports a CSV with the real binary twice (the second time changes
// nothing), then a corrected file (updates only what differs), and checks the rejects file.
func TestImportChildrenEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	csv := "\ufeff乌海市流动儿童基本情况登记表\n\n" +
		"姓名,性别,出生日期,民族,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期,父亲姓名,父亲联系方式\n" +
		"张小明,男,2015/3/10,汉族,150302201503101237,宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母一方,2024年3月31日,张强,13812345678\n" +
		"巴特尔,男,20140404,蒙古,150302201404041232,内蒙古自治区乌海市海勃湾区新华街道清泉社区,150302008003,父母双方,2023.9.1,,\n" +
		"李四,女,2015-02-30,汉族,150302201503101238,,,,,,\n"
	file := filepath.Join(dir, "children.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	rejects := filepath.Join(dir, "rejects.xlsx")
	imp := func(path string, extra ...string) summary {
		t.Helper()
		args := append([]string{"import", "children", path, "--db", db, "--quiet"}, extra...)
		out, stderr, code := run(t, nil, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var s summary
		if err := json.Unmarshal(out, &s); err != nil {
			t.Fatalf("summary is not JSON: %v\n%s", err, out)
		}
		return s
	}
	s := imp(file, "--rejects", rejects)
	if s.Rows != 3 || s.Imported != 2 || s.Rejected != 1 {
		t.Fatalf("first import: %+v", s)
	}
	cols := map[string]bool{}
	for _, e := range s.Errors {
		if e.Row != 6 || e.Message == "" {
			t.Errorf("error %+v, want row 6 with a message", e)
		}
		cols[e.Column] = true
	}
	if !cols["出生日期"] || !cols["公民身份号码"] {
		t.Errorf("errors name columns %v, want 出生日期 and 公民身份号码", cols)
	}
	if fi, err := os.Stat(rejects); err != nil || fi.Size() == 0 {
		t.Errorf("rejects file: %v", err)
	}
	// The same file again changes nothing.
	if s := imp(file); s.Imported != 0 || s.Updated != 0 || s.Unchanged != 2 || s.Rejected != 1 {
		t.Errorf("second import: %+v, want 2 unchanged", s)
	}
	// A corrected row updates only that record.
	fixed := strings.Replace(csv, "父母一方", "父母双方", 1)
	if err := os.WriteFile(file, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := imp(file); s.Updated != 1 || s.Unchanged != 1 {
		t.Errorf("corrected import: %+v, want 1 updated, 1 unchanged", s)
	}
	// No plaintext ID number or phone in the database file.
	for _, name := range []string{"g.db", "g.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		for _, secret := range []string{"150302201503101237", "13812345678", "张小明"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds %q in plaintext", name, secret)
			}
		}
	}
}

func TestImportUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"import"}, 2},
		{[]string{"import", "teachers", "x.csv"}, 2},
		{[]string{"import", "children"}, 2},
		{[]string{"import", "children", "/nonexistent/file.xlsx", "--db", "sqlite:///tmp/guanai-never.db"}, 1},
	}
	for _, tt := range tests {
		_, stderr, code := run(t, nil, tt.args...)
		if code != tt.code || len(stderr) == 0 {
			t.Errorf("%v: exit %d (%s), want %d with a message", tt.args, code, stderr, tt.code)
		}
	}
}

// TestExportImportChangesNothing exports the registry and imports the export: nothing changes.
func TestExportImportChangesNothing(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	csv := "姓名,性别,出生日期,民族,公民身份号码,户籍地区划代码,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期,健康状况,残疾类别,残疾等级,家庭困难情况,父亲姓名,父亲联系方式,父亲是否外出务工,父亲务工地,父亲外出务工起始日期,父亲监护能力\n" +
		"阿依古丽·买买提,女,2016-01-02,维吾尔族,150302201601020027,640104,解放西街1号,150302003012,父母一方,2024-03-31,残疾,肢体、视力,二级,低保家庭,买买提,0473-1234567,是,44,2020-01-01,具备\n" +
		"张小明,男,2015-03-10,汉族,150302201503101237,150304,,150304,,,健康,无,,无,,,,,,\n"
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := run(t, nil, "import", "children", in, "--db", db, "--quiet")
	if code != 0 || !strings.Contains(string(stdout), `"imported":2`) {
		t.Fatalf("import: %s %s", stdout, stderr)
	}
	for _, ext := range []string{"xlsx", "csv"} {
		out := filepath.Join(dir, "export."+ext)
		if _, stderr, code := run(t, nil, "export", "children", "--out", out, "--db", db); code != 0 {
			t.Fatalf("export %s: %s", ext, stderr)
		}
		stdout, stderr, code := run(t, nil, "import", "children", out, "--db", db, "--quiet")
		if code != 0 {
			t.Fatalf("re-import %s: %s", ext, stderr)
		}
		var s summary
		if err := json.Unmarshal(stdout, &s); err != nil {
			t.Fatal(err)
		}
		if s.Rows != 2 || s.Unchanged != 2 {
			t.Errorf("re-import of the %s export: %+v, want 2 unchanged\n%s", ext, s, stdout)
		}
	}
}

// TestImportRejectsAfterFileBinary runs the built binary as the report had it, guanai import
// children FILE --rejects R (the database from GUANAI_DB), also with an option before the file
// (where --rejects used to be dropped) and with --rejects before the file: each writes the same
// rejects file, readable by its owner only.
func TestImportRejectsAfterFileBinary(t *testing.T) {
	var written []string
	for _, tt := range []struct {
		name string
		args func(file, rejects string) []string
	}{
		{"after the file", func(f, r string) []string { return []string{"import", "children", f, "--rejects", r} }},
		{"after the file, an option before it", func(f, r string) []string { return []string{"import", "children", "--quiet", f, "--rejects", r} }},
		{"before the file", func(f, r string) []string { return []string{"import", "children", "--rejects", r, f} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := writeFile(t, filepath.Join(dir, "children.csv"), childrenCSV)
			rejects := filepath.Join(dir, "rejects.csv")
			cmd := exec.Command(binary, tt.args(file, rejects)...)
			cmd.Env = append(os.Environ(), "GUANAI_DB=sqlite://"+filepath.Join(dir, "g.db"), "GUANAI_DATA_DIR=", "GUANAI_KEY_FILE=", "GUANAI_CONFIG=")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("got %v: %s", err, stderr.String())
			}
			var s summary
			if err := json.Unmarshal(out, &s); err != nil || s.Rows != 3 || s.Rejected != 1 {
				t.Fatalf("got summary %s (%v), want 3 rows, 1 rejected", out, err)
			}
			fi, err := os.Stat(rejects)
			if err != nil {
				t.Fatalf("got no rejects file: %v", err)
			}
			if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
				t.Errorf("got rejects file mode %04o, want 0600", fi.Mode().Perm())
			}
			b, _ := os.ReadFile(rejects)
			if !strings.Contains(string(b), "李四") || !strings.Contains(string(b), "错误原因") {
				t.Errorf("got rejects file\n%s\nwant the row of 李四 with its reason", b)
			}
			written = append(written, string(b))
		})
	}
	for _, w := range written[1:] {
		if w != written[0] {
			t.Errorf("the rejects files differ:\n%s\n%s", written[0], w)
		}
	}
}
