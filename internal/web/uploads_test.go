package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/auth"
	"guanai/internal/sheet"
)

func init() {
	for p, row := range map[string]matrixRow{
		"POST /api/v1/upload-requests":                {Path: "/api/v1/upload-requests", Body: `{"region":"150302"}`, Roles: "reviewer", Want: 201},
		"GET /api/v1/upload-requests":                 {Path: "/api/v1/upload-requests", Roles: "reviewer", Want: 200},
		"POST /api/v1/upload-requests/{uid}/decision": {Path: "/api/v1/upload-requests/nope/decision", Body: `{"approve":true}`, Roles: "reviewer", Want: 404},
		"POST /api/v1/uploads":                        {Path: "/api/v1/uploads", Body: `{"request":"nope"}`, Roles: "reviewer", Want: 404},
		"GET /api/v1/uploads":                         {Path: "/api/v1/uploads", Roles: "reviewer", Want: 200},
		"GET /api/v1/uploads/{number}":                {Path: "/api/v1/uploads/nope", Roles: "reviewer", Want: 404},
		"POST /api/v1/uploads/feedback":               {Path: "/api/v1/uploads/feedback", Roles: "reviewer", Want: 400},
	} {
		matrix[p] = row
	}
}

// TestUploadAPI: a migrant child registered, submitted and approved; the district reviewer's
// batch answers the workbook with the batch's number and the child on the 附件1 sheet; the next
// batch is empty; the answer file returns the child to its collector; a collector may not
// upload and a reviewer of another district does not see the batch.
func TestUploadAPI(t *testing.T) {
	e := newTestEnv(t)
	col := e.login(t, e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false))
	rev := e.login(t, e.addUser(t, "rev", auth.RoleReviewer, "minzheng", "150302", false))
	other := e.login(t, e.addUser(t, "rev2", auth.RoleReviewer, "minzheng", "150304", false))
	rev3 := e.login(t, e.addUser(t, "rev3", auth.RoleReviewer, "minzheng", "150302", false))
	// request asks for a batch of region as rev and has rev3 approve it; it answers the request.
	request := func(region string) string {
		t.Helper()
		status, q := rev.do(t, "POST", "/api/v1/upload-requests", `{"region":"`+region+`"}`)
		if status != 201 {
			t.Fatalf("request: %d %v", status, q)
		}
		uid := q["uid"].(string)
		if status, out := rev.do(t, "POST", "/api/v1/upload-requests/"+uid+"/decision", `{"approve":true}`); status != 403 {
			t.Errorf("approving one's own request: %d %v", status, out)
		}
		if status, out := rev3.do(t, "POST", "/api/v1/upload-requests/"+uid+"/decision", `{"approve":true,"note":"同意"}`); status != 200 || out["status"] != "approved" {
			t.Fatalf("approve: %d %v", status, out)
		}
		return uid
	}
	status, out := col.do(t, "POST", "/api/v1/children", migrantJSON)
	if status != 201 {
		t.Fatalf("create: %d %v", status, out)
	}
	uid := out["uid"].(string)
	if status, out := col.do(t, "POST", "/api/v1/children/"+uid+"/transitions", `{"to":"submitted"}`); status != 200 {
		t.Fatalf("submit: %d %v", status, out)
	}
	if status, out := rev.do(t, "POST", "/api/v1/children/"+uid+"/transitions", `{"to":"approved"}`); status != 200 {
		t.Fatalf("approve: %d %v", status, out)
	}
	if status, _ := col.do(t, "POST", "/api/v1/uploads", `{}`); status != 403 {
		t.Errorf("a collector uploads: %d", status)
	}
	if status, out := rev.do(t, "POST", "/api/v1/upload-requests", `{"region":"150303"}`); status != 403 {
		t.Errorf("another district's region: %d %v", status, out)
	}
	if status, out := rev.do(t, "POST", "/api/v1/uploads", `{}`); status != 422 {
		t.Errorf("a batch without a request: %d %v", status, out)
	}
	req1 := request("150302")
	rec := rev.raw("POST", "/api/v1/uploads", `{"request":"`+req1+`"}`, true)
	number := rec.Header().Get("X-Upload-Batch")
	if rec.Code != 201 || number == "" || rec.Header().Get("X-Upload-Records") != "1" || len(rec.Header().Get("X-Upload-Digest")) != 64 {
		t.Fatalf("batch: %d %v %.200s", rec.Code, rec.Header(), rec.Body)
	}
	f, err := excelize.OpenReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(sheet.Form1Sheet)
	f.Close()
	if len(rows) != 4 || rows[3][0] != "1" || !strings.Contains(strings.Join(rows[3], ","), "150302201503101237") || !strings.Contains(rows[1][0], "rev") {
		t.Fatalf("附件1 rows %q", rows)
	}
	if rec := rev.raw("POST", "/api/v1/uploads", `{"request":"`+req1+`"}`, true); rec.Code != 403 {
		t.Errorf("a request used twice: %d", rec.Code)
	}
	if rec := rev.raw("POST", "/api/v1/uploads", `{"request":"`+request("")+`"}`, true); rec.Code != 201 || rec.Header().Get("X-Upload-Records") != "0" {
		t.Errorf("second batch: %d %v", rec.Code, rec.Header())
	}
	_, list := rev.do(t, "GET", "/api/v1/uploads", "")
	if n := len(items(list)); n != 2 {
		t.Errorf("batches: %v", list)
	}
	if status, _ := other.do(t, "GET", "/api/v1/uploads/"+url.PathEscape(number), ""); status != 404 {
		t.Errorf("another district reads the batch: %d", status)
	}
	status, got := rev.do(t, "GET", "/api/v1/uploads/"+url.PathEscape(number), "")
	its := items(got)
	if status != 200 || len(its) != 1 || its[0]["result"] != "pending" || strings.Contains(its[0]["id_number"].(string), "20150310") {
		t.Fatalf("batch items: %d %v", status, got)
	}
	status, fb := rev.upload(t, "/api/v1/uploads/feedback", "反馈.csv", "批次号,批次序号,反馈结果,退回原因\n"+number+",1,退回,父亲联系方式有误\n")
	if status != 200 || fb["returned"] != float64(1) {
		t.Fatalf("feedback: %d %v", status, fb)
	}
	_, c := col.do(t, "GET", "/api/v1/children/"+uid, "")
	if c["status"] != "returned" {
		t.Errorf("after the return the record is %v", c["status"])
	}
}
