package web

import (
	"crypto/tls"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLoginCSRF: POST /api/v1/session takes JSON only and, when the browser names its origin,
// only from the server's own origin as the request names it (behind a trusted proxy, the one the
// proxy forwards). Otherwise 403: a page on another site cannot sign a browser into an account
// of the attacker's (login CSRF). Requests that pass get the ordinary answer (401 here: the
// account does not exist).
func TestLoginCSRF(t *testing.T) {
	e := newTestEnv(t)
	body := `{"username":"nobody","password":"x"}`
	tests := []struct {
		name   string
		proxy  bool
		tls    bool
		remote string
		header map[string]string
		status int
	}{
		{name: "text/plain from a foreign origin", header: map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"}, status: 403},
		{name: "text/plain without an origin", header: map[string]string{"Content-Type": "text/plain;charset=UTF-8"}, status: 403},
		{name: "a form", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 403},
		{name: "no content type", header: map[string]string{}, status: 403},
		{name: "JSON from a foreign origin", header: map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example"}, status: 403},
		{name: "JSON from an opaque origin", header: map[string]string{"Content-Type": "application/json", "Origin": "null"}, status: 403},
		{name: "JSON from the other scheme", header: map[string]string{"Content-Type": "application/json", "Origin": "https://example.com"}, status: 403},
		{name: "JSON without an origin", header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, status: 401},
		{name: "JSON from the own origin", header: map[string]string{"Content-Type": "application/json", "Origin": "http://example.com"}, status: 401},
		{name: "JSON from the own origin over TLS, default port", tls: true, header: map[string]string{"Content-Type": "application/json", "Origin": "https://EXAMPLE.com:443"}, status: 401},
		{name: "behind a proxy: the forwarded origin", proxy: true, remote: "127.0.0.1:4000",
			header: map[string]string{"Content-Type": "application/json", "Origin": "https://guanai.example.gov.cn", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "guanai.example.gov.cn"}, status: 401},
		{name: "behind a proxy: https without X-Forwarded-Proto", proxy: true, remote: "127.0.0.1:4000",
			header: map[string]string{"Content-Type": "application/json", "Origin": "https://example.com"}, status: 401},
		{name: "behind a proxy: plain http is not the forwarded origin", proxy: true, remote: "127.0.0.1:4000",
			header: map[string]string{"Content-Type": "application/json", "Origin": "http://guanai.example.gov.cn", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "guanai.example.gov.cn"}, status: 403},
		{name: "forwarded host from a peer that is not a proxy", proxy: true, remote: "198.51.100.9:4000",
			header: map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}, status: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.TrustProxy = tt.proxy
			req := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(body))
			if tt.remote != "" {
				req.RemoteAddr = tt.remote
			}
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("got %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
			if tt.status == 403 && (!strings.Contains(rec.Body.String(), `"code":"csrf"`) || !strings.Contains(rec.Body.String(), "登录请求")) {
				t.Errorf("403 without the csrf code and a Chinese message: %s", rec.Body)
			}
		})
	}
}

// TestStateChangingRoutesNeedCSRFToken: every state-changing route carries the session's
// X-CSRF-Token (guard) except the login, which has no session yet and is held to JSON and the
// own origin instead (TestLoginCSRF). A new public state-changing route needs its own defence.
func TestStateChangingRoutesNeedCSRFToken(t *testing.T) {
	for p, a := range access {
		method, _, _ := strings.Cut(p, " ")
		if a.Public && unsafeMethod(method) && p != "POST /api/v1/session" {
			t.Errorf("%s is public and changes state: it is not covered by the CSRF token", p)
		}
	}
}
