// Package auth holds the accounts of guanai: roles and their permissions, org units (a division
// crossed with a department), the acting principal and its jurisdiction, argon2id passwords and
// the password policy, TOTP (RFC 6238) second factors with recovery codes, session tokens and
// rate limiting. It imports no storage: internal/store keeps users and sessions, internal/web
// runs the login flow. See docs/security.md.
package auth

import (
	"slices"
	"sort"
	"strings"
)

// Permissions: the strings the API checks and the UI uses to show or hide things.
const (
	PermChildrenRead   = "children.read"   // open, search and list children's records (masked)
	PermChildrenCreate = "children.create" // register a child
	PermChildrenEdit   = "children.edit"   // change a record
	PermChildrenSubmit = "children.submit" // submit a draft or a returned record
	PermChildrenReview = "children.review" // approve, return, archive
	PermChildrenReveal = "children.reveal" // see a masked value in full, with a stated purpose
	PermChildrenImport = "children.import" // import registration forms
	PermChildrenExport = "children.export" // record-level export
	PermStatsRead      = "stats.read"      // statistical tables of the jurisdiction
	PermLeadsRead      = "leads.read"      // home-visit leads
	PermLeadsWork      = "leads.work"      // record a lead's outcome
	PermRostersImport  = "rosters.import"  // department rosters
	PermAuditRead      = "audit.read"      // the audit trail
	PermUsersManage    = "users.manage"    // accounts and org units
	PermKeysManage     = "keys.manage"     // keys, roles and security policy
	PermFiguresImport  = "figures.import"  // population figures of the statistics bureau (issue 18)
)

// AllPermissions lists every permission, in the order of the documentation.
var AllPermissions = []string{
	PermChildrenRead, PermChildrenCreate, PermChildrenEdit, PermChildrenSubmit, PermChildrenReview,
	PermChildrenReveal, PermChildrenImport, PermChildrenExport, PermStatsRead, PermLeadsRead,
	PermLeadsWork, PermRostersImport, PermAuditRead, PermUsersManage, PermKeysManage, PermFiguresImport,
}

// Role codes.
const (
	RoleCollector    = "collector"    // 儿童主任/网格员
	RoleReviewer     = "reviewer"     // 民政审核员
	RoleOfficer      = "officer"      // 部门业务员
	RoleStatistician = "statistician" // 统计人员
	RoleOversight    = "oversight"    // 督导/领导
	RoleSysAdmin     = "sysadmin"     // 系统管理员
	RoleSecAdmin     = "secadmin"     // 安全管理员
	RoleAuditor      = "auditor"      // 审计管理员
)

// Role is one role: its Chinese label and what it may do. The three administrators (三员分立)
// share no permission with each other nor with the roles that see children's data, so no
// account can do everything.
type Role struct {
	Code        string
	Label       string
	Permissions []string
}

// Roles lists every role. The table is the design: docs/security.md shows it and the web
// layer's permission matrix test checks every route against it.
var Roles = []Role{
	{RoleCollector, "儿童主任/网格员", []string{PermChildrenRead, PermChildrenCreate, PermChildrenEdit, PermChildrenSubmit,
		PermChildrenReveal, PermChildrenImport, PermStatsRead, PermLeadsRead, PermLeadsWork}},
	{RoleReviewer, "民政审核员", []string{PermChildrenRead, PermChildrenEdit, PermChildrenSubmit, PermChildrenReview,
		PermChildrenReveal, PermChildrenImport, PermChildrenExport, PermStatsRead, PermLeadsRead, PermLeadsWork, PermRostersImport}},
	{RoleOfficer, "部门业务员", []string{PermChildrenRead, PermChildrenReveal, PermStatsRead, PermLeadsRead, PermRostersImport}},
	{RoleStatistician, "统计人员", []string{PermStatsRead, PermFiguresImport}},
	{RoleOversight, "督导/领导", []string{PermStatsRead}},
	{RoleSysAdmin, "系统管理员", []string{PermUsersManage}},
	{RoleSecAdmin, "安全管理员", []string{PermKeysManage}},
	{RoleAuditor, "审计管理员", []string{PermAuditRead}},
}

// RoleByCode returns the role with code.
func RoleByCode(code string) (Role, bool) {
	for _, r := range Roles {
		if r.Code == code {
			return r, true
		}
	}
	return Role{}, false
}

// Department is a government department an account belongs to.
type Department struct {
	Code  string
	Label string
	// Rosters are the roster departments (internal/roster: education, police …) whose rosters
	// the department's officers upload and whose discrepancies, leads and verification lists
	// they work. Civil affairs leads the work and may act for any of them (named, audited).
	Rosters []string
}

// Departments lists the departments of the work plan.
var Departments = []Department{
	{"minzheng", "民政", nil}, {"jiaoyu", "教育", []string{"education"}}, {"gongan", "公安", []string{"police"}},
	{"weijian", "卫健", []string{"health"}}, {"jikong", "疾控", []string{"health"}}, {"yibao", "医保", []string{"insurance"}},
	{"canlian", "残联", []string{"disability"}}, {"fulian", "妇联", []string{"women"}}, {"tongji", "统计", nil}, {"fuergongwei", "妇儿工委", nil}, {"zhengfawei", "政法委", nil},
}

// DepartmentLabel returns the Chinese name of a department code, "" when unknown.
func DepartmentLabel(code string) string {
	for _, d := range Departments {
		if d.Code == code {
			return d.Label
		}
	}
	return ""
}

// ActsFor reports whether the principal works the rosters of the roster department dept
// (education, police …): its own department's, or any for civil affairs.
func (p *Principal) ActsFor(rosterDept string) bool {
	if p.CivilAffairs() {
		return true
	}
	if p == nil {
		return false
	}
	for _, d := range Departments {
		if d.Code == p.Department {
			return slices.Contains(d.Rosters, rosterDept)
		}
	}
	return false
}

// RosterDepartments returns the roster departments the principal works, nil meaning all (civil
// affairs).
func (p *Principal) RosterDepartments() []string {
	if p.CivilAffairs() {
		return nil
	}
	if p == nil {
		return []string{}
	}
	for _, d := range Departments {
		if d.Code == p.Department {
			return append([]string{}, d.Rosters...)
		}
	}
	return []string{}
}

// PermissionsOf returns the union of the permissions of roles, sorted.
func PermissionsOf(roles []string) []string {
	var out []string
	for _, code := range roles {
		r, ok := RoleByCode(code)
		if !ok {
			continue
		}
		for _, p := range r.Permissions {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// CheckRoles validates a set of role codes: known codes, at least one, and no administrator
// role combined with any other role (三员分立).
func CheckRoles(roles []string) error {
	if len(roles) == 0 {
		return &Error{Code: "invalid", Field: "roles", Message: "请至少选择一个角色"}
	}
	admins := 0
	for _, r := range roles {
		if _, ok := RoleByCode(r); !ok {
			return &Error{Code: "invalid", Field: "roles", Message: "未知的角色：" + r}
		}
		if r == RoleSysAdmin || r == RoleSecAdmin || r == RoleAuditor {
			admins++
		}
	}
	if admins > 0 && len(roles) > 1 {
		return &Error{Code: "invalid", Field: "roles", Message: "系统管理员、安全管理员、审计管理员三员分立，不能与其他角色兼任"}
	}
	return nil
}

// ParseRoles splits a comma-separated list of role codes.
func ParseRoles(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// Error is an account error with a stable code, the field concerned and a Chinese message.
type Error struct {
	Code    string // invalid, bad_credentials, locked, …
	Field   string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrorCode is the code of the error interface every package's errors implement.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage is the Chinese message.
func (e *Error) ErrorMessage() string { return e.Message }

// FieldName is the field concerned, "" for none.
func (e *Error) FieldName() string { return e.Field }
