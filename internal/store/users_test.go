package store

import (
	"bytes"
	"testing"
	"time"

	"guanai/internal/auth"
)

func TestUsersAndSessions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		u := &auth.User{Username: "rev", Name: "审核员", Roles: []string{auth.RoleReviewer}, Department: "minzheng", OrgCode: "150302",
			PasswordHash: auth.HashPassword("Secret-123"), TOTPSecret: "JBSWY3DPEHPK3PXP", MFAEnrolled: true, RecoveryCodes: []string{"h1", "h2"}}
		if err := e.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		bad := []struct {
			name string
			u    auth.User
			code string
		}{
			{"duplicate", auth.User{Username: "rev", Roles: []string{auth.RoleCollector}, Department: "minzheng"}, CodeConflict},
			{"administrator plus another role", auth.User{Username: "x", Roles: []string{auth.RoleAuditor, auth.RoleReviewer}, Department: "minzheng"}, CodeInvalid},
			{"unknown department", auth.User{Username: "y", Roles: []string{auth.RoleCollector}, Department: "army"}, CodeInvalid},
			{"bad user name", auth.User{Username: "a b", Roles: []string{auth.RoleCollector}, Department: "minzheng"}, CodeInvalid},
		}
		for _, tt := range bad {
			if err := e.CreateUser(ctx, &tt.u); errCode(err) != tt.code {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			}
		}
		got, err := e.UserByName(ctx, "rev")
		if err != nil || got.TOTPSecret != "JBSWY3DPEHPK3PXP" || !got.MFAEnrolled || len(got.RecoveryCodes) != 2 || got.Roles[0] != auth.RoleReviewer {
			t.Fatalf("user %+v %v", got, err)
		}
		// The TOTP secret is sealed at rest.
		var raw []byte
		if err := e.read.QueryRow("SELECT totp_secret FROM users").Scan(&raw); err != nil || bytes.Contains(raw, []byte("JBSWY3DPEHPK3PXP")) {
			t.Errorf("totp secret at rest: %q %v", raw, err)
		}
		if _, err := e.UserByName(ctx, "nobody"); errCode(err) != CodeNotFound {
			t.Errorf("unknown user: %v", err)
		}

		now := e.clock.Now()
		for i, last := range []time.Time{now.Add(-time.Hour), now} {
			s := &auth.Session{TokenHash: auth.TokenHash(string(rune('a' + i))), UserID: got.ID, CSRF: "c", CreatedAt: last, LastSeen: last}
			if err := e.StartSession(ctx, got, s, nil); err != nil {
				t.Fatal(err)
			}
		}
		n, err := e.PurgeSessions(ctx, now.Add(-30*time.Minute))
		if err != nil || n != 1 {
			t.Errorf("purge: %d %v", n, err)
		}
		if _, _, err := e.Session(ctx, auth.TokenHash("a")); errCode(err) != CodeNotFound {
			t.Errorf("idle session kept: %v", err)
		}
		if s, u2, err := e.Session(ctx, auth.TokenHash("b")); err != nil || u2.Username != "rev" || s.CSRF != "c" {
			t.Errorf("live session: %v", err)
		}
		if err := e.EndUserSessions(ctx, got.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.Session(ctx, auth.TokenHash("b")); errCode(err) != CodeNotFound {
			t.Errorf("session after EndUserSessions: %v", err)
		}
	})
}

// TestSecondFactorClaims: of two logins that read the user at the same moment and present the
// same code, one claims it and the other is refused; a save carrying the older step does not
// undo the claim.
func TestSecondFactorClaims(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		u := &auth.User{Username: "col", Name: "儿童主任", Roles: []string{auth.RoleCollector}, Department: "minzheng", OrgCode: "150302003012",
			PasswordHash: auth.HashPassword("Secret-123"), TOTPSecret: "JBSWY3DPEHPK3PXP", MFAEnrolled: true, TOTPLastStep: 100,
			RecoveryCodes: []string{"h1", "h2"}}
		if err := e.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		a, _ := e.UserByName(ctx, "col")
		b, _ := e.UserByName(ctx, "col")
		if err := e.ClaimTOTPStep(ctx, a.ID, a.TOTPLastStep, 101); err != nil {
			t.Fatalf("first claim: %v", err)
		}
		if err := e.ClaimTOTPStep(ctx, b.ID, b.TOTPLastStep, 101); errCode(err) != CodeConflict {
			t.Errorf("second claim of the same step: %v", err)
		}
		// The refused login saves its failure with the step it read: the claim stands.
		b.FailedLogins++
		if err := e.UpdateUser(ctx, b, Event{}); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.UserByName(ctx, "col"); got.TOTPLastStep != 101 || got.FailedLogins != 1 {
			t.Errorf("after the failed login: step %d failures %d", got.TOTPLastStep, got.FailedLogins)
		}

		if err := e.ClaimRecoveryCode(ctx, a.ID, a.RecoveryCodes, []string{"h2"}); err != nil {
			t.Fatalf("first recovery claim: %v", err)
		}
		if err := e.ClaimRecoveryCode(ctx, b.ID, b.RecoveryCodes, []string{"h2"}); errCode(err) != CodeConflict {
			t.Errorf("second claim of the same recovery code: %v", err)
		}
		if got, _ := e.UserByName(ctx, "col"); len(got.RecoveryCodes) != 1 || got.RecoveryCodes[0] != "h2" {
			t.Errorf("recovery codes %v", got.RecoveryCodes)
		}
	})
}
