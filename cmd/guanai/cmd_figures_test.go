package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/stats"
)

// TestFiguresAndCoverage writes the template, imports figures with the command line (one row
// refused in Chinese), imports them again (nothing changes), registers children and reads the
// coverage: the township with the children and figures has its rate.
func TestFiguresAndCoverage(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	tpl := filepath.Join(dir, "t.xlsx")
	if _, stderr, code := runMain(t, "", "figures", "template", "--out", tpl, "--region", "150302"); code != 0 || !strings.Contains(stderr, "已写入人口统计数据模板") {
		t.Fatalf("template: exit %d, %s", code, stderr)
	}
	figs := writeFile(t, filepath.Join(dir, "f.csv"), "\ufeff儿童人口统计\n区划代码,区划名称,参考年份,数据来源,不满16周岁儿童,流动儿童,留守儿童,男,女\n"+
		"150302003,新华街道,2020,人口普查,\"1,200\",40,,600,600\n"+
		"150302008,,2020年,第七次全国人口普查,900,20,10,,\n"+
		"150302004,,2020,人口普查,100,150,,,\n"+
		"159999999,,2020,人口普查,100,,,,\n")
	var out struct {
		Rows, Imported, Unchanged, Rejected int
		Errors                              []struct {
			Row             int
			Column, Message string
		}
	}
	stdout, stderr, code := runMain(t, "", "figures", "import", figs, "--db", db)
	if code != 0 {
		t.Fatalf("import: exit %d, %s", code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.Rows != 4 || out.Imported != 2 || out.Rejected != 2 || len(out.Errors) != 2 ||
		!strings.Contains(out.Errors[0].Message, "超过不满16周岁儿童总数") || out.Errors[0].Row != 5 || !strings.Contains(out.Errors[1].Message, "不在全国行政区划代码表中") {
		t.Errorf("import summary %s", stdout)
	}
	stdout, _, _ = runMain(t, "", "figures", "import", "--db", db, figs)
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || out.Imported != 0 || out.Unchanged != 2 {
		t.Errorf("second import %s", stdout)
	}
	if _, stderr, code := runMain(t, "", "import", "children", writeFile(t, filepath.Join(dir, "c.csv"), childrenCSV), "--db", db); code != 0 {
		t.Fatalf("import children: %s", stderr)
	}
	stdout, stderr, code = runMain(t, "", "coverage", "--region", "150302", "--level", "township", "--db", db)
	if code != 0 {
		t.Fatalf("coverage: exit %d, %s", code, stderr)
	}
	var rep stats.CoverageReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Reference != "参考年份：2020年；数据来源：人口普查" || len(rep.Ranked) != 2 {
		t.Errorf("reference %q, ranked %v", rep.Reference, rep.Ranked)
	}
	for _, r := range rep.Rows {
		if r.RegionCode != "150302003" {
			continue
		}
		// 张小明 lives in 150302003012 and came from 银川: one migrant child of 40 expected.
		if *r.RegisteredMigrant != 1 || r.MigrantRate == nil || *r.MigrantRate != 1.0/40 || *r.ExpectedTotal != 1200 {
			t.Errorf("新华街道 %+v", r)
		}
	}
	xlsx := filepath.Join(dir, "cov.xlsx")
	if _, stderr, code := runMain(t, "", "coverage", "--region", "150302", "--out", xlsx, "--db", db); code != 0 || !strings.Contains(stderr, "已写入登记覆盖") {
		t.Fatalf("coverage --out: exit %d, %s", code, stderr)
	}
	wb, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := wb.GetRows("登记覆盖")
	wb.Close()
	if len(rows) < 4 || !strings.Contains(rows[0][0], "参考年份：2020年") || rows[1][0] != "排名" || rows[2][0] != "1" {
		t.Errorf("coverage workbook %v", rows[:min(4, len(rows))])
	}
	if _, stderr, code := runMain(t, "", "coverage", "--level", "province", "--db", db); code != 2 || !strings.Contains(stderr, "--level") {
		t.Errorf("bad level: exit %d, %s", code, stderr)
	}
}
