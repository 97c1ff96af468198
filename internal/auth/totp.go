package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: RFC 6238 with SHA-1, 6 digits, 30-second steps — what every authenticator
// app accepts.
const (
	totpPeriod = 30
	// totpSkew accepts the code of the step before and after, for clocks a little apart.
	totpSkew = 1
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTP begins an enrolment: a new random secret (base32) and its otpauth:// URL for the
// authenticator app's QR code.
func NewTOTP(username string) (secret, url string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "guanai 关爱", AccountName: username, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, SecretSize: 20})
	if err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// TOTPCode returns the code of secret at t (for tests and demo tools).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// CheckTOTP checks code against secret at now and returns the time step it belongs to. A step
// not after lastStep is refused, so that a code seen once (over a shoulder, in a log) cannot be
// used again.
func CheckTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 || secret == "" {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for d := -totpSkew; d <= totpSkew; d++ {
		st := cur + int64(d)
		if st <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// NewRecoveryCodes returns n one-time recovery codes (xxxx-xxxx-xxxx, 60 bits each) and their
// hashes, which alone are stored.
func NewRecoveryCodes(n int) (codes, hashes []string) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	for range n {
		var b strings.Builder
		for i := range 12 {
			if i > 0 && i%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(alphabet[randInt(len(alphabet))])
		}
		codes = append(codes, b.String())
		hashes = append(hashes, HashRecoveryCode(b.String()))
	}
	return codes, hashes
}

// HashRecoveryCode hashes a recovery code (SM3; the codes are random and long, so a slow hash
// is not needed), ignoring case, spaces and dashes.
func HashRecoveryCode(code string) string {
	c := strings.NewReplacer("-", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(code)))
	h := sm3.Sum([]byte("guanai-recovery:" + c))
	return hex.EncodeToString(h[:])
}

// UseRecoveryCode returns the hashes without the one code matches, and whether one did.
func UseRecoveryCode(hashes []string, code string) ([]string, bool) {
	h := HashRecoveryCode(code)
	for i, x := range hashes {
		if subtle.ConstantTimeCompare([]byte(x), []byte(h)) == 1 {
			out := append([]string{}, hashes[:i]...)
			return append(out, hashes[i+1:]...), true
		}
	}
	return hashes, false
}

// NewToken returns a random token (session, CSRF) of 32 bytes, base64url.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenHash is what the database keeps of a session token (SM3, hex): a copy of the sessions
// table does not let anyone act as the users in it.
func TokenHash(token string) string {
	h := sm3.Sum([]byte("guanai-session:" + token))
	return hex.EncodeToString(h[:])
}
