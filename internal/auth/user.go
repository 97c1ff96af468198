package auth

import (
	"slices"
	"strings"
	"time"

	"guanai/internal/region"
)

// User is an account as stored. Secrets (the TOTP secret) are held opened here; the store seals
// them at rest.
type User struct {
	ID         int64
	Username   string
	Name       string
	Roles      []string
	Department string
	// OrgCode is the natural-length division code of the account's org unit (1503 = 乌海市,
	// 150302 = 海勃湾区, 150302001001 = a community): the root of its jurisdiction.
	OrgCode string

	PasswordHash      string
	PasswordChangedAt time.Time
	// PasswordHistory holds the hashes of the previous passwords, newest first (no reuse).
	PasswordHistory    []string
	MustChangePassword bool

	MFAEnrolled  bool
	TOTPSecret   string // base32, "" when not enrolled
	TOTPPending  string // base32 secret of an enrolment begun and not yet confirmed
	TOTPLastStep int64  // the last time step accepted, so that a code is never accepted twice
	// RecoveryCodes holds the hashes of the unused recovery codes.
	RecoveryCodes []string

	FailedLogins int
	LockedUntil  time.Time
	LastLoginAt  time.Time
	Disabled     bool

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
}

// Has reports whether the user holds role.
func (u *User) Has(role string) bool { return slices.Contains(u.Roles, role) }

// Permissions returns the union of the permissions of the user's roles.
func (u *User) Permissions() []string { return PermissionsOf(u.Roles) }

// Locked reports whether the account is locked at now.
func (u *User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// Principal returns the acting identity of the user for a request.
func (u *User) Principal() *Principal {
	return &Principal{UserID: u.ID, Username: u.Username, Name: u.Name, Roles: slices.Clone(u.Roles),
		Department: u.Department, Scope: u.OrgCode, perms: u.Permissions()}
}

// principalKind says whose authority a principal carries.
type principalKind uint8

const (
	kindUser     principalKind = iota // a signed-in account: its roles, its org unit
	kindOperator                      // the local operator of the command line on the server
	kindSystem                        // a job of the server itself (daily re-evaluation, demo data)
)

// Principal is who acts: a user with permissions and a jurisdiction (the subtree of divisions
// under Scope), the local operator of the command line, or a job of the server. The store and
// the services over it bound every read and write by it.
type Principal struct {
	UserID     int64
	Username   string
	Name       string
	Roles      []string
	Department string
	// Scope is the natural-length division code whose subtree a user may see. A user with no
	// Scope sees nothing: the whole database is only the operator's and the system's (Whole).
	Scope string
	perms []string
	kind  principalKind
}

// Operator is the local operator of the command line (guanai import, export, stats, user …) on
// the server's machine, named cli:<os user> in the trail: whoever can run the binary beside the
// key file can read the database anyway, so the operator has every permission over the whole
// database — and every action is still audited under that name.
func Operator(osUser string) *Principal {
	if osUser == "" {
		osUser = "unknown"
	}
	return &Principal{Username: osUser, Department: "minzheng", perms: slices.Clone(AllPermissions), kind: kindOperator}
}

// System is a job of the server itself (the daily re-evaluation, the statistics it keeps, the
// demonstration data), named system:<job> in the trail, acting over the whole database.
func System(job string) *Principal {
	return &Principal{Username: job, Department: "minzheng", perms: slices.Clone(AllPermissions), kind: kindSystem}
}

// Whole reports whether the principal's jurisdiction is the whole database: the operator's and
// the system's, never a user's.
func (p *Principal) Whole() bool { return p != nil && p.kind != kindUser }

// IsUser reports whether the principal is a signed-in account (not the operator or a job).
func (p *Principal) IsUser() bool { return p != nil && p.kind == kindUser }

// Can reports whether the principal holds permission perm.
func (p *Principal) Can(perm string) bool {
	return p != nil && slices.Contains(p.perms, perm)
}

// Has reports whether the principal holds role (the operator and the system hold none).
func (p *Principal) Has(role string) bool { return p != nil && slices.Contains(p.Roles, role) }

// Permissions returns the principal's permissions, sorted.
func (p *Principal) Permissions() []string { return slices.Clone(p.perms) }

// Actor is how the principal is named in histories and the audit trail: "user:<username>",
// "cli:<os user>", "system:<job>", or "anonymous".
func (p *Principal) Actor() string {
	switch {
	case p == nil:
		return "anonymous"
	case p.kind == kindOperator:
		return "cli:" + p.Username
	case p.kind == kindSystem:
		return "system:" + p.Username
	case p.Username == "":
		return "anonymous"
	}
	return "user:" + p.Username
}

// InScope reports whether the division code lies in the principal's jurisdiction. The code may
// be given at any length with its zero padding (150302000000 = 150302).
func (p *Principal) InScope(code string) bool {
	if p.Whole() {
		return true
	}
	c, ok := region.Normalize(code)
	if !ok || p == nil || p.Scope == "" {
		return false
	}
	return strings.HasPrefix(c, p.Scope)
}

// Covers reports whether the principal's jurisdiction contains the whole subtree of code: the
// principal's scope is code or one of its ancestors. A district user covers its townships, not
// the city.
func (p *Principal) Covers(code string) bool {
	if p.Whole() {
		return true
	}
	c, ok := region.Normalize(code)
	return ok && p != nil && p.Scope != "" && strings.HasPrefix(c, p.Scope)
}

// CivilAffairs reports whether the principal acts for civil affairs (民政): the department that
// leads the work and sees every domain of a record.
func (p *Principal) CivilAffairs() bool { return p.Whole() || p != nil && p.Department == "minzheng" }

// OrgUnit is an org unit of the tree city → district → township/street → village/community, as
// the API shows it.
type OrgUnit struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Path string `json:"path"` // names from the prefecture down, joined with "/"
}

// OrgUnitOf looks a division code up in the division table.
func OrgUnitOf(t *region.Table, code string) (OrgUnit, error) {
	c, ok := region.Normalize(code)
	if !ok {
		return OrgUnit{}, &Error{Code: "invalid", Field: "org_code", Message: "区划代码“" + code + "”无效"}
	}
	d, found := t.Lookup(c)
	if !found {
		return OrgUnit{}, &Error{Code: "invalid", Field: "org_code", Message: "没有区划代码为 " + code + " 的行政区划"}
	}
	var names []string
	for _, p := range t.Path(c) {
		if p.Level == region.Province && d.Level != region.Province {
			continue
		}
		names = append(names, p.PlaceName())
	}
	return OrgUnit{Code: d.Code, Name: d.PlaceName(), Path: strings.Join(names, "/")}, nil
}

// Policy is the account policy. The zero value is not usable: start from DefaultPolicy.
type Policy struct {
	// MinLength and MinClasses: at least MinLength characters from at least MinClasses of the
	// four classes (lower case, upper case, digits, other).
	MinLength, MinClasses int
	// MaxAge is how long a password lasts before it must be changed; 0 = no expiry.
	MaxAge time.Duration
	// History is how many previous passwords may not be reused.
	History int
	// MaxFailures failed sign-ins of an account in a row hold it back for LockFor, and every
	// further failure for twice as long as the one before, up to MaxLockFor (HoldFor): short and
	// capped, so that someone who merely knows the name cannot keep the owner out for long.
	// While held, the account answers every attempt from an address it has not signed in from
	// as a wrong password, unchecked (internal/web). Success or an administrator's unlock ends it.
	MaxFailures int
	LockFor     time.Duration
	MaxLockFor  time.Duration
	// IdleTimeout ends a session that has not been used for that long.
	IdleTimeout time.Duration
	// SessionLifetime ends a session that long after it began, however busy it is.
	SessionLifetime time.Duration
	// MFAAboveVillage requires a second factor for every account whose org unit is above the
	// village level (a township, district, city …).
	MFAAboveVillage bool
}

// DefaultPolicy is the policy of 等保2.0 level 3 as the issue states it.
func DefaultPolicy() Policy {
	return Policy{MinLength: 8, MinClasses: 3, MaxAge: 90 * 24 * time.Hour, History: 5, MaxFailures: 10,
		LockFor: time.Minute, MaxLockFor: 5 * time.Minute, IdleTimeout: 30 * time.Minute, SessionLifetime: 12 * time.Hour,
		MFAAboveVillage: true}
}

// HoldFor returns how long an account is held back after failures failed sign-ins in a row:
// nothing below MaxFailures, then LockFor, doubling with each further failure up to MaxLockFor.
func (p Policy) HoldFor(failures int) time.Duration {
	if p.MaxFailures <= 0 || failures < p.MaxFailures {
		return 0
	}
	d := p.LockFor
	for i := p.MaxFailures; i < failures && d < p.MaxLockFor; i++ {
		d *= 2
	}
	return min(d, p.MaxLockFor)
}

// MFARequired reports whether the user must use a second factor.
func (p Policy) MFARequired(u *User) bool {
	return p.MFAAboveVillage && len(u.OrgCode) < 12
}

// PasswordExpired reports whether the user's password is past MaxAge at now.
func (p Policy) PasswordExpired(u *User, now time.Time) bool {
	return p.MaxAge > 0 && !u.PasswordChangedAt.IsZero() && now.Sub(u.PasswordChangedAt) > p.MaxAge
}

// Anonymous is the principal of a request without a session: no permission, no jurisdiction,
// named "anonymous" in the audit trail.
func Anonymous() *Principal { return &Principal{perms: []string{}} }
