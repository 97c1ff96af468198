package store

import (
	"context"
	"database/sql"
	"errors"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/stats"
)

// StatsVersion returns the registry's data version: a number that grows with every write to
// children (a trigger of migration 0006 bumps it: per row on SQLite, per statement on
// PostgreSQL, whatever path wrote — registration, import, transition, reclassification). A
// statistics cache keeps a report as long as the version it was computed at is current.
func (s *Store) StatsVersion(ctx context.Context) (int64, error) {
	q := "SELECT v FROM stats_version WHERE id = 1"
	if s.d.postgres {
		q = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM stats_version_seq"
	}
	var v int64
	if err := s.queryRow(ctx, q).Scan(&v); err != nil {
		return 0, internal("读取数据版本", err)
	}
	return v, nil
}

// PutSnapshot stores (or replaces) the snapshot of a month and region.
// Only the server's jobs and the operator take snapshots.
func (s *Store) PutSnapshot(ctx context.Context, r stats.SnapshotRow) error {
	if err := wholeOnly(ctx, "只有系统任务可以保存统计快照"); err != nil {
		return err
	}
	actor := auth.ActorOf(ctx)
	if !stats.ValidMonth(r.Month) {
		return errInvalid("月份“" + r.Month + "”无效，应为 YYYY-MM")
	}
	return s.inTx(ctx, "保存统计快照", func(t *tx) error {
		_, err := t.exec(`INSERT INTO stats_snapshots (month, region, published, as_of, records, data, taken_at, taken_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
 ON CONFLICT (month, region, published) DO UPDATE SET as_of = excluded.as_of, records = excluded.records, data = excluded.data,
 taken_at = excluded.taken_at, taken_by = excluded.taken_by`,
			r.Month, r.Region, r.Published, int64(r.AsOf), r.Records, string(r.Data), s.d.timeArg(s.instant()), actor)
		return err
	})
}

// Snapshot returns the snapshot of a month and region, internal or published (CodeNotFound when
// none was taken).
// The region must lie in the principal's jurisdiction.
func (s *Store) Snapshot(ctx context.Context, month, region string, published bool) (*stats.SnapshotRow, error) {
	if err := s.snapshotGate(ctx, region); err != nil {
		return nil, err
	}
	rows, err := s.snapshots(ctx, "WHERE month = ? AND region = ? AND published = ?", month, region, published)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, &Error{Code: CodeNotFound, Message: month + " 没有" + regionText(region) + "的统计快照"}
	}
	return &rows[0], nil
}

// Snapshots returns the snapshots of a region, internal or published, from month from to month
// to (inclusive; "" = no bound), in month order.
func (s *Store) Snapshots(ctx context.Context, region, from, to string, published bool) ([]stats.SnapshotRow, error) {
	if err := s.snapshotGate(ctx, region); err != nil {
		return nil, err
	}
	if to == "" {
		to = "9999-99"
	}
	return s.snapshots(ctx, "WHERE region = ? AND published = ? AND month >= ? AND month <= ?", region, published, from, to)
}

// SnapshotMonths lists the months that have a snapshot of any region, newest first.
func (s *Store) SnapshotMonths(ctx context.Context) ([]string, error) {
	if _, err := gate(ctx, "您的角色不能查看统计", auth.PermStatsRead); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT DISTINCT month FROM stats_snapshots ORDER BY month DESC")
	if err != nil {
		return nil, internal("读取统计快照", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, internal("读取统计快照", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("读取统计快照", err)
	}
	return out, nil
}

// snapshotGate refuses a principal that may not read statistics of region ("" = the whole
// database: the operator's and the jobs' only).
func (s *Store) snapshotGate(ctx context.Context, region string) error {
	p, err := gate(ctx, "您的角色不能查看统计", auth.PermStatsRead)
	if err != nil {
		return err
	}
	if !p.Whole() && (region == "" || !p.Covers(region)) {
		return errForbidden("只能查看本辖区的统计数据")
	}
	return nil
}

func (s *Store) snapshots(ctx context.Context, where string, args ...any) ([]stats.SnapshotRow, error) {
	rows, err := s.query(ctx, "SELECT month, region, published, as_of, records, data, taken_at, taken_by FROM stats_snapshots "+where+" ORDER BY month", args...)
	if err != nil {
		return nil, internal("读取统计快照", err)
	}
	defer rows.Close()
	var out []stats.SnapshotRow
	for rows.Next() {
		var (
			r    stats.SnapshotRow
			asOf int64
			data string
		)
		if err := rows.Scan(&r.Month, &r.Region, &r.Published, &asOf, &r.Records, &data, scanTime{&r.TakenAt}, &r.TakenBy); err != nil {
			return nil, internal("读取统计快照", err)
		}
		r.AsOf, r.Data = child.Date(asOf), []byte(data)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("读取统计快照", err)
	}
	return out, nil
}

func regionText(code string) string {
	if code == "" {
		return "整个数据库"
	}
	return "区划 " + code + " "
}

// errNoRows reports whether err is sql.ErrNoRows.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
