package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"guanai/internal/auth"
	"guanai/internal/region"
	"guanai/internal/store"
)

// Administration routes (issue 15): the system administrator's accounts, the security
// administrator's unlock and second-factor reset, and the deployment settings both may read.
// The store decides who may make which change and bounds it by the administrator's
// jurisdiction (store/admin.go); these handlers only decode and answer.

// AccountAdmin is the part of the store the administration routes use. The server's Accounts
// provide it (store.Store does); a server whose Accounts do not has no administration routes.
type AccountAdmin interface {
	ManagedUsers(ctx context.Context) ([]*auth.User, error)
	CreateUser(ctx context.Context, u *auth.User) error
	ChangeUser(ctx context.Context, username string, ch store.AccountChange) (*auth.User, string, error)
}

var adminAccess = map[string]Access{
	"GET /api/v1/admin/users":                     perms(auth.PermUsersManage, auth.PermKeysManage),
	"POST /api/v1/admin/users":                    perms(auth.PermUsersManage),
	"POST /api/v1/admin/users/{username}/changes": perms(auth.PermUsersManage, auth.PermKeysManage), // the store checks which change
	"GET /api/v1/admin/settings":                  perms(auth.PermUsersManage, auth.PermKeysManage),
}

func init() {
	for p, a := range adminAccess {
		access[p] = a
	}
}

// adminRoutes registers the administration routes; routes() calls it.
func (s *Server) adminRoutes() {
	if _, ok := s.Accounts.(AccountAdmin); !ok {
		return
	}
	s.handle("GET /api/v1/admin/users", s.adminUsers)
	s.handle("POST /api/v1/admin/users", s.adminCreateUser)
	s.handle("POST /api/v1/admin/users/{username}/changes", s.adminChangeUser)
	s.handle("GET /api/v1/admin/settings", s.adminSettings)
	s.auditRoutes()
}

func (s *Server) accountAdmin() (AccountAdmin, error) {
	a, ok := s.Accounts.(AccountAdmin)
	if !ok {
		return nil, &Error{Code: "unavailable", Message: "账号管理暂不可用"}
	}
	return a, nil
}

// adminUserJSON is an account as the administrators see it: no secret, no hash.
type adminUserJSON struct {
	Username           string   `json:"username"`
	Name               string   `json:"name"`
	Roles              []string `json:"roles"`
	RoleLabels         []string `json:"role_labels"`
	Department         string   `json:"department"`
	DepartmentLabel    string   `json:"department_label"`
	OrgCode            string   `json:"org_code"`
	OrgPath            string   `json:"org_path"`
	MFAEnrolled        bool     `json:"mfa_enrolled"`
	MFARequired        bool     `json:"mfa_required"`
	Locked             bool     `json:"locked"`
	LockedUntil        string   `json:"locked_until,omitempty"`
	FailedLogins       int      `json:"failed_logins"`
	Disabled           bool     `json:"disabled"`
	MustChangePassword bool     `json:"must_change_password"`
	LastLoginAt        string   `json:"last_login_at,omitempty"`
	CreatedAt          string   `json:"created_at"`
	CreatedBy          string   `json:"created_by"`
	CreatedByLabel     string   `json:"created_by_label"`
}

func (s *Server) adminUserOf(u *auth.User) adminUserJSON {
	now := s.Now()
	j := adminUserJSON{Username: u.Username, Name: u.Name, Roles: u.Roles, RoleLabels: []string{}, Department: u.Department,
		DepartmentLabel: auth.DepartmentLabel(u.Department), OrgCode: u.OrgCode, OrgPath: u.OrgCode, MFAEnrolled: u.MFAEnrolled,
		MFARequired: s.Policy.MFARequired(u), Locked: u.Locked(now), FailedLogins: u.FailedLogins, Disabled: u.Disabled,
		MustChangePassword: u.MustChangePassword, LastLoginAt: chinaStamp(u.LastLoginAt), CreatedAt: chinaStamp(u.CreatedAt),
		CreatedBy: u.CreatedBy, CreatedByLabel: ActorLabel(u.CreatedBy)}
	if j.Roles == nil {
		j.Roles = []string{}
	}
	for _, r := range u.Roles {
		if role, ok := auth.RoleByCode(r); ok {
			j.RoleLabels = append(j.RoleLabels, role.Label)
		}
	}
	if j.Locked {
		j.LockedUntil = chinaStamp(u.LockedUntil)
	}
	if ou, err := auth.OrgUnitOf(s.Regions, u.OrgCode); err == nil {
		j.OrgPath = ou.Path
	}
	return j
}

// GET /api/v1/admin/users: the accounts of the administrator's jurisdiction.
func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	a, err := s.accountAdmin()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	us, err := a.ManagedUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]adminUserJSON, len(us))
	for i, u := range us {
		items[i] = s.adminUserOf(u)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// POST /api/v1/admin/users {username, name, roles, department, org_code, password?}: a new
// account with an initial password (random unless given), which must be changed at the first
// sign-in; the random one is answered once.
func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username   string   `json:"username"`
		Name       string   `json:"name"`
		Roles      []string `json:"roles"`
		Department string   `json:"department"`
		OrgCode    string   `json:"org_code"`
		Password   string   `json:"password"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.accountAdmin()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req.Username, req.Name = strings.TrimSpace(req.Username), strings.TrimSpace(req.Name)
	switch {
	case req.Username == "":
		s.fail(w, r, fieldError("username", "required", "请填写用户名"))
		return
	case req.Name == "":
		s.fail(w, r, fieldError("name", "required", "请填写姓名"))
		return
	case req.Department == "":
		s.fail(w, r, fieldError("department", "required", "请选择部门"))
		return
	case req.OrgCode == "":
		s.fail(w, r, fieldError("org_code", "required", "请选择所属单位（行政区划）"))
		return
	}
	if err := auth.CheckRoles(req.Roles); err != nil {
		s.fail(w, r, err)
		return
	}
	ou, err := auth.OrgUnitOf(s.Regions, req.OrgCode)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	password := req.Password
	if password == "" {
		password = auth.RandomPassword()
	} else if err := s.Policy.CheckPolicy(password, req.Username, nil); err != nil {
		s.fail(w, r, err)
		return
	}
	u := &auth.User{Username: req.Username, Name: req.Name, Roles: req.Roles, Department: req.Department, OrgCode: ou.Code,
		PasswordHash: auth.HashPassword(password), MustChangePassword: true}
	if err := a.CreateUser(r.Context(), u); err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{"user": s.adminUserOf(u)}
	if req.Password == "" {
		out["initial_password"] = password
	}
	writeJSON(w, http.StatusCreated, out)
}

// POST /api/v1/admin/users/{username}/changes {kind, name, roles, department, org_code}: one
// change (store.Change*); a password reset answers the new initial password once.
func (s *Server) adminChangeUser(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Kind       string   `json:"kind"`
		Name       string   `json:"name"`
		Roles      []string `json:"roles"`
		Department string   `json:"department"`
		OrgCode    string   `json:"org_code"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.accountAdmin()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, pw, err := a.ChangeUser(r.Context(), r.PathValue("username"), store.AccountChange{Kind: req.Kind, Name: req.Name,
		Roles: req.Roles, Department: req.Department, OrgCode: req.OrgCode})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{"user": s.adminUserOf(u), "message": store.ChangeLabels[req.Kind] + "完成"}
	if pw != "" {
		out["initial_password"] = pw
	}
	writeJSON(w, http.StatusOK, out)
}

// GET /api/v1/admin/settings: the deployment's settings (classification and account policy) as
// the server was started with them. They are set in the configuration file or on the command
// line of guanai serve, not here: a change of the rules re-classifies every record.
func (s *Server) adminSettings(w http.ResponseWriter, r *http.Request) {
	type division struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	central := [][]division{}
	for _, g := range s.Rules.CentralUrban {
		var ds []division
		for _, c := range g {
			ds = append(ds, division{Code: c, Name: region.Default().FullName(c)})
		}
		central = append(central, ds)
	}
	days := func(d time.Duration) int { return int(d / (24 * time.Hour)) }
	writeJSON(w, http.StatusOK, map[string]any{
		"central_urban":          central,
		"left_behind_months":     s.Rules.LeftBehindMonths,
		"migrant_months":         s.Rules.MigrantMonths,
		"age_limit":              s.Rules.AgeLimit,
		"mfa_above_village":      s.Policy.MFAAboveVillage,
		"password_max_age_days":  days(s.Policy.MaxAge),
		"password_min_length":    s.Policy.MinLength,
		"max_failures":           s.Policy.MaxFailures,
		"idle_timeout_minutes":   int(s.Policy.IdleTimeout / time.Minute),
		"session_lifetime_hours": int(s.Policy.SessionLifetime / time.Hour),
		"source":                 "服务器配置文件或 guanai serve 的启动参数",
	})
}
