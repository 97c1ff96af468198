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

// Principal is who acts in a request: a user with permissions and a jurisdiction (the subtree of
// divisions under Scope). The store filters every read and write by it.
type Principal struct {
	UserID     int64
	Username   string
	Name       string
	Roles      []string
	Department string
	// Scope is the natural-length division code whose subtree the principal may see.
	Scope string
	perms []string
}

// Can reports whether the principal holds permission perm.
func (p *Principal) Can(perm string) bool {
	return p != nil && slices.Contains(p.perms, perm)
}

// Permissions returns the principal's permissions, sorted.
func (p *Principal) Permissions() []string { return slices.Clone(p.perms) }

// Actor is how the principal is named in histories and the audit trail: "user:<username>".
func (p *Principal) Actor() string {
	if p.Username == "" {
		return "anonymous"
	}
	return "user:" + p.Username
}

// InScope reports whether the division code lies in the principal's jurisdiction. The code may
// be given at any length with its zero padding (150302000000 = 150302).
func (p *Principal) InScope(code string) bool {
	c, ok := region.Normalize(code)
	if !ok {
		return false
	}
	return strings.HasPrefix(c, p.Scope)
}

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
