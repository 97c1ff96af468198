package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/region"
)

// Account administration (issue 15): the system administrator (users.manage) creates accounts
// and changes their roles, org unit, state and password; the security administrator
// (keys.manage) may also unlock an account and clear its second factor, the two changes a
// security incident or a lost phone needs. Both see and change only the accounts whose org unit
// lies in their own jurisdiction, never their own account's roles or state, and every change
// is audited (user.update, with what changed) in the transaction that makes it.

// Account changes an administrator can make.
const (
	ChangeUnlock        = "unlock"         // end a lockout after failed sign-ins
	ChangeDisable       = "disable"        // the account can no longer sign in; its sessions end
	ChangeEnable        = "enable"         // a disabled account can sign in again
	ChangeResetMFA      = "reset-mfa"      // clear the second factor: enrolled again at the next sign-in
	ChangeResetPassword = "reset-password" // a new random initial password, changed at the next sign-in
	ChangeProfile       = "profile"        // name, roles, department, org unit
)

// ChangeLabels are the Chinese names of the changes, for messages and the audit page.
var ChangeLabels = map[string]string{
	ChangeUnlock: "解除锁定", ChangeDisable: "停用", ChangeEnable: "启用", ChangeResetMFA: "清除动态口令",
	ChangeResetPassword: "重置密码", ChangeProfile: "修改资料和角色",
}

// AccountChange is one change of an account by an administrator. For ChangeProfile the
// non-empty items replace the account's.
type AccountChange struct {
	Kind       string
	Name       string
	Roles      []string
	Department string
	OrgCode    string
}

// changePerms are the permissions that may make each change.
func changePerms(kind string) []string {
	switch kind {
	case ChangeUnlock, ChangeResetMFA:
		return []string{auth.PermUsersManage, auth.PermKeysManage}
	}
	return []string{auth.PermUsersManage}
}

// userInJurisdiction reports whether an org unit lies in the principal's jurisdiction.
func userInJurisdiction(p *auth.Principal, org string) bool {
	code, whole, err := jurisdiction(p)
	if err != nil {
		return false
	}
	return whole || strings.HasPrefix(org, code)
}

// ManagedUsers lists the accounts of the administrator's jurisdiction (by user name): the
// system administrator's and the security administrator's view of accounts.
func (s *Store) ManagedUsers(ctx context.Context) ([]*auth.User, error) {
	p, err := gate(ctx, "只有系统管理员和安全管理员可以查看账号", auth.PermUsersManage, auth.PermKeysManage)
	if err != nil {
		return nil, err
	}
	code, whole, err := jurisdiction(p)
	if err != nil {
		return nil, err
	}
	q, args := userSelect, []any{}
	if !whole {
		q, args = q+" WHERE org_code LIKE ?", append(args, code+"%")
	}
	rows, err := s.query(ctx, q+" ORDER BY username", args...)
	if err != nil {
		return nil, internal("读取用户", err)
	}
	defer rows.Close()
	out := []*auth.User{}
	for rows.Next() {
		u, err := s.scanUser(rows.Scan)
		if err != nil {
			return nil, internal("读取用户", err)
		}
		out = append(out, u)
	}
	return out, internal("读取用户", rows.Err())
}

// ChangeUser makes one change of the account username, audited as user.update with the change
// in the same transaction; a disable, a second factor cleared or a password reset also end the
// account's sessions there. It answers the account as changed and, for a password reset, the
// new initial password (shown once to the administrator, who hands it over).
func (s *Store) ChangeUser(ctx context.Context, username string, ch AccountChange) (*auth.User, string, error) {
	label, known := ChangeLabels[ch.Kind]
	if !known {
		return nil, "", errInvalid("未知的账号操作：" + ch.Kind)
	}
	p, err := gate(ctx, "您的角色不能对账号"+label, changePerms(ch.Kind)...)
	if err != nil {
		return nil, "", err
	}
	if !p.Whole() && p.Username == username && ch.Kind != ChangeUnlock {
		return nil, "", errForbidden("不能" + label + "自己的账号，请由另一位管理员操作")
	}
	var (
		u        *auth.User
		password string
	)
	err = s.inTx(ctx, "修改账号", func(t *tx) error {
		var err error
		u, err = s.scanUser(t.queryRow(userSelect+" WHERE username = ?", username).Scan)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !userInJurisdiction(p, u.OrgCode) {
			return errNoUser(username)
		}
		if err != nil {
			return err
		}
		now := s.instant()
		detail := map[string]any{"change": ch.Kind}
		endSessions := false
		switch ch.Kind {
		case ChangeUnlock:
			detail["failed_logins"], detail["was_locked"] = u.FailedLogins, u.Locked(now)
			u.FailedLogins, u.LockedUntil = 0, time.Time{}
		case ChangeDisable:
			u.Disabled, endSessions = true, true
		case ChangeEnable:
			u.Disabled = false
		case ChangeResetMFA:
			u.MFAEnrolled, u.TOTPSecret, u.TOTPPending, u.RecoveryCodes, u.TOTPLastStep = false, "", "", nil, 0
			endSessions = true
		case ChangeResetPassword:
			password = auth.RandomPassword()
			u.PasswordHistory = append([]string{u.PasswordHash}, u.PasswordHistory...)
			if n := auth.DefaultPolicy().History; len(u.PasswordHistory) > n {
				u.PasswordHistory = u.PasswordHistory[:n]
			}
			u.PasswordHash, u.PasswordChangedAt, u.MustChangePassword = auth.HashPassword(password), now, true
			u.FailedLogins, u.LockedUntil, endSessions = 0, time.Time{}, true
		case ChangeProfile:
			if err := s.applyProfile(p, u, ch, detail); err != nil {
				return err
			}
			endSessions = true // a session carries the roles and the scope it was opened with
		}
		if err := s.saveUser(t, u); err != nil {
			return err
		}
		if endSessions {
			if _, err := t.exec("DELETE FROM sessions WHERE user_id = ?", u.ID); err != nil {
				return err
			}
		}
		return s.appendAudit(t, audit.UserUpdate, "user:"+u.Username, detail)
	})
	if err != nil {
		return nil, "", err
	}
	return u, password, nil
}

// applyProfile checks and applies a change of name, roles, department and org unit.
func (s *Store) applyProfile(p *auth.Principal, u *auth.User, ch AccountChange, detail map[string]any) error {
	if name := strings.TrimSpace(ch.Name); name != "" && name != u.Name {
		if len([]rune(name)) > 32 {
			return errInvalid("姓名不能超过 32 个字")
		}
		u.Name, detail["name"] = name, true
	}
	if len(ch.Roles) > 0 && !slices.Equal(ch.Roles, u.Roles) {
		if err := auth.CheckRoles(ch.Roles); err != nil {
			return errInvalid(err.(*auth.Error).Message)
		}
		detail["roles_before"], detail["roles"] = u.Roles, ch.Roles
		u.Roles = slices.Clone(ch.Roles)
	}
	if ch.Department != "" && ch.Department != u.Department {
		if auth.DepartmentLabel(ch.Department) == "" {
			return errInvalid("未知的部门：" + ch.Department)
		}
		detail["department_before"], detail["department"] = u.Department, ch.Department
		u.Department = ch.Department
	}
	if ch.OrgCode != "" && ch.OrgCode != u.OrgCode {
		ou, err := auth.OrgUnitOf(region.Default(), ch.OrgCode)
		if err != nil {
			return errInvalid(err.(*auth.Error).Message)
		}
		if !userInJurisdiction(p, ou.Code) {
			return errForbidden("所属单位须在您的管辖范围内")
		}
		detail["org_before"], detail["org_code"] = u.OrgCode, ou.Code
		u.OrgCode = ou.Code
	}
	if len(detail) == 1 {
		return errInvalid("没有要修改的内容")
	}
	return nil
}
