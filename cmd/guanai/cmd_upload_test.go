package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"guanai/internal/auth"
	"guanai/internal/sheet"
	"guanai/internal/store"
)

// TestUploadEndToEnd: three children registered and approved; guanai upload batch writes the
// migrant child on the 附件1 sheet and the left-behind child on the 附件2 sheet, full identity
// numbers, watermarked; a second batch holds nothing; the answer file returns one record with
// its reason; the file opens in LibreOffice when it is installed.
func TestUploadEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	idA := e2eID("640104", "20150310", "123") // migrant: hukou in Yinchuan, lives in Wuhai
	idB := e2eID("150302", "20140404", "123") // left-behind: both parents work in Beijing
	idC := e2eID("150302", "20160606", "222") // neither
	children := "\ufeff姓名,性别,出生日期,民族,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期,父亲姓名,父亲是否外出务工,父亲务工地,父亲外出务工起始日期,母亲姓名,母亲是否外出务工,母亲务工地,母亲外出务工起始日期,有无受委托照护人,受委托照护人姓名,受委托照护人与儿童关系\n" +
		"王小明,男,2015-03-10,汉族," + idA + ",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母双方,2024-03-31,王建国,,,,刘秀英,,,,,,\n" +
		"巴特尔,男,2014-04-04,蒙古," + idB + ",内蒙古自治区乌海市海勃湾区新华街道清泉社区,150302003012,其他监护人,,巴图,是,110105,2023-01-01,其其格,是,110105,2023-01-01,有,巴雅尔,爷爷\n" +
		"李娜,女,2016-06-06,汉族," + idC + ",内蒙古自治区乌海市海勃湾区新华街道清泉社区,150302003012,父母双方,,,,,,,,,,,,\n"
	cf := filepath.Join(dir, "children.csv")
	if err := os.WriteFile(cf, []byte(children), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := run(t, nil, "import", "children", cf, "--db", db, "--quiet", "--status", "submitted"); code != 0 || !strings.Contains(string(out), `"imported":3`) {
		t.Fatalf("import children: %d %s %s", code, out, stderr)
	}
	// Approval is a reviewer's (guanai review approve is another command's): done on the store.
	func() {
		ctx := auth.WithPrincipal(context.Background(), auth.Operator("test"))
		s, err := openStore(ctx, &Env{Stderr: io.Discard, Now: time.Now, Getenv: func(string) string { return "" }},
			Config{DB: db, DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		page, err := s.Search(ctx, store.Query{Limit: 10})
		if err != nil || page.Total != 3 {
			t.Fatalf("search: %+v %v", page, err)
		}
		for _, c := range page.Items {
			if _, err := s.Transition(ctx, "", c.UID, store.StatusApproved, ""); err != nil {
				t.Fatal(err)
			}
		}
	}()

	if _, stderr, code := run(t, nil, "upload", "batch", "--db", db); code != 2 || !strings.Contains(string(stderr), "--out") {
		t.Errorf("without --out: %d %s", code, stderr)
	}
	file := filepath.Join(dir, "上报.xlsx")
	out, stderr, code := run(t, nil, "upload", "batch", "--region", "150302", "--out", file, "--db", db)
	if code != 0 {
		t.Fatalf("upload batch: %d %s", code, stderr)
	}
	var sum struct {
		Batch   string `json:"batch"`
		Records int    `json:"records"`
		Digest  string `json:"digest"`
	}
	if err := json.Unmarshal(out, &sum); err != nil || sum.Records != 2 || !strings.HasPrefix(sum.Batch, "SB150302-") || len(sum.Digest) != 64 {
		t.Fatalf("upload batch printed %s (%v)", out, err)
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := f.GetRows(sheet.Form1Sheet)
	r2, _ := f.GetRows(sheet.Form2Sheet)
	f.Close()
	if len(r1) != 4 || len(r2) != 4 {
		t.Fatalf("附件1 %d rows, 附件2 %d rows; want title, watermark, header and one child each:\n%q\n%q", len(r1), len(r2), r1, r2)
	}
	if !strings.Contains(r1[0][0], "流动儿童基本情况登记表") || !strings.Contains(r1[1][0], sum.Batch) || !strings.Contains(r1[1][0], "不得外传") {
		t.Errorf("附件1 title and watermark %q", r1[:2])
	}
	if !slices.Equal(r1[2], sheet.Form1Labels()) || !slices.Equal(r2[2], sheet.Form2Labels()) {
		t.Errorf("headers %q / %q", r1[2], r2[2])
	}
	if !slices.Contains(r1[3], idA) || !slices.Contains(r1[3], "王小明") || r1[3][0] != "1" {
		t.Errorf("附件1 row %q", r1[3])
	}
	if !slices.Contains(r2[3], idB) || !slices.Contains(r2[3], "爷爷") || r2[3][0] != "2" {
		t.Errorf("附件2 row %q", r2[3])
	}
	if _, err := exec.LookPath("soffice"); err != nil {
		t.Log("soffice is not installed: the LibreOffice check of the upload file is skipped")
	} else {
		conv := exec.Command("soffice", "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "lo"), "--convert-to", `csv:Text - txt - csv (StarCalc):44,34,76`, "--outdir", dir, file)
		if b, err := conv.CombinedOutput(); err != nil {
			t.Errorf("LibreOffice cannot open the upload file: %v %s", err, b)
		} else if csv, err := os.ReadFile(filepath.Join(dir, "上报.csv")); err != nil || !strings.Contains(string(csv), "王小明") {
			t.Errorf("LibreOffice's csv of the upload file: %v %.300s", err, csv)
		}
	}

	out, _, code = run(t, nil, "upload", "batch", "--region", "150302", "--out", filepath.Join(dir, "again.xlsx"), "--db", db)
	if code != 0 || !strings.Contains(string(out), `"records":0`) {
		t.Errorf("second batch: %d %s", code, out)
	}

	answer := "\ufeff公民身份号码,反馈结果,退回原因\n" + idA + ",退回,现居住地详细地址不完整\n" + idB + ",接收,\n" + idC + ",退回,\n"
	af := filepath.Join(dir, "反馈.csv")
	if err := os.WriteFile(af, []byte(answer), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = run(t, nil, "upload", "feedback", af, "--db", db)
	if code != 0 {
		t.Fatalf("upload feedback: %d %s", code, stderr)
	}
	var fb struct {
		Accepted, Returned int
		Errors             []struct {
			Row     int
			Message string
		}
	}
	if err := json.Unmarshal(out, &fb); err != nil || fb.Accepted != 1 || fb.Returned != 1 || len(fb.Errors) != 1 || fb.Errors[0].Row != 4 {
		t.Fatalf("feedback printed %s (%v)", out, err)
	}
	if _, stderr, code := run(t, nil, "upload", "feedback", "--db", db); code != 2 || !strings.Contains(string(stderr), "反馈文件") {
		t.Errorf("without a file: %d %s", code, stderr)
	}
}
