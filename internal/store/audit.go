package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
)

// auditLock serialises the writers of the audit chain on PostgreSQL (each entry needs the hash
// of the one before); SQLite's single writer does by itself.
const auditLock = 6775161171

// appendAudit appends an entry to the audit chain inside t, so that the entry and the change it
// records are committed together or not at all. The entry is keyed with the keyring's current
// audit key. The anchor outside the database follows after the commit (auditAnchor).
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
	if err := audit.Seal(s.keys, prev, &e); err != nil {
		return err
	}
	if _, err := t.exec(`INSERT INTO audit_log (seq, at, actor, action, object, detail, ip, key_id, prev_hash, hash)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, s.d.timeArg(e.At), e.Actor, e.Action, e.Object, string(e.Detail), e.IP, e.KeyID, e.Prev, e.Hash); err != nil {
		return err
	}
	if e.Seq%audit.CheckpointEvery == 0 {
		if _, err := t.exec("INSERT INTO audit_checkpoints (seq, hash, at) VALUES (?, ?, ?)", e.Seq, e.Hash, s.d.timeArg(e.At)); err != nil {
			return err
		}
	}
	s.anchor.appended(s, e.Seq)
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

const auditSelect = "SELECT seq, at, actor, action, object, detail, ip, key_id, prev_hash, hash FROM audit_log"

func scanAudit(scan func(...any) error) (audit.Entry, error) {
	var e audit.Entry
	var detail string
	err := scan(&e.Seq, scanTime{&e.At}, &e.Actor, &e.Action, &e.Object, &detail, &e.IP, &e.KeyID, &e.Prev, &e.Hash)
	e.Detail = []byte(detail)
	return e, err
}

// VerifyResult is what VerifyAudit checked.
type VerifyResult struct {
	Entries     int64  // entries verified
	Keyed       int64  // of them keyed (HMAC-SM3); the others are plain SM3, written before 0011
	Checkpoints int    // checkpoints compared
	KeyedFrom   int64  // the seq from which entries are keyed (meta audit_keyed_from)
	LastSeq     int64  // the last entry
	LastHash    string // its hash
	// AnchorPath is the anchor file outside the database, "" when the store has none (tests).
	AnchorPath string
	// Anchor is the head it records, nil when there is none or it cannot be trusted.
	Anchor *audit.Head
}

// VerifyAudit walks the whole audit chain in order and returns what is wrong with it as an
// *audit.Break: the first changed, missing, unkeyed or wrongly keyed entry, or, the chain being
// whole, entries missing at the end (below a checkpoint, the anchor or the seq keyed entries
// start from), the chain rewritten before the anchored entry, an anchor that is missing though
// it should exist, unreadable, or another database's. The anchor is read before the chain, so
// that entries appended meanwhile by a running server lie beyond it. The database is read on
// one goroutine while the entries are hashed on another.
func (s *Store) VerifyAudit(ctx context.Context) (VerifyResult, error) {
	if _, err := gate(ctx, "只有审计管理员可以校验审计日志", auth.PermAuditRead); err != nil {
		return VerifyResult{}, err
	}
	var res VerifyResult
	meta, err := s.auditMeta(ctx)
	if err != nil {
		return res, internal("读取审计日志元数据", err)
	}
	res.KeyedFrom = meta.keyedFrom
	// late is what is wrong besides the chain itself: reported when the chain is whole.
	var late error
	var anchorMissing bool
	if s.anchor != nil {
		res.AnchorPath = s.anchor.file.Path()
		h, err := s.anchor.file.Read()
		switch {
		case errors.Is(err, audit.ErrNoAnchor):
			anchorMissing = true
		case err != nil:
			late = &audit.Break{Kind: audit.AnchorInvalid, Reason: err.Error() + "：无法据此发现末尾条目被删除；核实后可执行 guanai audit reanchor 重新建立锚点"}
		case h.Chain != meta.chain:
			late = &audit.Break{Kind: audit.AnchorInvalid, Reason: fmt.Sprintf("库外锚点 %s 属于另一个数据库（链 %s，本库为 %s）", res.AnchorPath, h.Chain, meta.chain)}
		default:
			res.Anchor = &h
			if h.KeyedFrom != meta.keyedFrom {
				late = &audit.Break{Kind: audit.KeyedFromDiff, Reason: fmt.Sprintf("数据库记录的密钥起始序号（第 %d 条）与库外锚点记录的（第 %d 条）不同：元数据被改动", meta.keyedFrom, h.KeyedFrom)}
				// Check with the stricter of the two, so that a plain rewrite hidden by moving the
				// seq up is named at its first entry.
				if meta.keyedFrom == 0 || h.KeyedFrom < meta.keyedFrom {
					meta.keyedFrom = h.KeyedFrom
				}
			}
		}
	}
	if meta.keyedFrom == 0 {
		return res, &audit.Break{Kind: audit.KeyedFromDiff, Reason: "数据库中缺少密钥起始序号（meta 表的 audit_keyed_from，升级 0011 时写入）：元数据被删除，无法判断哪些条目应以密钥签名"}
	}

	v := audit.NewVerifier(s.keys, meta.keyedFrom)
	v.Anchor = res.Anchor
	v.Checkpoints = map[int64]string{}
	rows, err := s.query(ctx, "SELECT seq, hash FROM audit_checkpoints")
	if err != nil {
		return res, internal("读取审计检查点", err)
	}
	for rows.Next() {
		var seq int64
		var h string
		if err := rows.Scan(&seq, &h); err != nil {
			rows.Close()
			return res, internal("读取审计检查点", err)
		}
		v.Checkpoints[seq] = h
	}
	rows.Close()
	res.Checkpoints = len(v.Checkpoints)

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
			res.LastSeq, res.LastHash = batch[i].Seq, batch[i].Hash
		}
	}
	res.Entries, res.Keyed = v.Checked(), v.Keyed()
	if broken != nil {
		return res, broken
	}
	if err := <-readErr; err != nil {
		return res, internal("读取审计日志", err)
	}
	if err := v.Finish(); err != nil {
		return res, err
	}
	if late != nil {
		return res, late
	}
	if anchorMissing && (res.Keyed > 0 || meta.anchored != "") {
		return res, &audit.Break{Kind: audit.AnchorMissing, Reason: fmt.Sprintf("库外锚点文件 %s 不存在，而数据库中已有以密钥签名的条目：没有锚点，"+
			"就无法发现末尾条目被删除或整条日志被替换。锚点若是被人删除的，数据库也可能被改过；核实后可执行 guanai audit reanchor 重新建立锚点", res.AnchorPath)}
	}
	return res, nil
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

// auditMeta is what the database records about its chain (migration 0011).
type auditMeta struct {
	keyedFrom int64  // audit_keyed_from: the seq of the first keyed entry; 0 when the row is missing
	chain     string // audit_chain: the chain's id, named in the anchor
	anchored  string // audit_anchored: the anchor file first written for this database, "" before
}

func (s *Store) auditMeta(ctx context.Context) (auditMeta, error) {
	var m auditMeta
	rows, err := s.query(ctx, "SELECT key, value FROM meta WHERE key IN ('audit_keyed_from', 'audit_chain', 'audit_anchored')")
	if err != nil {
		return m, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return m, err
		}
		switch k {
		case "audit_keyed_from":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
				m.keyedFrom = n
			}
		case "audit_chain":
			m.chain = v
		case "audit_anchored":
			m.anchored = v
		}
	}
	return m, rows.Err()
}

// The anchor outside the database (docs/security.md): after every commit that appended to the
// chain, the chain's head is written to a file beside the key file. Appends happen on every
// audited read, so the write is taken off the request: appendAudit only notes the seq it
// appended (the transaction has not committed yet), and one goroutine at a time reads the
// committed head from the database and writes it, so that a burst of appends costs one write
// and the newest head wins. The anchor never moves backwards (audit.Anchor.Advance), and
// never past a point where the database's chain no longer holds the anchored entry.

// auditAnchor is the store's writer of the anchor; nil when the store has none.
type auditAnchor struct {
	file *audit.Anchor

	mu       sync.Mutex
	running  bool       // a goroutine is writing
	closed   bool       // the store is closing: no new goroutine
	pending  int64      // the highest seq this process appended, committed or not
	anchored audit.Head // the head the anchor holds, as far as this process knows
	err      error      // why the anchor did not move the last time it should have
	failedAt time.Time  // when
	wroteAt  time.Time  // when the writer last tried
	meta     auditMeta  // the chain id and keyed-from seq, read once
}

const (
	// anchorEvery spaces the writer's attempts, so that a steady stream of audited reads — each
	// one request, one entry — costs at most ten anchor writes a second rather than one per
	// request; an entry is anchored about this long after its commit at most (and at Close).
	anchorEvery = 100 * time.Millisecond
	// anchorSettle is how long the writer lets the transaction that told it of an entry commit
	// before it reads the head (appendAudit runs inside the transaction, usually its last step).
	anchorSettle = 5 * time.Millisecond
	// anchorTries bounds how many times the writer looks for the commit of an entry it was told
	// of (five seconds in all): an entry rolled back never appears, and the next append, the
	// server's minute or Close anchors whatever was committed meanwhile.
	anchorTries = 50
	// anchorRetry is how long a writer that could not move the anchor (the database disagrees
	// with it) waits before trying again on the next append, so that a tampered database does
	// not add two queries and a file read to every request.
	anchorRetry = 10 * time.Second
)

// appended notes that this process appended seq (inside a transaction not yet committed) and
// starts the writer unless it runs.
func (a *auditAnchor) appended(s *Store, seq int64) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending = max(a.pending, seq)
	if a.running || a.closed || (a.err != nil && time.Since(a.failedAt) < anchorRetry) {
		return
	}
	a.running = true
	go s.runAnchor()
}

// runAnchor writes the committed head until it has caught up with what was appended.
func (s *Store) runAnchor() {
	a := s.anchor
	var target int64
	tries := 0
	for {
		a.mu.Lock()
		if a.pending != target {
			target, tries = a.pending, 0
		}
		if a.closed || target <= a.anchored.Seq || tries >= anchorTries || (tries > 0 && a.err != nil) {
			a.running = false
			a.mu.Unlock()
			return
		}
		wait := max(anchorEvery-time.Since(a.wroteAt), anchorSettle)
		a.mu.Unlock()
		time.Sleep(wait)
		a.mu.Lock()
		if a.closed { // Close anchors by itself
			a.running = false
			a.mu.Unlock()
			return
		}
		a.wroteAt = time.Now()
		a.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		h, err := s.advanceAnchor(ctx)
		cancel()
		if err != nil || h.Seq < target { // failed, or not committed yet
			tries++
		}
	}
}

// advanceAnchor writes the database's committed head to the anchor if it is further along,
// and returns that head.
func (s *Store) advanceAnchor(ctx context.Context) (audit.Head, error) {
	a := s.anchor
	a.mu.Lock()
	meta := a.meta
	a.mu.Unlock()
	if meta.chain == "" {
		m, err := s.auditMeta(ctx)
		if err != nil {
			return audit.Head{}, a.failed(fmt.Errorf("读取审计日志元数据：%w", err))
		}
		if m.chain == "" || m.keyedFrom == 0 {
			return audit.Head{}, a.failed(errors.New("数据库中缺少审计链的元数据（audit_chain、audit_keyed_from）：锚点不再前移，请执行 guanai audit verify"))
		}
		meta = m
		a.mu.Lock()
		a.meta = m
		a.mu.Unlock()
	}
	h := audit.Head{Chain: meta.chain, KeyedFrom: meta.keyedFrom, At: s.instant()}
	err := s.queryRow(ctx, "SELECT seq, hash, key_id FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&h.Seq, &h.Hash, &h.KeyID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && h.KeyID == "") {
		return h, nil // nothing keyed to anchor yet
	}
	if err != nil {
		return h, a.failed(fmt.Errorf("读取审计日志末条：%w", err))
	}
	created := false
	anchored, moved, err := a.file.Advance(h, func(old audit.Head, exists bool) error {
		if !exists {
			created = true
			return s.anchorMayCreate(ctx)
		}
		return s.anchorFollows(ctx, old, h)
	})
	if err != nil {
		if anchored.Seq > 0 {
			a.mu.Lock()
			a.anchored = anchored
			a.mu.Unlock()
		}
		return h, a.failed(err)
	}
	if !moved && anchored.Seq > h.Seq {
		// The anchor is ahead of the head just read: another process appended meanwhile, or the
		// database lost its last entries. The anchored entry tells which.
		a.mu.Lock()
		a.anchored = anchored
		a.mu.Unlock()
		if err := s.anchorFollows(ctx, anchored, audit.Head{Chain: h.Chain, KeyedFrom: h.KeyedFrom}); err != nil {
			return h, a.failed(err)
		}
	}
	if moved && created {
		if _, err := s.write.ExecContext(ctx, s.d.bind("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"),
			"audit_anchored", a.file.Path()); err != nil {
			return h, a.failed(fmt.Errorf("记录审计锚点：%w", err))
		}
	}
	a.mu.Lock()
	if anchored.Seq > a.anchored.Seq {
		a.anchored = anchored
	}
	a.err = nil
	a.mu.Unlock()
	return h, nil
}

func (a *auditAnchor) failed(err error) error {
	a.mu.Lock()
	a.err, a.failedAt = err, time.Now()
	a.mu.Unlock()
	return err
}

// anchorMayCreate allows the first anchor of a database, and refuses to make a new one when the
// database records that one was written: an anchor file that has disappeared is not replaced
// silently, since deleting it is how one would hide entries removed from the end.
func (s *Store) anchorMayCreate(ctx context.Context) error {
	m, err := s.auditMeta(ctx)
	if err != nil {
		return fmt.Errorf("读取审计日志元数据：%w", err)
	}
	if m.anchored != "" {
		return fmt.Errorf("库外锚点文件 %s 不存在，而数据库记录它已写过（%s）：不自动重建；请执行 guanai audit verify，核实后执行 guanai audit reanchor", s.anchor.file.Path(), m.anchored)
	}
	return nil
}

// anchorFollows allows the anchor to move from old to h only along the same chain: the same
// database, and the anchored entry still in it with the anchored hash. Otherwise the database's
// chain was cut or replaced since the anchor was written, and the anchor keeps the evidence.
func (s *Store) anchorFollows(ctx context.Context, old, h audit.Head) error {
	if old.Chain != h.Chain {
		return fmt.Errorf("库外锚点 %s 属于另一个数据库（链 %s，本库为 %s）：不覆盖", s.anchor.file.Path(), old.Chain, h.Chain)
	}
	var hash string
	err := s.queryRow(ctx, "SELECT hash FROM audit_log WHERE seq = ?", old.Seq).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && hash != old.Hash) || old.KeyedFrom != h.KeyedFrom {
		return fmt.Errorf("数据库中的审计日志与库外锚点（第 %d 条）不符：日志被截断或重写，锚点不再前移；请执行 guanai audit verify", old.Seq)
	}
	return err
}

// AuditAnchor brings the anchor outside the database up to the committed head of the chain and
// returns the head it holds; the error says why it cannot move (the database disagrees with
// it: entries cut or rewritten, or it is missing). The server calls it once a minute and at
// shutdown and logs the head, a second record outside the database, so that a database cut
// below the anchor is reported within a minute even when nobody appends. A store without an
// anchor returns the zero head.
func (s *Store) AuditAnchor(ctx context.Context) (audit.Head, error) {
	if err := wholeOnly(ctx, "只有系统任务可以推进审计锚点"); err != nil {
		return audit.Head{}, err
	}
	a := s.anchor
	if a == nil {
		return audit.Head{}, nil
	}
	_, err := s.advanceAnchor(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.anchored, err
}

// closeAnchor stops the writer and anchors what this process appended, so that the command
// line, which appends an entry or two and exits, leaves the anchor at its last entry.
func (s *Store) closeAnchor() {
	a := s.anchor
	if a == nil {
		return
	}
	a.mu.Lock()
	a.closed = true
	behind := a.pending > a.anchored.Seq
	a.mu.Unlock()
	if behind {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = s.advanceAnchor(ctx) // an anchor that cannot move is verify's to report
	}
}

// ReanchorAudit writes the anchor anew at the database's head, after checking that the chain
// itself is whole: for an anchor that was lost or cannot be read (a new host, a key file
// restored without it), after the operator has checked why. An anchor that disagrees with the
// database (entries missing at the end, the chain rewritten) is not replaced: the evidence
// stays until the operator moves the file away deliberately. The new anchoring is audited, with
// what the old anchor said. It returns the new head.
func (s *Store) ReanchorAudit(ctx context.Context) (audit.Head, error) {
	if err := wholeOnly(ctx, "只有服务器上的操作员可以重建审计锚点"); err != nil {
		return audit.Head{}, err
	}
	if s.anchor == nil {
		return audit.Head{}, errInvalid("没有配置库外锚点")
	}
	res, err := s.VerifyAudit(ctx)
	var brk *audit.Break
	if err != nil && (!errors.As(err, &brk) || (brk.Kind != audit.AnchorMissing && brk.Kind != audit.AnchorInvalid)) {
		return audit.Head{}, err
	}
	detail := map[string]any{"anchor": "missing"}
	if brk != nil && brk.Kind == audit.AnchorInvalid {
		detail["anchor"] = "invalid"
	}
	if err == nil {
		detail["anchor"] = "none"
		if res.Anchor != nil {
			detail["anchor"], detail["old_seq"], detail["old_hash"] = "ok", res.Anchor.Seq, res.Anchor.Hash
		}
	}
	if err := s.Audit(ctx, audit.AuditReanchor, "", detail); err != nil {
		return audit.Head{}, err
	}
	meta, err := s.auditMeta(ctx)
	if err != nil {
		return audit.Head{}, internal("读取审计日志元数据", err)
	}
	h := audit.Head{Chain: meta.chain, KeyedFrom: meta.keyedFrom, At: s.instant()}
	if err := s.queryRow(ctx, "SELECT seq, hash, key_id FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&h.Seq, &h.Hash, &h.KeyID); err != nil {
		return audit.Head{}, internal("读取审计日志末条", err)
	}
	if err := s.anchor.file.Replace(h); err != nil {
		return audit.Head{}, internal("写审计锚点", err)
	}
	if _, err := s.write.ExecContext(ctx, s.d.bind("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"),
		"audit_anchored", s.anchor.file.Path()); err != nil {
		return audit.Head{}, internal("记录审计锚点", err)
	}
	s.anchor.mu.Lock()
	s.anchor.anchored, s.anchor.err, s.anchor.meta = h, nil, meta
	s.anchor.mu.Unlock()
	return h, nil
}
