package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// loopbackProxies are the proxies trusted when Server.TrustProxy is set without
// TrustedProxies: a reverse proxy on the same machine.
var loopbackProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}

// trustedProxy reports whether a is one of the reverse proxies whose X-Forwarded-For is
// believed.
func (s *Server) trustedProxy(a netip.Addr) bool {
	if !s.TrustProxy || !a.IsValid() {
		return false
	}
	nets := s.TrustedProxies
	if len(nets) == 0 {
		nets = loopbackProxies
	}
	a = a.Unmap()
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr is the address of the immediate peer of the connection.
func peerAddr(r *http.Request) (netip.Addr, string) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap(), host
}

// fromTrustedProxy reports whether the request came through one of the trusted proxies.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	a, _ := peerAddr(r)
	return s.trustedProxy(a)
}

// clientAddr is the client's address for rate limiting and the audit trail. Behind reverse
// proxies (TrustProxy) X-Forwarded-For is read only when the immediate peer is a trusted proxy,
// and then from the right: each proxy appends the address it received the request from, and
// everything to the left of what a trusted proxy appended may have been written by the client.
// The right-most address that is not a trusted proxy is the client; the peer's own address
// otherwise.
func (s *Server) clientAddr(r *http.Request) string {
	peer, host := peerAddr(r)
	if !s.trustedProxy(peer) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	addr := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			// A trusted proxy passed on something that is not an address: nothing further left
			// can be believed, and the last proxy is what is known.
			break
		}
		addr = a
		if !s.trustedProxy(a) {
			break
		}
	}
	return addr.String()
}

// parseHop reads one entry of X-Forwarded-For: an address, possibly with a port.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// ownOrigin is the server's origin as the request names it (scheme://host): HTTPS when the
// request came over TLS; through a trusted proxy, the scheme and host the proxy forwards
// (X-Forwarded-Proto, X-Forwarded-Host, the right-most value each, which the nearest proxy set),
// and HTTPS when the proxy does not say, --behind-proxy being for HTTPS proxies.
func (s *Server) ownOrigin(r *http.Request) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if s.fromTrustedProxy(r) {
		scheme = "https"
		if p := lastValue(r.Header.Values("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := lastValue(r.Header.Values("X-Forwarded-Host")); h != "" {
			host = h
		}
	}
	return normalOrigin(scheme + "://" + host)
}

// lastValue is the right-most entry of a comma-separated header, lower case.
func lastValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// normalOrigin writes an origin in one form: lower case, without the scheme's default port;
// "" when it is not scheme://host[:port].
func normalOrigin(o string) string {
	o = strings.ToLower(strings.TrimSpace(o))
	scheme, host, ok := strings.Cut(o, "://")
	if !ok || host == "" || strings.ContainsAny(host, "/?#@ ") || (scheme != "http" && scheme != "https") {
		return ""
	}
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	}
	return scheme + "://" + host
}

// sameOrigin reports whether the request's Origin, when it sends one, is the server's own.
func (s *Server) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	got := normalOrigin(o)
	return got != "" && got == s.ownOrigin(r)
}
