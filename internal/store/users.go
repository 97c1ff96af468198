package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
)

// Event is the audit entry that goes with a change of an account.
type Event struct {
	Action string
	Object string
	Detail any
}

func aadTOTP(id int64) string        { return "users.totp:" + strconv.FormatInt(id, 10) }
func aadTOTPPending(id int64) string { return "users.totp_pending:" + strconv.FormatInt(id, 10) }

func errNoUser(name string) *Error {
	return &Error{Code: CodeNotFound, Message: "没有用户 " + name}
}

// CreateUser adds an account (u.ID is set) and audits it as user.create.
func (s *Store) CreateUser(ctx context.Context, u *auth.User) error {
	p, err := gate(ctx, "只有系统管理员可以创建账号", auth.PermUsersManage)
	if err != nil {
		return err
	}
	if !userInJurisdiction(p, u.OrgCode) {
		return errForbidden("所属单位须在您的管辖范围内")
	}
	if err := auth.CheckRoles(u.Roles); err != nil {
		return errInvalid(err.(*auth.Error).Message)
	}
	if auth.DepartmentLabel(u.Department) == "" {
		return errInvalid("未知的部门：" + u.Department)
	}
	if !validUsername(u.Username) {
		return errInvalid("用户名应为 2–32 位字母、数字、下划线、点或连字符")
	}
	now := s.instant()
	u.CreatedAt, u.UpdatedAt = now, now
	if u.PasswordChangedAt.IsZero() {
		u.PasswordChangedAt = now
	}
	if u.CreatedBy == "" {
		u.CreatedBy = auth.ActorOf(ctx)
	}
	return s.inTx(ctx, "创建用户", func(t *tx) error {
		var n int
		if err := t.queryRow("SELECT count(*) FROM users WHERE username = ?", u.Username).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &Error{Code: CodeConflict, Message: "用户名 " + u.Username + " 已存在"}
		}
		err := t.queryRow(`INSERT INTO users (username, name, department, org_code, roles, password_hash, password_changed_at,
 must_change_password, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Username, u.Name, u.Department, u.OrgCode, joinSet(u.Roles), u.PasswordHash, s.d.timeArg(u.PasswordChangedAt),
			u.MustChangePassword, s.d.timeArg(now), u.CreatedBy, s.d.timeArg(now)).Scan(&u.ID)
		if err != nil {
			return err
		}
		if err := s.saveUser(t, u); err != nil {
			return err
		}
		return s.appendAudit(t, audit.UserCreate, "user:"+u.Username, map[string]any{"roles": u.Roles,
			"department": u.Department, "org_code": u.OrgCode, "mfa_enrolled": u.MFAEnrolled})
	})
}

func validUsername(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func joinSet(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return "," + strings.Join(v, ",") + ","
}

// saveUser writes every changeable column of u.
func (s *Store) saveUser(t *tx, u *auth.User) error {
	hist, _ := json.Marshal(nonNilStrings(u.PasswordHistory))
	rec, _ := json.Marshal(nonNilStrings(u.RecoveryCodes))
	var secret, pending []byte
	var err error
	if u.TOTPSecret != "" {
		if secret, err = s.keys.Seal([]byte(u.TOTPSecret), []byte(aadTOTP(u.ID))); err != nil {
			return err
		}
	}
	if u.TOTPPending != "" {
		if pending, err = s.keys.Seal([]byte(u.TOTPPending), []byte(aadTOTPPending(u.ID))); err != nil {
			return err
		}
	}
	u.UpdatedAt = s.instant()
	_, err = t.exec(`UPDATE users SET name = ?, department = ?, org_code = ?, roles = ?, password_hash = ?,
 password_changed_at = ?, password_history = ?, must_change_password = ?, mfa_enrolled = ?, totp_secret = ?,
 totp_pending = ?, totp_last_step = CASE WHEN totp_last_step > ? THEN totp_last_step ELSE ? END, recovery_codes = ?, failed_logins = ?, locked_until = ?, last_login_at = ?,
 disabled = ?, updated_at = ? WHERE id = ?`,
		u.Name, u.Department, u.OrgCode, joinSet(u.Roles), u.PasswordHash, s.d.timeArg(u.PasswordChangedAt), string(hist),
		u.MustChangePassword, u.MFAEnrolled, secret, pending, u.TOTPLastStep, u.TOTPLastStep, string(rec), u.FailedLogins,
		s.d.timeArg(u.LockedUntil), s.d.timeArg(u.LastLoginAt), u.Disabled, s.d.timeArg(u.UpdatedAt), u.ID)
	return err
}

func nonNilStrings(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// UpdateUser saves every changeable item of u together with the audit entry ev (none when
// ev.Action is empty).
func (s *Store) UpdateUser(ctx context.Context, u *auth.User, ev Event) error {
	return s.inTx(ctx, "保存用户", func(t *tx) error {
		if err := s.saveUser(t, u); err != nil {
			return err
		}
		if ev.Action == "" {
			return nil
		}
		return s.appendAudit(t, ev.Action, ev.Object, ev.Detail)
	})
}

const userSelect = `SELECT id, username, name, department, org_code, roles, password_hash, password_changed_at,
 password_history, must_change_password, mfa_enrolled, totp_secret, totp_pending, totp_last_step, recovery_codes,
 failed_logins, locked_until, last_login_at, disabled, created_at, created_by, updated_at FROM users`

func (s *Store) scanUser(scan func(...any) error) (*auth.User, error) {
	var (
		u                        auth.User
		roles, hist, rec         string
		secret, pending          []byte
		mustChange, mfa, disable bool
	)
	err := scan(&u.ID, &u.Username, &u.Name, &u.Department, &u.OrgCode, &roles, &u.PasswordHash, scanTime{&u.PasswordChangedAt},
		&hist, &mustChange, &mfa, &secret, &pending, &u.TOTPLastStep, &rec, &u.FailedLogins, scanTime{&u.LockedUntil},
		scanTime{&u.LastLoginAt}, &disable, scanTime{&u.CreatedAt}, &u.CreatedBy, scanTime{&u.UpdatedAt})
	if err != nil {
		return nil, err
	}
	u.MustChangePassword, u.MFAEnrolled, u.Disabled = mustChange, mfa, disable
	u.Roles = splitSet(roles)
	if err := json.Unmarshal([]byte(hist), &u.PasswordHistory); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(rec), &u.RecoveryCodes); err != nil {
		return nil, err
	}
	if len(secret) > 0 {
		b, err := s.keys.Open(secret, []byte(aadTOTP(u.ID)))
		if err != nil {
			return nil, err
		}
		u.TOTPSecret = string(b)
	}
	if len(pending) > 0 {
		b, err := s.keys.Open(pending, []byte(aadTOTPPending(u.ID)))
		if err != nil {
			return nil, err
		}
		u.TOTPPending = string(b)
	}
	return &u, nil
}

// UserByName returns the account username (not_found when there is none).
func (s *Store) UserByName(ctx context.Context, username string) (*auth.User, error) {
	u, err := s.scanUser(s.queryRow(ctx, userSelect+" WHERE username = ?", username).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoUser(username)
	}
	if err != nil {
		return nil, internal("读取用户", err)
	}
	return u, nil
}

// Users lists every account, by user name.
func (s *Store) Users(ctx context.Context) ([]*auth.User, error) {
	if _, err := gate(ctx, "只有系统管理员可以查看账号", auth.PermUsersManage); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, userSelect+" ORDER BY username")
	if err != nil {
		return nil, internal("读取用户", err)
	}
	defer rows.Close()
	var out []*auth.User
	for rows.Next() {
		u, err := s.scanUser(rows.Scan)
		if err != nil {
			return nil, internal("读取用户", err)
		}
		out = append(out, u)
	}
	return out, internal("读取用户", rows.Err())
}

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.queryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		return 0, internal("读取用户", err)
	}
	return n, nil
}

// StartSession saves the user (failures reset, last login) and the new session, and audits the
// login, in one transaction.
func (s *Store) StartSession(ctx context.Context, u *auth.User, sess *auth.Session, detail any) error {
	return s.inTx(ctx, "登录", func(t *tx) error {
		if err := s.saveUser(t, u); err != nil {
			return err
		}
		if _, err := t.exec("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, ip) VALUES (?, ?, ?, ?, ?, ?)",
			sess.TokenHash, u.ID, sess.CSRF, s.d.timeArg(sess.CreatedAt), s.d.timeArg(sess.LastSeen), sess.IP); err != nil {
			return err
		}
		return s.appendAudit(t, audit.LoginSuccess, "user:"+u.Username, detail)
	})
}

// ClaimTOTPStep records that the time step of a TOTP code was used, if no other login used it
// or a later one since the user was read (prev is the step read then). Two logins racing
// with the same code both pass the check against what they read; only one of them claims the
// step here, and the other is refused as a replay.
func (s *Store) ClaimTOTPStep(ctx context.Context, userID, prev, step int64) error {
	return s.claim(ctx, "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step = ?", step, userID, prev)
}

// ClaimRecoveryCode records that a recovery code was used, leaving rest, if the user's codes are
// still prev (the ones read): the same race as ClaimTOTPStep, for recovery codes.
func (s *Store) ClaimRecoveryCode(ctx context.Context, userID int64, prev, rest []string) error {
	p, _ := json.Marshal(nonNilStrings(prev))
	r, _ := json.Marshal(nonNilStrings(rest))
	return s.claim(ctx, "UPDATE users SET recovery_codes = ? WHERE id = ? AND recovery_codes = ?", string(r), userID, string(p))
}

func (s *Store) claim(ctx context.Context, query string, args ...any) error {
	return s.inTx(ctx, "核验动态口令", func(t *tx) error {
		res, err := t.exec(query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return &Error{Code: CodeConflict, Message: "该口令刚刚已被使用过，请输入验证器上的最新口令"}
		}
		return nil
	})
}

// Session returns the session with the token hash and its user (not_found when there is none).
func (s *Store) Session(ctx context.Context, tokenHash string) (*auth.Session, *auth.User, error) {
	var sess auth.Session
	err := s.queryRow(ctx, "SELECT token_hash, user_id, csrf_token, created_at, last_seen, ip FROM sessions WHERE token_hash = ?", tokenHash).
		Scan(&sess.TokenHash, &sess.UserID, &sess.CSRF, scanTime{&sess.CreatedAt}, scanTime{&sess.LastSeen}, &sess.IP)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, &Error{Code: CodeNotFound, Message: "会话不存在或已结束"}
	}
	if err != nil {
		return nil, nil, internal("读取会话", err)
	}
	u, err := s.scanUser(s.queryRow(ctx, userSelect+" WHERE id = ?", sess.UserID).Scan)
	if err != nil {
		return nil, nil, internal("读取用户", err)
	}
	return &sess, u, nil
}

// TouchSession records that the session was used at at.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	return s.inTx(ctx, "更新会话", func(t *tx) error {
		_, err := t.exec("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", s.d.timeArg(at), tokenHash)
		return err
	})
}

// EndSession deletes a session; ev, when it has an action (logout, an idle timeout), is audited
// with it.
func (s *Store) EndSession(ctx context.Context, tokenHash string, ev Event) error {
	return s.inTx(ctx, "结束会话", func(t *tx) error {
		if _, err := t.exec("DELETE FROM sessions WHERE token_hash = ?", tokenHash); err != nil {
			return err
		}
		if ev.Action == "" {
			return nil
		}
		return s.appendAudit(t, ev.Action, ev.Object, ev.Detail)
	})
}

// EndUserSessions deletes every session of a user but keep (a token hash, or ""): after a
// password change, a reset or a disable.
func (s *Store) EndUserSessions(ctx context.Context, userID int64, keep string) error {
	return s.inTx(ctx, "结束会话", func(t *tx) error {
		_, err := t.exec("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", userID, keep)
		return err
	})
}

// PurgeSessions deletes the sessions not used since before (idle beyond the timeout): a session
// that is never used again would otherwise stay in the table.
func (s *Store) PurgeSessions(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, "清理会话", func(t *tx) error {
		res, err := t.exec("DELETE FROM sessions WHERE last_seen < ?", s.d.timeArg(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
