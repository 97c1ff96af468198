package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
)

// Administrators of the permission test: the city's system and security administrators.
var (
	sysIn = principal(auth.RoleSysAdmin, "1503")
	secIn = principal(auth.RoleSecAdmin, "1503")
)

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, f gateFixture) []objectRow {
		return []objectRow{
			// The fixture's account "sys" is the city's: both city administrators see it.
			{method: "ManagedUsers", call: func(ctx context.Context) (int, error) {
				us, err := e.ManagedUsers(ctx)
				n := 0
				for _, u := range us {
					if u.Username == "sys" {
						n++
					}
				}
				return n, err
			}, allowed: []*auth.Principal{sysIn, secIn}},
			{method: "ChangeUser", mutates: true, call: func(ctx context.Context) (int, error) {
				u, _, err := e.ChangeUser(ctx, "sys", AccountChange{Kind: ChangeUnlock})
				return one(u, err)
			}, allowed: []*auth.Principal{secIn, sysIn}},
		}
	})
}

// TestAccountAdministration: each change of an account by an administrator, who may make it,
// within which jurisdiction, and its audit entry.
func TestAccountAdministration(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		op := opCtx()
		now := e.clock.Now()
		for _, u := range []*auth.User{
			{Username: "col", Name: "网格员", Roles: []string{auth.RoleCollector}, Department: "minzheng", OrgCode: "150302003012",
				FailedLogins: 12, LockedUntil: now.Add(5 * time.Minute), MFAEnrolled: true, TOTPSecret: "JBSWY3DPEHPK3PXP"},
			{Username: "rev2", Name: "审核员", Roles: []string{auth.RoleReviewer}, Department: "minzheng", OrgCode: "150303"},
			{Username: "sysdist", Name: "区管理员", Roles: []string{auth.RoleSysAdmin}, Department: "minzheng", OrgCode: "150302"},
		} {
			u.PasswordHash = auth.HashPassword("Abcdef12!")
			if err := e.CreateUser(op, u); err != nil {
				t.Fatal(err)
			}
		}
		sysDist := principal(auth.RoleSysAdmin, "150302")
		sysDist.Username = "sysdist"
		cases := []struct {
			name string
			who  *auth.Principal
			user string
			ch   AccountChange
			code string // "" = done
		}{
			{"security administrator unlocks", secIn, "col", AccountChange{Kind: ChangeUnlock}, ""},
			{"security administrator may not disable", secIn, "col", AccountChange{Kind: ChangeDisable}, CodeForbidden},
			{"reviewer may not unlock", revIn, "col", AccountChange{Kind: ChangeUnlock}, CodeForbidden},
			{"district administrator: account of another district", sysDist, "rev2", AccountChange{Kind: ChangeDisable}, CodeNotFound},
			{"district administrator disables in its district", sysDist, "col", AccountChange{Kind: ChangeDisable}, ""},
			{"not one's own account", sysDist, "sysdist", AccountChange{Kind: ChangeDisable}, CodeForbidden},
			{"enable", sysIn, "col", AccountChange{Kind: ChangeEnable}, ""},
			{"reset the second factor", secIn, "col", AccountChange{Kind: ChangeResetMFA}, ""},
			{"administrator role with another (三员分立)", sysIn, "rev2", AccountChange{Kind: ChangeProfile, Roles: []string{auth.RoleReviewer, auth.RoleAuditor}}, CodeInvalid},
			{"org unit outside the jurisdiction", sysDist, "col", AccountChange{Kind: ChangeProfile, OrgCode: "150303"}, CodeForbidden},
			{"roles and org unit", sysIn, "rev2", AccountChange{Kind: ChangeProfile, Roles: []string{auth.RoleReviewer, auth.RoleCollector}, OrgCode: "150303001"}, ""},
			{"nothing to change", sysIn, "rev2", AccountChange{Kind: ChangeProfile, OrgCode: "150303001"}, CodeInvalid},
			{"unknown change", sysIn, "col", AccountChange{Kind: "delete"}, CodeInvalid},
			{"unknown account", sysIn, "nobody", AccountChange{Kind: ChangeUnlock}, CodeNotFound},
		}
		for _, tt := range cases {
			_, _, err := e.ChangeUser(auth.WithPrincipal(context.Background(), tt.who), tt.user, tt.ch)
			if errCode(err) != tt.code && !(tt.code == "" && err == nil) {
				t.Errorf("%s: %v, want %q", tt.name, err, tt.code)
			}
		}
		col, _ := e.UserByName(op, "col")
		if col.Locked(now) || col.FailedLogins != 0 || col.Disabled || col.MFAEnrolled || col.TOTPSecret != "" {
			t.Errorf("col after the changes: %+v", col)
		}
		rev2, _ := e.UserByName(op, "rev2")
		if !slices.Equal(rev2.Roles, []string{auth.RoleReviewer, auth.RoleCollector}) || rev2.OrgCode != "150303001" {
			t.Errorf("rev2: roles %v org %s", rev2.Roles, rev2.OrgCode)
		}
		// A password reset answers a new initial password that must be changed.
		u, pw, err := e.ChangeUser(auth.WithPrincipal(context.Background(), sysIn), "col", AccountChange{Kind: ChangeResetPassword})
		if err != nil || pw == "" || !auth.CheckPassword(u.PasswordHash, pw) || !u.MustChangePassword {
			t.Errorf("reset password: %q %v", pw, err)
		}
		// The district administrator sees its district's accounts only.
		us, err := e.ManagedUsers(auth.WithPrincipal(context.Background(), sysDist))
		var names []string
		for _, u := range us {
			names = append(names, u.Username)
		}
		if err != nil || !slices.Equal(names, []string{"col", "sysdist"}) {
			t.Errorf("district administrator sees %v %v", names, err)
		}
		// Creating an account outside the jurisdiction is refused.
		err = e.CreateUser(auth.WithPrincipal(context.Background(), sysDist), &auth.User{Username: "far", Roles: []string{auth.RoleCollector},
			Department: "minzheng", OrgCode: "150303", PasswordHash: auth.HashPassword("Abcdef12!")})
		if errCode(err) != CodeForbidden {
			t.Errorf("create outside the jurisdiction: %v", err)
		}
		// Every change done is in the trail under its administrator.
		page, err := e.AuditEntries(opCtx(), AuditQuery{Action: audit.UserUpdate, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, it := range page.Items {
			got[it.Actor]++
		}
		if got[secIn.Actor()] != 2 || got[sysDist.Actor()] != 1 || got[sysIn.Actor()] != 3 {
			t.Errorf("audit entries by actor: %v", got)
		}
	})
}
