package web

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/idcard"
)

// The roster routes' rows of the permission matrix (permissions_test.go): reviewers and
// department officers import rosters; every role that works with children reads leads and
// discrepancies; collectors and reviewers record outcomes.
func init() {
	for p, row := range map[string]matrixRow{
		"POST /api/v1/rosters":                     {Path: "/api/v1/rosters?dept=education", Roles: "reviewer,officer", Want: 400},
		"GET /api/v1/rosters":                      {Path: "/api/v1/rosters", Roles: "reviewer,officer", Want: 200},
		"GET /api/v1/rosters/{batch}/rejects":      {Path: "/api/v1/rosters/nope/rejects", Roles: "reviewer,officer", Want: 404},
		"GET /api/v1/roster-templates/{dept}":      {Path: "/api/v1/roster-templates/police", Roles: "reviewer,officer", Want: 200},
		"GET /api/v1/roster-reviews":               {Path: "/api/v1/roster-reviews", Roles: "reviewer,officer", Want: 200},
		"POST /api/v1/roster-reviews/{id}":         {Path: "/api/v1/roster-reviews/999999", Body: `{"decision":"accept"}`, Roles: "reviewer,officer", Want: 404},
		"GET /api/v1/discrepancies":                {Path: "/api/v1/discrepancies", Roles: "collector,reviewer,officer", Want: 200},
		"POST /api/v1/discrepancies/{uid}/resolve": {Path: "/api/v1/discrepancies/nope/resolve", Body: `{"note":"已核实"}`, Roles: "collector,reviewer", Want: 404},
		"GET /api/v1/leads":                        {Path: "/api/v1/leads", Roles: "collector,reviewer,officer", Want: 200},
		"POST /api/v1/leads/{uid}/outcome":         {Path: "/api/v1/leads/nope/outcome", Body: `{"outcome":"not_found"}`, Roles: "collector,reviewer", Want: 404},
	} {
		matrix[p] = row
	}
}

func webID(region, birth, seq string) string {
	first17 := region + birth + seq
	return first17 + string(idcard.CheckDigit(first17))
}

func uploadRaw(t *testing.T, h http.Handler, path, name string, content []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, rec.Body)
	}
	return rec.Code, out
}

func TestRosterAPI(t *testing.T) {
	h := newStoreServer(t)
	idA := webID("640104", "20150310", "123")
	children := "\ufeff姓名,性别,出生日期,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期,学业状况\n" +
		"王小明,男,2015-03-10," + idA + ",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母双方,2024-03-31,在读\n"
	if status, out := uploadRaw(t, h, "/api/v1/imports", "children.csv", []byte(children)); status != 200 || out["imported"] != 1.0 {
		t.Fatalf("children: %d %v", status, out)
	}
	roster := "姓名,身份证号,学校名称,年级,在校状态,是否随迁子女,家庭住址\n" +
		"王小明," + idA + ",乌海市第一小学,四年级,辍学,是,\n" +
		"赵小龙," + webID("640104", "20160801", "015") + ",乌海市第一小学,四年级,在校,是,内蒙古自治区乌海市海勃湾区新华街道清泉社区\n" +
		"钱多多,150302201501011230,乌海市第一小学,四年级,在校,否,\n"
	status, out := uploadRaw(t, h, "/api/v1/rosters?dept=education", "学生名册.csv", []byte(roster))
	if status != 200 || out["rows"] != 3.0 || out["updated"] != 1.0 || out["rejected"] != 1.0 || out["leads"] != 1.0 || out["discrepancies"] != 1.0 {
		t.Fatalf("roster upload: %d %v", status, out)
	}
	rejects, _ := out["rejects_url"].(string)
	req := httptest.NewRequest("GET", rejects+"?format=csv", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "钱多多") || !strings.Contains(rec.Body.String(), "错误原因") {
		t.Errorf("rejects download %d %s", rec.Code, rec.Body)
	}
	if status, out := uploadRaw(t, h, "/api/v1/rosters?dept=education", "学生名册.csv", []byte(roster)); status != 200 || out["imported"] != 0.0 || out["updated"] != 0.0 {
		t.Errorf("second upload: %d %v", status, out)
	}
	if status, out := uploadRaw(t, h, "/api/v1/rosters?dept=civil", "x.csv", []byte(roster)); status != 400 || !strings.Contains(out["error"].(map[string]any)["message"].(string), "部门") {
		t.Errorf("unknown department: %d %v", status, out)
	}

	status, out = call(t, h, "GET", "/api/v1/discrepancies?kind=contradiction", "")
	items, _ := out["items"].([]any)
	if status != 200 || out["total"] != 1.0 || len(items) != 1 || items[0].(map[string]any)["roster"] != "辍学" {
		t.Errorf("discrepancies: %d %v", status, out)
	}
	status, out = call(t, h, "GET", "/api/v1/leads?status=open", "")
	items, _ = out["items"].([]any)
	if status != 200 || len(items) != 1 {
		t.Fatalf("leads: %d %v", status, out)
	}
	lead := items[0].(map[string]any)
	// The collector who visits sees the name and the address to visit in full, the ID number masked.
	if p := lead["person"].(map[string]any); p["name"] != "赵小龙" || out["names"] != "full" || strings.Contains(p["id_number"].(string), "20160801") {
		t.Errorf("lead for the visit: %v", p)
	}
	status, out = call(t, h, "POST", "/api/v1/leads/"+lead["uid"].(string)+"/outcome", `{"outcome":"not_eligible","note":"已随父母返乡"}`)
	if status != 200 || out["status"] != "closed" || out["outcome_label"] != "不符合条件" {
		t.Errorf("outcome: %d %v", status, out)
	}
	if status, _ := call(t, h, "POST", "/api/v1/leads/"+lead["uid"].(string)+"/outcome", `{"outcome":"not_found"}`); status != 409 {
		t.Errorf("second outcome: %d, want 409", status)
	}
	if status, out := call(t, h, "GET", "/api/v1/rosters", ""); status != 200 || len(out["items"].([]any)) != 2 {
		t.Errorf("batches: %d %v", status, out)
	}
	if status, _ := call(t, h, "GET", "/api/v1/roster-reviews", ""); status != 200 {
		t.Errorf("reviews: %d", status)
	}
	req = httptest.NewRequest("GET", "/api/v1/roster-templates/disability", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("template: %d", rec.Code)
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("名册")
	if len(rows) < 3 || !strings.Contains(strings.Join(rows[1], ","), "残疾人证号") {
		t.Errorf("template rows %v", rows)
	}
}
