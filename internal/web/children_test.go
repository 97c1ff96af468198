package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"guanai/internal/auth"
)

// newStoreServer returns a server on a fresh SQLite registry in a temporary directory, with every
// request sent through it logged in as a collector and reviewer of the whole city (乌海市 民政:
// children, statistics, imports, rosters, leads) carrying the session's CSRF token. Tests of one role or area use
// newTestEnv, addUser and login (auth_test.go) instead.
func newStoreServer(t *testing.T) http.Handler {
	t.Helper()
	e := newTestEnv(t)
	c := e.login(t, e.addUser(t, "city_worker", auth.RoleCollector+","+auth.RoleReviewer, "minzheng", "1503", false))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie(SessionCookie); err != nil {
			r.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.cookie})
		}
		if r.Header.Get("X-CSRF-Token") == "" {
			r.Header.Set("X-CSRF-Token", c.csrf)
		}
		e.h.ServeHTTP(w, r)
	})
}

func call(t *testing.T, h http.Handler, method, path, body string, header ...string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %v\n%s", method, path, err, rec.Body)
	}
	return rec.Code, out
}

const migrantJSON = `{"name":"张小明","sex":"1","birth_date":"2015-03-10","id_number":"150302201503101237","hukou_registered":true,
"hukou_address":{"region_code":"640104","detail":"解放西街1号"},"residence_address":{"region_code":"150302003012","detail":"清泉小区3号楼"},
"co_residents":"one_parent","left_hukou_date":"2024-03-31","father":{"name":"张强","phone":"13812345678"}}`

func TestChildrenScenario(t *testing.T) {
	h := newStoreServer(t)

	status, out := call(t, h, "POST", "/api/v1/children", migrantJSON)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, out)
	}
	uid := out["uid"].(string)
	rec := out["record"].(map[string]any)
	// A case worker of the jurisdiction sees the name in full, the ID number masked.
	if rec["id_number"] != "150302************" || rec["name"] != "张小明" || out["names"] != "full" {
		t.Errorf("record not masked: %v", rec)
	}
	if f := rec["father"].(map[string]any); f["phone"] != "138****5678" {
		t.Errorf("phone not masked: %v", f)
	}
	if c := out["classification"].(map[string]any); c["migrant_monitoring"] != "yes" || c["age"].(float64) != 10 {
		t.Errorf("classification %v", c)
	}

	tests := []struct {
		name, method, path, body string
		header                   []string
		status                   int
	}{
		{"invalid record", "POST", "/api/v1/children", `{"name":"李四","birth_date":"2015-02-30"}`, nil, 422},
		{"duplicate ID", "POST", "/api/v1/children", migrantJSON, nil, 409},
		{"get", "GET", "/api/v1/children/" + uid, "", nil, 200},
		{"get unknown", "GET", "/api/v1/children/nope", "", nil, 404},
		{"search by ID", "GET", "/api/v1/children?id_number=150302201503101237", "", nil, 200},
		{"search by pinyin", "GET", "/api/v1/children?name=zhangxiaoming", "", nil, 200},
		{"bad limit", "GET", "/api/v1/children?limit=9999", "", nil, 400},
		{"update without version", "PUT", "/api/v1/children/" + uid, migrantJSON, nil, 400},
		{"update", "PUT", "/api/v1/children/" + uid + "?version=1", strings.Replace(migrantJSON, "one_parent", "both_parents", 1), nil, 200},
		{"stale update of the same field", "PUT", "/api/v1/children/" + uid, strings.Replace(migrantJSON, "one_parent", "other_guardian", 1), []string{"If-Match", "1"}, 409},
		{"approve a draft", "POST", "/api/v1/children/" + uid + "/transitions", `{"to":"approved"}`, nil, 403},
		{"submit", "POST", "/api/v1/children/" + uid + "/transitions", `{"to":"submitted"}`, nil, 200},
		{"return without reason", "POST", "/api/v1/children/" + uid + "/transitions", `{"to":"returned"}`, nil, 422},
		{"return", "POST", "/api/v1/children/" + uid + "/transitions", `{"to":"returned","reason":"离开户籍地日期需核实"}`, nil, 200},
		{"history", "GET", "/api/v1/children/" + uid + "/history", "", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := call(t, h, tt.method, tt.path, tt.body, tt.header...)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, out)
			}
			if status >= 400 {
				e := out["error"].(map[string]any)
				if e["code"] == "" || e["message"] == "" {
					t.Errorf("error without code or message: %v", out)
				}
			}
		})
	}
	_, page := call(t, h, "GET", "/api/v1/children?name=zxm", "")
	if page["total"].(float64) != 1 {
		t.Errorf("pinyin initials search: %v", page)
	}
}
