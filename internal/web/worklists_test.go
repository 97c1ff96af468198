package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/store"
)

// The work-list routes' rows of the permission matrix (permissions_test.go).
func init() {
	for p, row := range map[string]matrixRow{
		"GET /api/v1/roster-reviews/count": {Path: "/api/v1/roster-reviews/count?min_score=0.2", Roles: "reviewer,officer", Want: 200},
		"POST /api/v1/roster-reviews/bulk": {Path: "/api/v1/roster-reviews/bulk", Body: `{"min_score":0.4}`, Roles: "reviewer,officer", Want: 200},
		"GET /api/v1/discrepancies/export": {Path: "/api/v1/discrepancies/export?kind=contradiction", Roles: "collector,reviewer,officer", Want: 200},
		"GET /api/v1/leads/export":         {Path: "/api/v1/leads/export", Roles: "collector,reviewer,officer", Want: 200},
		// Only a collector both registers children and works leads; the child's uid is no lead.
		"GET /api/v1/leads/{uid}/draft": {Path: "/api/v1/leads/{uid}/draft", Roles: "collector", Want: 404},
	} {
		matrix[p] = row
	}
}

func TestWorklists(t *testing.T) {
	e := newTestEnv(t)
	c := e.login(t, e.addUser(t, "city_worker", auth.RoleCollector+","+auth.RoleReviewer, "minzheng", "1503", false))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.cookie})
		r.Header.Set("X-CSRF-Token", c.csrf)
		e.h.ServeHTTP(w, r)
	})
	idA := webID("640104", "20150310", "123")
	children := "\ufeff姓名,性别,出生日期,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期,学业状况,就读学校,父亲姓名,母亲姓名\n" +
		"王小明,男,2015-03-10," + idA + ",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母双方,2024-03-31,在读,乌海市第十小学,王建国,刘秀英\n"
	if status, out := uploadRaw(t, h, "/api/v1/imports", "children.csv", []byte(children)); status != 200 || out["imported"] != 1.0 {
		t.Fatalf("children: %d %v", status, out)
	}
	roster := "姓名,身份证号,学校名称,年级,在校状态,是否随迁子女,家庭住址,父亲姓名\n" +
		"王小明," + idA + ",乌海市第一小学,四年级,辍学,是,,\n" +
		"赵小龙," + webID("640104", "20160801", "015") + ",乌海市第一小学,四年级,在校,是,内蒙古自治区乌海市海勃湾区新华街道清泉社区,赵大勇\n"
	if status, out := uploadRaw(t, h, "/api/v1/rosters?dept=education", "学生名册.csv", []byte(roster)); status != 200 || out["leads"] != 1.0 || out["discrepancies"] != 2.0 {
		t.Fatalf("roster upload: %d %v", status, out)
	}
	// A health roster row without an ID number, a near miss of 王小明: a pair for review.
	health := "儿童姓名,性别,出生日期,父亲姓名,母亲姓名,健康管理,现住址\n" +
		"王大明,男,2015-03-10,王建国,刘秀英,在居住地接受,内蒙古自治区乌海市海勃湾区新华街道\n"
	if status, out := uploadRaw(t, h, "/api/v1/rosters?dept=health", "健康管理.csv", []byte(health)); status != 200 || out["review"] != 1.0 {
		t.Fatalf("health roster: %d %v", status, out)
	}

	status, out := call(t, h, "GET", "/api/v1/roster-reviews", "")
	items, _ := out["items"].([]any)
	if status != 200 || out["total"] != 1.0 || len(items) != 1 {
		t.Fatalf("reviews: %d %v", status, out)
	}
	pair := items[0].(map[string]any)
	score := pair["score"].(float64)
	// A reviewer compares the names themselves: both sides in full, and the reading audited.
	if pair["full"] != true || pair["roster_row"].(map[string]any)["name"] != "王大明" || pair["candidate"].(map[string]any)["name"] != "王小明" {
		t.Errorf("review pair %v", pair)
	}
	if page, _ := e.st.AuditEntries(opCtx(), store.AuditQuery{Action: audit.ReviewRead}); page.Total != 1 ||
		strings.Contains(string(page.Items[0].Detail), "王") || !strings.Contains(string(page.Items[0].Detail), pair["child_uid"].(string)) {
		t.Errorf("audit of the review list: %+v", page)
	}
	if status, out := call(t, h, "GET", "/api/v1/roster-reviews/count?dept=health&min_score=0.01", ""); status != 200 || out["total"] != 1.0 {
		t.Errorf("count: %d %v", status, out)
	}
	if status, out := call(t, h, "GET", "/api/v1/roster-reviews/count?dept=education", ""); status != 200 || out["total"] != 0.0 {
		t.Errorf("count of education: %d %v", status, out)
	}
	if status, _ := call(t, h, "GET", "/api/v1/roster-reviews/count?min_score=2", ""); status != 400 {
		t.Errorf("count with min_score 2: %d, want 400", status)
	}
	if status, out := call(t, h, "POST", "/api/v1/roster-reviews/bulk", `{"dept":"health"}`); status != 400 || !strings.Contains(errMessage(out), "分数下限") {
		t.Errorf("bulk without a score: %d %v", status, out)
	}
	if status, out := call(t, h, "POST", "/api/v1/roster-reviews/bulk", `{"min_score":0.999999,"dept":"health"}`); status != 200 || out["accepted"] != 0.0 || score >= 0.999999 {
		t.Errorf("bulk above every score: %d %v", status, out)
	}
	if status, out := call(t, h, "POST", "/api/v1/roster-reviews/bulk", `{"min_score":0.01,"dept":"health"}`); status != 200 || out["accepted"] != 1.0 || out["updated"] != 1.0 || out["failed"] != 0.0 {
		t.Errorf("bulk: %d %v", status, out)
	}
	if status, out := call(t, h, "GET", "/api/v1/roster-reviews", ""); status != 200 || out["total"] != 0.0 {
		t.Errorf("reviews after bulk: %d %v", status, out)
	}

	status, out = call(t, h, "GET", "/api/v1/discrepancies?kind=contradiction", "")
	items, _ = out["items"].([]any)
	if status != 200 || len(items) != 2 || items[0].(map[string]any)["name"] != child.MaskName("王小明") {
		t.Fatalf("discrepancy names: %d %v", status, out)
	}
	// The school's name is sensitive, but a contradiction on it is checked on the two names: in
	// full for a user who may reveal, with an audit entry; the download stays masked.
	var school map[string]any
	for _, it := range items {
		if m := it.(map[string]any); m["field"] == "school_name" {
			school = m
		}
	}
	if school == nil || school["record"] != "乌海市第十小学" || school["roster"] != "乌海市第一小学" {
		t.Errorf("school contradiction %v", school)
	}
	if page, _ := e.st.AuditEntries(opCtx(), store.AuditQuery{Action: audit.ReviewRead, Object: "discrepancies"}); page.Total != 1 {
		t.Errorf("audit of the contradiction values: %+v", page)
	}
	rows := workbook(t, h, "/api/v1/discrepancies/export?kind=contradiction")
	if len(rows) != 4 || !strings.Contains(rows[0][0], "导出人 city_worker") || rows[1][2] != "姓名" || rows[2][2] != child.MaskName("王小明") ||
		!slices.ContainsFunc(rows[2:], func(r []string) bool { return r[10] == "辍学" }) ||
		!slices.ContainsFunc(rows[2:], func(r []string) bool { return r[9] == child.MaskDetail("乌海市第十小学") }) {
		t.Errorf("discrepancy export %q", rows)
	}
	if status, out := call(t, h, "GET", "/api/v1/discrepancies/export", ""); status != 400 || !strings.Contains(errMessage(out), "差异类型") {
		t.Errorf("export without a kind: %d %v", status, out)
	}
	if status, out := call(t, h, "GET", "/api/v1/discrepancies/export?kind=no_insurance", ""); status != 422 || !strings.Contains(errMessage(out), "名册") {
		t.Errorf("export before any insurance roster: %d %v", status, out)
	}

	status, out = call(t, h, "GET", "/api/v1/leads?status=open", "")
	items, _ = out["items"].([]any)
	if status != 200 || out["total"] != 1.0 || len(items) != 1 {
		t.Fatalf("leads: %d %v", status, out)
	}
	lead := items[0].(map[string]any)["uid"].(string)
	rows = workbook(t, h, "/api/v1/leads/export?status=open")
	if len(rows) != 3 || rows[2][0] != lead || rows[2][1] != child.MaskName("赵小龙") || !strings.Contains(rows[2][5], "清泉社区") || strings.Contains(strings.Join(rows[2], ","), "20160801") {
		t.Errorf("lead export %q", rows)
	}
	status, out = call(t, h, "GET", "/api/v1/leads/"+lead+"/draft", "")
	rec, _ := out["record"].(map[string]any)
	if status != 200 || rec["name"] != "赵小龙" || rec["school_name"] != "乌海市第一小学" || rec["father"].(map[string]any)["name"] != "赵大勇" {
		t.Errorf("lead draft: %d %v", status, out)
	}
	if status, _ := call(t, h, "GET", "/api/v1/leads/nope/draft", ""); status != 404 {
		t.Errorf("draft of no lead: %d", status)
	}
	// Both downloads and the draft are in the audit trail, without a name in it.
	page, err := e.st.AuditEntries(opCtx(), store.AuditQuery{Action: audit.WorklistExport})
	if err != nil || page.Total != 2 || strings.Contains(string(page.Items[0].Detail), "赵") {
		t.Errorf("audit of the downloads: %+v %v", page, err)
	}
	if page, _ := e.st.AuditEntries(opCtx(), store.AuditQuery{Action: audit.LeadDraft}); page.Total != 1 {
		t.Errorf("audit of the draft: %+v", page)
	}
}

// workbook downloads path and returns the rows of its first sheet.
func workbook(t *testing.T, h http.Handler, path string) [][]string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != 200 {
		t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func errMessage(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}
