package auth

import (
	"sync"
	"time"
)

// Limiter is a token-bucket rate limiter per key (a client address, a user name): Burst
// attempts at once, then one every Every. Time is injected, so that tests need no sleeping.
type Limiter struct {
	Burst int
	Every time.Duration
	Now   func() time.Time

	mu      sync.Mutex
	buckets map[string]bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Allow reports whether key may act now, and takes a token when it may.
func (l *Limiter) Allow(key string) bool {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = make(map[string]bucket)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = bucket{tokens: float64(l.Burst), at: now}
	}
	if el := now.Sub(b.at); el > 0 {
		b.tokens = min(float64(l.Burst), b.tokens+float64(el)/float64(l.Every))
	}
	b.at = now
	if len(l.buckets) > 100_000 {
		// Forget full buckets, so that many addresses cannot exhaust memory.
		for k, x := range l.buckets {
			if x.tokens >= float64(l.Burst)-1 {
				delete(l.buckets, k)
			}
		}
	}
	if b.tokens < 1 {
		l.buckets[key] = b
		return false
	}
	b.tokens--
	l.buckets[key] = b
	return true
}

// Refund gives key back the token of an attempt that turned out well, so that only failures use
// up the bucket: a township office behind one address where everyone signs in at half past
// eight is not refused, while guessing from that address still is.
func (l *Limiter) Refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		b.tokens = min(float64(l.Burst), b.tokens+1)
		l.buckets[key] = b
	}
}
