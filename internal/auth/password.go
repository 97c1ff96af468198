package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (RFC 9106 second recommendation, scaled to a city server): 19 MiB, two
// passes, one lane. They are stored with every hash, so they can be raised later.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashPassword returns the argon2id hash of password in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
func HashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		panic("auth: crypto/rand: " + err.Error())
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckPassword reports whether password matches the PHC hash, in constant time. A malformed
// hash never matches.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<21 || t == 0 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a user does not exist, so that the answer takes as long as
// for a wrong password and does not tell which user names exist.
var dummyHash = HashPassword("guanai-no-such-user")

// CheckNoUser spends the time of a password check for an unknown user; it always fails.
func CheckNoUser(password string) bool {
	CheckPassword(dummyHash, password)
	return false
}

// CheckPolicy checks a new password against the policy: length, character classes, not the
// user name, and none of the previous hashes (the current one included). The error names the
// field new_password.
func (p Policy) CheckPolicy(password, username string, previous []string) error {
	bad := func(msg string) error { return &Error{Code: "invalid", Field: "new_password", Message: msg} }
	if !utf8.ValidString(password) {
		return bad("密码含有无效字符")
	}
	if n := utf8.RuneCountInString(password); n < p.MinLength {
		return bad(fmt.Sprintf("密码至少 %d 个字符", p.MinLength))
	} else if n > 128 {
		return bad("密码不能超过 128 个字符")
	}
	var lower, upper, digit, other int
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	if lower+upper+digit+other < p.MinClasses {
		return bad(fmt.Sprintf("密码须包含小写字母、大写字母、数字、其他符号中的至少 %d 类", p.MinClasses))
	}
	if username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		return bad("密码不能包含用户名")
	}
	for i, h := range previous {
		if i >= p.History {
			break
		}
		if CheckPassword(h, password) {
			return bad(fmt.Sprintf("不能使用最近 %d 次用过的密码", p.History))
		}
	}
	return nil
}

// RandomPassword returns a random password of 16 characters that satisfies the default policy
// (all four classes), for initial and demo passwords.
func RandomPassword() string {
	const (
		lower = "abcdefghijkmnpqrstuvwxyz"
		upper = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digit = "23456789"
		other = "-_.@#%+="
	)
	sets := []string{lower, upper, digit, other}
	all := lower + upper + digit + other
	out := make([]byte, 16)
	for i := range out {
		set := all
		if i < len(sets) {
			set = sets[i]
		}
		out[i] = set[randInt(len(set))]
	}
	// Shuffle, so that the classes are not always at the start.
	for i := len(out) - 1; i > 0; i-- {
		j := randInt(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// randInt returns a uniform random integer in [0, n).
func randInt(n int) int {
	var b [1]byte
	limit := 256 - 256%n
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic("auth: crypto/rand: " + err.Error())
		}
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
