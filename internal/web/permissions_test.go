package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/region"
	"guanai/internal/store"
)

// matrixRow is the designed answer of one route to every role. The test sends the request as
// each role (and without a session) about a child inside and a child outside the role's
// jurisdiction and checks:
//
//   - without a session: 401, unless Public (then Want, or AnonWant when given);
//   - a role in Roles, child inside: Want;
//   - a role in Roles, child outside (routes with {uid}): 404, the record does not exist there;
//   - any other role: 403 (outside, 403 or 404: neither tells whether the record exists).
//
// Path and Body may hold {uid} (the child's uid) and {inside_record} / {outside_record} (the
// child's record as JSON). Fresh gives the request a session of its own (it ends the session).
type matrixRow struct {
	Path, Body string
	Roles      string // comma-separated role codes, "*" for every logged-in user
	Want       int
	Public     bool
	AnonWant   int
	Fresh      bool
}

// matrix has a row for every route of Server.routes. Adding a route: add its access entry in
// access.go and its row here.
var matrix = map[string]matrixRow{
	"GET /healthz":                      {Path: "/healthz", Roles: "*", Want: 200, Public: true},
	"GET /api/v1/openapi.json":          {Path: "/api/v1/openapi.json", Roles: "*", Want: 200, Public: true},
	"POST /api/v1/session":              {Path: "/api/v1/session", Body: `{"username":"nobody-{uid}","password":"x"}`, Roles: "*", Want: 401, Public: true}, // a name per request: one address gets five tries at a name
	"GET /api/v1/session":               {Path: "/api/v1/session", Roles: "*", Want: 200, Public: true, AnonWant: 401},
	"DELETE /api/v1/session":            {Path: "/api/v1/session", Roles: "*", Want: 204, Fresh: true},
	"POST /api/v1/session/password":     {Path: "/api/v1/session/password", Body: `{"old_password":"wrong","new_password":"x"}`, Roles: "*", Want: 422},
	"POST /api/v1/session/totp":         {Path: "/api/v1/session/totp", Body: `{"password":"wrong","totp":"000000"}`, Roles: "*", Want: 422},
	"POST /api/v1/session/totp/confirm": {Path: "/api/v1/session/totp/confirm", Body: `{"code":"000000"}`, Roles: "*", Want: 409}, // nothing begun: the begin row has the wrong password

	"GET /api/v1/meta/codes":      {Path: "/api/v1/meta/codes", Roles: "*", Want: 200},
	"GET /api/v1/regions":         {Path: "/api/v1/regions?parent=150300", Roles: "*", Want: 200},
	"GET /api/v1/regions/resolve": {Path: "/api/v1/regions/resolve?q=乌海市海勃湾区新华街道清泉社区", Roles: "*", Want: 200},
	"GET /api/v1/regions/{code}":  {Path: "/api/v1/regions/150302", Roles: "*", Want: 200},
	"POST /api/v1/classify":       {Path: "/api/v1/classify", Body: `{"birth_date":"2015-03-10"}`, Roles: "collector,reviewer", Want: 200},

	"GET /api/v1/children":                    {Path: "/api/v1/children", Roles: "collector,reviewer,officer", Want: 200},
	"POST /api/v1/children":                   {Path: "/api/v1/children?allow_duplicate=true", Body: "{inside_record}", Roles: "collector", Want: 201},
	"GET /api/v1/children/{uid}":              {Path: "/api/v1/children/{uid}", Roles: "collector,reviewer,officer", Want: 200},
	"PUT /api/v1/children/{uid}":              {Path: "/api/v1/children/{uid}?version=1", Body: "{record}", Roles: "collector,reviewer", Want: 200},
	"POST /api/v1/children/{uid}/transitions": {Path: "/api/v1/children/{uid}/transitions", Body: `{"to":"archived","reason":"已离开本地"}`, Roles: "reviewer", Want: 200},
	"GET /api/v1/children/{uid}/history":      {Path: "/api/v1/children/{uid}/history", Roles: "collector,reviewer,officer", Want: 200},
	"POST /api/v1/children/{uid}/reveal":      {Path: "/api/v1/children/{uid}/reveal", Body: `{"field":"id_number","purpose":"核实身份"}`, Roles: "collector,reviewer,officer", Want: 200},
	"POST /api/v1/imports":                    {Path: "/api/v1/imports", Roles: "collector,reviewer", Want: 400},
	"GET /api/v1/imports/{batch}/rejects":     {Path: "/api/v1/imports/nope/rejects", Roles: "collector,reviewer", Want: 404},

	"GET /api/v1/audit": {Path: "/api/v1/audit", Roles: "auditor", Want: 200},

	"POST /api/v1/exports":                {Path: "/api/v1/exports", Body: `{"region":"150302","purpose":"核查名单"}`, Roles: "collector,reviewer,officer", Want: 201},
	"GET /api/v1/exports":                 {Path: "/api/v1/exports", Roles: "collector,reviewer,officer", Want: 200},
	"POST /api/v1/exports/{uid}/decision": {Path: "/api/v1/exports/none/decision", Body: `{"approve":true}`, Roles: "reviewer", Want: 404},
	"GET /api/v1/exports/{uid}/download":  {Path: "/api/v1/exports/none/download", Roles: "collector,reviewer,officer", Want: 404},

	"GET /api/v1/stats":                    {Path: "/api/v1/stats?as_of=2025-06-30", Roles: statsRoles, Want: 200},
	"GET /api/v1/stats/dimensions":         {Path: "/api/v1/stats/dimensions", Roles: statsRoles, Want: 200},
	"GET /api/v1/stats/tables/{key}":       {Path: "/api/v1/stats/tables/sex?format=xlsx", Roles: statsRoles, Want: 200},
	"GET /api/v1/stats/crosstab":           {Path: "/api/v1/stats/crosstab?rows=sex&cols=age5", Roles: statsRoles, Want: 200},
	"GET /api/v1/stats/trend":              {Path: "/api/v1/stats/trend", Roles: statsRoles, Want: 200},
	"GET /api/v1/stats/snapshots":          {Path: "/api/v1/stats/snapshots", Roles: statsRoles, Want: 200},
	"GET /api/v1/stats/snapshots/{month}":  {Path: "/api/v1/stats/snapshots/2025-05", Roles: statsRoles, Want: 404},
	"GET /api/v1/stats/quality":            {Path: "/api/v1/stats/quality", Roles: statsRoles, Want: 200},
	"GET /api/v1/campaigns":                {Path: "/api/v1/campaigns", Roles: statsRoles, Want: 200},
	"POST /api/v1/campaigns":               {Path: "/api/v1/campaigns", Body: campaignBody, Roles: "reviewer", Want: 201},
	"GET /api/v1/campaigns/{uid}":          {Path: "/api/v1/campaigns/nope", Roles: statsRoles, Want: 404},
	"GET /api/v1/campaigns/{uid}/progress": {Path: "/api/v1/campaigns/nope/progress", Roles: statsRoles, Want: 404},
}

// matrixUsers: one account per role; the village and district ones in 海勃湾区, the city ones in
// 乌海市.
var matrixUsers = []struct{ role, dept, org string }{
	{auth.RoleCollector, "minzheng", "150302003012"}, {auth.RoleReviewer, "minzheng", "150302"},
	{auth.RoleOfficer, "jiaoyu", "150302"}, {auth.RoleStatistician, "tongji", "1503"},
	{auth.RoleOversight, "fuergongwei", "1503"}, {auth.RoleSysAdmin, "minzheng", "1503"},
	{auth.RoleSecAdmin, "minzheng", "1503"}, {auth.RoleAuditor, "minzheng", "1503"},
}

func TestPermissionMatrix(t *testing.T) {
	e := newTestEnv(t)
	s := e.srv
	var missing []string
	for _, p := range s.patterns {
		if _, ok := matrix[p]; !ok {
			missing = append(missing, p)
		}
		if _, ok := access[p]; !ok {
			t.Errorf("route %s has no entry in access (internal/web/access.go): add\n\t%q: perms(auth.Perm…),", p, p)
		}
	}
	for _, p := range missing {
		t.Errorf("route %s has no row in the permission matrix: add to matrix in internal/web/permissions_test.go\n\t%q: {Path: \"…\", Body: \"…\", Roles: \"role,role\", Want: 200},", p, p)
	}
	for p := range matrix {
		if !slices.Contains(s.patterns, p) {
			t.Errorf("matrix row %s: no such route (remove the row)", p)
		}
	}
	if t.Failed() {
		return
	}

	clients := map[string]*client{}
	users := map[string]testUser{}
	for _, u := range matrixUsers {
		users[u.role] = e.addUser(t, "m_"+u.role, u.role, u.dept, u.org, false)
		clients[u.role] = e.login(t, users[u.role])
	}
	ctx := opCtx()
	n := 0
	// newChild registers a child living in the division, as the command line would.
	newChild := func(region string) (uid, record string) {
		n++
		// A thousand children a birth day: the matrix has more than 500 rows × roles.
		first17 := fmt.Sprintf("150302201503%02d%03d", 10+n/1000, n%1000)
		rec := child.Record{Name: "测试儿童", Sex: "1", BirthDate: child.NewDate(2015, 3, 10+n/1000), IDNumber: first17 + string(idcardCheck(first17)),
			ResidenceAddr: &child.Address{RegionCode: region, Detail: "幸福路1号"}, HukouAddress: &child.Address{RegionCode: region}}
		c, err := e.st.Create(ctx, "cli:test", rec, store.Source{})
		if err != nil {
			t.Fatalf("%v %+v", err, err.(*store.Error).Fields)
		}
		b := mustJSONValue(c.Record)
		return c.UID, b
	}
	// A village of 乌达区: outside every district and village account of the matrix.
	outsideVillage := region.Default().Children(region.Default().Children("150304")[0].Code)[0].Code
	patterns := slices.Clone(s.patterns)
	sort.Strings(patterns)
	for _, p := range patterns {
		row := matrix[p]
		method, _, _ := strings.Cut(p, " ")
		send := func(c *client, uid, record, insideRecord string) int {
			r := strings.NewReplacer("{uid}", uid, "{record}", record, "{inside_record}", insideRecord)
			rec := c.raw(method, r.Replace(row.Path), r.Replace(row.Body), true)
			return rec.Code
		}
		// Without a session.
		want := 401
		if row.Public {
			want = row.Want
			if row.AnonWant != 0 {
				want = row.AnonWant
			}
		}
		if got := send(&client{e: e}, "x", "{}", "{}"); got != want {
			t.Errorf("%s without a session: %d, want %d", p, got, want)
		}
		for _, u := range matrixUsers {
			allowed := row.Roles == "*" || slices.Contains(strings.Split(row.Roles, ","), u.role)
			c := clients[u.role]
			if row.Fresh {
				c = e.login(t, users[u.role])
			}
			inUID, inRec := newChild("150302003012")
			outUID, outRec := newChild(outsideVillage)
			want := 403
			if allowed {
				want = row.Want
			}
			if got := send(c, inUID, inRec, inRec); got != want {
				t.Errorf("%s as %s, child inside: %d, want %d", p, u.role, got, want)
			}
			if !strings.Contains(row.Path, "{uid}") {
				continue
			}
			if row.Fresh {
				c = e.login(t, users[u.role])
			}
			got := send(c, outUID, outRec, inRec)
			switch {
			case allowed && got != 404:
				t.Errorf("%s as %s, child outside the jurisdiction: %d, want 404", p, u.role, got)
			case !allowed && got != 403 && got != 404:
				t.Errorf("%s as %s (not allowed), child outside: %d, want 403 or 404", p, u.role, got)
			}
		}
	}
}

func idcardCheck(first17 string) byte { return idcard.CheckDigit(first17) }

func mustJSONValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestAccessEntriesUseKnownPermissions keeps the access table to the permissions of auth.
func TestAccessEntriesUseKnownPermissions(t *testing.T) {
	for p, a := range access {
		for _, perm := range a.Perms {
			if !slices.Contains(auth.AllPermissions, perm) {
				t.Errorf("access %s: unknown permission %q", p, perm)
			}
		}
		if a.Public && (len(a.Perms) > 0 || a.Setup) {
			t.Errorf("access %s: a public route has no permission or set-up flag", p)
		}
	}
	// The three administrators never read children.
	for _, r := range []string{auth.RoleSysAdmin, auth.RoleSecAdmin, auth.RoleAuditor} {
		role, _ := auth.RoleByCode(r)
		for _, perm := range role.Permissions {
			if strings.HasPrefix(perm, "children.") {
				t.Errorf("%s holds %s", r, perm)
			}
		}
	}
}
