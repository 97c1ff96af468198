package auth

import (
	"slices"
	"strings"
	"testing"
	"time"

	"guanai/internal/region"
)

func TestPasswordHash(t *testing.T) {
	h := HashPassword("Correct-Horse-9")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q", h)
	}
	if h == HashPassword("Correct-Horse-9") {
		t.Error("two hashes of one password are equal: no salt")
	}
	tests := []struct {
		name, hash, pw string
		want           bool
	}{
		{"right", h, "Correct-Horse-9", true},
		{"wrong", h, "Correct-Horse-8", false},
		{"empty", h, "", false},
		{"malformed", "$argon2id$v=19$m=1,t=1$x$y", "Correct-Horse-9", false},
		{"other algorithm", strings.Replace(h, "argon2id", "argon2i", 1), "Correct-Horse-9", false},
		{"absurd memory", "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$aGFzaA", "x", false},
	}
	for _, tt := range tests {
		if got := CheckPassword(tt.hash, tt.pw); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	if CheckNoUser("anything") {
		t.Error("CheckNoUser matched")
	}
}

// FuzzCheckPassword: a stored hash is parsed; no input may panic or match by accident.
func FuzzCheckPassword(f *testing.F) {
	f.Add("$argon2id$v=19$m=16,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "pw")
	f.Add("$$$$$", "")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		if CheckPassword(hash, pw) && !strings.HasPrefix(hash, "$argon2id$") {
			t.Fatalf("matched a non-argon2id hash %q", hash)
		}
	})
}

func TestPolicy(t *testing.T) {
	p := DefaultPolicy()
	old := HashPassword("Old-Passw0rd")
	tests := []struct {
		name, pw string
		ok       bool
	}{
		{"good", "Guanai-2025!", true},
		{"three classes", "guanai2025!", true},
		{"Chinese counts as other", "关爱Guanai2025", true},
		{"seven", "Ab1-xyz", false},
		{"two classes", "guanaiguanai2025", false},
		{"user name inside", "Zhang-Collector1", false},
		{"reused", "Old-Passw0rd", false},
	}
	for _, tt := range tests {
		err := p.CheckPolicy(tt.pw, "collector", []string{old})
		if (err == nil) != tt.ok {
			t.Errorf("%s: %q → %v", tt.name, tt.pw, err)
		}
		if err != nil && err.(*Error).Field != "new_password" {
			t.Errorf("%s: field %q", tt.name, err.(*Error).Field)
		}
	}
	for range 50 {
		if pw := RandomPassword(); p.CheckPolicy(pw, "collector", nil) != nil || len(pw) != 16 {
			t.Fatalf("random password %q fails the policy", pw)
		}
	}
	u := &User{PasswordChangedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	if p.PasswordExpired(u, u.PasswordChangedAt.Add(89*24*time.Hour)) || !p.PasswordExpired(u, u.PasswordChangedAt.Add(91*24*time.Hour)) {
		t.Error("expiry after 90 days")
	}
	if !p.MFARequired(&User{OrgCode: "150302"}) || p.MFARequired(&User{OrgCode: "150302003012"}) {
		t.Error("MFA above the village level only")
	}
}

// TestTOTP uses the SHA-1 test vectors of RFC 6238 appendix B (the last six digits).
func TestTOTP(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	vectors := []struct {
		unix int64
		code string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}}
	for _, v := range vectors {
		got, err := TOTPCode(secret, time.Unix(v.unix, 0))
		if err != nil || got != v.code {
			t.Errorf("T=%d: %q %v, want %q", v.unix, got, err, v.code)
		}
	}
	now := time.Unix(1111111111, 0)
	step, ok := CheckTOTP(secret, "050471", now, 0)
	if !ok || step != 1111111111/30 {
		t.Fatalf("check: %d %v", step, ok)
	}
	if _, ok := CheckTOTP(secret, "050471", now, step); ok {
		t.Error("a code accepted twice")
	}
	if _, ok := CheckTOTP(secret, "081804", now, 0); !ok {
		t.Error("the previous step's code refused (clock skew)")
	}
	if _, ok := CheckTOTP(secret, "287082", now, 0); ok {
		t.Error("a code of long ago accepted")
	}
	sec, url, err := NewTOTP("collector")
	if err != nil || len(sec) != 32 || !strings.HasPrefix(url, "otpauth://totp/") {
		t.Errorf("NewTOTP: %q %q %v", sec, url, err)
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes(10)
	if len(codes) != 10 || len(hashes) != 10 || len(codes[0]) != 14 {
		t.Fatalf("codes %v", codes)
	}
	rest, ok := UseRecoveryCode(hashes, strings.ToUpper(strings.ReplaceAll(codes[4], "-", " ")))
	if !ok || len(rest) != 9 {
		t.Fatalf("use: %v %d", ok, len(rest))
	}
	if _, ok := UseRecoveryCode(rest, codes[4]); ok {
		t.Error("a recovery code used twice")
	}
	if TokenHash("a") == TokenHash("b") || len(NewToken()) != 43 {
		t.Error("tokens")
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := &Limiter{Burst: 3, Every: 10 * time.Second, Now: func() time.Time { return now }}
	var got []bool
	for range 4 {
		got = append(got, l.Allow("a"))
	}
	if want := []bool{true, true, true, false}; strings.Join(boolStrings(got), ",") != strings.Join(boolStrings(want), ",") {
		t.Errorf("burst: %v", got)
	}
	if !l.Allow("b") {
		t.Error("another key is limited too")
	}
	now = now.Add(10 * time.Second)
	if !l.Allow("a") || l.Allow("a") {
		t.Error("one token every 10 s")
	}
}

// TestLimiterAttempts: only failed attempts use the bucket up; attempts checked at the same
// time are bounded by InFlight and paid for afterwards.
func TestLimiterAttempts(t *testing.T) {
	now := time.Unix(0, 0)
	newLimiter := func() *Limiter {
		return &Limiter{Burst: 3, Every: 10 * time.Second, InFlight: 5, Now: func() time.Time { return now }}
	}
	tests := []struct {
		name string
		run  func(l *Limiter) bool // reports whether the limiter behaved
	}{
		{name: "successes never use the bucket up", run: func(l *Limiter) bool {
			for range 20 {
				if !l.Begin("a") {
					return false
				}
				l.End("a", false)
			}
			return true
		}},
		{name: "failures one after the other: Burst, then refused", run: func(l *Limiter) bool {
			var got []bool
			for range 4 {
				ok := l.Begin("a")
				got = append(got, ok)
				if ok {
					l.End("a", true)
				}
			}
			return slices.Equal(got, []bool{true, true, true, false})
		}},
		{name: "at the same time: InFlight, then refused", run: func(l *Limiter) bool {
			n := 0
			for range 8 {
				if l.Begin("a") {
					n++
				}
			}
			return n == 5
		}},
		{name: "concurrent failures are owed", run: func(l *Limiter) bool {
			for range 5 {
				l.Begin("a")
			}
			for range 5 {
				l.End("a", true)
			}
			// 3 − 5 = −2 tokens: three refills (30 s) before the next attempt.
			now = now.Add(29 * time.Second)
			refused := !l.Begin("a")
			now = now.Add(2 * time.Second)
			return refused && l.Begin("a")
		}},
		{name: "another key is not limited", run: func(l *Limiter) bool {
			for range 3 {
				l.Begin("a")
				l.End("a", true)
			}
			return !l.Begin("a") && l.Begin("b")
		}},
		{name: "End reports the bucket exhausted", run: func(l *Limiter) bool {
			l.Begin("a")
			first := l.End("a", true)
			l.Begin("a")
			l.End("a", true)
			l.Begin("a")
			return !first && l.End("a", true)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.run(newLimiter()) {
				t.Error("got the wrong admissions")
			}
		})
	}
}

func TestHoldFor(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		name     string
		failures int
		want     time.Duration
	}{
		{"none", 0, 0},
		{"below the limit", 9, 0},
		{"at the limit", 10, time.Minute},
		{"one more", 11, 2 * time.Minute},
		{"two more", 12, 4 * time.Minute},
		{"capped", 13, 5 * time.Minute},
		{"still capped", 1000, 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.HoldFor(tt.failures); got != tt.want {
				t.Errorf("HoldFor(%d) = %v, want %v", tt.failures, got, tt.want)
			}
		})
	}
}

func boolStrings(b []bool) []string {
	out := make([]string, len(b))
	for i, v := range b {
		out[i] = map[bool]string{true: "1", false: "0"}[v]
	}
	return out
}

func TestRolesAndOrgUnits(t *testing.T) {
	if err := CheckRoles([]string{RoleCollector, RoleReviewer}); err != nil {
		t.Error(err)
	}
	for _, bad := range [][]string{nil, {"boss"}, {RoleSysAdmin, RoleAuditor}, {RoleAuditor, RoleCollector}} {
		if CheckRoles(bad) == nil {
			t.Errorf("roles %v accepted", bad)
		}
	}
	// No permission is held by every role, and every permission by some role.
	for _, perm := range AllPermissions {
		n := 0
		for _, r := range Roles {
			for _, p := range r.Permissions {
				if p == perm {
					n++
				}
			}
		}
		if n == 0 || n == len(Roles) {
			t.Errorf("permission %s held by %d roles", perm, n)
		}
	}
	ou, err := OrgUnitOf(region.Default(), "150302003012")
	if err != nil || ou.Path != "乌海市/海勃湾区/新华街道/清泉社区" || ou.Name != "清泉社区" {
		t.Errorf("org unit %+v %v", ou, err)
	}
	if _, err := OrgUnitOf(region.Default(), "159999"); err == nil {
		t.Error("unknown division accepted")
	}
	p := (&User{Username: "c", Roles: []string{RoleCollector}, OrgCode: "150302003"}).Principal()
	if !p.InScope("150302003012") || !p.InScope("150302003000") || p.InScope("150302004001") || p.InScope("150302") {
		t.Error("scope")
	}
	if !p.Can(PermChildrenCreate) || p.Can(PermChildrenReview) || p.Actor() != "user:c" || Anonymous().Actor() != "anonymous" {
		t.Error("principal")
	}
}
