package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
)

// auditLock serialises the writers of the audit chain on PostgreSQL (each entry needs the hash
// of the one before); SQLite's single writer does by itself.
const auditLock = 6775161171

// appendAudit appends an entry to the audit chain inside t, so that the entry and the change it
// records are committed together or not at all.
func (s *Store) appendAudit(t *tx, action, object string, detail any) error {
	if s.d.postgres {
		if _, err := t.exec("SELECT pg_advisory_xact_lock(?)", int64(auditLock)); err != nil {
			return err
		}
	}
	var seq int64
	var prev string
	err := t.queryRow("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	e := audit.Entry{Seq: seq + 1, At: s.instant(), Actor: auth.ActorOf(t.ctx), Action: action, Object: object,
		Detail: audit.Detail(detail), IP: auth.ClientIP(t.ctx)}
	audit.Seal(prev, &e)
	if _, err := t.exec(`INSERT INTO audit_log (seq, at, actor, action, object, detail, ip, prev_hash, hash)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, s.d.timeArg(e.At), e.Actor, e.Action, e.Object, string(e.Detail), e.IP, e.Prev, e.Hash); err != nil {
		return err
	}
	if e.Seq%audit.CheckpointEvery == 0 {
		if _, err := t.exec("INSERT INTO audit_checkpoints (seq, hash, at) VALUES (?, ?, ?)", e.Seq, e.Hash, s.d.timeArg(e.At)); err != nil {
			return err
		}
	}
	return nil
}

// Audit records an event that changes nothing in the database (a read, a search, a reveal, a
// refused login) in a transaction of its own. The caller does not show the data read before
// Audit has returned nil.
func (s *Store) Audit(ctx context.Context, action, object string, detail any) error {
	return s.inTx(ctx, "记录审计日志", func(t *tx) error { return s.appendAudit(t, action, object, detail) })
}

// AuditQuery selects audit entries; zero fields do not filter.
type AuditQuery struct {
	Actor  string // exact
	Action string // exact, or a prefix ending in "." (child.)
	Object string // exact
	From   time.Time
	To     time.Time // exclusive
	Limit  int       // default 50, at most 500
	Offset int
}

// AuditPage is one page of audit entries, newest first.
type AuditPage struct {
	Total int
	Items []audit.Entry
}

// AuditEntries lists audit entries, newest first. Only the audit administrator (audit.read) or
// the command line may read them; the reading is itself audited.
func (s *Store) AuditEntries(ctx context.Context, q AuditQuery) (AuditPage, error) {
	if _, err := gate(ctx, "只有审计管理员可以查看审计日志", auth.PermAuditRead); err != nil {
		return AuditPage{}, err
	}
	var conds []string
	var args []any
	if q.Actor != "" {
		conds, args = append(conds, "actor = ?"), append(args, q.Actor)
	}
	if q.Action != "" {
		if strings.HasSuffix(q.Action, ".") {
			conds, args = append(conds, "action >= ? AND action < ?"), append(args, q.Action, q.Action+"~")
		} else {
			conds, args = append(conds, "action = ?"), append(args, q.Action)
		}
	}
	if q.Object != "" {
		conds, args = append(conds, "object = ?"), append(args, q.Object)
	}
	if !q.From.IsZero() {
		conds, args = append(conds, "at >= ?"), append(args, s.d.timeArg(q.From))
	}
	if !q.To.IsZero() {
		conds, args = append(conds, "at < ?"), append(args, s.d.timeArg(q.To))
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	if err := s.Audit(ctx, audit.AuditRead, "", map[string]any{"actor": q.Actor, "action": q.Action, "object": q.Object,
		"from": timeText(q.From), "to": timeText(q.To), "offset": q.Offset}); err != nil {
		return AuditPage{}, err
	}
	var page AuditPage
	if err := s.queryRow(ctx, "SELECT count(*) FROM audit_log"+where, args...).Scan(&page.Total); err != nil {
		return AuditPage{}, internal("读取审计日志", err)
	}
	rows, err := s.query(ctx, auditSelect+where+" ORDER BY seq DESC LIMIT "+strconv.Itoa(q.Limit)+" OFFSET "+strconv.Itoa(max(0, q.Offset)), args...)
	if err != nil {
		return AuditPage{}, internal("读取审计日志", err)
	}
	defer rows.Close()
	page.Items = []audit.Entry{}
	for rows.Next() {
		e, err := scanAudit(rows.Scan)
		if err != nil {
			return AuditPage{}, internal("读取审计日志", err)
		}
		page.Items = append(page.Items, e)
	}
	if err := rows.Err(); err != nil {
		return AuditPage{}, internal("读取审计日志", err)
	}
	return page, nil
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

const auditSelect = "SELECT seq, at, actor, action, object, detail, ip, prev_hash, hash FROM audit_log"

func scanAudit(scan func(...any) error) (audit.Entry, error) {
	var e audit.Entry
	var detail string
	err := scan(&e.Seq, scanTime{&e.At}, &e.Actor, &e.Action, &e.Object, &detail, &e.IP, &e.Prev, &e.Hash)
	e.Detail = []byte(detail)
	return e, err
}

// VerifyResult is what VerifyAudit found.
type VerifyResult struct {
	Entries     int64  // entries verified
	Checkpoints int    // checkpoints compared
	LastHash    string // hash of the last entry: write it down elsewhere to detect a rewrite of the whole chain
}

// VerifyAudit walks the whole audit chain in order and returns the first broken entry as an
// *audit.Break error. The database is read on one goroutine while the entries are hashed on
// another.
func (s *Store) VerifyAudit(ctx context.Context) (VerifyResult, error) {
	if _, err := gate(ctx, "只有审计管理员可以校验审计日志", auth.PermAuditRead); err != nil {
		return VerifyResult{}, err
	}
	v := audit.NewVerifier()
	v.Checkpoints = map[int64]string{}
	rows, err := s.query(ctx, "SELECT seq, hash FROM audit_checkpoints")
	if err != nil {
		return VerifyResult{}, internal("读取审计检查点", err)
	}
	for rows.Next() {
		var seq int64
		var h string
		if err := rows.Scan(&seq, &h); err != nil {
			rows.Close()
			return VerifyResult{}, internal("读取审计检查点", err)
		}
		v.Checkpoints[seq] = h
	}
	rows.Close()
	res := VerifyResult{Checkpoints: len(v.Checkpoints)}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []audit.Entry, 4)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- s.readAudit(ctx, func(batch []audit.Entry) bool {
			select {
			case batches <- batch:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	var broken error
	for batch := range batches {
		if broken != nil {
			continue
		}
		for i := range batch {
			if err := v.Add(&batch[i]); err != nil {
				broken = err
				cancel()
				break
			}
			res.LastHash = batch[i].Hash
		}
	}
	res.Entries = v.Checked()
	if broken != nil {
		return res, broken
	}
	if err := <-readErr; err != nil {
		return res, internal("读取审计日志", err)
	}
	return res, v.Finish()
}

// readAudit reads the whole trail in seq order and hands it over in batches until emit
// returns false.
func (s *Store) readAudit(ctx context.Context, emit func([]audit.Entry) bool) error {
	rows, err := s.query(ctx, auditSelect+" ORDER BY seq")
	if err != nil {
		return err
	}
	defer rows.Close()
	const size = 2048
	batch := make([]audit.Entry, 0, size)
	for rows.Next() {
		e, err := scanAudit(rows.Scan)
		if err != nil {
			return err
		}
		batch = append(batch, e)
		if len(batch) == size {
			if !emit(batch) {
				return ctx.Err()
			}
			batch = make([]audit.Entry, 0, size)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(batch) > 0 && !emit(batch) {
		return ctx.Err()
	}
	return nil
}
