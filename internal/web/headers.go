package web

import "net/http"

// contentSecurityPolicy fits the built interface (web/dist): its scripts and style sheets are
// files of its own origin (no inline script; Vite writes none), Element Plus and ECharts set
// style attributes (hence 'unsafe-inline' for styles only), images and fonts may be data: or
// blob: URLs (the favicon is data:, ECharts exports blob:), requests go to the API of the same
// origin, and no page may frame it.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"font-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// hsts keeps browsers on HTTPS for a year once they have seen the server over it.
const hsts = "max-age=31536000"

// securityHeaders sets the security headers on every answer of the server — API, interface,
// health check, the answers of the mux itself (404, 405) — before the handler runs, so that none
// goes without them. Strict-Transport-Security is sent when the request came over TLS or the
// server is behind an HTTPS proxy (SecureCookies).
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		if r.TLS != nil || s.SecureCookies {
			h.Set("Strict-Transport-Security", hsts)
		}
		next.ServeHTTP(w, r)
	})
}
