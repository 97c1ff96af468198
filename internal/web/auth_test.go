package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/region"
	"guanai/internal/rules"
	"guanai/internal/seal"
	"guanai/internal/sheet"
	"guanai/internal/stats"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

// testClock is a settable clock shared by the server and the store.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testEnv is a server on a fresh SQLite registry with accounts, and the log it writes.
type testEnv struct {
	st    *store.Store
	srv   *Server
	h     http.Handler
	clock *testClock
	log   *bytes.Buffer
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	dir := t.TempDir()
	keys, _, err := seal.OpenOrCreate(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: time.Date(2025, 6, 30, 10, 0, 0, 0, chinaTime)}
	st, err := store.Open(opCtx(), "sqlite://"+filepath.Join(dir, "g.db"), store.Options{Keyring: keys, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var log bytes.Buffer
	s := &Server{DB: st, Children: st, Imports: &workflow.Imports{Store: st}, Rosters: st, Stats: stats.NewService(st), Figures: st, Population: st, Accounts: st, Exports: st, Ledger: st, Uploads: st, Releases: st, Register: st, Regions: region.Default(), Rules: rules.DefaultConfig(), Now: clock.Now,
		Log: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	return &testEnv{st: st, srv: s, h: s.Handler(), clock: clock, log: &log}
}

// testUser is an account made for a test, with what it takes to log in.
type testUser struct {
	Username, Password, TOTP string
}

// addUser creates an account with the roles (comma-separated) in the org unit (MFA enrolled when the policy
// requires it; the initial password does not have to be changed unless mustChange).
func (e *testEnv) addUser(t *testing.T, username, role, dept, org string, mustChange bool) testUser {
	t.Helper()
	pw := auth.RandomPassword()
	u := &auth.User{Username: username, Name: "测试" + username, Roles: auth.ParseRoles(role), Department: dept, OrgCode: org,
		PasswordHash: auth.HashPassword(pw), MustChangePassword: mustChange}
	tu := testUser{Username: username, Password: pw}
	if auth.DefaultPolicy().MFARequired(u) {
		secret, _, err := auth.NewTOTP(username)
		if err != nil {
			t.Fatal(err)
		}
		u.TOTPSecret, u.MFAEnrolled, tu.TOTP = secret, true, secret
	}
	if err := e.st.CreateUser(opCtx(), u); err != nil {
		t.Fatal(err)
	}
	return tu
}

// client is a logged-in browser: its session cookie and CSRF token.
type client struct {
	e      *testEnv
	cookie string
	csrf   string
}

// code returns the current TOTP code of the user.
func (e *testEnv) code(t *testing.T, u testUser) string {
	t.Helper()
	c, err := auth.TOTPCode(u.TOTP, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// login logs u in (with a TOTP code when it has one) and fails the test otherwise.
func (e *testEnv) login(t *testing.T, u testUser) *client {
	t.Helper()
	body := map[string]string{"username": u.Username, "password": u.Password}
	if u.TOTP != "" {
		body["totp"] = e.code(t, u)
	}
	b, _ := json.Marshal(body)
	req := httptest.NewRequest("POST", "/api/v1/session", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("login %s: %d %s", u.Username, rec.Code, rec.Body)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	c := &client{e: e, csrf: out.CSRF}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == SessionCookie {
			c.cookie = ck.Value
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/", ck)
			}
		}
	}
	if c.cookie == "" || c.csrf == "" {
		t.Fatalf("login %s: no session cookie or CSRF token", u.Username)
	}
	// Each login needs a fresh TOTP step; move the clock past this one.
	e.clock.Add(30 * time.Second)
	return c
}

// raw sends a request with the session (and the CSRF token when csrf) and returns the recorder.
// A body is JSON unless the header says otherwise.
func (c *client) raw(method, path, body string, csrf bool, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c != nil && c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.cookie})
	}
	if c != nil && csrf {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h := c.e.h
	h.ServeHTTP(rec, req)
	return rec
}

// do sends a request with the session and CSRF token and decodes the JSON answer.
func (c *client) do(t *testing.T, method, path, body string, header ...string) (int, map[string]any) {
	t.Helper()
	rec := c.raw(method, path, body, true, header...)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, rec.Body)
		}
	}
	return rec.Code, out
}

func errCode(out map[string]any) string {
	if e, ok := out["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

func TestLoginFlow(t *testing.T) {
	e := newTestEnv(t)
	col := e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false)
	rev := e.addUser(t, "rev", auth.RoleReviewer, "minzheng", "150302", false)
	anon := &client{e: e}
	post := func(body string) (int, map[string]any) {
		return anon.do(t, "POST", "/api/v1/session", body)
	}
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"unknown user", `{"username":"nobody","password":"x"}`, 401, "bad_credentials"},
		{"wrong password", `{"username":"col","password":"wrong"}`, 401, "bad_credentials"},
		{"empty", `{}`, 401, "bad_credentials"},
		{"not JSON", `{`, 400, "bad_request"},
		{"MFA needed", `{"username":"rev","password":"` + rev.Password + `"}`, 401, "mfa_required"},
		{"bad TOTP", `{"username":"rev","password":"` + rev.Password + `","totp":"000000"}`, 401, "bad_totp"},
		{"bad recovery code", `{"username":"rev","password":"` + rev.Password + `","recovery_code":"aaaa-bbbb-cccc"}`, 401, "bad_totp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := post(tt.body)
			if status != tt.status || errCode(out) != tt.code {
				t.Errorf("got %d %q, want %d %q: %v", status, errCode(out), tt.status, tt.code, out)
			}
		})
	}
	// The same message for an unknown user and a wrong password.
	_, a := post(`{"username":"nobody","password":"x"}`)
	_, b := post(`{"username":"col","password":"wrong"}`)
	if a["error"].(map[string]any)["message"] != b["error"].(map[string]any)["message"] {
		t.Errorf("messages differ: %v / %v", a, b)
	}

	c := e.login(t, col)
	status, out := c.do(t, "GET", "/api/v1/session", "")
	if status != 200 {
		t.Fatalf("GET session: %d %v", status, out)
	}
	u := out["user"].(map[string]any)
	if u["username"] != "col" || u["department_label"] != "民政" || u["mfa_required"] != false ||
		u["org_unit"].(map[string]any)["path"] != "乌海市/海勃湾区/新华街道/清泉社区" {
		t.Errorf("user %v", u)
	}
	if rl := u["role_labels"].([]any); len(rl) != 1 || rl[0] != "儿童主任/网格员" {
		t.Errorf("role labels %v", rl)
	}
	if out["csrf_token"] != c.csrf || out["must_change_password"] != false {
		t.Errorf("session %v", out)
	}
	// A reviewer logs in with TOTP; the same code is not accepted twice.
	code := e.code(t, rev)
	if status, out := post(`{"username":"rev","password":"` + rev.Password + `","totp":"` + code + `"}`); status != 200 {
		t.Fatalf("TOTP login: %d %v", status, out)
	}
	if status, out := post(`{"username":"rev","password":"` + rev.Password + `","totp":"` + code + `"}`); status != 401 || errCode(out) != "bad_totp" {
		t.Errorf("replayed TOTP: %d %v", status, out)
	}

	// Logout ends the session.
	if rec := c.raw("DELETE", "/api/v1/session", "", true); rec.Code != 204 {
		t.Fatalf("logout: %d %s", rec.Code, rec.Body)
	}
	if status, out := c.do(t, "GET", "/api/v1/session", ""); status != 401 || errCode(out) != "unauthenticated" {
		t.Errorf("after logout: %d %v", status, out)
	}
	if status, _ := anon.do(t, "GET", "/api/v1/session", ""); status != 401 {
		t.Errorf("no cookie: %d", status)
	}
	e.checkLog(t, col.Password, rev.Password, "wrong", c.cookie)
}

// TestIdleTimeout: 29 minutes of silence are fine, 31 are not. (Lockout: lockout_test.go.)
func TestIdleTimeout(t *testing.T) {
	e := newTestEnv(t)
	col := e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false)
	c := e.login(t, col)

	e.clock.Add(29 * time.Minute)
	if status, out := c.do(t, "GET", "/api/v1/session", ""); status != 200 {
		t.Fatalf("after 29 idle minutes: %d %v", status, out)
	}
	e.clock.Add(31 * time.Minute)
	if status, out := c.do(t, "GET", "/api/v1/meta/codes", ""); status != 401 || errCode(out) != "unauthenticated" {
		t.Fatalf("after 31 idle minutes: %d %v", status, out)
	}
	if status, _ := c.do(t, "GET", "/api/v1/session", ""); status != 401 {
		t.Errorf("an idle session must stay ended: %d", status)
	}
}

func TestRateLimit(t *testing.T) {
	e := newTestEnv(t)
	anon := &client{e: e}
	limited := 0
	for i := 0; i < 15; i++ {
		status, out := anon.do(t, "POST", "/api/v1/session", `{"username":"u`+string(rune('a'+i))+`","password":"x"}`)
		if status == 429 {
			if errCode(out) != "rate_limited" {
				t.Errorf("429 with code %q", errCode(out))
			}
			limited++
		}
	}
	if limited != 5 {
		t.Errorf("%d of 15 attempts at once refused, want 5 (burst 10)", limited)
	}
	e.clock.Add(time.Minute)
	if status, _ := anon.do(t, "POST", "/api/v1/session", `{"username":"ux","password":"x"}`); status != 401 {
		t.Errorf("after a minute: %d, want 401", status)
	}
	// Successful sign-ins do not use up the address: a whole office behind one address signs in.
	e.clock.Add(time.Hour)
	col := e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false)
	for i := range 25 {
		body := `{"username":"col","password":"` + col.Password + `"}`
		if status, out := anon.do(t, "POST", "/api/v1/session", body); status != 200 {
			t.Fatalf("sign-in %d of one account from one address: %d %v", i+1, status, out)
		}
	}
}

// wrongFirst changes a token's first character (to one it is not: "x" + token[1:] was the token
// itself one time in 64).
func wrongFirst(token string) string {
	if token[0] == 'x' {
		return "y" + token[1:]
	}
	return "x" + token[1:]
}

func TestCSRF(t *testing.T) {
	e := newTestEnv(t)
	c := e.login(t, e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false))
	for _, tt := range []struct {
		name  string
		token string
	}{{"missing", ""}, {"wrong", wrongFirst(c.csrf)}} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/children", strings.NewReader(migrantJSON))
			req.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.cookie})
			if tt.token != "" {
				req.Header.Set("X-CSRF-Token", tt.token)
			}
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != 403 || !strings.Contains(rec.Body.String(), `"csrf"`) {
				t.Errorf("got %d %s, want 403 csrf", rec.Code, rec.Body)
			}
		})
	}
	if status, out := c.do(t, "POST", "/api/v1/children", migrantJSON); status != 201 {
		t.Errorf("with the token: %d %v", status, out)
	}
}

func TestPasswordChangeAndPolicy(t *testing.T) {
	e := newTestEnv(t)
	u := e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", true)
	c := e.login(t, u)
	// An initial password must be changed before anything else.
	if status, out := c.do(t, "GET", "/api/v1/meta/codes", ""); status != 403 || errCode(out) != "password_change_required" {
		t.Fatalf("before the change: %d %v", status, out)
	}
	_, out := c.do(t, "GET", "/api/v1/session", "")
	if out["must_change_password"] != true {
		t.Errorf("must_change_password %v", out["must_change_password"])
	}
	field := func(out map[string]any) string {
		fs, _ := out["error"].(map[string]any)["fields"].([]any)
		if len(fs) == 0 {
			return ""
		}
		return fs[0].(map[string]any)["field"].(string)
	}
	tests := []struct {
		name, old, new string
		field          string
	}{
		{"wrong old", "nope", "Fresh-Passw0rd", "old_password"},
		{"too short", u.Password, "Ab1-", "new_password"},
		{"two classes", u.Password, "abcdefgh12", "new_password"},
		{"contains the user name", u.Password, "Col-12345678", "new_password"},
		{"same as now", u.Password, u.Password, "new_password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(map[string]string{"old_password": tt.old, "new_password": tt.new})
			status, out := c.do(t, "POST", "/api/v1/session/password", string(b))
			if status != 422 || field(out) != tt.field {
				t.Errorf("got %d %v, want 422 on %s", status, out, tt.field)
			}
		})
	}
	// Five changes; none of the last five passwords may come back.
	cur := u.Password
	var used []string
	for i := 0; i < 5; i++ {
		next := "Fresh-Passw0rd-" + string(rune('a'+i))
		b, _ := json.Marshal(map[string]string{"old_password": cur, "new_password": next})
		if rec := c.raw("POST", "/api/v1/session/password", string(b), true); rec.Code != 204 {
			t.Fatalf("change %d: %d %s", i, rec.Code, rec.Body)
		}
		used = append(used, cur)
		cur = next
	}
	for _, old := range used[1:] {
		b, _ := json.Marshal(map[string]string{"old_password": cur, "new_password": old})
		if status, out := c.do(t, "POST", "/api/v1/session/password", string(b)); status != 422 || field(out) != "new_password" {
			t.Errorf("reuse of a recent password: %d %v", status, out)
		}
	}
	// The first one is six passwords back: allowed again.
	b, _ := json.Marshal(map[string]string{"old_password": cur, "new_password": used[0]})
	if rec := c.raw("POST", "/api/v1/session/password", string(b), true); rec.Code != 204 {
		t.Errorf("password six back: %d %s", rec.Code, rec.Body)
	}
	if status, out := c.do(t, "GET", "/api/v1/meta/codes", ""); status != 200 {
		t.Errorf("after the change: %d %v", status, out)
	}
	// Expiry: 91 days later the password must be changed again.
	e.clock.Add(91 * 24 * time.Hour)
	c = e.login(t, testUser{Username: "col", Password: used[0]})
	if status, out := c.do(t, "GET", "/api/v1/meta/codes", ""); status != 403 || errCode(out) != "password_change_required" {
		t.Errorf("expired password: %d %v", status, out)
	}
}

func TestTOTPEnrolmentAndRecovery(t *testing.T) {
	e := newTestEnv(t)
	// A district account created without a second factor must set one up first.
	pw := auth.RandomPassword()
	u := &auth.User{Username: "rev", Name: "审核员", Roles: []string{auth.RoleReviewer}, Department: "minzheng", OrgCode: "150302",
		PasswordHash: auth.HashPassword(pw)}
	if err := e.st.CreateUser(opCtx(), u); err != nil {
		t.Fatal(err)
	}
	c := e.login(t, testUser{Username: "rev", Password: pw})
	if status, out := c.do(t, "GET", "/api/v1/children", ""); status != 403 || errCode(out) != "mfa_setup_required" {
		t.Fatalf("before enrolment: %d %v", status, out)
	}
	// The forced set-up needs the password too.
	if status, out := c.do(t, "POST", "/api/v1/session/totp", ""); status != 422 {
		t.Errorf("begin without the password: %d %v", status, out)
	}
	status, out := c.do(t, "POST", "/api/v1/session/totp", `{"password":`+mustJSON(pw)+`}`)
	if status != 200 || !strings.HasPrefix(out["otpauth_url"].(string), "otpauth://totp/") {
		t.Fatalf("begin: %d %v", status, out)
	}
	secret := out["secret"].(string)
	if status, out := c.do(t, "POST", "/api/v1/session/totp/confirm", `{"code":"000000"}`); status != 422 {
		t.Errorf("wrong confirmation code: %d %v", status, out)
	}
	code, _ := auth.TOTPCode(secret, e.clock.Now())
	status, out = c.do(t, "POST", "/api/v1/session/totp/confirm", `{"code":"`+code+`"}`)
	if status != 200 {
		t.Fatalf("confirm: %d %v", status, out)
	}
	codes := out["recovery_codes"].([]any)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes", len(codes))
	}
	if status, out := c.do(t, "GET", "/api/v1/children", ""); status != 200 {
		t.Errorf("after enrolment: %d %v", status, out)
	}
	// A recovery code logs in once.
	e.clock.Add(time.Minute)
	anon := &client{e: e}
	body := `{"username":"rev","password":"` + pw + `","recovery_code":"` + codes[3].(string) + `"}`
	if status, out := anon.do(t, "POST", "/api/v1/session", body); status != 200 {
		t.Fatalf("recovery code: %d %v", status, out)
	}
	if status, out := anon.do(t, "POST", "/api/v1/session", body); status != 401 || errCode(out) != "bad_totp" {
		t.Errorf("recovery code used twice: %d %v", status, out)
	}
}

// TestInjectionAndXSSStoredInert stores SQL and script payloads in text fields and reads them
// back unchanged as data: the store binds every value, the API answers JSON with HTML escaped.
func TestInjectionAndXSSStoredInert(t *testing.T) {
	e := newTestEnv(t)
	c := e.login(t, e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false))
	payloads := []string{`'); DROP TABLE children; --`, `<script>alert(1)</script>`, `" OR 1=1 --`}
	for i, p := range payloads {
		first17 := "15030220150310" + string(rune('1'+i)) + "23"
		id := first17 + string(idcard.CheckDigit(first17))
		rec := strings.NewReplacer(`"清泉小区3号楼"`, mustJSON(p), `150302201503101237`, id).Replace(migrantJSON)
		status, out := c.do(t, "POST", "/api/v1/children", rec)
		if status != 201 {
			t.Fatalf("payload %q: %d %v", p, status, out)
		}
		uid := out["uid"].(string)
		raw := c.raw("POST", "/api/v1/children/"+uid+"/reveal", `{"field":"residence_address.detail","purpose":"核实地址"}`, true)
		if raw.Code != 200 {
			t.Fatalf("reveal: %d %s", raw.Code, raw.Body)
		}
		if strings.Contains(raw.Body.String(), "<script>") {
			t.Errorf("answer holds unescaped HTML: %s", raw.Body)
		}
		var got map[string]string
		json.Unmarshal(raw.Body.Bytes(), &got)
		if got["value"] != p {
			t.Errorf("stored %q, read back %q", p, got["value"])
		}
		// Searching with the payload as a name finds nothing and breaks nothing.
		if status, out := c.do(t, "GET", "/api/v1/children?name="+urlQuery(p), ""); status != 200 || out["total"].(float64) != 0 {
			t.Errorf("search with %q: %d %v", p, status, out)
		}
	}
	if _, out := c.do(t, "GET", "/api/v1/children", ""); out["total"].(float64) != 3 {
		t.Errorf("children after the payloads: %v", out["total"])
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func urlQuery(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", "'", "%27", ";", "%3B", "<", "%3C", ">", "%3E", "\"", "%22", "=", "%3D", "(", "%28", ")", "%29", "&", "%26", "#", "%23", "+", "%2B")
	return r.Replace(s)
}

// TestMaskingRevealAndDepartmentView: identifiers are masked in every answer (record, list,
// history diffs) — names too for a department officer, not for the collector who works the case
// (TestWhoSeesNames); a reveal needs a purpose and is audited; a department officer sees the
// identity and its own department's items only.
func TestMaskingRevealAndDepartmentView(t *testing.T) {
	e := newTestEnv(t)
	col := e.login(t, e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false))
	officer := e.login(t, e.addUser(t, "edu", auth.RoleOfficer, "jiaoyu", "150302", false))
	auditor := e.login(t, e.addUser(t, "aud", auth.RoleAuditor, "minzheng", "1503", false))

	status, out := col.do(t, "POST", "/api/v1/children", migrantJSON)
	if status != 201 {
		t.Fatalf("create: %d %v", status, out)
	}
	uid := out["uid"].(string)
	changed := strings.Replace(migrantJSON, "13812345678", "13987654321", 1)
	if status, out := col.do(t, "PUT", "/api/v1/children/"+uid+"?version=1", changed); status != 200 {
		t.Fatalf("update: %d %v", status, out)
	}
	for _, path := range []string{"/api/v1/children/" + uid, "/api/v1/children", "/api/v1/children/" + uid + "/history"} {
		rec := col.raw("GET", path, "", false)
		body := rec.Body.String()
		for _, secret := range []string{"150302201503101237", "13812345678", "13987654321", "清泉小区3号楼"} {
			if strings.Contains(body, secret) {
				t.Errorf("GET %s shows %s in clear", path, secret)
			}
		}
		if rec.Code != 200 {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
		if path != "/api/v1/children/"+uid+"/history" && !strings.Contains(body, "张小明") {
			t.Errorf("GET %s: the collector does not see the name", path)
		}
		// A department officer sees the names masked (history diffs are masked for everyone).
		body = officer.raw("GET", path, "", false).Body.String()
		for _, secret := range []string{"150302201503101237", "13987654321", "清泉小区3号楼", "张小明", "张强"} {
			if strings.Contains(body, secret) {
				t.Errorf("GET %s shows %s in clear to an officer", path, secret)
			}
		}
	}

	reveal := func(c *client, field, purpose string) (int, map[string]any) {
		b, _ := json.Marshal(map[string]string{"field": field, "purpose": purpose})
		return c.do(t, "POST", "/api/v1/children/"+uid+"/reveal", string(b))
	}
	tests := []struct {
		name           string
		c              *client
		field, purpose string
		status         int
		value          string
	}{
		{"ID number", col, "id_number", "核实身份", 200, "150302201503101237"},
		{"father's phone", col, "father.phone", "电话回访", 200, "13987654321"},
		{"detail address", col, "residence_address.detail", "入户走访", 200, "清泉小区3号楼"},
		{"no purpose", col, "id_number", " ", 422, ""},
		{"one-character purpose", col, "id_number", "查", 422, ""},
		{"not a sensitive item", col, "sex", "核实", 422, ""},
		{"absent item", col, "mother.phone", "核实", 422, ""},
		{"officer: identity", officer, "id_number", "核对学籍", 200, "150302201503101237"},
		{"officer: outside the department's view", officer, "father.phone", "核对", 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := reveal(tt.c, tt.field, tt.purpose)
			if status != tt.status || (tt.value != "" && out["value"] != tt.value) {
				t.Errorf("got %d %v, want %d %q", status, out, tt.status, tt.value)
			}
		})
	}
	status, out = auditor.do(t, "GET", "/api/v1/audit?action=child.reveal", "")
	if status != 200 || out["total"].(float64) != 4 {
		t.Fatalf("reveal audit: %d %v", status, out)
	}
	last := out["items"].([]any)[0].(map[string]any)
	if last["actor"] != "user:edu" || last["object"] != "child:"+uid || !strings.Contains(string(mustJSONAny(last["detail"])), "核对学籍") {
		t.Errorf("reveal entry %v", last)
	}

	// The education officer's view: identity and schooling, no parents.
	_, got := officer.do(t, "GET", "/api/v1/children/"+uid, "")
	rec := got["record"].(map[string]any)
	if _, ok := rec["father"]; ok {
		t.Errorf("education officer sees the father: %v", rec)
	}
	if rec["id_number"] != "150302************" || rec["residence_address"] == nil {
		t.Errorf("education officer's view lacks the identity: %v", rec)
	}
	_, hist := officer.do(t, "GET", "/api/v1/children/"+uid+"/history", "")
	_, colHist := col.do(t, "GET", "/api/v1/children/"+uid+"/history", "")
	if !strings.Contains(string(mustJSONAny(colHist)), "father.phone") || !strings.Contains(string(mustJSONAny(colHist)), "139****4321") {
		t.Errorf("the collector's history lacks the masked change of the father's phone: %s", mustJSONAny(colHist))
	}
	for _, it := range hist["items"].([]any) {
		changes, _ := it.(map[string]any)["Changes"].([]any)
		for _, c := range changes {
			if f := c.(map[string]any)["Field"].(string); strings.HasPrefix(f, "father") {
				t.Errorf("education officer sees the change of %s", f)
			}
		}
	}
	e.checkLog(t, "150302201503101237", "13812345678", "13987654321", "清泉小区3号楼")
}

// checkLog fails when the server's log holds any of the secrets (ID numbers, phones, passwords).
func (e *testEnv) checkLog(t *testing.T, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(e.log.String(), sec) {
			t.Errorf("the log holds %q:\n%s", sec, e.log)
		}
	}
}

func mustJSONAny(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestExportApproval: request → approval by the district reviewer (not oneself, not another
// district) → one download, watermarked, every step audited.
func TestExportApproval(t *testing.T) {
	e := newTestEnv(t)
	col := e.login(t, e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false))
	rev := e.login(t, e.addUser(t, "rev", auth.RoleReviewer, "minzheng", "150302", false))
	wudaRev := e.login(t, e.addUser(t, "rev2", auth.RoleReviewer, "minzheng", "150304", false))
	auditor := e.login(t, e.addUser(t, "aud", auth.RoleAuditor, "minzheng", "1503", false))
	if status, out := col.do(t, "POST", "/api/v1/children", migrantJSON); status != 201 {
		t.Fatalf("create: %d %v", status, out)
	}
	if status, out := col.do(t, "POST", "/api/v1/exports", `{"region":"150302","purpose":" "}`); status != 422 {
		t.Errorf("no purpose: %d %v", status, out)
	}
	status, out := col.do(t, "POST", "/api/v1/exports", `{"region":"150302","region_of":"either","purpose":"入户走访名单"}`)
	if status != 201 || out["status"] != "pending" {
		t.Fatalf("request: %d %v", status, out)
	}
	uid := out["uid"].(string)
	download := "/api/v1/exports/" + uid + "/download"
	decide := "/api/v1/exports/" + uid + "/decision"
	if rec := col.raw("GET", download, "", false); rec.Code != 403 {
		t.Errorf("download before approval: %d", rec.Code)
	}
	if status, _ := col.do(t, "POST", decide, `{"approve":true}`); status != 403 {
		t.Errorf("the collector approves: %d", status)
	}
	if status, _ := wudaRev.do(t, "POST", decide, `{"approve":true}`); status != 404 {
		t.Errorf("a reviewer of another district approves: %d", status)
	}
	_, list := rev.do(t, "GET", "/api/v1/exports", "")
	if items := list["items"].([]any); len(items) != 1 {
		t.Errorf("the reviewer's list: %v", list)
	}
	if status, out := rev.do(t, "POST", decide, `{"approve":true,"note":"同意"}`); status != 200 || out["status"] != "approved" {
		t.Fatalf("approve: %d %v", status, out)
	}
	if status, _ := rev.do(t, "POST", decide, `{"approve":false}`); status != 409 {
		t.Errorf("decided twice: %d", status)
	}
	if rec := rev.raw("GET", download, "", false); rec.Code != 404 {
		t.Errorf("the reviewer downloads the collector's export: %d", rec.Code)
	}
	rec := col.raw("GET", download, "", false)
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "PK") {
		t.Fatalf("download: %d %.200s", rec.Code, rec.Body)
	}
	rows, err := sheet.Open(writeTemp(t, rec.Body.Bytes()), sheet.ReadOptions{Today: child.NewDate(2025, 6, 30)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		row, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if row.Record.IDNumber != "150302201503101237" {
			t.Errorf("exported ID %q", row.Record.IDNumber)
		}
	}
	rows.Close()
	if n != 1 {
		t.Errorf("%d rows exported", n)
	}
	if rec := col.raw("GET", download, "", false); rec.Code != 403 {
		t.Errorf("second download: %d", rec.Code)
	}
	_, au := auditor.do(t, "GET", "/api/v1/audit?action=export.", "")
	_, dl := auditor.do(t, "GET", "/api/v1/audit?action=child.export", "")
	if au["total"].(float64) != 2 || dl["total"].(float64) != 1 {
		t.Errorf("export audit: %v / %v", au["total"], dl["total"])
	}
}

func writeTemp(t *testing.T, b []byte) string {
	p := filepath.Join(t.TempDir(), "x.xlsx")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTOTPRaceOnce: the same code sent by several logins at the same moment opens one session.
// Each login checks the code against the user it read before any of them saved; the store's
// claim of the time step is what lets only one through.
func TestTOTPRaceOnce(t *testing.T) {
	e := newTestEnv(t)
	rev := e.addUser(t, "rev", auth.RoleReviewer, "minzheng", "150302", false)
	code := e.code(t, rev)
	body := `{"username":"rev","password":"` + rev.Password + `","totp":"` + code + `"}`
	const n = 6
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			status, _ := (&client{e: e}).do(t, "POST", "/api/v1/session", body)
			statuses <- status
		})
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for s := range statuses {
		if s == 200 {
			ok++
		} else if s != 401 && s != 429 { // refused, or not admitted while five of them are checked
			t.Errorf("status %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d logins with the same code succeeded, want 1", ok, n)
	}
}

// opCtx is the context of the command line's operator (tests set data up through the store
// directly, as guanai import does).
func opCtx() context.Context {
	return auth.WithPrincipal(context.Background(), auth.Operator("test"))
}
