package auth

import "time"

// Session is a logged-in browser: the hash of its cookie's token, its CSRF token and when it
// was last used (the idle timeout counts from there).
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
