package web

import (
	"sync"
	"time"

	"guanai/internal/auth"
)

// loginThrottle limits sign-in attempts (docs/security.md, Lockout and rate limiting). Both
// limits count failures only and are kept by user name as typed, whether or not an account has
// it, so that their answers tell nothing about which names exist:
//
//   - per client address: 10 failures, then one every 6 seconds (password spraying across many
//     names); up to 32 attempts checked at once, so that an office behind one address signs in
//     at half past eight;
//   - per user name and client address: 5 failures, then one every 5 minutes (guessing one
//     account's password from one place), up to 5 checked at once.
//
// The account's own back-off (auth.Policy.HoldFor, kept in the users table, so that guanai user
// unlock ends it) is loose and short, and does not apply to the addresses the account signed in
// from lately (known): someone who merely knows the name cannot keep the owner out.
type loginThrottle struct {
	addr  *auth.Limiter
	pair  *auth.Limiter
	known *knownAddrs
}

func newLoginThrottle(now func() time.Time) *loginThrottle {
	return &loginThrottle{
		addr:  &auth.Limiter{Burst: 10, Every: 6 * time.Second, InFlight: 32, Now: now},
		pair:  &auth.Limiter{Burst: 5, Every: 5 * time.Minute, Now: now},
		known: &knownAddrs{now: now, seen: map[string]time.Time{}},
	}
}

// attempt is one sign-in admitted by both limits.
type attempt struct {
	t                *loginThrottle
	addrKey, pairKey string
	ended            bool
}

// begin admits a sign-in of name (lower case) from addr, or returns nil when a limit refuses it.
func (t *loginThrottle) begin(name, addr string) *attempt {
	a := &attempt{t: t, addrKey: "ip:" + addr, pairKey: "pair:" + addr + "\x00" + name}
	if !t.addr.Begin(a.addrKey) {
		return nil
	}
	if !t.pair.Begin(a.pairKey) {
		t.addr.End(a.addrKey, false)
		return nil
	}
	return a
}

// reauth admits a check of a signed-in account's own password or code (re-enrolling TOTP) from
// addr: only the limit of the name and address applies, the session holder trying no other name.
func (t *loginThrottle) reauth(name, addr string) *attempt {
	a := &attempt{t: t, pairKey: "pair:" + addr + "\x00" + name}
	if !t.pair.Begin(a.pairKey) {
		return nil
	}
	return a
}

// end ends the attempt once (later calls do nothing); a failed one uses up the limits. It
// reports whether the name can no longer be tried from the address for now.
func (a *attempt) end(failed bool) (throttled bool) {
	if a.ended {
		return false
	}
	a.ended = true
	if a.addrKey != "" {
		a.t.addr.End(a.addrKey, failed)
	}
	return a.t.pair.End(a.pairKey, failed)
}

// knownFor is how long an address an account signed in from stays known.
const knownFor = 30 * 24 * time.Hour

// knownAddrs remembers, in memory, from which addresses each account signed in lately: an
// account held back after failures from elsewhere still lets its owner in from there. A
// restart forgets them (the hold is short anyway).
type knownAddrs struct {
	mu   sync.Mutex
	now  func() time.Time
	seen map[string]time.Time
}

func knownKey(name, addr string) string { return name + "\x00" + addr }

// add records a sign-in of name (lower case) from addr.
func (k *knownAddrs) add(name, addr string) {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.seen) >= 100_000 {
		for key, at := range k.seen {
			if now.Sub(at) > knownFor {
				delete(k.seen, key)
			}
		}
		if len(k.seen) >= 100_000 {
			clear(k.seen)
		}
	}
	k.seen[knownKey(name, addr)] = now
}

// has reports whether name (lower case) signed in from addr within knownFor.
func (k *knownAddrs) has(name, addr string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	at, ok := k.seen[knownKey(name, addr)]
	return ok && k.now().Sub(at) <= knownFor
}
