package web

import (
	"context"
	"crypto/subtle"
	"mime"
	"net/http"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/store"
)

// Accounts is the part of the store the session handlers use.
type Accounts interface {
	UserByName(ctx context.Context, username string) (*auth.User, error)
	UpdateUser(ctx context.Context, u *auth.User, ev store.Event) error
	StartSession(ctx context.Context, u *auth.User, sess *auth.Session, detail any) error
	ClaimTOTPStep(ctx context.Context, userID, prev, step int64) error
	ClaimRecoveryCode(ctx context.Context, userID int64, prev, rest []string) error
	Session(ctx context.Context, tokenHash string) (*auth.Session, *auth.User, error)
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
	EndSession(ctx context.Context, tokenHash string, ev store.Event) error
	EndUserSessions(ctx context.Context, userID int64, keep string) error
	Audit(ctx context.Context, action, object string, detail any) error
	AuditEntries(ctx context.Context, q store.AuditQuery) (store.AuditPage, error)
}

// SessionCookie is the name of the session cookie.
const SessionCookie = "guanai_session"

// touchEvery bounds how often a session's last use is written: at most once a minute, so that
// the idle timeout is exact to a minute without a write per request.
const touchEvery = time.Minute

type sessionKey struct{}

// current is the session and user of an authenticated request.
type current struct {
	sess *auth.Session
	user *auth.User
}

func currentOf(ctx context.Context) *current {
	c, _ := ctx.Value(sessionKey{}).(*current)
	return c
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// guard wraps a route with the checks of its access entry: session (and idle timeout), CSRF
// token on every state-changing request, forced password change and MFA set-up, permission.
// Every request that passes carries a principal in its context, so the store never falls back
// to the command line's full access.
func (s *Server) guard(pattern string, h http.HandlerFunc) http.HandlerFunc {
	a, listed := access[pattern]
	return func(w http.ResponseWriter, r *http.Request) {
		if !listed {
			s.fail(w, r, &Error{Code: "forbidden", Message: "接口 " + pattern + " 尚未登记访问权限"})
			return
		}
		ctx := auth.WithClientIP(r.Context(), s.clientAddr(r))
		ctx = auth.WithPrincipal(ctx, auth.Anonymous())
		cur, err := s.authenticate(ctx, r)
		if cur != nil {
			ctx = auth.WithPrincipal(ctx, cur.user.Principal())
			ctx = context.WithValue(ctx, sessionKey{}, cur)
		}
		if a.Public {
			h(w, r.WithContext(ctx))
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if unsafeMethod(r.Method) {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(cur.sess.CSRF)) != 1 {
				s.fail(w, r, &Error{Code: "csrf", Message: "请求缺少有效的 CSRF 令牌，请刷新页面后重试"})
				return
			}
		}
		if !a.Setup {
			if s.mustChangePassword(cur.user) {
				s.fail(w, r, &Error{Code: "password_change_required", Message: "请先修改密码"})
				return
			}
			if s.Policy.MFARequired(cur.user) && !cur.user.MFAEnrolled {
				s.fail(w, r, &Error{Code: "mfa_setup_required", Message: "您的账号须启用动态口令（双因素认证），请先完成设置"})
				return
			}
		}
		if len(a.Perms) > 0 {
			ok := false
			p := cur.user.Principal()
			for _, perm := range a.Perms {
				ok = ok || p.Can(perm)
			}
			if !ok {
				s.fail(w, r, &Error{Code: "forbidden", Message: "您的角色无权进行此操作"})
				return
			}
		}
		h(w, r.WithContext(ctx))
	}
}

func (s *Server) mustChangePassword(u *auth.User) bool {
	return u.MustChangePassword || s.Policy.PasswordExpired(u, s.Now())
}

var errUnauthenticated = &Error{Code: "unauthenticated", Message: "请先登录"}

// authenticate finds the request's session: the cookie's token, a session that has not been
// idle too long nor lived past its lifetime, an account that is not disabled. Such a session is
// ended (and audited as a logout with the reason idle, expired or disabled).
func (s *Server) authenticate(ctx context.Context, r *http.Request) (*current, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 || s.Accounts == nil {
		return nil, errUnauthenticated
	}
	hash := auth.TokenHash(c.Value)
	sess, u, err := s.Accounts.Session(ctx, hash)
	if store.ErrorCode(err) == store.CodeNotFound {
		return nil, errUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	now := s.Now()
	reason := ""
	switch {
	case u.Disabled:
		reason = "disabled"
	case sess.Idle(now, s.Policy.IdleTimeout):
		reason = "idle"
	case sess.Expired(now, s.Policy.SessionLifetime):
		reason = "expired"
	}
	if reason != "" {
		ctx = auth.WithPrincipal(ctx, u.Principal())
		if err := s.Accounts.EndSession(ctx, hash, store.Event{Action: audit.Logout, Object: "user:" + u.Username,
			Detail: map[string]any{"reason": reason}}); err != nil {
			return nil, err
		}
		return nil, &Error{Code: "unauthenticated", Message: "登录已超时，请重新登录"}
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		if err := s.Accounts.TouchSession(ctx, hash, now); err != nil {
			return nil, err
		}
		sess.LastSeen = now
	}
	return &current{sess: sess, user: u}, nil
}

// userJSON is the User object of the session API.
type userJSON struct {
	Username        string       `json:"username"`
	Name            string       `json:"name"`
	Roles           []string     `json:"roles"`
	RoleLabels      []string     `json:"role_labels"`
	Department      string       `json:"department"`
	DepartmentLabel string       `json:"department_label"`
	OrgUnit         auth.OrgUnit `json:"org_unit"`
	Permissions     []string     `json:"permissions"`
	MFAEnrolled     bool         `json:"mfa_enrolled"`
	MFARequired     bool         `json:"mfa_required"`
}

func (s *Server) userOf(u *auth.User) userJSON {
	j := userJSON{Username: u.Username, Name: u.Name, Roles: u.Roles, RoleLabels: []string{}, Department: u.Department,
		DepartmentLabel: auth.DepartmentLabel(u.Department), Permissions: u.Permissions(), MFAEnrolled: u.MFAEnrolled,
		MFARequired: s.Policy.MFARequired(u)}
	for _, r := range u.Roles {
		if role, ok := auth.RoleByCode(r); ok {
			j.RoleLabels = append(j.RoleLabels, role.Label)
		}
	}
	if ou, err := auth.OrgUnitOf(s.Regions, u.OrgCode); err == nil {
		j.OrgUnit = ou
	} else {
		j.OrgUnit = auth.OrgUnit{Code: u.OrgCode}
	}
	return j
}

func (s *Server) sessionJSON(cur *current) map[string]any {
	return map[string]any{"user": s.userOf(cur.user), "csrf_token": cur.sess.CSRF, "must_change_password": s.mustChangePassword(cur.user)}
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request) {
	cur := currentOf(r.Context())
	if cur == nil {
		_, err := s.authenticate(r.Context(), r)
		if err == nil {
			err = errUnauthenticated
		}
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.sessionJSON(cur))
}

// login is POST /api/v1/session: password, then the second factor when the account has one.
// The request must be JSON and, when the browser names its origin, come from the server's own
// pages: a form or a text/plain fetch on another site cannot sign a browser in (login CSRF).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.fail(w, r, &Error{Code: "csrf", Message: "登录请求须为 JSON（Content-Type: application/json）"})
		return
	}
	if !s.sameOrigin(r) {
		s.fail(w, r, &Error{Code: "csrf", Message: "登录请求来自其他网站，已拒绝；请在本系统的登录页登录"})
		return
	}
	var req struct {
		Username     string `json:"username"`
		Password     string `json:"password"`
		TOTP         string `json:"totp"`
		RecoveryCode string `json:"recovery_code"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	addr := s.clientAddr(r)
	req.Username = strings.TrimSpace(req.Username)
	name := strings.ToLower(req.Username)
	at := s.throttle.begin(name, addr)
	if at == nil {
		s.fail(w, r, &Error{Code: "rate_limited", Message: "登录尝试过于频繁，请稍后再试"})
		return
	}
	// An attempt that ends otherwise (a database error) is not counted as a failure.
	defer at.end(false)
	// Unknown, disabled and held accounts get the answer of a wrong password, after the time of
	// a password check: none of them tells that the name exists.
	badCredentials := &Error{Code: "bad_credentials", Message: "用户名或密码错误"}
	refuse := func(object string, detail map[string]any) {
		auth.CheckNoUser(req.Password)
		if at.end(true) {
			detail["address_throttled"] = true
		}
		if err := s.Accounts.Audit(ctx, audit.LoginFailure, object, detail); err != nil {
			s.fail(w, r, err)
			return
		}
		s.fail(w, r, badCredentials)
	}
	if s.Accounts == nil || req.Username == "" || req.Password == "" || len(req.Username) > 64 || len(req.Password) > 1024 {
		at.end(true)
		s.fail(w, r, badCredentials)
		return
	}
	u, err := s.Accounts.UserByName(ctx, req.Username)
	if store.ErrorCode(err) == store.CodeNotFound {
		refuse("", map[string]any{"reason": "unknown_user"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.Now()
	ctx = auth.WithPrincipal(ctx, u.Principal())
	object := "user:" + u.Username
	if u.Disabled {
		refuse(object, map[string]any{"reason": "disabled"})
		return
	}
	// A held account (failures in a row, from anywhere) is not tried from an address it has not
	// signed in from lately; its owner's usual addresses go on as usual.
	if u.Locked(now) && !s.throttle.known.has(name, addr) {
		refuse(object, map[string]any{"reason": "locked", "locked_until": u.LockedUntil.UTC().Format(time.RFC3339)})
		return
	}
	// failure counts a failed attempt, holds the account back once there are enough in a row,
	// records both in the audit trail and answers.
	failure := func(reason string, answer *Error) {
		u.FailedLogins++
		detail := map[string]any{"reason": reason, "failures": u.FailedLogins}
		if hold := s.Policy.HoldFor(u.FailedLogins); hold > 0 {
			u.LockedUntil = now.Add(hold)
			detail["locked_until"] = u.LockedUntil.UTC().Format(time.RFC3339)
		}
		if at.end(true) {
			detail["address_throttled"] = true
		}
		if err := s.Accounts.UpdateUser(ctx, u, store.Event{Action: audit.LoginFailure, Object: object, Detail: detail}); err != nil {
			s.fail(w, r, err)
			return
		}
		s.fail(w, r, answer)
	}
	if !auth.CheckPassword(u.PasswordHash, req.Password) {
		failure("password", badCredentials)
		return
	}
	method := "password"
	if u.MFAEnrolled {
		switch {
		case strings.TrimSpace(req.TOTP) != "":
			step, ok := auth.CheckTOTP(u.TOTPSecret, req.TOTP, now, u.TOTPLastStep)
			if !ok {
				failure("totp", &Error{Code: "bad_totp", Message: "动态口令不正确或已使用过，请输入验证器上的最新口令"})
				return
			}
			if err := s.Accounts.ClaimTOTPStep(ctx, u.ID, u.TOTPLastStep, step); err != nil {
				s.reload(ctx, &u)
				failure("totp_replay", &Error{Code: "bad_totp", Message: "动态口令不正确或已使用过，请输入验证器上的最新口令"})
				return
			}
			u.TOTPLastStep = step
			method = "totp"
		case strings.TrimSpace(req.RecoveryCode) != "":
			rest, ok := auth.UseRecoveryCode(u.RecoveryCodes, req.RecoveryCode)
			if !ok {
				failure("recovery_code", &Error{Code: "bad_totp", Message: "恢复码不正确或已使用过"})
				return
			}
			if err := s.Accounts.ClaimRecoveryCode(ctx, u.ID, u.RecoveryCodes, rest); err != nil {
				s.reload(ctx, &u)
				failure("recovery_code_replay", &Error{Code: "bad_totp", Message: "恢复码不正确或已使用过"})
				return
			}
			u.RecoveryCodes = rest
			method = "recovery_code"
		default:
			s.fail(w, r, &Error{Code: "mfa_required", Message: "请输入动态口令（或恢复码）"})
			return
		}
	}
	u.FailedLogins, u.LockedUntil, u.LastLoginAt = 0, time.Time{}, now
	token := auth.NewToken()
	sess := &auth.Session{TokenHash: auth.TokenHash(token), UserID: u.ID, CSRF: auth.NewToken(), CreatedAt: now, LastSeen: now, IP: addr}
	if err := s.Accounts.StartSession(ctx, u, sess, map[string]any{"method": method}); err != nil {
		s.fail(w, r, err)
		return
	}
	// A successful sign-in does not count against the address or the account: the limits are
	// for failures. The address is now one the account signs in from.
	at.end(false)
	s.throttle.known.add(name, addr)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil || s.SecureCookies})
	writeJSON(w, http.StatusOK, s.sessionJSON(&current{sess: sess, user: u}))
}

// reload reads *u again after another login changed it (a claimed code), so that recording
// this login's failure does not write back what the other one used up.
func (s *Server) reload(ctx context.Context, u **auth.User) {
	if fresh, err := s.Accounts.UserByName(ctx, (*u).Username); err == nil {
		*u = fresh
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	cur := currentOf(r.Context())
	if err := s.Accounts.EndSession(r.Context(), cur.sess.TokenHash, store.Event{Action: audit.Logout, Object: "user:" + cur.user.Username,
		Detail: map[string]any{"reason": "logout"}}); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil || s.SecureCookies})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Old string `json:"old_password"`
		New string `json:"new_password"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	cur := currentOf(r.Context())
	u := cur.user
	if !auth.CheckPassword(u.PasswordHash, req.Old) {
		s.fail(w, r, fieldError("old_password", "wrong", "原密码不正确"))
		return
	}
	if err := s.Policy.CheckPolicy(req.New, u.Username, append([]string{u.PasswordHash}, u.PasswordHistory...)); err != nil {
		ae := err.(*auth.Error)
		s.fail(w, r, fieldError(ae.Field, "policy", ae.Message))
		return
	}
	u.PasswordHistory = append([]string{u.PasswordHash}, u.PasswordHistory...)
	if len(u.PasswordHistory) > s.Policy.History {
		u.PasswordHistory = u.PasswordHistory[:s.Policy.History]
	}
	u.PasswordHash, u.PasswordChangedAt, u.MustChangePassword = auth.HashPassword(req.New), s.Now(), false
	if err := s.Accounts.UpdateUser(r.Context(), u, store.Event{Action: audit.PasswordChange, Object: "user:" + u.Username}); err != nil {
		s.fail(w, r, err)
		return
	}
	// Other sessions of the account end: whoever knew the old password is logged out.
	if err := s.Accounts.EndUserSessions(r.Context(), u.ID, cur.sess.TokenHash); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func fieldError(field, code, msg string) *Error {
	return &Error{Code: "invalid", Message: msg, Fields: []child.Issue{{Field: field, Code: code, Message: msg}}}
}

// beginTOTP is POST /api/v1/session/totp: a new TOTP secret, pending until confirmed. It needs
// the account's password, and on an account that has a second factor already also a current
// TOTP code or a recovery code: a session alone (a browser left open, a stolen cookie) cannot
// move the second factor to another phone. Wrong answers count against the sign-in limit of the
// account and address, and are audited.
func (s *Server) beginTOTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Password     string `json:"password"`
		TOTP         string `json:"totp"`
		RecoveryCode string `json:"recovery_code"`
	}
	if r.ContentLength != 0 {
		if err := readJSON(w, r, &req); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	ctx := r.Context()
	u := currentOf(ctx).user
	object := "user:" + u.Username
	reEnrol := u.MFAEnrolled
	if req.Password == "" {
		s.fail(w, r, fieldError("password", "required", "请输入当前密码"))
		return
	}
	if reEnrol && strings.TrimSpace(req.TOTP) == "" && strings.TrimSpace(req.RecoveryCode) == "" {
		s.fail(w, r, fieldError("totp", "required", "已启用动态口令的账号重新设置时，须输入验证器上的当前口令（或一个恢复码）"))
		return
	}
	at := s.throttle.reauth(strings.ToLower(u.Username), s.clientAddr(r))
	if at == nil {
		s.fail(w, r, &Error{Code: "rate_limited", Message: "尝试过于频繁，请稍后再试"})
		return
	}
	defer at.end(false)
	refuse := func(reason string, answer *Error) {
		at.end(true)
		if err := s.Accounts.Audit(ctx, audit.MFAEnrol, object, map[string]any{"step": "begin", "re_enrol": reEnrol, "refused": reason}); err != nil {
			s.fail(w, r, err)
			return
		}
		s.fail(w, r, answer)
	}
	if !auth.CheckPassword(u.PasswordHash, req.Password) {
		refuse("password", fieldError("password", "wrong", "密码不正确"))
		return
	}
	method := "password"
	if reEnrol {
		badTOTP := fieldError("totp", "bad_totp", "动态口令不正确或已使用过，请输入验证器上的最新口令")
		badCode := fieldError("recovery_code", "bad_totp", "恢复码不正确或已使用过")
		switch {
		case strings.TrimSpace(req.TOTP) != "":
			step, ok := auth.CheckTOTP(u.TOTPSecret, req.TOTP, s.Now(), u.TOTPLastStep)
			if !ok {
				refuse("totp", badTOTP)
				return
			}
			if err := s.Accounts.ClaimTOTPStep(ctx, u.ID, u.TOTPLastStep, step); err != nil {
				refuse("totp_replay", badTOTP)
				return
			}
			u.TOTPLastStep, method = step, "totp"
		default:
			rest, ok := auth.UseRecoveryCode(u.RecoveryCodes, req.RecoveryCode)
			if !ok {
				refuse("recovery_code", badCode)
				return
			}
			if err := s.Accounts.ClaimRecoveryCode(ctx, u.ID, u.RecoveryCodes, rest); err != nil {
				refuse("recovery_code_replay", badCode)
				return
			}
			u.RecoveryCodes, method = rest, "recovery_code"
		}
	}
	secret, url, err := auth.NewTOTP(u.Username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u.TOTPPending = secret
	if err := s.Accounts.UpdateUser(ctx, u, store.Event{Action: audit.MFAEnrol, Object: object,
		Detail: map[string]any{"step": "begin", "re_enrol": reEnrol, "method": method}}); err != nil {
		s.fail(w, r, err)
		return
	}
	at.end(false)
	writeJSON(w, http.StatusOK, map[string]string{"secret": secret, "otpauth_url": url, "qr": totpQR(url)})
}

// confirmTOTP is POST /api/v1/session/totp/confirm: a code of the pending secret makes it the
// account's second factor, with new recovery codes; the account's other sessions end, so that
// whoever held one does not keep it across the change.
func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code string `json:"code"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	cur := currentOf(r.Context())
	u := cur.user
	if u.TOTPPending == "" {
		s.fail(w, r, &Error{Code: "conflict", Message: "请先开始设置动态口令"})
		return
	}
	step, ok := auth.CheckTOTP(u.TOTPPending, req.Code, s.Now(), 0)
	if !ok {
		s.fail(w, r, fieldError("code", "bad_totp", "动态口令不正确，请核对验证器上的时间和口令"))
		return
	}
	reEnrol := u.MFAEnrolled
	codes, hashes := auth.NewRecoveryCodes(10)
	u.TOTPSecret, u.TOTPPending, u.TOTPLastStep, u.MFAEnrolled, u.RecoveryCodes = u.TOTPPending, "", step, true, hashes
	if err := s.Accounts.UpdateUser(r.Context(), u, store.Event{Action: audit.MFAEnrol, Object: "user:" + u.Username,
		Detail: map[string]any{"step": "confirm", "re_enrol": reEnrol}}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Accounts.EndUserSessions(r.Context(), u.ID, cur.sess.TokenHash); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
}
