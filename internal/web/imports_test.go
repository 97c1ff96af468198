package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"guanai/internal/workflow"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// importCSV has two good rows and one with an impossible date and a wrong ID number (row 6).
const importCSV = "\ufeff乌海市流动儿童基本情况登记表\n\n" +
	"姓名,性别,出生日期,民族,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期,父亲姓名,父亲联系方式\n" +
	"张小明,男,2015/3/10,汉族,150302201503101237,宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母一方,2024年3月31日,张强,13812345678\n" +
	"巴特尔,男,20140404,蒙古,150302201404041232,内蒙古自治区乌海市海勃湾区新华街道清泉社区,150302008003,父母双方,2023.9.1,,\n" +
	"李四,女,2015-02-30,汉族,150302201503101238,,,,,,\n"

func upload(t *testing.T, h http.Handler, path, name string, content []byte) (int, workflow.Summary, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out workflow.Summary
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("summary is not JSON: %v\n%s", err, rec.Body)
		}
	}
	return rec.Code, out, rec.Body.String()
}

func TestImportUpload(t *testing.T) {
	h := newStoreServer(t)

	// The preview reads every row and stores nothing.
	status, pre, raw := upload(t, h, "/api/v1/imports?dry_run=1", "children.csv", []byte(importCSV))
	if status != http.StatusOK {
		t.Fatalf("preview: got %d %s", status, raw)
	}
	if !pre.DryRun || pre.Rows != 3 || pre.Imported != 2 || pre.Rejected != 1 || pre.Batch != "" || pre.RejectsURL != "" {
		t.Fatalf("preview: got %+v, want 3 rows, 2 importable, 1 rejected, no batch", pre)
	}
	cols := map[string]bool{}
	for _, e := range pre.Errors {
		if e.Row != 6 || e.Message == "" {
			t.Errorf("preview error %+v, want row 6 with a message", e)
		}
		cols[e.Column] = true
	}
	if !cols["出生日期"] || !cols["公民身份号码"] {
		t.Errorf("preview errors name columns %v, want 出生日期 and 公民身份号码", cols)
	}
	if _, list := call(t, h, "GET", "/api/v1/children", ""); list["total"].(float64) != 0 {
		t.Fatalf("preview stored records: %v", list["total"])
	}

	// The import stores the good rows and keeps the bad one for download.
	status, got, raw := upload(t, h, "/api/v1/imports", "children.csv", []byte(importCSV))
	if status != http.StatusOK {
		t.Fatalf("import: got %d %s", status, raw)
	}
	if got.DryRun || got.Rows != 3 || got.Imported != 2 || got.Rejected != 1 || got.Batch == "" || len(got.Errors) == 0 {
		t.Fatalf("import: got %+v", got)
	}
	if want := "/api/v1/imports/" + got.Batch + "/rejects"; got.RejectsURL != want {
		t.Errorf("rejects_url: got %q, want %q", got.RejectsURL, want)
	}
	if _, list := call(t, h, "GET", "/api/v1/children", ""); list["total"].(float64) != 2 {
		t.Fatalf("after import: total %v, want 2", list["total"])
	}

	// The rejects come back with the original cells and the reason.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", got.RejectsURL+"?format=csv", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("rejects: got %d %s", rec.Code, rec.Body)
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
		t.Errorf("Content-Disposition: got %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("rejects CSV: %v\n%s", err, rec.Body)
	}
	var found bool
	for _, r := range rows {
		if len(r) > 0 && r[0] == "李四" {
			found = true
			if reason := r[len(r)-1]; reason == "" || !strings.Contains(strings.Join(r, ","), "2015-02-30") {
				t.Errorf("rejected row: got %q, want the original cells and a reason", r)
			}
		}
	}
	if !found {
		t.Errorf("rejects: no row for 李四 in %q", rows)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", got.RejectsURL, nil))
	if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("PK")) {
		t.Errorf("rejects workbook: got %d, %d bytes, want an xlsx", rec.Code, rec.Body.Len())
	}
}

func TestImportUploadRefused(t *testing.T) {
	h := newStoreServer(t)
	tests := []struct {
		name, path, file string
		content          []byte
		status           int
		message          string
	}{
		{name: "not a template", path: "/api/v1/imports", file: "x.csv", content: []byte("甲,乙\n1,2\n"), status: 422, message: "无法读取文件"},
		{name: "bad status", path: "/api/v1/imports?status=approved", file: "x.csv", content: []byte(importCSV), status: 400, message: "status"},
		{name: "damaged workbook", path: "/api/v1/imports", file: "x.xlsx", content: []byte("PK\x03\x04 not really"), status: 422, message: "无法读取文件"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, raw := upload(t, h, tt.path, tt.file, tt.content)
			if status != tt.status || !strings.Contains(raw, tt.message) {
				t.Errorf("got %d %s, want %d with %q", status, raw, tt.status, tt.message)
			}
		})
	}
	// No file at all.
	status, out := call(t, h, "POST", "/api/v1/imports", "", "Content-Type", "multipart/form-data; boundary=x")
	if status != 400 || out["error"] == nil {
		t.Errorf("no file: got %d %v, want 400", status, out)
	}
	status, _ = call(t, h, "GET", "/api/v1/imports/nope/rejects", "")
	if status != 404 {
		t.Errorf("unknown batch: got %d, want 404", status)
	}
}

// TestImportPreviewScope: the preview refuses the rows the import will refuse because the
// child would be outside the user's jurisdiction, so preview and import agree.
func TestImportPreviewScope(t *testing.T) {
	e := newTestEnv(t)
	// A collector of the community where 巴特尔 lives; 张小明 lives and is registered elsewhere.
	c := e.login(t, e.addUser(t, "village", "collector", "minzheng", "150302008003", false))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.cookie})
		r.Header.Set("X-CSRF-Token", c.csrf)
		e.h.ServeHTTP(w, r)
	})
	status, pre, raw := upload(t, h, "/api/v1/imports?dry_run=1", "children.csv", []byte(importCSV))
	if status != http.StatusOK {
		t.Fatalf("preview: %d %s", status, raw)
	}
	if pre.Rows != 3 || pre.Imported != 1 || pre.Rejected != 2 {
		t.Fatalf("preview: got %+v, want 1 importable and 2 rejected", pre)
	}
	var scoped bool
	for _, p := range pre.Errors {
		if p.Row == 4 && p.Code == "out_of_scope" && p.Message != "" {
			scoped = true
		}
	}
	if !scoped {
		t.Errorf("preview errors %+v: want row 4 out_of_scope", pre.Errors)
	}
	status, got, raw := upload(t, h, "/api/v1/imports", "children.csv", []byte(importCSV))
	if status != http.StatusOK {
		t.Fatalf("import: %d %s", status, raw)
	}
	if got.Imported != pre.Imported || got.Rejected != pre.Rejected {
		t.Errorf("import %+v disagrees with its preview %+v", got, pre)
	}
}
