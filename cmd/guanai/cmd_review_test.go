package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReviewCommand: records imported as submitted are approved in bulk for their division (the
// one whose ID number disagrees with the sex was kept as a draft and is not); a re-evaluation as
// of a later date queues the child who turned 16, which is listed and archived with a reason.
func TestReviewCommand(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	idA := e2eID("640104", "20150310", "123")
	idB := e2eID("640104", "20160404", "124") // even: a girl
	idC := e2eID("640104", "20170505", "125") // odd: a boy, entered as a girl
	csv := "\ufeff姓名,性别,出生日期,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期\n" +
		"王小明,男,2015-03-10," + idA + ",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母一方,2024-03-31\n" +
		"王小红,女,2016-04-04," + idB + ",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母一方,2024-03-31\n" +
		"王小芳,女,2017-05-05," + idC + ",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母一方,2024-03-31\n"
	cf := filepath.Join(dir, "children.csv")
	if err := os.WriteFile(cf, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := run(t, nil, "import", "children", cf, "--db", db, "--status", "submitted", "--quiet"); code != 0 || !strings.Contains(string(out), `"imported":3`) {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}
	out, stderr, code := run(t, nil, "review", "approve", "--db", db, "--region", "150302", "--reason", "批量审核：信息完整")
	if code != 0 || !strings.Contains(string(out), "审核通过 2 条，未通过 0 条") {
		t.Fatalf("approve: %d %s %s", code, out, stderr)
	}
	if _, stderr, code := run(t, nil, "review", "approve", "--db", db, "--region", "150302"); code != 2 || !strings.Contains(string(stderr), "--reason") {
		t.Errorf("approve without a reason: %d %s", code, stderr)
	}
	out, stderr, code = run(t, nil, "review", "reclassify", "--db", db, "--as-of", "2031-03-11")
	if code != 0 || !strings.Contains(string(out), "进入复核队列 1 条") || !strings.Contains(string(out), "流动儿童（监测摸排范围） 是→否：1 条") {
		t.Fatalf("reclassify: %d %s %s", code, out, stderr)
	}
	out, _, code = run(t, nil, "review", "queue", "--db", db)
	m := regexp.MustCompile(`(?m)^(\d+)\s+\S+\s+不再符合条件\s+.*满16周岁`).FindStringSubmatch(string(out))
	if code != 0 || m == nil {
		t.Fatalf("queue: %d\n%s", code, out)
	}
	if _, stderr, code := run(t, nil, "review", "archive", m[1], "--db", db, "--reason", "搬走了"); code == 0 || !strings.Contains(string(stderr), "归档原因应为") {
		t.Errorf("archive with a bad reason: %d %s", code, stderr)
	}
	if out, stderr, code := run(t, nil, "review", "archive", m[1], "--db", db, "--reason", "年满16周岁"); code != 0 || !strings.Contains(string(out), "已处理") {
		t.Fatalf("archive: %d %s %s", code, out, stderr)
	}
	if out, _, _ := run(t, nil, "review", "queue", "--db", db); strings.Contains(string(out), "不再符合条件") {
		t.Errorf("queue after archiving:\n%s", out)
	}
	if out, _, _ := run(t, nil, "review", "queue", "--db", db, "--all"); !strings.Contains(string(out), "已归档（年满16周岁）") {
		t.Errorf("queue --all:\n%s", out)
	}
}
