package web

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"guanai/internal/audit"
	"guanai/internal/store"
)

// TestClientAddr: behind reverse proxies the client is the right-most address of
// X-Forwarded-For that is not a trusted proxy, read only when the immediate peer is a trusted
// proxy; what the client writes to the left of it counts for nothing.
func TestClientAddr(t *testing.T) {
	tenNet := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name    string
		proxy   bool
		trusted []netip.Prefix
		remote  string
		xff     []string
		want    string
	}{
		{name: "no proxy: the header is ignored", remote: "198.51.100.9:5000", xff: []string{"1.1.1.1"}, want: "198.51.100.9"},
		{name: "local proxy by default", proxy: true, remote: "127.0.0.1:5000", xff: []string{"203.0.113.7"}, want: "203.0.113.7"},
		{name: "the client's own entry on the left is ignored", proxy: true, remote: "127.0.0.1:5000", xff: []string{"1.1.1.1, 203.0.113.7"}, want: "203.0.113.7"},
		{name: "several header lines", proxy: true, remote: "127.0.0.1:5000", xff: []string{"1.1.1.1", "203.0.113.7"}, want: "203.0.113.7"},
		{name: "a peer that is not a proxy", proxy: true, remote: "198.51.100.9:5000", xff: []string{"1.1.1.1"}, want: "198.51.100.9"},
		{name: "a peer that is not a listed proxy", proxy: true, trusted: tenNet, remote: "127.0.0.1:5000", xff: []string{"1.1.1.1"}, want: "127.0.0.1"},
		{name: "two proxies", proxy: true, trusted: tenNet, remote: "10.0.0.2:5000", xff: []string{"1.1.1.1, 203.0.113.7, 10.0.0.3"}, want: "203.0.113.7"},
		{name: "only proxies", proxy: true, trusted: tenNet, remote: "10.0.0.2:5000", xff: []string{"10.0.0.9"}, want: "10.0.0.9"},
		{name: "no header", proxy: true, remote: "127.0.0.1:5000", want: "127.0.0.1"},
		{name: "garbage appended by a proxy", proxy: true, remote: "127.0.0.1:5000", xff: []string{"203.0.113.7, unknown"}, want: "127.0.0.1"},
		{name: "an address with a port", proxy: true, remote: "127.0.0.1:5000", xff: []string{"1.1.1.1, 203.0.113.7:4711"}, want: "203.0.113.7"},
		{name: "IPv6", proxy: true, remote: "[::1]:5000", xff: []string{"1.1.1.1, 2001:db8::7"}, want: "2001:db8::7"},
		{name: "IPv4 peer written as IPv6", proxy: true, remote: "[::ffff:127.0.0.1]:5000", xff: []string{"203.0.113.7"}, want: "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{TrustProxy: tt.proxy, TrustedProxies: tt.trusted}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.clientAddr(r); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestProxySpoofedAddress: behind a local proxy, a client that writes a new address into
// X-Forwarded-For with every attempt is still limited as one address, and the audit trail
// records the address the proxy saw.
func TestProxySpoofedAddress(t *testing.T) {
	e := newTestEnv(t)
	e.srv.TrustProxy = true
	refused := 0
	for i := range 15 {
		req := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(fmt.Sprintf(`{"username":"u%d","password":"x"}`, i)))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("192.0.2.%d, 203.0.113.7", i+1))
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code == 429 {
			refused++
		}
	}
	if refused != 5 {
		t.Errorf("%d of 15 attempts refused, want 5: the spoofed addresses escaped the limit", refused)
	}
	page, err := e.st.AuditEntries(opCtx(), store.AuditQuery{Action: audit.LoginFailure, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range page.Items {
		if it.IP != "203.0.113.7" {
			t.Errorf("audited address %q, want 203.0.113.7", it.IP)
		}
	}
	if page.Total == 0 {
		t.Error("no login failure audited")
	}
}
