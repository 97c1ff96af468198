package store

import (
	"context"
	"testing"
)

// TestProbeWrite: the probe writes (and overwrites) its row; on SQLite, a database that no
// longer takes writes fails the probe while Ping still succeeds.
func TestProbeWrite(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for i := range 2 {
			if err := e.ProbeWrite(ctx); err != nil {
				t.Fatalf("probe %d: %v", i+1, err)
			}
		}
		var n int
		if err := e.read.QueryRowContext(ctx, e.d.bind("SELECT count(*) FROM meta WHERE key = ?"), "health_probe").Scan(&n); err != nil || n != 1 {
			t.Errorf("health_probe rows: got %d (%v), want 1", n, err)
		}
		if e.Dialect() != "sqlite" {
			return
		}
		// The writer connection refuses writes from now on, as a read-only file or a full disk would.
		if _, err := e.write.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
			t.Fatal(err)
		}
		if err := e.Ping(ctx); err != nil {
			t.Fatalf("ping: %v", err)
		}
		if err := e.ProbeWrite(ctx); err == nil {
			t.Errorf("probe on a database that takes no writes: got nil, want an error")
		}
	})
}
