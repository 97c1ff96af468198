package store

import (
	"context"
	"time"
)

// ProbeWrite shows that the database still takes writes: it writes the current instant into
// the row health_probe of meta in a transaction of its own. A full disk, a read-only file or a
// read-only PostgreSQL replica fail it where Ping, a read, still succeeds. It costs one small
// write transaction, so it can be called every few seconds.
func (s *Store) ProbeWrite(ctx context.Context) error {
	return s.inTx(ctx, "数据库写入检查", func(t *tx) error {
		_, err := t.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			"health_probe", s.instant().Format(time.RFC3339Nano))
		return err
	})
}
