package web

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/store"
)

// TestTOTPReEnrolment: replacing the second factor of an account that has one needs the
// password and a current TOTP code (or a recovery code); confirming it ends the account's
// other sessions; every step is audited as mfa.enrol.
func TestTOTPReEnrolment(t *testing.T) {
	e := newTestEnv(t)
	rev := e.addUser(t, "rev", auth.RoleReviewer, "minzheng", "150302", false)
	c := e.login(t, rev)
	other := e.login(t, rev) // another browser of the same account
	var recovery []string
	field := func(out map[string]any) string {
		fs, _ := out["error"].(map[string]any)["fields"].([]any)
		if len(fs) == 0 {
			return ""
		}
		return fs[0].(map[string]any)["field"].(string)
	}
	begin := func(body map[string]string) (int, map[string]any) {
		e.clock.Add(30 * time.Second) // a fresh TOTP step
		b := ""
		if body != nil {
			raw, _ := json.Marshal(body)
			b = string(raw)
		}
		return c.do(t, "POST", "/api/v1/session/totp", b)
	}
	// confirm makes the pending secret the account's second factor.
	confirm := func(t *testing.T, secret string) {
		t.Helper()
		code, _ := auth.TOTPCode(secret, e.clock.Now())
		status, out := c.do(t, "POST", "/api/v1/session/totp/confirm", `{"code":"`+code+`"}`)
		if status != 200 {
			t.Fatalf("confirm: %d %v", status, out)
		}
		recovery = nil
		for _, x := range out["recovery_codes"].([]any) {
			recovery = append(recovery, x.(string))
		}
		rev.TOTP = secret
	}
	tests := []struct {
		name   string
		body   func() map[string]string
		status int
		field  string
		after  func(t *testing.T, out map[string]any)
	}{
		{name: "no body", body: func() map[string]string { return nil }, status: 422, field: "password"},
		{name: "no password", body: func() map[string]string { return map[string]string{"totp": e.code(t, rev)} }, status: 422, field: "password"},
		{name: "password without a code", body: func() map[string]string { return map[string]string{"password": rev.Password} }, status: 422, field: "totp"},
		{name: "wrong password", body: func() map[string]string {
			return map[string]string{"password": "Wrong-password-1", "totp": e.code(t, rev)}
		}, status: 422, field: "password"},
		{name: "wrong code", body: func() map[string]string { return map[string]string{"password": rev.Password, "totp": "000000"} }, status: 422, field: "totp"},
		{name: "wrong recovery code", body: func() map[string]string {
			return map[string]string{"password": rev.Password, "recovery_code": "aaaa-bbbb-cccc"}
		}, status: 422, field: "recovery_code"},
		{name: "password and current code", body: func() map[string]string {
			return map[string]string{"password": rev.Password, "totp": e.code(t, rev)}
		}, status: 200, after: func(t *testing.T, out map[string]any) {
			old := rev.TOTP
			confirm(t, out["secret"].(string))
			if status, _ := other.do(t, "GET", "/api/v1/session", ""); status != 401 {
				t.Errorf("the other session after the change: %d, want 401", status)
			}
			if status, _ := c.do(t, "GET", "/api/v1/session", ""); status != 200 {
				t.Errorf("the session that made the change: %d, want 200", status)
			}
			e.clock.Add(30 * time.Second)
			oldCode, _ := auth.TOTPCode(old, e.clock.Now())
			if status, out := (&client{e: e}).do(t, "POST", "/api/v1/session", `{"username":"rev","password":`+mustJSON(rev.Password)+`,"totp":"`+oldCode+`"}`); status != 401 {
				t.Errorf("login with the old secret: %d %v", status, out)
			}
			e.login(t, rev)
		}},
		{name: "password and a recovery code", body: func() map[string]string {
			return map[string]string{"password": rev.Password, "recovery_code": recovery[0]}
		}, status: 200, after: func(t *testing.T, out map[string]any) { confirm(t, out["secret"].(string)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := begin(tt.body())
			if status != tt.status || (tt.field != "" && field(out) != tt.field) {
				t.Fatalf("got %d %v, want %d on %q", status, out, tt.status, tt.field)
			}
			if tt.after != nil {
				tt.after(t, out)
			}
		})
	}
	page, err := e.st.AuditEntries(opCtx(), store.AuditQuery{Action: audit.MFAEnrol, Object: "user:rev", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for i := len(page.Items) - 1; i >= 0; i-- {
		var d map[string]any
		json.Unmarshal(page.Items[i].Detail, &d)
		step := d["step"].(string)
		if r, ok := d["refused"].(string); ok {
			step += ":" + r
		}
		steps = append(steps, step)
	}
	want := "begin:password begin:totp begin:recovery_code begin confirm begin confirm"
	if got := strings.Join(steps, " "); got != want {
		t.Errorf("audited steps %q, want %q", got, want)
	}
}

// TestTOTPFirstEnrolmentEndsOtherSessions: the forced set-up, too, ends the account's other
// sessions when it is confirmed.
func TestTOTPFirstEnrolmentEndsOtherSessions(t *testing.T) {
	e := newTestEnv(t)
	pw := auth.RandomPassword()
	if err := e.st.CreateUser(opCtx(), &auth.User{Username: "rev", Name: "审核员", Roles: []string{auth.RoleReviewer},
		Department: "minzheng", OrgCode: "150302", PasswordHash: auth.HashPassword(pw)}); err != nil {
		t.Fatal(err)
	}
	c := e.login(t, testUser{Username: "rev", Password: pw})
	other := e.login(t, testUser{Username: "rev", Password: pw})
	status, out := c.do(t, "POST", "/api/v1/session/totp", `{"password":`+mustJSON(pw)+`}`)
	if status != 200 {
		t.Fatalf("begin: %d %v", status, out)
	}
	code, _ := auth.TOTPCode(out["secret"].(string), e.clock.Now())
	if status, out := c.do(t, "POST", "/api/v1/session/totp/confirm", `{"code":"`+code+`"}`); status != 200 {
		t.Fatalf("confirm: %d %v", status, out)
	}
	if status, _ := other.do(t, "GET", "/api/v1/session", ""); status != 401 {
		t.Errorf("the other session: %d, want 401", status)
	}
}
