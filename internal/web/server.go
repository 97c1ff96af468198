// Package web serves guanai's JSON API under /api/v1 and the embedded user interface. Handlers
// decode requests, call the registry and answer JSON; errors become HTTP statuses in one place
// (fail). Personal data leave only masked unless a reveal with a stated purpose asks otherwise.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/region"
	"guanai/internal/rules"
	"guanai/internal/stats"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

// Pinger reports whether the database answers; /healthz uses it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// WriteProber is a database that can show it still takes writes (store.Store.ProbeWrite):
// /healthz probes it when DB is one, so that a full disk or a read-only file is not reported
// healthy because reads still work.
type WriteProber interface {
	ProbeWrite(ctx context.Context) error
}

// Server holds what the handlers need. cmd/guanai's serve wires each service explicitly; a group
// of routes whose service is nil is not registered (a server without a registry still answers
// the health check and the API document).
type Server struct {
	DB Pinger
	// Children keeps the children's records (registration, search, history, reveal).
	Children Registry
	// Imports takes files of registration forms.
	Imports *workflow.Imports
	// Rosters keeps department rosters, their review, discrepancies, leads and verification
	// lists.
	Rosters RosterStore
	// Stats computes and keeps the statistical reports; Figures is the store's side of the
	// statistics routes (snapshots, campaigns, data quality).
	Stats   *stats.Service
	Figures FiguresStore
	Regions *region.Table
	Rules   rules.Config
	Now     func() time.Time
	Log     *slog.Logger
	// Accounts keeps users and sessions; without it nobody can log in and every route but the
	// public ones answers 401.
	Accounts Accounts
	// Policy is the account policy; the zero value means auth.DefaultPolicy().
	Policy auth.Policy
	// SecureCookies marks the session cookie Secure even when the request did not come over
	// TLS itself (a TLS-terminating proxy in front).
	SecureCookies bool
	// TrustProxy says the server is behind reverse proxies: the client address is taken from
	// X-Forwarded-For when the immediate peer is one of TrustedProxies (clientAddr).
	TrustProxy bool
	// TrustedProxies are the networks of the reverse proxies; empty means a proxy on the same
	// machine (127.0.0.1 and ::1).
	TrustedProxies []netip.Prefix
	// Exports handles record-level export requests; without it the routes are absent.
	Exports Exports
	// Population keeps the population figures and answers coverage (population.go).
	Population PopulationStore
	// Ledger keeps the key-care ledger (ledger.go); without it the routes are absent.
	Ledger LedgerStore
	// Uploads makes national upload batches and takes back their answers (uploads.go).
	Uploads *store.Store
	// Releases keeps the data releases and their sign-offs (releases.go).
	Releases *store.Store
	// Register works the re-evaluation queue (register.go); without it the routes are absent.
	Register RegisterStore

	mux      *http.ServeMux
	handler  http.Handler // mux behind securityHeaders
	patterns []string
	throttle *loginThrottle
}

// chinaTime is China Standard Time: "today" is a date in Wuhai.
var chinaTime = time.FixedZone("CST", 8*3600)

// Today returns the current date in China.
func (s *Server) Today() child.Date { return child.DateOf(s.Now().In(chinaTime)) }

// Handler returns the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	if s.mux == nil {
		if s.Policy.MinLength == 0 {
			s.Policy = auth.DefaultPolicy()
		}
		s.throttle = newLoginThrottle(s.Now)
		s.mux = http.NewServeMux()
		s.routes()
		s.handler = s.securityHeaders(s.mux)
	}
	return s.handler
}

// handle registers a route behind the checks of its entry in the access table (access.go) and
// remembers its pattern for the API document's and the permission matrix's tests.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.patterns = append(s.patterns, pattern)
	s.mux.HandleFunc(pattern, s.guard(pattern, h))
}

func (s *Server) routes() {
	s.handle("GET /healthz", s.healthz)
	s.handle("POST /api/v1/session", s.login)
	s.handle("GET /api/v1/session", s.getSession)
	s.handle("DELETE /api/v1/session", s.logout)
	s.handle("POST /api/v1/session/password", s.changePassword)
	s.handle("POST /api/v1/session/totp", s.beginTOTP)
	s.handle("POST /api/v1/session/totp/confirm", s.confirmTOTP)
	s.handle("GET /api/v1/audit", s.auditList)
	s.adminRoutes()
	s.exportRoutes()
	s.uploadRoutes()
	s.handle("GET /api/v1/meta/codes", s.codes)
	s.handle("GET /api/v1/meta/fields", s.metaFields)
	s.handle("GET /api/v1/regions", s.regionChildren)
	s.handle("GET /api/v1/regions/resolve", s.regionResolve)
	s.handle("GET /api/v1/regions/{code}", s.regionGet)
	s.handle("POST /api/v1/classify", s.classify)
	if s.Children != nil {
		s.handle("GET /api/v1/children", s.listChildren)
		s.handle("POST /api/v1/children", s.createChild)
		s.handle("GET /api/v1/children/{uid}", s.getChild)
		s.handle("PUT /api/v1/children/{uid}", s.updateChild)
		s.handle("POST /api/v1/children/{uid}/transitions", s.transitionChild)
		s.handle("GET /api/v1/children/{uid}/history", s.childHistory)
		s.handle("POST /api/v1/children/{uid}/reveal", s.revealChild)
	}
	if s.Imports != nil {
		s.handle("POST /api/v1/imports", s.importChildren)
		s.handle("GET /api/v1/imports/{batch}/rejects", s.importRejects)
	}
	s.rosterRoutes()
	s.caseworkerRoutes()
	s.registerRoutes()
	s.statsRoutes()
	s.populationRoutes()
	s.ledgerRoutes()
	s.releaseRoutes()
	s.handle("GET /api/v1/openapi.json", s.openapi)
	s.mux.Handle("/", s.ui())
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "没有这个接口：" + r.Method + " " + r.URL.Path})
	})
}

// Error is an API error: an HTTP status, a stable code, a Chinese message and, for validation,
// the field errors.
type Error struct {
	Status  int           `json:"-"`
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Fields  []child.Issue `json:"fields,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Coded is the error interface every package's errors implement (store, auth, sheet, idcard,
// stats, this package's Error): a code of the shared set below and a Chinese message; an error
// about a form's fields may also tell them (FieldIssues) or name one (FieldName). fail maps the
// code to an HTTP status here, and nowhere else.
type Coded interface {
	error
	ErrorCode() string
	ErrorMessage() string
}

// ErrorCode is the error's code.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage is the error's Chinese message.
func (e *Error) ErrorMessage() string { return e.Message }

// FieldIssues are the fields concerned.
func (e *Error) FieldIssues() []child.Issue { return e.Fields }

// statusOf maps the codes shared by the packages to HTTP statuses: the one place where that is
// decided.
func statusOf(code string) int {
	switch code {
	case "invalid":
		return http.StatusUnprocessableEntity
	case "bad_request":
		return http.StatusBadRequest
	case "not_found":
		return http.StatusNotFound
	case "conflict":
		return http.StatusConflict
	case "forbidden":
		return http.StatusForbidden
	case "unauthorized", "unauthenticated", "bad_credentials", "mfa_required", "bad_totp":
		return http.StatusUnauthorized
	case "csrf", "password_change_required", "mfa_setup_required":
		return http.StatusForbidden
	case "locked":
		return http.StatusLocked
	case "rate_limited":
		return http.StatusTooManyRequests
	case "too_large":
		return http.StatusRequestEntityTooLarge
	case "unavailable":
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail answers an error as JSON {"error": {...}} and logs it once when it is the server's fault.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	var c Coded
	switch {
	case errors.As(err, &c):
		e = &Error{Status: statusOf(c.ErrorCode()), Code: c.ErrorCode(), Message: c.ErrorMessage()}
		if we, ok := c.(*Error); ok && we.Status != 0 {
			e.Status = we.Status
		}
		if f, ok := c.(interface{ FieldIssues() []child.Issue }); ok {
			e.Fields = f.FieldIssues()
		} else if f, ok := c.(interface{ FieldName() string }); ok && f.FieldName() != "" {
			e.Fields = []child.Issue{{Field: f.FieldName(), Code: c.ErrorCode(), Message: c.ErrorMessage()}}
		}
	case errors.Is(err, context.Canceled):
		return
	default:
		e = &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "服务器内部错误，请稍后重试或联系系统管理员"}
	}
	if e.Status >= 500 && s.Log != nil {
		s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, e.Status, map[string]any{"error": e})
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// maxBody bounds a JSON request body.
const maxBody = 1 << 20

// readJSON decodes the request body into v.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &Error{Code: "too_large", Message: "请求内容过大"}
		}
		return &Error{Code: "bad_request", Message: "请求内容不是有效的 JSON：" + err.Error()}
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if s.DB != nil {
		if err := s.DB.Ping(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "message": "数据库无法连接"})
			return
		}
		if p, ok := s.DB.(WriteProber); ok {
			if err := p.ProbeWrite(ctx); err != nil {
				if s.Log != nil {
					s.Log.Error("health check: the database takes no writes", "err", err)
				}
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "message": "数据库无法写入"})
				return
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
