package auth

import "time"

// Session is a logged-in browser: the hash of its cookie's token, its CSRF token, when it began
// (the absolute lifetime counts from there) and when it was last used (the idle timeout counts
// from there).
type Session struct {
	TokenHash string
	UserID    int64
	CSRF      string
	CreatedAt time.Time
	LastSeen  time.Time
	IP        string
}

// Idle reports whether the session has been unused for longer than timeout at now.
func (s *Session) Idle(now time.Time, timeout time.Duration) bool {
	return now.Sub(s.LastSeen) > timeout
}

// Expired reports whether the session began longer than lifetime before now: however busy, a
// session ends after its lifetime, so that a stolen cookie does not last as long as it is used.
func (s *Session) Expired(now time.Time, lifetime time.Duration) bool {
	return now.Sub(s.CreatedAt) > lifetime
}
