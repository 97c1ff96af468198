package web

import (
	"bytes"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The verification routes' rows of the permission matrix (permissions_test.go): only a reviewer
// both exports records and imports rosters, so only a reviewer makes and downloads lists;
// officers follow their progress.
func init() {
	for p, row := range map[string]matrixRow{
		"POST /api/v1/verifications":           {Path: "/api/v1/verifications", Body: `{"dept":"insurance","region":"150302"}`, Roles: "reviewer", Want: 201},
		"GET /api/v1/verifications":            {Path: "/api/v1/verifications?dept=insurance", Roles: "reviewer,officer", Want: 200},
		"GET /api/v1/verifications/{uid}":      {Path: "/api/v1/verifications/nope", Roles: "reviewer,officer", Want: 404},
		"GET /api/v1/verifications/{uid}/file": {Path: "/api/v1/verifications/nope/file", Roles: "reviewer", Want: 404},
	} {
		matrix[p] = row
	}
}

// TestVerificationAPI: a list for the schools is made, listed, downloaded, answered in the
// workbook and uploaded as the schools' roster; the summary and the list show the answers.
func TestVerificationAPI(t *testing.T) {
	h := newStoreServer(t)
	idA, idB := webID("640104", "20150310", "123"), webID("150302", "20160606", "222")
	children := "\ufeff姓名,性别,出生日期,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期,学业状况\n" +
		"王小明,男,2015-03-10," + idA + ",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母双方,2024-03-31,在读\n" +
		"李娜,女,2016-06-06," + idB + ",内蒙古自治区乌海市海勃湾区新华街道清泉社区,150302003012,父母双方,,在读\n"
	if status, out := uploadRaw(t, h, "/api/v1/imports", "children.csv", []byte(children)); status != 200 || out["imported"] != 2.0 {
		t.Fatalf("children: %d %v", status, out)
	}

	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"no department", `{"region":"150302"}`, 422, "请选择要核查的部门"},
		{"unknown department", `{"dept":"civil"}`, 400, "未知的部门"},
		{"kind of another department", `{"dept":"education","kind":"no_insurance"}`, 422, "不是可以请教育部门核查的差异类型"},
		{"nobody", `{"dept":"disability"}`, 422, "没有符合条件的儿童"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := call(t, h, "POST", "/api/v1/verifications", tc.body)
			e, _ := out["error"].(map[string]any)
			msg, _ := e["message"].(string)
			if status != tc.status || !strings.Contains(msg, tc.want) {
				t.Errorf("got %d %v, want %d saying %q", status, out, tc.status, tc.want)
			}
		})
	}

	status, v := call(t, h, "POST", "/api/v1/verifications", `{"dept":"education","region":"150302","note":"春季学期核查"}`)
	if status != 201 || v["count"] != 2.0 || v["pending"] != 2.0 || v["department_label"] != "教育部门" || v["kind_label"] != "义务教育年龄（6-15 周岁）儿童" ||
		v["region"] != "150302" || v["note"] != "春季学期核查" || len(v["created_at"].(string)) != len("2006-01-02 15:04:05") {
		t.Fatalf("create: %d %v", status, v)
	}
	uid := v["uid"].(string)
	if status, out := call(t, h, "GET", "/api/v1/verifications?dept=教育", ""); status != 200 || len(out["items"].([]any)) != 1 {
		t.Errorf("list: %d %v", status, out)
	}
	if status, out := call(t, h, "GET", "/api/v1/verifications?dept=police", ""); status != 200 || len(out["items"].([]any)) != 0 {
		t.Errorf("list of police: %d %v", status, out)
	}

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/verifications/"+uid+"/file", nil))
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Disposition"), "filename*=UTF-8''"+url.PathEscape("教育部门核查名单")) {
		t.Fatalf("file: %d %v %s", rec.Code, rec.Header(), rec.Body.String()[:min(200, rec.Body.Len())])
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("核查名单")
	if len(rows) != 5 || !strings.Contains(rows[1][0], "city_worker") || !strings.Contains(rows[1][0], "不得外传") || !strings.Contains(rows[0][0], "海勃湾区") {
		t.Fatalf("file rows %q", rows)
	}
	set := func(id, col, val string) {
		t.Helper()
		c := slices.Index(rows[2], col)
		r := slices.IndexFunc(rows, func(row []string) bool { return slices.Contains(row, id) })
		if c < 0 || r < 0 {
			t.Fatalf("no column %s or no row of %s", col, id)
		}
		cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
		f.SetCellStr("核查名单", cell, val)
	}
	set(idA, "是否寄宿", "是")
	set(idA, "核查结果", "已核实")
	set(idB, "核查结果", "查无此人")
	var answered bytes.Buffer
	if err := f.Write(&answered); err != nil {
		t.Fatal(err)
	}
	status, out := uploadRaw(t, h, "/api/v1/rosters?dept=education", "核查名单（已填）.xlsx", answered.Bytes())
	p, _ := out["verification"].(map[string]any)
	if status != 200 || out["rows"] != 2.0 || out["updated"] != 1.0 || p == nil || p["uid"] != uid || p["answered"] != 1.0 || p["not_found"] != 1.0 || p["pending"] != 0.0 {
		t.Fatalf("upload of the answers: %d %v", status, out)
	}
	if status, out := call(t, h, "GET", "/api/v1/verifications/"+uid, ""); status != 200 || out["answered"] != 1.0 || out["not_found"] != 1.0 || out["pending"] != 0.0 {
		t.Errorf("list after the answers: %d %v", status, out)
	}
	// A plain roster's summary has no verification key.
	plain := "姓名,身份证号,学校名称\n王小明," + idA + ",乌海市第一小学\n"
	if status, out := uploadRaw(t, h, "/api/v1/rosters?dept=education", "plain.csv", []byte(plain)); status != 200 || out["verification"] != nil {
		t.Errorf("plain roster: %d %v", status, out)
	}
}
