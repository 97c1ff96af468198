package web

import (
	"strings"
	"testing"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/store"
)

// TestSessionAbsoluteLifetime: a session used every 20 minutes (never idle) still ends 12 hours
// after it began, audited as a logout with the reason expired.
func TestSessionAbsoluteLifetime(t *testing.T) {
	e := newTestEnv(t)
	c := e.login(t, e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false))
	began := e.clock.Now().Add(-30 * time.Second) // login moved the clock past its TOTP step
	tests := []struct {
		name   string
		at     time.Duration // after the login
		status int
	}{
		{name: "after 20 minutes", at: 20 * time.Minute, status: 200},
		{name: "after 6 hours", at: 6 * time.Hour, status: 200},
		{name: "after 11 hours 50 minutes", at: 11*time.Hour + 50*time.Minute, status: 200},
		{name: "after 12 hours 5 minutes", at: 12*time.Hour + 5*time.Minute, status: 401},
		{name: "and after that", at: 12*time.Hour + 6*time.Minute, status: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Keep the session in use up to the step's time, so that it is never idle.
			for e.clock.Now().Before(began.Add(tt.at)) {
				e.clock.Add(min(20*time.Minute, began.Add(tt.at).Sub(e.clock.Now())))
				if e.clock.Now().Before(began.Add(tt.at)) && tt.status == 200 {
					if status, out := c.do(t, "GET", "/api/v1/meta/codes", ""); status != 200 {
						t.Fatalf("at %v: %d %v", e.clock.Now().Sub(began), status, out)
					}
				}
			}
			status, out := c.do(t, "GET", "/api/v1/session", "")
			if status != tt.status || (status == 401 && errCode(out) != "unauthenticated") {
				t.Errorf("got %d %v, want %d", status, out, tt.status)
			}
		})
	}
	page, err := e.st.AuditEntries(opCtx(), store.AuditQuery{Action: audit.Logout, Object: "user:col"})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || !strings.Contains(string(page.Items[0].Detail), `"reason":"expired"`) {
		t.Errorf("logout entries: %d %v, want one with the reason expired", page.Total, page.Items)
	}
}
