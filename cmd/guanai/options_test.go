package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runMain runs Main in process with a fixed clock (2025-06-30 12:00 in Wuhai). GUANAI_DB names
// no usable database, so that a command that lost its --db fails instead of opening ./data.
func runMain(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runMainCtx(t, context.Background(), stdin, args...)
}

func runMainCtx(t *testing.T, ctx context.Context, stdin string, args ...string) (stdout, stderr string, code int) {
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
	code = Main(ctx, env, args)
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

// optionsSeed is a registry for the commands to work on: the children of childrenCSV, a school's
// roster with a contradiction, a child to review and a home-visit lead, an account and a
// verification list. Each run works on its own copy.
type optionsSeed struct {
	dir                              string
	pair, lead, discrepancy, verifID string
}

func newOptionsSeed(t *testing.T) *optionsSeed {
	t.Helper()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	idA, idTwin, idLead := e2eID("640104", "20150310", "123"), e2eID("640104", "20180501", "111"), e2eID("640104", "20120801", "015")
	children := writeFile(t, filepath.Join(dir, "children.csv"), "姓名,性别,出生日期,民族,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期,父亲姓名,母亲姓名,就读学校,学业状况\n"+
		"王小明,男,2015-03-10,汉族,"+idA+",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母双方,2024-03-31,王建国,刘秀英,乌海市第一小学,在读\n"+
		"巴特尔,男,2014-04-04,蒙古,150302201404041232,内蒙古自治区乌海市海勃湾区新华街道清泉社区,150302003012,父母双方,,,,,\n"+
		"王子涵,男,2018-05-01,汉族,"+idTwin+",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母双方,2024-03-31,王建国,刘秀英,,\n"+
		"李四,女,2015-02-30,汉族,150302201503101238,,,,,,,,\n")
	school := writeFile(t, filepath.Join(dir, "school.csv"), "学生姓名,性别,出生年月,身份证号码,就读学校,年级,学籍状态,是否住校,是否随迁子女,家庭住址\n"+
		"王小明,男,2015-03-10,"+idA+",乌海市第一小学,四年级,辍学,否,是,内蒙古自治区乌海市海勃湾区新华街道清泉社区\n"+
		"王子轩,男,2018-05-01,,乌海市第一小学,一年级,在校,否,是,内蒙古自治区乌海市海勃湾区新华街道清泉社区\n"+
		"赵小龙,男,,"+idLead+",乌海市第一小学,六年级,在校,否,是,内蒙古自治区乌海市海勃湾区新华街道清泉社区\n"+
		"孙小美,女,2015-13-01,,乌海市第一小学,四年级,在校,否,否,\n")
	// Options first, arguments last: the form every option parser reads.
	must := func(cmd, args []string, opts ...string) string {
		t.Helper()
		args = slices.Concat(cmd, []string{"--db", db}, opts, args)
		stdout, stderr, code := runMain(t, "", args...)
		if code != 0 {
			t.Fatalf("seed %v: exit %d: %s", args, code, stderr)
		}
		return stdout
	}
	must([]string{"import", "children"}, []string{children}, "--quiet")
	must([]string{"import", "roster"}, []string{school}, "--dept", "education", "--quiet")
	must([]string{"user", "add"}, nil, "--username", "admin1", "--name", "吴刚", "--roles", "collector", "--department", "minzheng", "--org", "150302003012", "--password", "Kq7#mZ2x!pL9")
	s := &optionsSeed{dir: dir}
	var v struct {
		UID string `json:"uid"`
	}
	var pairs []struct {
		ID int64 `json:"id"`
	}
	var leads []struct {
		UID string `json:"uid"`
	}
	var rep struct {
		Items []struct {
			UID string `json:"uid"`
		} `json:"items"`
	}
	for _, x := range []struct {
		out  string
		into any
	}{
		{must([]string{"roster", "verify"}, nil, "--dept", "education", "--out", filepath.Join(dir, "list.xlsx")), &v},
		{must([]string{"roster", "review"}, nil), &pairs},
		{must([]string{"leads", "list"}, nil), &leads},
		{must([]string{"discrepancies"}, nil, "--kind", "contradiction"), &rep},
	} {
		if err := json.Unmarshal([]byte(x.out), x.into); err != nil {
			t.Fatalf("seed: %v\n%s", err, x.out)
		}
	}
	if v.UID == "" || len(pairs) != 1 || len(leads) != 1 || len(rep.Items) != 1 {
		t.Fatalf("seed: verification %q, %d pairs, %d leads, %d contradictions; want one of each", v.UID, len(pairs), len(leads), len(rep.Items))
	}
	s.verifID, s.pair, s.lead, s.discrepancy = v.UID, strconv.FormatInt(pairs[0].ID, 10), leads[0].UID, rep.Items[0].UID
	return s
}

// copyTo copies the seed's database and key file into dir.
func (s *optionsSeed) copyTo(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "g.db") && e.Name() != "guanai.key" && e.Name() != "guanai.audit-anchor" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

var uidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|重置为：\S+`)

// TestOptionsBeforeAndAfterArguments runs every command on copies of one registry with its
// options before the arguments, after them, and around them, and checks that each form does the
// same: the same exit status, the same output (new uids and the run's directory masked) and the
// same files written.
func TestOptionsBeforeAndAfterArguments(t *testing.T) {
	seed := newOptionsSeed(t)
	type file struct{ name, content string }
	tests := []struct {
		name      string
		cmd       []string   // the command and sub-command
		args      []string   // its arguments
		opts      [][]string // its options, each with its value
		stdin     string
		code      int
		files     []string // written into the run's directory; .xlsx compared by existence only
		cancelled bool     // run with a cancelled context (serve: never start serving)
	}{
		{name: "classify", cmd: []string{"classify"}, code: 0,
			stdin: `{"ref":"a","name":"李小红","birth_date":"2014-06-01","hukou_address":{"region_code":"150304"},"father":{"migrant_worker":true,"work_region_code":"110105","work_since":"2025-03-01"},"mother":{"migrant_worker":true,"work_region_code":"110105","work_since":"2025-03-01"}}` + "\n",
			opts:  [][]string{{"--as-of", "2025-06-30"}, {"--central-urban", "150302,150303"}, {"--central-urban", "150304"}, {"--left-behind-months", "3"}}},
		{name: "match", cmd: []string{"match"}, code: 0, files: []string{"m.csv"},
			opts: [][]string{{"--left", matchRegistry}, {"--right", matchRoster}, {"--threshold", "0.99"}, {"--out", "{dir}/m.csv"}}},
		{name: "import children", cmd: []string{"import", "children"}, args: []string{"{seed}/children.csv"}, code: 0, files: []string{"r.csv"},
			opts: [][]string{{"--db", "{db}"}, {"--rejects", "{dir}/r.csv"}, {"--quiet"}, {"--status", "submitted"}}},
		{name: "import roster", cmd: []string{"import", "roster"}, args: []string{"{seed}/school.csv"}, code: 0, files: []string{"r.csv"},
			opts: [][]string{{"--dept", "education"}, {"--db", "{db}"}, {"--rejects", "{dir}/r.csv"}, {"--quiet"}}},
		{name: "export children", cmd: []string{"export", "children"}, code: 0, files: []string{"e.csv"},
			opts: [][]string{{"--db", "{db}"}, {"--out", "{dir}/e.csv"}, {"--region", "150302"}}},
		{name: "stats", cmd: []string{"stats"}, code: 0, files: []string{"s.json"},
			opts: [][]string{{"--db", "{db}"}, {"--as-of", "2025-06-30"}, {"--region", "150302"}, {"--out", "{dir}/s.json"}, {"--publish"}}},
		{name: "stats snapshot", cmd: []string{"stats", "snapshot"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--month", "2025-05"}}},
		{name: "serve", cmd: []string{"serve"}, code: 2, cancelled: true,
			opts: [][]string{{"--db", "{db}"}, {"--addr", "0.0.0.0:1"}, {"--demo-size", "10"}}},
		{name: "roster template", cmd: []string{"roster", "template"}, code: 0, files: []string{"t.xlsx"},
			opts: [][]string{{"--dept", "police"}, {"--out", "{dir}/t.xlsx"}}},
		{name: "roster batches", cmd: []string{"roster", "batches"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--dept", "education"}, {"--limit", "5"}}},
		{name: "roster review", cmd: []string{"roster", "review"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--dept", "education"}, {"--status", "pending"}}},
		{name: "roster accept", cmd: []string{"roster", "accept"}, args: []string{"{pair}"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--actor", "tester"}}},
		{name: "roster reject", cmd: []string{"roster", "reject"}, args: []string{"{pair}"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--actor", "tester"}}},
		{name: "roster verify", cmd: []string{"roster", "verify"}, code: 0, files: []string{"v.xlsx"},
			opts: [][]string{{"--db", "{db}"}, {"--dept", "education"}, {"--region", "150302"}, {"--note", "核查"}, {"--out", "{dir}/v.xlsx"}}},
		{name: "roster verifications", cmd: []string{"roster", "verifications"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--dept", "education"}}},
		{name: "roster verification", cmd: []string{"roster", "verification"}, args: []string{"{verif}"}, code: 0, files: []string{"v.xlsx"},
			opts: [][]string{{"--db", "{db}"}, {"--out", "{dir}/v.xlsx"}}},
		{name: "leads list", cmd: []string{"leads", "list"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--region", "150302"}, {"--status", "open"}, {"--dept", "education"}}},
		{name: "leads close", cmd: []string{"leads", "close"}, args: []string{"{lead}"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--outcome", "not_found"}, {"--note", "查无此人"}}},
		{name: "discrepancies", cmd: []string{"discrepancies"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--kind", "contradiction"}, {"--region", "150302"}, {"--as-of", "2025-06-30"}}},
		{name: "discrepancies resolve", cmd: []string{"discrepancies", "resolve"}, args: []string{"{discrepancy}"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--note", "已核实"}, {"--actor", "tester"}}},
		{name: "user add", cmd: []string{"user", "add"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--username", "u2"}, {"--name", "张三"}, {"--roles", "collector"}, {"--department", "minzheng"}, {"--org", "150302003012"}, {"--password", "Zr8$wQ3n!vT5"}}},
		{name: "user list", cmd: []string{"user", "list"}, code: 0, opts: [][]string{{"--db", "{db}"}}},
		{name: "user passwd", cmd: []string{"user", "passwd"}, args: []string{"admin1"}, code: 0, opts: [][]string{{"--db", "{db}"}}},
		{name: "user unlock", cmd: []string{"user", "unlock"}, args: []string{"admin1"}, code: 0, opts: [][]string{{"--db", "{db}"}}},
		{name: "user disable", cmd: []string{"user", "disable"}, args: []string{"admin1"}, code: 0, opts: [][]string{{"--db", "{db}"}}},
		{name: "user enable", cmd: []string{"user", "enable"}, args: []string{"admin1"}, code: 0, opts: [][]string{{"--db", "{db}"}}},
		{name: "user reset-mfa", cmd: []string{"user", "reset-mfa"}, args: []string{"admin1"}, code: 0, opts: [][]string{{"--db", "{db}"}}},
		{name: "audit verify", cmd: []string{"audit", "verify"}, code: 0, opts: [][]string{{"--db", "{db}"}}},
		{name: "audit list", cmd: []string{"audit", "list"}, code: 0,
			opts: [][]string{{"--db", "{db}"}, {"--action", "user."}, {"--from", "2025-06-01"}, {"--limit", "5"}}},
		{name: "keys rotate", cmd: []string{"keys", "rotate"}, code: 0, opts: [][]string{{"--db", "{db}"}, {"--batch", "2"}}},
		{name: "keys reseal", cmd: []string{"keys", "reseal"}, code: 0, opts: [][]string{{"--db", "{db}"}, {"--batch", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []string
			for _, o := range tt.opts {
				opts = append(opts, o...)
			}
			forms := map[string][]string{
				"options first": slices.Concat(tt.cmd, opts, tt.args),
				"options last":  slices.Concat(tt.cmd, tt.args, opts),
			}
			if len(tt.args) == 0 {
				var rev []string
				for i := len(tt.opts) - 1; i >= 0; i-- {
					rev = append(rev, tt.opts[i]...)
				}
				forms["options last"] = slices.Concat(tt.cmd, rev)
			} else if len(tt.opts) > 1 {
				forms["options around"] = slices.Concat(tt.cmd, tt.opts[0], tt.args, slices.Concat(tt.opts[1:]...))
			}
			type result struct {
				stdout, stderr string
				code           int
				files          []file
			}
			var first *result
			var firstForm string
			for _, form := range slices.Sorted(maps.Keys(forms)) {
				dir := t.TempDir()
				seed.copyTo(t, dir)
				expand := strings.NewReplacer("{db}", "sqlite://"+filepath.Join(dir, "g.db"), "{dir}", dir, "{seed}", seed.dir,
					"{pair}", seed.pair, "{lead}", seed.lead, "{discrepancy}", seed.discrepancy, "{verif}", seed.verifID)
				args := make([]string, len(forms[form]))
				for i, a := range forms[form] {
					args[i] = expand.Replace(a)
				}
				ctx, cancel := context.WithCancel(context.Background())
				if tt.cancelled {
					cancel()
				}
				stdout, stderr, code := runMainCtx(t, ctx, tt.stdin, args...)
				cancel()
				if code != tt.code {
					t.Fatalf("%s %q: got exit %d, want %d: %s", form, args, code, tt.code, stderr)
				}
				mask := func(s string) string {
					return uidPattern.ReplaceAllString(strings.ReplaceAll(s, dir, "{dir}"), "{uid}")
				}
				r := &result{stdout: mask(stdout), code: code}
				if code != 0 {
					r.stderr = mask(stderr)
				}
				for _, name := range tt.files {
					b, err := os.ReadFile(filepath.Join(dir, name))
					if err != nil || len(b) == 0 {
						t.Fatalf("%s: got no file %s (%v)", form, name, err)
					}
					if filepath.Ext(name) == ".xlsx" {
						b = nil
					}
					r.files = append(r.files, file{name, mask(string(b))})
				}
				if first == nil {
					first, firstForm = r, form
					continue
				}
				if !reflect.DeepEqual(r, first) {
					t.Errorf("%s %q\ngot  %+v\nwant %+v (as with %s)", form, args, *r, *first, firstForm)
				}
			}
		})
	}
}

// leafCommands are all the commands that take options, each with the sub-command that names it.
var leafCommands = [][]string{
	{"classify"}, {"match"}, {"import", "children"}, {"import", "roster"}, {"export", "children"},
	{"stats"}, {"stats", "snapshot"}, {"serve"},
	{"roster", "template"}, {"roster", "batches"}, {"roster", "review"}, {"roster", "accept"}, {"roster", "reject"},
	{"roster", "verify"}, {"roster", "verifications"}, {"roster", "verification"},
	{"leads", "list"}, {"leads", "close"}, {"discrepancies"}, {"discrepancies", "resolve"},
	{"user", "add"}, {"user", "list"}, {"user", "passwd"}, {"user", "unlock"}, {"user", "disable"}, {"user", "enable"}, {"user", "reset-mfa"},
	{"audit", "verify"}, {"audit", "list"}, {"audit", "reanchor"}, {"keys", "rotate"}, {"keys", "reseal"},
	{"backup"}, {"restore"}, {"figures", "template"}, {"figures", "import"}, {"figures", "list"}, {"coverage"},
	{"backup"}, {"restore"}, {"ledger", "list"}, {"ledger", "export"}, {"ledger", "sync"},
	{"backup"}, {"restore"}, {"upload", "batch"}, {"upload", "feedback"},
	{"backup"}, {"restore"},
	{"review", "queue"}, {"review", "confirm"}, {"review", "archive"}, {"review", "approve"}, {"review", "reclassify"},
}

// TestEveryCommandIsListed keeps leafCommands whole: every command of guanai is in it.
func TestEveryCommandIsListed(t *testing.T) {
	for name := range commands {
		if !slices.ContainsFunc(leafCommands, func(c []string) bool { return c[0] == name }) {
			t.Errorf("command %s is not in leafCommands", name)
		}
	}
}

// TestHelp checks that -h and --help, wherever they stand, print the command's usage with its
// options on standard error and exit 0.
func TestHelp(t *testing.T) {
	var tests [][]string
	for _, c := range leafCommands {
		tests = append(tests, slices.Concat(c, []string{"-h"}), slices.Concat(c, []string{"--help"}))
	}
	tests = append(tests,
		[]string{"import", "children", "x.csv", "-h"}, []string{"roster", "accept", "--db", "sqlite:///nowhere/g.db", "12", "--help"})
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := runMain(t, "", args...)
			if code != 0 || stdout != "" {
				t.Errorf("got exit %d, stdout %q; want 0 and nothing", code, stdout)
			}
			if !strings.Contains(stderr, "用法") || !strings.Contains(stderr, "-h, --help") {
				t.Errorf("got stderr\n%s\nwant the usage with the options", stderr)
			}
		})
	}
	for _, parent := range []string{"import", "export", "roster", "leads", "user", "audit", "keys"} {
		for _, h := range []string{"-h", "--help", "help"} {
			if _, stderr, code := runMain(t, "", parent, h); code != 0 || !strings.Contains(stderr, "用法") {
				t.Errorf("%s %s: got exit %d, stderr %q; want 0 and the usage", parent, h, code, stderr)
			}
		}
	}
}

// TestUnknownOption checks every command: an unknown option is refused with the command's usage
// on standard error, exit status 2, before anything is opened.
func TestUnknownOption(t *testing.T) {
	for _, c := range leafCommands {
		for _, bad := range []string{"--nope", "--nope=1"} {
			args := slices.Concat(c, []string{bad})
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				stdout, stderr, code := runMain(t, "", args...)
				if code != 2 || stdout != "" {
					t.Errorf("got exit %d, stdout %q; want 2 and nothing", code, stdout)
				}
				for _, want := range []string{"guanai " + strings.Join(c, " ") + ": 未知的选项 --nope", "用法", "-h, --help"} {
					if !strings.Contains(stderr, want) {
						t.Errorf("got stderr\n%s\nwant %q in it", stderr, want)
					}
				}
			})
		}
	}
}

// TestUsageErrors checks the other mistakes on a command line: each is refused in Chinese with
// the usage, exit status 2.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing value", []string{"roster", "batches", "--limit"}, "选项 --limit 缺少值"},
		{"missing value before an argument", []string{"import", "children", "x.csv", "--rejects"}, "选项 --rejects 缺少值"},
		{"integer value", []string{"roster", "batches", "--limit", "x"}, "选项 --limit 的值 “x” 无效：应为整数"},
		{"number value", []string{"match", "--threshold", "high"}, "应为数值"},
		{"true or false", []string{"serve", "--mfa-above-village=maybe"}, "应为 true 或 false"},
		{"bool given a separate value", []string{"serve", "--demo", "false"}, "多余的参数：false"},
		{"value checked by the command", []string{"import", "children", "x.csv", "--status", "done", "--db", "sqlite:///nowhere/g.db"}, "--status 只能是"},
		{"no file", []string{"import", "children", "--quiet"}, "请给出要导入的文件"},
		{"two files", []string{"import", "children", "a.csv", "b.csv"}, "多余的参数：b.csv"},
		{"argument to a command without", []string{"stats", "extra"}, "多余的参数：extra"},
		{"argument to classify", []string{"classify", "in.jsonl"}, "多余的参数：in.jsonl"},
		{"single-dash long option", []string{"import", "children", "-db", "sqlite:///x.db", "a.csv"}, "长选项要写两个短横线，即 --db"},
		{"single-dash long option with value", []string{"stats", "-as-of=2025-06-30"}, "即 --as-of=2025-06-30"},
		{"unknown letter", []string{"stats", "-x"}, "未知的选项 -x"},
		{"go test flag", []string{"classify", "-test.v"}, "未知的选项 -test.v"},
		{"three dashes", []string{"stats", "---out"}, "选项格式不对：---out"},
		{"unknown sub-command", []string{"import", "teachers", "x.csv"}, "未知的子命令 “teachers”：应为 children、roster"},
		{"unknown roster sub-command", []string{"roster", "delete"}, "template、batches、review、accept、reject、verify、verifications、verification"},
		{"unknown leads sub-command", []string{"leads", "open"}, "应为 list、close"},
		{"unknown audit sub-command", []string{"audit", "erase"}, "应为 verify、list"},
		{"unknown user sub-command", []string{"user", "remove", "x"}, "应为 add、list、passwd、unlock、disable、enable、reset-mfa"},
		{"unknown keys sub-command", []string{"keys", "spin"}, "应为 rotate、reseal"},
		{"unknown export sub-command", []string{"export", "leads", "--out", "x.csv"}, "应为 children"},
		{"missing sub-command", []string{"roster"}, "缺少子命令"},
		{"option before the sub-command", []string{"import", "--db", "sqlite:///x.db", "children", "a.csv"}, "先写子命令（children、roster），再写选项 --db"},
		{"snapshot after an option", []string{"stats", "--region", "150302", "snapshot"}, "snapshot 要紧跟在 stats 之后"},
		{"option before the command", []string{"--db", "sqlite:///x.db", "stats"}, "先写子命令"},
		{"user name missing", []string{"user", "passwd", "--db", "sqlite:///nowhere/g.db"}, "请给出一个用户名"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runMain(t, "", tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "用法") {
				t.Errorf("%q: got exit %d, stderr\n%s\nwant 2, %q and the usage", tt.args, code, stderr, tt.want)
			}
		})
	}
}

// TestDoubleDashEndsOptions checks that what follows "--" is an argument even if it looks like an
// option: here the file "-nope.csv", which does not exist (exit 1), not an unknown option (2).
func TestDoubleDashEndsOptions(t *testing.T) {
	_, stderr, code := runMain(t, "", "import", "children", "--db", "sqlite://"+filepath.Join(t.TempDir(), "g.db"), "--", "-nope.csv")
	if code != 1 || !strings.Contains(stderr, "-nope.csv") {
		t.Errorf("got exit %d, stderr %s; want 1 and the file named", code, stderr)
	}
}
