package web

import "guanai/internal/auth"

// Access says who may call a route.
type Access struct {
	// Public routes need no session (health check, API document, logging in).
	Public bool
	// Perms: a logged-in user needs one of them; empty means any logged-in user.
	Perms []string
	// Setup routes stay open to a session whose password must be changed or whose second
	// factor must be set up first; every other route refuses such a session (403
	// password_change_required / mfa_setup_required) until that is done.
	Setup bool
}

func perms(p ...string) Access { return Access{Perms: p} }

// access is the permission table: one entry per route pattern, exactly as registered with
// handle. A route without an entry is refused to everyone (403) and fails
// TestPermissionMatrix, which also needs a row in its own table (permissions_test.go) saying
// what each role gets. Adding a route: add its pattern here and a matrix row there.
var access = map[string]Access{
	"GET /healthz":                      {Public: true},
	"GET /api/v1/openapi.json":          {Public: true},
	"POST /api/v1/session":              {Public: true},
	"GET /api/v1/session":               {Public: true}, // answers 401 itself without a session
	"DELETE /api/v1/session":            {Setup: true},
	"POST /api/v1/session/password":     {Setup: true},
	"POST /api/v1/session/totp":         {Setup: true},
	"POST /api/v1/session/totp/confirm": {Setup: true},

	"GET /api/v1/meta/codes":      {},
	"GET /api/v1/regions":         {},
	"GET /api/v1/regions/resolve": {},
	"GET /api/v1/regions/{code}":  {},
	"POST /api/v1/classify":       perms(auth.PermChildrenCreate, auth.PermChildrenEdit),

	"GET /api/v1/children":                    perms(auth.PermChildrenRead),
	"POST /api/v1/children":                   perms(auth.PermChildrenCreate),
	"GET /api/v1/children/{uid}":              perms(auth.PermChildrenRead),
	"PUT /api/v1/children/{uid}":              perms(auth.PermChildrenEdit),
	"POST /api/v1/children/{uid}/transitions": perms(auth.PermChildrenSubmit, auth.PermChildrenReview), // the handler checks which by the target status
	"GET /api/v1/children/{uid}/history":      perms(auth.PermChildrenRead),
	"POST /api/v1/children/{uid}/reveal":      perms(auth.PermChildrenReveal),

	"POST /api/v1/imports":                perms(auth.PermChildrenImport),
	"GET /api/v1/imports/{batch}/rejects": perms(auth.PermChildrenImport),

	"GET /api/v1/audit": perms(auth.PermAuditRead),

	"POST /api/v1/exports":                perms(auth.PermChildrenRead),
	"GET /api/v1/exports":                 perms(auth.PermChildrenRead),
	"POST /api/v1/exports/{uid}/decision": perms(auth.PermChildrenReview),
	"GET /api/v1/exports/{uid}/download":  perms(auth.PermChildrenRead),

	// Statistics (stats.go, campaigns.go): the jurisdiction's figures; MustSuppress decides who
	// gets them only with disclosure control.
	"GET /api/v1/stats":                    perms(auth.PermStatsRead),
	"GET /api/v1/stats/dimensions":         perms(auth.PermStatsRead),
	"GET /api/v1/stats/tables/{key}":       perms(auth.PermStatsRead),
	"GET /api/v1/stats/crosstab":           perms(auth.PermStatsRead),
	"GET /api/v1/stats/trend":              perms(auth.PermStatsRead),
	"GET /api/v1/stats/snapshots":          perms(auth.PermStatsRead),
	"GET /api/v1/stats/snapshots/{month}":  perms(auth.PermStatsRead),
	"GET /api/v1/stats/quality":            perms(auth.PermStatsRead),
	"GET /api/v1/campaigns":                perms(auth.PermStatsRead),
	"POST /api/v1/campaigns":               perms(auth.PermChildrenReview),
	"GET /api/v1/campaigns/{uid}":          perms(auth.PermStatsRead),
	"GET /api/v1/campaigns/{uid}/progress": perms(auth.PermStatsRead),
}
