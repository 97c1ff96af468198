package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestUIServesFilesAndRoutes(t *testing.T) {
	index := "<!doctype html><title>关爱</title>" + strings.Repeat("<!-- pad -->", 200)
	app := strings.Repeat("console.log('关爱');", 200)
	u := newUI(fstest.MapFS{
		"index.html":         {Data: []byte(index)},
		"assets/app-abc1.js": {Data: []byte(app)},
		"favicon.svg":        {Data: []byte("<svg/>")},
	})
	tests := []struct {
		name, method, path, encoding string
		status                       int
		body, cache, ctype           string
		gzip                         bool
	}{
		{name: "root is the app", method: "GET", path: "/", status: 200, body: index, cache: "no-cache", ctype: "text/html"},
		{name: "client route falls back to the app", method: "GET", path: "/children/abc/edit", status: 200, body: index, cache: "no-cache", ctype: "text/html"},
		{name: "hashed asset cached a year", method: "GET", path: "/assets/app-abc1.js", status: 200, body: app, cache: "public, max-age=31536000, immutable", ctype: "javascript"},
		{name: "asset compressed when accepted", method: "GET", path: "/assets/app-abc1.js", encoding: "gzip, br", status: 200, body: app, cache: "immutable", ctype: "javascript", gzip: true},
		{name: "gzip refused with q=0", method: "GET", path: "/assets/app-abc1.js", encoding: "gzip;q=0", status: 200, body: app, ctype: "javascript"},
		{name: "other file revalidated", method: "GET", path: "/favicon.svg", status: 200, body: "<svg/>", cache: "no-cache", ctype: "image/svg"},
		{name: "missing asset is 404, not the app", method: "GET", path: "/assets/gone-123.js", status: 404, body: "没有这个文件"},
		{name: "missing file with extension is 404", method: "GET", path: "/robots.txt", status: 404, body: "没有这个文件"},
		{name: "path traversal stays inside", method: "GET", path: "/../../etc/passwd", status: 200, body: index},
		{name: "POST refused", method: "POST", path: "/children", status: 405, body: "不支持的请求方法"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.encoding != "" {
				req.Header.Set("Accept-Encoding", tt.encoding)
			}
			rec := httptest.NewRecorder()
			u.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status: got %d, want %d", rec.Code, tt.status)
			}
			body := rec.Body.Bytes()
			if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tt.gzip {
				t.Fatalf("gzip: got %v, want %v", got, tt.gzip)
			}
			if tt.gzip {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if !strings.Contains(string(body), tt.body) {
				t.Errorf("body: got %.80q, want it to contain %.80q", body, tt.body)
			}
			if !strings.Contains(rec.Header().Get("Cache-Control"), tt.cache) {
				t.Errorf("Cache-Control: got %q, want %q", rec.Header().Get("Cache-Control"), tt.cache)
			}
			if !strings.Contains(rec.Header().Get("Content-Type"), tt.ctype) {
				t.Errorf("Content-Type: got %q, want %q", rec.Header().Get("Content-Type"), tt.ctype)
			}
			if tt.status == 200 && rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("X-Content-Type-Options: nosniff missing")
			}
		})
	}
}

func TestUINotBuilt(t *testing.T) {
	u := newUI(fstest.MapFS{".keep": {Data: nil}})
	rec := httptest.NewRecorder()
	u.ServeHTTP(rec, httptest.NewRequest("GET", "/children", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status: got %d, want 503", rec.Code)
	}
	if !strings.Contains(rec.Body.String(), "界面尚未构建") || !strings.Contains(rec.Body.String(), "make run") {
		t.Errorf("body: got %q, want the Chinese explanation with make run", rec.Body.String())
	}
}

func TestUIMountedBesideAPI(t *testing.T) {
	h := newServer(fakeDB{}).Handler()
	// The API keeps answering JSON, the UI takes the rest.
	status, out := do(t, h, "GET", "/api/v1/nothing-here", "")
	if status != 404 || out["error"] == nil {
		t.Fatalf("unknown API path: got %d %v, want a JSON 404", status, out)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/children", nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("client route: Content-Type %q, want text/html (the app or the not-built page)", ct)
	}
}
