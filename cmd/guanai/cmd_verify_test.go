package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

type verificationOut struct {
	UID       string `json:"uid"`
	Count     int    `json:"count"`
	Answered  int    `json:"answered"`
	NotFound  int    `json:"not_found"`
	Pending   int    `json:"pending"`
	Note      string `json:"note"`
	KindLabel string `json:"kind_label"`
	File      string `json:"file"`
}

// TestVerificationEndToEnd: children registered; a list for the schools written with guanai
// roster verify; the school answers two of three rows in the workbook; the answered file comes
// back through guanai import roster and the list shows who answered; a second import changes
// nothing; after a key rotation the list still reads.
func TestVerificationEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	idA := e2eID("640104", "20150310", "123")
	idB := e2eID("150302", "20140404", "123")
	idC := e2eID("150302", "20160606", "222")
	children := "\ufeff姓名,性别,出生日期,民族,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期,父亲姓名,母亲姓名\n" +
		"王小明,男,2015-03-10,汉族," + idA + ",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母双方,2024-03-31,王建国,刘秀英\n" +
		"巴特尔,男,2014-04-04,蒙古," + idB + ",内蒙古自治区乌海市海勃湾区新华街道清泉社区,150302003012,父母双方,,,\n" +
		"李娜,女,2016-06-06,汉族," + idC + ",内蒙古自治区乌海市海勃湾区新华街道清泉社区,150302003012,父母双方,,,\n"
	cf := filepath.Join(dir, "children.csv")
	if err := os.WriteFile(cf, []byte(children), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := run(t, nil, "import", "children", cf, "--db", db, "--quiet"); code != 0 || !strings.Contains(string(out), `"imported":3`) {
		t.Fatalf("import children: %d %s %s", code, out, stderr)
	}

	if _, stderr, code := run(t, nil, "roster", "verify", "--dept", "education", "--db", db); code != 2 || !strings.Contains(string(stderr), "--out") {
		t.Errorf("without --out: %d %s", code, stderr)
	}
	if _, stderr, code := run(t, nil, "roster", "verify", "--dept", "education", "--kind", "no_insurance", "--out", filepath.Join(dir, "x.xlsx"), "--db", db); code == 0 || !strings.Contains(string(stderr), "不是可以请教育部门核查的差异类型") {
		t.Errorf("a kind of another department: %d %s", code, stderr)
	}

	list := filepath.Join(dir, "核查名单.xlsx")
	out, stderr, code := run(t, nil, "roster", "verify", "--dept", "education", "--region", "150302", "--note", "春季学期核查", "--out", list, "--db", db)
	if code != 0 {
		t.Fatalf("roster verify: %d %s", code, stderr)
	}
	var made verificationOut
	if err := json.Unmarshal(out, &made); err != nil || made.UID == "" || made.Count != 3 || made.File != list {
		t.Fatalf("roster verify printed %s (%v)", out, err)
	}

	f, err := excelize.OpenFile(list)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("核查名单")
	if len(rows) != 6 || !strings.Contains(rows[1][0], "不得外传") || !strings.Contains(rows[0][0], "教育部门核查名单") {
		t.Fatalf("list rows %q", rows)
	}
	header := rows[2]
	if slices.Contains(header, "父亲姓名") || slices.Contains(header, "户籍地址") || !slices.Contains(header, "现居住地") {
		t.Errorf("a school list carries %q", header)
	}
	set := func(id, col, v string) {
		t.Helper()
		c := slices.Index(header, col)
		r := slices.IndexFunc(rows, func(row []string) bool { return slices.Contains(row, id) })
		if c < 0 || r < 0 {
			t.Fatalf("no column %s or no row of %s", col, id)
		}
		cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
		if err := f.SetCellStr("核查名单", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set(idA, "年级", "四年级")
	set(idA, "是否寄宿", "否")
	set(idA, "核查结果", "已核实")
	set(idB, "核查结果", "查无此人")
	// 李娜's row is left as it came: not an answer.
	answered := filepath.Join(dir, "核查名单（已填）.xlsx")
	if err := f.SaveAs(answered); err != nil {
		t.Fatal(err)
	}
	f.Close()

	var sum struct {
		rosterOut
		Verification *struct {
			UID      string `json:"uid"`
			Answered int    `json:"answered"`
			NotFound int    `json:"not_found"`
			Pending  int    `json:"pending"`
		} `json:"verification"`
	}
	imp := func() {
		t.Helper()
		out, stderr, code := run(t, nil, "import", "roster", "--dept", "education", answered, "--db", db, "--quiet")
		if code != 0 {
			t.Fatalf("import roster: %d %s", code, stderr)
		}
		sum.Verification = nil
		if err := json.Unmarshal(out, &sum); err != nil {
			t.Fatalf("summary %s: %v", out, err)
		}
		for _, key := range []string{`"rows"`, `"imported"`, `"updated"`, `"rejected"`, `"errors"`, `"warnings"`} {
			if !strings.Contains(string(out), key) {
				t.Errorf("summary lacks %s: %s", key, out)
			}
		}
	}
	imp()
	v := sum.Verification
	if sum.Rows != 2 || sum.Updated != 1 || sum.Rejected != 0 || sum.Leads != 0 || v == nil || v.UID != made.UID || v.Answered != 1 || v.NotFound != 1 || v.Pending != 1 {
		t.Fatalf("answered file: %+v %+v", sum.rosterOut, v)
	}
	out, stderr, code = run(t, nil, "roster", "verification", made.UID, "--db", db)
	var got verificationOut
	if code != 0 || json.Unmarshal(out, &got) != nil || got.Answered != 1 || got.NotFound != 1 || got.Pending != 1 || got.Note != "春季学期核查" {
		t.Errorf("roster verification: %d %s %s", code, out, stderr)
	}

	imp() // the same file again
	if v := sum.Verification; sum.Imported != 0 || sum.Updated != 0 || v == nil || v.Answered != 1 || v.NotFound != 1 || v.Pending != 1 {
		t.Errorf("second import: %+v %+v", sum.rosterOut, v)
	}

	if _, stderr, code := run(t, nil, "keys", "rotate", "--db", db); code != 0 {
		t.Fatalf("keys rotate: %s", stderr)
	}
	again := filepath.Join(dir, "again.xlsx")
	out, stderr, code = run(t, nil, "roster", "verification", made.UID, "--out", again, "--db", db)
	if code != 0 || json.Unmarshal(out, &got) != nil || got.Note != "春季学期核查" || got.File != again {
		t.Errorf("after rotation: %d %s %s", code, out, stderr)
	}
	if _, err := os.Stat(again); err != nil {
		t.Errorf("file written again: %v", err)
	}
	out, _, code = run(t, nil, "roster", "verifications", "--dept", "教育", "--db", db)
	var all []verificationOut
	if code != 0 || json.Unmarshal(out, &all) != nil || len(all) != 1 || all[0].KindLabel != "义务教育年龄（6-15 周岁）儿童" {
		t.Errorf("roster verifications: %s", out)
	}
	// A token that belongs to no list is a warning of its row in the summary's warnings.
	stray := filepath.Join(dir, "stray.csv")
	if err := os.WriteFile(stray, []byte("姓名,身份证号,学校名称,核查编号\n王小明,"+idA+",乌海市第一小学,HCZZZZZZ-0001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = run(t, nil, "import", "roster", "--dept", "education", stray, "--db", db, "--quiet")
	if code != 0 || !strings.Contains(string(out), `"column":"核查编号","code":"verify_unknown_token"`) {
		t.Errorf("stray token: %d %s %s", code, out, stderr)
	}
	out, _, _ = run(t, nil, "audit", "list", "--db", db, "--action", "verify.export")
	if n := strings.Count(string(out), "verify.export"); n != 3 || strings.Contains(string(out), "王小明") {
		t.Errorf("audit: %d entries\n%s", n, out)
	}
}
