package web

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

// TestSecurityHeaders: every answer carries the security headers, including those that do not
// pass through guard (the API's 404, the interface, the mux's own answers), and
// Strict-Transport-Security over TLS or behind an HTTPS proxy only.
func TestSecurityHeaders(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		tls, secure  bool
		hsts         bool
	}{
		{name: "API 404", method: "GET", path: "/api/v1/nope"},
		{name: "API route", method: "GET", path: "/api/v1/meta/codes"},
		{name: "health check", method: "GET", path: "/healthz"},
		{name: "interface", method: "GET", path: "/"},
		{name: "interface client route", method: "GET", path: "/children/abc"},
		{name: "interface missing asset", method: "GET", path: "/assets/gone-1.js"},
		{name: "interface wrong method", method: "POST", path: "/children"},
		{name: "API document", method: "GET", path: "/api/v1/openapi.json"},
		{name: "over TLS", method: "GET", path: "/api/v1/nope", tls: true, hsts: true},
		{name: "interface over TLS", method: "GET", path: "/", tls: true, hsts: true},
		{name: "behind an HTTPS proxy", method: "GET", path: "/healthz", secure: true, hsts: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(fakeDB{})
			s.SecureCookies = tt.secure
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			h := rec.Header()
			want := map[string]string{
				"X-Content-Type-Options":  "nosniff",
				"X-Frame-Options":         "DENY",
				"Referrer-Policy":         "no-referrer",
				"Content-Security-Policy": "",
			}
			for k, v := range want {
				if got := h.Get(k); got == "" || (v != "" && got != v) {
					t.Errorf("%s: got %q, want %q (status %d)", k, got, v, rec.Code)
				}
			}
			if got := h.Get("Strict-Transport-Security"); (got != "") != tt.hsts {
				t.Errorf("Strict-Transport-Security: got %q, want it %v", got, tt.hsts)
			}
		})
	}
}
