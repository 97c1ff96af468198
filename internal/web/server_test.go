package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"guanai/internal/region"
	"guanai/internal/rules"
)

type fakeDB struct{ err error }

func (f fakeDB) Ping(context.Context) error { return f.err }

func newServer(db Pinger) *Server {
	return &Server{DB: db, Regions: region.Default(), Rules: rules.DefaultConfig(),
		Now: func() time.Time { return time.Date(2025, 6, 30, 10, 0, 0, 0, chinaTime) }}
}

func do(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v\n%s", method, path, err, rec.Body)
	}
	return rec.Code, out
}

func TestRoutes(t *testing.T) {
	h := newStoreServer(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		check                    func(t *testing.T, out map[string]any)
	}{
		{"healthz", "GET", "/healthz", "", 200, nil},
		{"codes", "GET", "/api/v1/meta/codes", "", 200, func(t *testing.T, out map[string]any) {
			eth := out["codes"].(map[string]any)["ethnicity"].([]any)
			if len(eth) != 58 {
				t.Errorf("%d ethnic codes", len(eth))
			}
		}},
		{"provinces", "GET", "/api/v1/regions", "", 200, func(t *testing.T, out map[string]any) {
			if n := len(out["items"].([]any)); n != 31 {
				t.Errorf("%d provinces, want 31", n)
			}
		}},
		{"Wuhai districts", "GET", "/api/v1/regions?parent=150300", "", 200, func(t *testing.T, out map[string]any) {
			if n := len(out["items"].([]any)); n != 3 {
				t.Errorf("%d districts, want 3", n)
			}
		}},
		{"bad parent", "GET", "/api/v1/regions?parent=abc", "", 400, nil},
		{"unknown parent", "GET", "/api/v1/regions?parent=159999", "", 404, nil},
		{"one division", "GET", "/api/v1/regions/150302003012", "", 200, func(t *testing.T, out map[string]any) {
			if got := out["division"].(map[string]any)["full_name"]; got != "内蒙古自治区乌海市海勃湾区新华街道清泉社区" {
				t.Errorf("full name %v", got)
			}
		}},
		{"resolve", "GET", "/api/v1/regions/resolve?q=" + "乌海市海勃湾区新华街道清泉社区12号", "", 200, func(t *testing.T, out map[string]any) {
			if out["code"] != "150302003012" {
				t.Errorf("code %v", out["code"])
			}
		}},
		{"resolve nothing", "GET", "/api/v1/regions/resolve?q=幸福路1号", "", 422, nil},
		{"classify", "POST", "/api/v1/classify?as_of=2025-06-30", `{"name":"张小明","birth_date":"2015-03-10","hukou_address":{"region_code":"640104"},"residence_address":{"region_code":"150302"},"co_residents":"one_parent","left_hukou_date":"2024-03-31"}`, 200, func(t *testing.T, out map[string]any) {
			c := out["classification"].(map[string]any)
			if c["migrant_monitoring"] != "yes" || c["valid"] != true {
				t.Errorf("classification %v", c)
			}
		}},
		{"classify invalid", "POST", "/api/v1/classify", `{"name":"张小明","birth_date":"2015-02-30"}`, 200, func(t *testing.T, out map[string]any) {
			if out["classification"].(map[string]any)["valid"] != false {
				t.Error("want valid false")
			}
		}},
		{"unknown route", "GET", "/api/v1/nothing", "", 404, func(t *testing.T, out map[string]any) {
			if out["error"].(map[string]any)["code"] != "not_found" {
				t.Errorf("error %v", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := do(t, h, tt.method, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, out)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
}

func TestHealthzDatabaseDown(t *testing.T) {
	status, _ := do(t, newServer(fakeDB{err: errors.New("down")}).Handler(), "GET", "/healthz", "")
	if status != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", status)
	}
}

// TestOpenAPICoversRoutes fails when a route is added without its entry in openapi.json.
func TestOpenAPICoversRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	// A server on a real store registers every route (rosters, leads, verification lists too).
	s := newTestEnv(t).srv
	for _, p := range s.patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			continue // catch-all
		}
		ops, found := doc.Paths[path]
		if !found {
			t.Errorf("route %s has no entry in openapi.json", p)
			continue
		}
		if _, found := ops[strings.ToLower(method)]; !found {
			t.Errorf("route %s: openapi.json lacks method %s", p, method)
		}
	}
}
