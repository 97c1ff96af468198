package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/idcard"
)

func e2eID(region, birth, seq string) string {
	first17 := region + birth + seq
	return first17 + string(idcard.CheckDigit(first17))
}

type rosterOut struct {
	Rows, Imported, Updated, Unchanged, Rejected, Review, Unmatched, Leads, Discrepancies int
	Department                                                                            string
	RejectsFile                                                                           string `json:"rejects_file"`
	Errors                                                                                []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
}

// TestImportRosterEndToEnd registers children with guanai import children, then imports a school
// roster as a school would send it (a title, a 填报单位 line, its own headers, an ID number typed as
// a number, an Excel date), twice, then a roster that contradicts the record; it checks the
// counts, the rejects file, the discrepancy report and the home-visit lead.
func TestImportRosterEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	idA := e2eID("640104", "20150310", "123")
	idB := e2eID("150302", "20140404", "123")
	idTwin := e2eID("640104", "20180501", "111")
	children := "\ufeff姓名,性别,出生日期,民族,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期,父亲姓名,母亲姓名,就读学校,学业状况\n" +
		"王小明,男,2015-03-10,汉族," + idA + ",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母双方,2024-03-31,王建国,刘秀英,乌海市第一小学,在读\n" +
		"巴特尔,男,2014-04-04,蒙古," + idB + ",内蒙古自治区乌海市海勃湾区新华街道清泉社区,150302003012,父母双方,,,,,\n" +
		"王子涵,男,2018-05-01,汉族," + idTwin + ",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母双方,2024-03-31,王建国,刘秀英,,\n"
	cf := filepath.Join(dir, "children.csv")
	if err := os.WriteFile(cf, []byte(children), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := run(t, nil, "import", "children", cf, "--db", db, "--quiet"); code != 0 || !strings.Contains(string(out), `"imported":3`) {
		t.Fatalf("import children: %d %s %s", code, out, stderr)
	}

	// The school's workbook.
	f := excelize.NewFile()
	sh := "Sheet1"
	rows := [][]any{
		{"乌海市第一小学 2025 年春季学期学生名册"},
		{"填报单位：乌海市第一小学", "", "", "填报日期：2025-06-20"},
		{},
		{"序号", "学生姓名", "性别", "出生年月", "身份证号码", "就读学校", "年级", "学籍状态", "是否住校", "是否随迁子女", "家庭住址", "班主任"},
		{1, "王小明", "男", "", idA, "乌海市第一小学", "四年级", "在校", "否", "是", "内蒙古自治区乌海市海勃湾区新华街道清泉社区", "李老师"},
		{2, "巴 特 尔", "男", 41733, idB, "乌海市第一小学", "五年级", "在校", "是", "否", "", "李老师"},                          // 41733 = 2014-04-04
		{3, "王子轩", "男", "2018-05-01", "", "乌海市第一小学", "一年级", "在校", "否", "是", "内蒙古自治区乌海市海勃湾区新华街道清泉社区", "张老师"}, // the unregistered twin
		{4, "赵小龙", "男", "", e2eID("640104", "20120801", "015"), "乌海市第一小学", "六年级", "在校", "否", "是", "内蒙古自治区乌海市海勃湾区新华街道清泉社区", "张老师"},
		{5, "钱多多", "女", "", 150302201501011234.0, "乌海市第一小学", "四年级", "在校", "否", "否", "", "张老师"}, // an ID number stored as a number
		{6, "孙小美", "女", "2015-13-01", "", "乌海市第一小学", "四年级", "在校", "否", "否", "", "张老师"},
		{"填表人：张三"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	rf := filepath.Join(dir, "学生名册.xlsx")
	if err := f.SaveAs(rf); err != nil {
		t.Fatal(err)
	}
	rejects := filepath.Join(dir, "rejects.csv")
	imp := func(path string, extra ...string) rosterOut {
		t.Helper()
		args := append([]string{"import", "roster", "--dept", "education", path, "--db", db, "--quiet"}, extra...)
		out, stderr, code := run(t, nil, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var s rosterOut
		if err := json.Unmarshal(out, &s); err != nil {
			t.Fatalf("summary is not JSON: %v\n%s", err, out)
		}
		for _, key := range []string{`"rows"`, `"imported"`, `"updated"`, `"rejected"`, `"errors"`} {
			if !strings.Contains(string(out), key) {
				t.Errorf("summary lacks %s: %s", key, out)
			}
		}
		return s
	}
	s := imp(rf, "--rejects", rejects)
	if s.Rows != 6 || s.Imported != 4 || s.Updated != 2 || s.Rejected != 2 || s.Review != 1 || s.Leads != 1 || s.Department != "education" {
		t.Fatalf("first roster import: %+v", s)
	}
	cols := map[string]string{}
	for _, e := range s.Errors {
		cols[e.Column] = e.Code
		if e.Message == "" || (e.Row != 9 && e.Row != 10) {
			t.Errorf("error %+v", e)
		}
	}
	if cols["身份证号码"] != "excel_number" || cols["出生年月"] != "date" {
		t.Errorf("errors by column %v", cols)
	}
	b, err := os.ReadFile(rejects)
	if err != nil || !strings.Contains(string(b), "钱多多") || !strings.Contains(string(b), "错误原因") || strings.Contains(string(b), "王小明") {
		t.Errorf("rejects file: %v\n%s", err, b)
	}

	// The same file again changes nothing.
	if s := imp(rf); s.Imported != 0 || s.Updated != 0 || s.Leads != 0 || s.Discrepancies != 0 || s.Rejected != 2 {
		t.Errorf("second roster import: %+v", s)
	}

	// A contradiction: the record says 在读, the school says 辍学.
	csv := "姓名,身份证号,学校,在校状态\n王小明," + idA + ",乌海市第一小学,辍学\n"
	cf2 := filepath.Join(dir, "辍学.csv")
	os.WriteFile(cf2, []byte(csv), 0o644)
	if s := imp(cf2); s.Discrepancies != 1 || s.Updated != 0 || s.Unchanged != 1 {
		t.Errorf("contradicting roster: %+v", s)
	}
	out, stderr, code := run(t, nil, "discrepancies", "--kind", "contradiction", "--region", "150302", "--db", db)
	if code != 0 {
		t.Fatalf("discrepancies: %s", stderr)
	}
	var rep struct {
		Total    int `json:"total"`
		ByRegion []struct {
			Code  string `json:"region_code"`
			Count int    `json:"count"`
		} `json:"by_region"`
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Total != 1 || rep.Items[0]["field"] != "study_status" || rep.Items[0]["record"] != "在读" || rep.Items[0]["roster"] != "辍学" || rep.ByRegion[0].Code != "150302003" {
		t.Errorf("discrepancy report: %s", out)
	}
	if out, _, _ := run(t, nil, "discrepancies", "--db", db); !strings.Contains(string(out), `"no_insurance"`) {
		t.Errorf("summary of every kind: %s", out)
	}

	// The unknown child is a lead in the village of the address, masked on screen.
	out, stderr, code = run(t, nil, "leads", "list", "--region", "150302003", "--db", db)
	if code != 0 {
		t.Fatalf("leads: %s", stderr)
	}
	var leads []struct {
		UID     string   `json:"uid"`
		Region  string   `json:"region_code"`
		Reasons []string `json:"reasons"`
		Person  struct {
			Name     string `json:"name"`
			IDNumber string `json:"id_number"`
		} `json:"person"`
	}
	if err := json.Unmarshal(out, &leads); err != nil {
		t.Fatal(err)
	}
	if len(leads) != 1 || !strings.HasPrefix(leads[0].Region, "150302003") || leads[0].Person.Name == "赵小龙" || strings.Contains(string(out), "20120801") {
		t.Errorf("leads: %s", out)
	}
	out, stderr, code = run(t, nil, "leads", "close", leads[0].UID, "--outcome", "not_found", "--db", db)
	if code != 0 || !strings.Contains(string(out), `"closed"`) {
		t.Errorf("close lead: %d %s %s", code, out, stderr)
	}

	// The twin waits for review and is never linked.
	out, _, _ = run(t, nil, "roster", "review", "--db", db)
	var pairs []struct {
		ID    int64   `json:"id"`
		Score float64 `json:"score"`
	}
	if err := json.Unmarshal(out, &pairs); err != nil || len(pairs) != 1 || pairs[0].Score >= 0.5 {
		t.Errorf("review pairs: %s", out)
	}

	// The other departments, with their own headers.
	for _, tc := range []struct{ dept, csv string }{
		{"police", "姓名,证件号码,居住证编号,发证日期,有效期限\n巴特尔," + idB + ",150302202400017,2024/3/10,2024.03.10至2027.03.10\n"},
		{"health", "儿童姓名,性别,出生日期,健康管理,随访次数\n巴特尔,男,2014-04-04,在居住地接受,2\n"},
		{"insurance", "参保人姓名,身份证号,参保状态,参保地,险种\n巴特尔," + idB + ",正常参保,内蒙古自治区乌海市海勃湾区,城乡居民基本医疗保险\n"},
		{"disability", "姓名,残疾证号,康复情况\n巴特尔," + idB + "42,是：在市残联康复中心训练\n"},
	} {
		p := filepath.Join(dir, tc.dept+".csv")
		os.WriteFile(p, []byte(tc.csv), 0o644)
		out, stderr, code := run(t, nil, "import", "roster", p, "--dept", tc.dept, "--db", db, "--quiet")
		var s rosterOut
		if code != 0 || json.Unmarshal(out, &s) != nil || s.Rows != 1 || s.Updated != 1 || s.Rejected != 0 {
			t.Errorf("%s roster: exit %d %s %s", tc.dept, code, out, stderr)
		}
	}

	// Bad uses get a Chinese message and status 2.
	for _, args := range [][]string{
		{"import", "roster", rf, "--db", db},
		{"import", "roster", "--dept", "civil", rf, "--db", db},
	} {
		_, stderr, code := run(t, nil, args...)
		if code != 2 || !strings.Contains(string(stderr), "部门") {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
	if _, stderr, code := run(t, nil, "import", "roster", "--dept", "police", filepath.Join(dir, "none.xlsx"), "--db", db); code != 1 || len(stderr) == 0 {
		t.Errorf("missing file: exit %d %s", code, stderr)
	}

	// Templates for every department.
	for _, d := range []string{"education", "police", "health", "insurance", "disability"} {
		p := filepath.Join(dir, d+".xlsx")
		if _, stderr, code := run(t, nil, "roster", "template", "--dept", d, "--out", p); code != 0 {
			t.Errorf("template %s: %s", d, stderr)
		}
		tf, err := excelize.OpenFile(p)
		if err != nil {
			t.Fatalf("template %s: %v", d, err)
		}
		hdr, _ := tf.GetRows("名册")
		if len(hdr) < 2 || hdr[1][0] != "姓名" {
			t.Errorf("template %s header %v", d, hdr)
		}
		tf.Close()
	}
}
