package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/auth"
	"guanai/internal/store"
)

func init() {
	for p, row := range map[string]matrixRow{
		"GET /api/v1/releases":                 {Path: "/api/v1/releases", Roles: statsRoles, Want: 200},
		"POST /api/v1/releases":                {Path: "/api/v1/releases", Body: `{"title":"乌海市流动儿童性别构成","region":"150302","as_of":"2025-06-30","tables":["sex"]}`, Roles: "statistician", Want: 201},
		"GET /api/v1/releases/{uid}":           {Path: "/api/v1/releases/nope", Roles: statsRoles, Want: 404},
		"POST /api/v1/releases/{uid}/signoff":  {Path: "/api/v1/releases/nope/signoff", Body: `{"decision":"signed"}`, Roles: statsRoles, Want: 404},
		"POST /api/v1/releases/{uid}/approve":  {Path: "/api/v1/releases/nope/approve", Body: `{}`, Roles: statsRoles, Want: 404},
		"POST /api/v1/releases/{uid}/publish":  {Path: "/api/v1/releases/nope/publish", Roles: statsRoles, Want: 404},
		"POST /api/v1/releases/{uid}/withdraw": {Path: "/api/v1/releases/nope/withdraw", Body: `{"reason":"数据有误"}`, Roles: statsRoles, Want: 404},
		"GET /api/v1/releases/{uid}/xlsx":      {Path: "/api/v1/releases/nope/xlsx", Roles: statsRoles, Want: 404},
	} {
		matrix[p] = row
	}
}

// TestReleaseAPI: a statistician drafts a release of three tables; 教育 and 公安 must sign; it
// cannot be published before they sign and civil affairs and statistics approve; published, its
// workbook carries the digest the page shows, which is the SM3 of the figures the page shows.
func TestReleaseAPI(t *testing.T) {
	e := newTestEnv(t)
	col := e.login(t, e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false))
	stat := e.login(t, e.addUser(t, "stat", auth.RoleStatistician, "tongji", "1503", false))
	edu := e.login(t, e.addUser(t, "edu", auth.RoleOfficer, "jiaoyu", "150302", false))
	pol := e.login(t, e.addUser(t, "pol", auth.RoleOfficer, "gongan", "150302", false))
	rev := e.login(t, e.addUser(t, "rev", auth.RoleReviewer, "minzheng", "150302", false))
	if status, out := col.do(t, "POST", "/api/v1/children", migrantJSON); status != 201 {
		t.Fatalf("create: %d %v", status, out)
	}
	if status, _ := rev.do(t, "POST", "/api/v1/releases", `{"title":"民政起草","region":"150302","as_of":"2025-06-30","tables":["sex"]}`); status != 403 {
		t.Errorf("a reviewer drafts: %d", status)
	}
	status, out := stat.do(t, "POST", "/api/v1/releases", `{"title":"海勃湾区流动儿童基本情况","region":"150302","as_of":"2025-06-30","tables":["sex","school_stage","residence_registration"]}`)
	if status != 201 || strings.Join(anyStrings(out["department_labels"]), ",") != "教育,公安" {
		t.Fatalf("draft: %d %v", status, out)
	}
	uid := out["uid"].(string)
	base := "/api/v1/releases/" + uid
	if status, out := stat.do(t, "POST", base+"/publish", ""); status != 409 || !strings.Contains(errMessage(out), "教育部门尚未签署意见") {
		t.Errorf("publish before the sign-offs: %d %v", status, out)
	}
	for _, c := range []*client{edu, pol} {
		if status, out := c.do(t, "POST", base+"/signoff", `{"decision":"signed","comment":"同意发布"}`); status != 200 {
			t.Fatalf("sign: %d %v", status, out)
		}
	}
	for _, c := range []*client{rev, stat} {
		if status, out := c.do(t, "POST", base+"/approve", `{"comment":"同意"}`); status != 200 {
			t.Fatalf("approve: %d %v", status, out)
		}
	}
	if status, out := stat.do(t, "POST", base+"/publish", ""); status != 200 || out["status"] != store.ReleasePublished {
		t.Fatalf("publish: %d %v", status, out)
	}
	// A cross-tab of disability by sex needs 残联; suppressed with the release's tables.
	status, xd := stat.do(t, "POST", "/api/v1/releases", `{"title":"海勃湾区残疾儿童情况","region":"150302","as_of":"2025-06-30","tables":["sex"],"crosstabs":["x:disability_category:sex"]}`)
	if status != 201 || strings.Join(anyStrings(xd["department_labels"]), ",") != "残联" {
		t.Fatalf("draft with a cross-tab: %d %v", status, xd)
	}
	_, xr := stat.do(t, "GET", "/api/v1/releases/"+xd["uid"].(string), "")
	rep, _ := xr["report"].(map[string]any)
	tables, _ := rep["tables"].(map[string]any)
	if ct, _ := tables["x:disability_category:sex"].(map[string]any); ct == nil || ct["suppressed"] == nil || rep["totals"] != nil {
		t.Errorf("the cross-tab in the release: %v", rep)
	}
	if x := stat.raw("GET", "/api/v1/releases/"+xd["uid"].(string)+"/xlsx", "", false); x.Code != 200 {
		t.Errorf("the workbook of a release with a cross-tab: %d %.300s", x.Code, x.Body)
	}
	if status, _ := stat.do(t, "POST", "/api/v1/releases", `{"title":"错误交叉表","region":"150302","as_of":"2025-06-30","crosstabs":["x:sex:sex"]}`); status != 422 {
		t.Errorf("a cross-tab of one dimension twice: %d", status)
	}
	rec := edu.raw("GET", base, "", false)
	var page map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	var digest string
	json.Unmarshal(page["digest"], &digest)
	if digest == "" || store.ContentDigest(page["report"]) != digest {
		t.Fatalf("the page's digest %q is not the SM3 of the figures it shows", digest)
	}
	x := edu.raw("GET", base+"/xlsx", "", false)
	if x.Code != 200 || x.Header().Get("X-Release-Digest") != digest {
		t.Fatalf("xlsx: %d %v", x.Code, x.Header())
	}
	f, err := excelize.OpenReader(strings.NewReader(x.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 5 || sheets[0] != "发布信息" || !strings.Contains(sheets[2], "分性别") {
		t.Fatalf("sheets %v", sheets)
	}
	rows, _ := f.GetRows("发布信息")
	found := false
	for _, r := range rows {
		if len(r) == 2 && r[0] == "内容摘要（SM3）" && r[1] == digest {
			found = true
		}
	}
	if !found {
		t.Errorf("the workbook's digest is not the page's: %q", rows)
	}
	for _, sh := range sheets {
		hf, err := f.GetHeaderFooter(sh)
		if err != nil || hf == nil || !strings.Contains(hf.OddFooter, digest) {
			t.Errorf("sheet %s: footer %+v %v, want the digest on every printed page", sh, hf, err)
		}
	}
	if status, _ := pol.do(t, "POST", base+"/signoff", `{"decision":"objected","comment":"撤销"}`); status != 409 {
		t.Errorf("signing a published release: %d", status)
	}
}

func anyStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
