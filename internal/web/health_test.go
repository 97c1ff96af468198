package web

import (
	"context"
	"errors"
	"testing"
)

// probeDB is a database that answers pings with pingErr and write probes with writeErr.
type probeDB struct{ pingErr, writeErr error }

func (p probeDB) Ping(context.Context) error       { return p.pingErr }
func (p probeDB) ProbeWrite(context.Context) error { return p.writeErr }

// TestHealthzWriteProbe: /healthz answers 503 when the database answers but takes no writes
// (a full disk, a read-only file), not only when it does not answer.
func TestHealthzWriteProbe(t *testing.T) {
	tests := []struct {
		name           string
		db             Pinger
		status         int
		state, message string
	}{
		{name: "healthy", db: probeDB{}, status: 200, state: "ok"},
		{name: "writes fail", db: probeDB{writeErr: errors.New("database or disk is full")}, status: 503, state: "unavailable", message: "数据库无法写入"},
		{name: "no answer", db: probeDB{pingErr: errors.New("connection refused")}, status: 503, state: "unavailable", message: "数据库无法连接"},
		{name: "a database without a write probe", db: fakeDB{}, status: 200, state: "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := do(t, newServer(tt.db).Handler(), "GET", "/healthz", "")
			if status != tt.status || out["status"] != tt.state || (tt.message != "" && out["message"] != tt.message) {
				t.Errorf("got %d %v, want %d %q %q", status, out, tt.status, tt.state, tt.message)
			}
		})
	}
	// The real store is one.
	var _ WriteProber = newTestEnv(t).st
}
