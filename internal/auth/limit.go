package auth

import (
	"sync"
	"time"
)

// Limiter is a token-bucket rate limiter per key (a client address, a user name): Burst
// attempts at once, then one every Every. Time is injected, so that tests need no sleeping.
//
// Allow takes a token at once. Begin and End are for attempts whose outcome is known only once
// they have been checked (sign-ins), so that only failures use the bucket up: Begin admits an
// attempt while the key has a token and fewer than InFlight of its attempts are being checked;
// End takes the token of a failed attempt, and none of one that succeeded. Twenty colleagues
// behind one office address signing in at the same moment are all admitted, while twenty wrong
// passwords from it are not: one after the other, the bucket is empty after Burst of them; at
// the same moment, at most InFlight are checked and the failures are owed afterwards (the
// bucket goes below zero and refills from there).
type Limiter struct {
	Burst int
	Every time.Duration
	// InFlight bounds the attempts of one key admitted by Begin and not yet ended; 0 means Burst.
	InFlight int
	Now      func() time.Time

	mu      sync.Mutex
	buckets map[string]bucket
}

type bucket struct {
	tokens   float64
	at       time.Time
	inFlight int
}

// get returns key's bucket refilled up to now; the caller holds l.mu.
func (l *Limiter) get(key string, now time.Time) bucket {
	if l.buckets == nil {
		l.buckets = make(map[string]bucket)
	}
	b, ok := l.buckets[key]
	if !ok {
		return bucket{tokens: float64(l.Burst), at: now}
	}
	if el := now.Sub(b.at); el > 0 {
		b.tokens = min(float64(l.Burst), b.tokens+float64(el)/float64(l.Every))
	}
	b.at = now
	return b
}

// put stores key's bucket; the caller holds l.mu.
func (l *Limiter) put(key string, b bucket) {
	if len(l.buckets) > 100_000 {
		// Forget full idle buckets, so that many addresses cannot exhaust memory.
		for k, x := range l.buckets {
			if x.inFlight == 0 && x.tokens >= float64(l.Burst)-1 {
				delete(l.buckets, k)
			}
		}
	}
	l.buckets[key] = b
}

// Allow reports whether key may act now, and takes a token when it may.
func (l *Limiter) Allow(key string) bool {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	if b.tokens < 1 {
		l.put(key, b)
		return false
	}
	b.tokens--
	l.put(key, b)
	return true
}

// Refund gives key back the token of an attempt that turned out well (after Allow).
func (l *Limiter) Refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		b.tokens = min(float64(l.Burst), b.tokens+1)
		l.buckets[key] = b
	}
}

func (l *Limiter) inFlight() int {
	if l.InFlight > 0 {
		return l.InFlight
	}
	return l.Burst
}

// Begin admits an attempt of key: while the key has a token left and fewer than InFlight of its
// attempts are being checked. An admitted attempt must be ended with End.
func (l *Limiter) Begin(key string) bool {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	if b.tokens < 1 || b.inFlight >= l.inFlight() {
		l.put(key, b)
		return false
	}
	b.inFlight++
	l.put(key, b)
	return true
}

// End ends an attempt admitted by Begin; a failed one takes a token. It reports whether the
// key has no token left afterwards: its next attempt is refused until the bucket refills.
func (l *Limiter) End(key string, failed bool) (exhausted bool) {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	b.inFlight = max(0, b.inFlight-1)
	if failed {
		// Attempts admitted together are all paid for, down to at most InFlight owed.
		b.tokens = max(b.tokens-1, -float64(l.inFlight()))
	}
	l.put(key, b)
	return b.tokens < 1
}
