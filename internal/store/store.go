// Package store keeps the registry of children in SQLite (district machines, embedded, pure Go)
// or PostgreSQL (cities): migrations embedded in the binary, hand-written SQL on database/sql,
// every record encrypted as a whole (SM4-GCM, package seal) with only the non-personal items
// that search and statistics need in plain columns, blind indexes (HMAC-SM3) for exact look-ups
// by ID number and name, every version kept, every workflow transition and every imported row
// recorded. See docs/storage.md for the schema and the reasons behind it.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"guanai/internal/audit"
	"guanai/internal/child"
	"guanai/internal/rules"
	"guanai/internal/seal"
)

// Options configure a Store.
type Options struct {
	// Keyring seals the records and computes the blind indexes. Required.
	Keyring *seal.Keyring
	// Now returns the current instant; "today" is its date in China (UTC+8). Default time.Now.
	Now func() time.Time
	// Rules is the classification configuration; the zero value means rules.DefaultConfig().
	Rules rules.Config
	// Readers is the size of SQLite's read-only connection pool; default 4 × CPUs, at least 8.
	Readers int
	// AuditAnchor is the file outside the database that records the head of the audit chain
	// (audit.AnchorPath of the key file; docs/security.md). "" for none, in tests: the command
	// line always sets it.
	AuditAnchor string
	// VisitMonths is the key-care ledger's visit frequency by risk level (high, elevated,
	// general, and "first" for an entry not yet assessed); nil or a missing level: DefaultVisitMonths.
	VisitMonths map[string]int
}

// Store is the registry on one database. It is safe for concurrent use.
type Store struct {
	d     *dialect
	write *sql.DB // SQLite: the single writer connection; PostgreSQL: the pool
	read  *sql.DB // SQLite: read-only pool; PostgreSQL: the same pool as write
	keys  *seal.Keyring
	now   func() time.Time
	rules rules.Config
	// ruleConfig fingerprints rules.Version and the configuration, so that Reclassify can find
	// records classified under other rules.
	ruleConfig string
	path       string // SQLite database file, "" for memory and PostgreSQL
	url        string // the database's URL (pg_dump of a PostgreSQL database)

	inserts    insertSQL
	updateOnce sync.Once
	updateSQL  string

	// broadAt is broadFilter; tests lower it.
	broadAt int
	// tracer, when set (by benchmarks), receives the duration of the steps of an import.
	tracer func(step string, d time.Duration)
	// anchor writes the head of the audit chain outside the database; nil for none (audit.go).
	anchor *auditAnchor
	// factsComplete: every child has its child_facts row (facts.go); it stays true once seen.
	factsComplete atomic.Bool
	// visitMonths is Options.VisitMonths (ledger.go).
	visitMonths map[string]int
}

func (s *Store) trace(step string, since time.Time) {
	if s.tracer != nil {
		s.tracer(step, time.Since(since))
	}
}

// chinaTime is China Standard Time (no daylight saving): a day in Wuhai.
var chinaTime = time.FixedZone("CST", 8*3600)

// DefaultURL is the database used when neither --db nor GUANAI_DB names one (CONTRACT.md).
const DefaultURL = "sqlite://./data/guanai.db"

// Open connects to the database named by url, creates or migrates its schema and checks that
// the keyring is the one the database was sealed with.
//
// URLs: sqlite://./relative/path.db, sqlite:///absolute/path.db, sqlite::memory: or
// sqlite://:memory: (a private in-memory database, one connection), postgres://… or
// postgresql://… (any connection string pgx accepts).
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	if opt.Keyring == nil {
		return nil, errors.New("store: open: Options.Keyring is required")
	}
	s := &Store{keys: opt.Keyring, now: opt.Now, rules: opt.Rules, url: url, visitMonths: opt.VisitMonths}
	if opt.AuditAnchor != "" {
		s.anchor = &auditAnchor{file: audit.NewAnchor(opt.AuditAnchor, opt.Keyring)}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rules.AgeLimit == 0 && s.rules.MigrantMonths == 0 && s.rules.LeftBehindMonths == 0 {
		s.rules = rules.DefaultConfig()
	}
	if err := s.rules.Validate(); err != nil {
		return nil, fmt.Errorf("store: open: rules: %w", err)
	}
	s.ruleConfig = ruleFingerprint(&s.rules)

	var err error
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		err = s.openPostgres(url)
	case strings.HasPrefix(url, "sqlite:"):
		err = s.openSQLite(strings.TrimPrefix(url, "sqlite:"), opt.Readers)
	default:
		return nil, fmt.Errorf("store: open: unknown database URL %q (want sqlite://… or postgres://…)", redactURL(url))
	}
	if err != nil {
		return nil, err
	}
	if err := s.write.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open %s: %w", redactURL(url), err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.checkKeyring(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openPostgres(url string) error {
	s.d = newDialect(true)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("store: open postgres %s: %w", redactURL(url), err)
	}
	// Plan every statement for its own values (unnamed statements, described then executed):
	// how many children a division code or a status selects varies by orders of magnitude (a
	// district holds most of a city's children), and a cached generic plan made while a table
	// was small keeps its sequential scans as the table grows. (The server's own plans, such
	// as those of the foreign-key checks, stay cached.)
	cfg.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(max(16, 4*runtime.NumCPU()))
	db.SetMaxIdleConns(max(16, 4*runtime.NumCPU()))
	db.SetConnMaxIdleTime(5 * time.Minute)
	s.write, s.read = db, db
	return nil
}

// sqlitePragmas set every connection up: busy_timeout first (the driver applies it before the
// others), so that no later statement fails with SQLITE_BUSY while another process writes; WAL,
// so that readers never block the writer; foreign keys on; synchronous NORMAL (durable in WAL at
// every checkpoint, safe against corruption).
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

func (s *Store) openSQLite(path string, readers int) error {
	s.d = newDialect(false)
	path = strings.TrimPrefix(path, "//")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == ":memory:" || path == "" {
		// One private in-memory database: one connection serves reads and writes.
		db, err := sql.Open("sqlite", "file::memory:?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
		if err != nil {
			return fmt.Errorf("store: open sqlite memory: %w", err)
		}
		db.SetMaxOpenConns(1)
		db.SetConnMaxIdleTime(0)
		db.SetConnMaxLifetime(0)
		s.write, s.read = db, db
		return nil
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("store: create database directory: %w", err)
		}
	}
	s.path = path
	if err := privateFiles(path); err != nil {
		return err
	}
	// The writer takes the write lock at BEGIN (immediate), so that a transaction that reads
	// and then writes never fails half-way with SQLITE_BUSY because another process wrote.
	// temp_store MEMORY keeps the statement journals of multi-row statements off the disk.
	w, err := sql.Open("sqlite", "file:"+path+"?"+sqlitePragmas+"&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(8192)&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	// Make the file and switch it to WAL before the readers open it.
	if err := w.Ping(); err != nil {
		w.Close()
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	if readers <= 0 {
		readers = max(8, 4*runtime.NumCPU())
	}
	r, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=cache_size(-32768)&_pragma=mmap_size(2147418112)")
	if err != nil {
		w.Close()
		return fmt.Errorf("store: open sqlite readers %s: %w", path, err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	r.SetConnMaxIdleTime(0)
	s.write, s.read = w, r
	return nil
}

// privateFiles makes the database file readable by its owner only (0600) before the driver
// opens it: SQLite creates the -wal and -shm files with the mode of the database file, so they
// follow. An existing database (and its -wal and -shm) made with a wider mode is narrowed.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return fmt.Errorf("store: create sqlite %s: %w", path, err)
		}
	case !errors.Is(err, os.ErrExist):
		return fmt.Errorf("store: create sqlite %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: open sqlite %s: %w", path, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("store: make %s private: %w", p, err)
			}
		}
	}
	return nil
}

// redactURL hides a password in a connection URL for messages.
func redactURL(u string) string {
	at := strings.LastIndexByte(u, '@')
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	userinfo := u[scheme+3 : at]
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		return u[:scheme+3] + userinfo[:i] + ":***" + u[at:]
	}
	return u
}

// Close brings the audit anchor up to the entries this process appended, optimises SQLite's
// query-planner statistics and closes the connections.
func (s *Store) Close() error {
	s.closeAnchor()
	var errs []error
	if s.write != nil {
		if !s.d.postgres && s.path != "" {
			_, _ = s.write.Exec("PRAGMA optimize")
		}
		errs = append(errs, s.write.Close())
	}
	if s.read != nil && s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	return errors.Join(errs...)
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return internal("连接数据库", err)
	}
	return nil
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// Today returns the current date in China.
func (s *Store) Today() child.Date { return child.DateOf(s.now().In(chinaTime)) }

// instant returns the current instant at the precision the database keeps (milliseconds).
func (s *Store) instant() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// checkKeyring records the keyring's id in a new database and refuses a database sealed under
// another key file: opening it would fail record by record, and new records would be sealed
// under a key the old ones do not share.
func (s *Store) checkKeyring(ctx context.Context) error {
	id := s.keys.ID()
	var have string
	err := s.write.QueryRowContext(ctx, s.d.bind("SELECT value FROM meta WHERE key = ?"), "keyring_id").Scan(&have)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = s.write.ExecContext(ctx, s.d.bind("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"), "keyring_id", id)
		if err != nil {
			return fmt.Errorf("store: record keyring id: %w", err)
		}
		return s.checkKeyring(ctx)
	case err != nil:
		return fmt.Errorf("store: read keyring id: %w", err)
	case have != id:
		return fmt.Errorf("store: 密钥文件与数据库不匹配：数据库由密钥文件 %s 加密，当前密钥文件为 %s；请使用原密钥文件（见 docs/keys.md）", have, id)
	}
	return nil
}

// tx is a write transaction with the dialect's placeholders.
type tx struct {
	*sql.Tx
	ctx  context.Context
	d    *dialect
	conn *sql.Conn // PostgreSQL: the connection of the transaction, for COPY
	// stmts keeps the statements prepared in this transaction (the multi-row inserts of an
	// import chunk); the transaction closes them when it ends.
	stmts map[string]*sql.Stmt
}

// prepared returns q prepared in the transaction, once.
func (t *tx) prepared(q string) (*sql.Stmt, error) {
	if st, ok := t.stmts[q]; ok {
		return st, nil
	}
	st, err := t.Tx.PrepareContext(t.ctx, q)
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = make(map[string]*sql.Stmt)
	}
	t.stmts[q] = st
	return st, nil
}

func (t *tx) exec(q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(t.ctx, t.d.bind(q), args...)
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(t.ctx, t.d.bind(q), args...)
}

func (t *tx) queryRow(q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(t.ctx, t.d.bind(q), args...)
}

// copyFrom loads rows into table with PostgreSQL's COPY, inside the transaction.
func (t *tx) copyFrom(table string, cols []string, rows [][]any) error {
	if t.conn == nil {
		return fmt.Errorf("copy into %s: not a PostgreSQL transaction", table)
	}
	return t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: driver connection is %T", table, dc)
		}
		n, err := c.Conn().CopyFrom(t.ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		if err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
		if int(n) != len(rows) {
			return fmt.Errorf("copy into %s: %d of %d rows", table, n, len(rows))
		}
		return nil
	})
}

// inTx runs fn in one write transaction, committed when fn returns nil and rolled back
// otherwise. Store errors pass through; other errors become internal errors naming what.
func (s *Store) inTx(ctx context.Context, what string, fn func(t *tx) error) error {
	t := &tx{ctx: ctx, d: s.d}
	var err error
	if s.d.postgres {
		// On a connection of its own, so that COPY can run inside the transaction.
		if t.conn, err = s.write.Conn(ctx); err != nil {
			return internal(what, err)
		}
		defer t.conn.Close()
		t.Tx, err = t.conn.BeginTx(ctx, nil)
	} else {
		t.Tx, err = s.write.BeginTx(ctx, nil)
	}
	if err != nil {
		return internal(what, err)
	}
	sqlTx := t.Tx
	if err := fn(t); err != nil {
		_ = sqlTx.Rollback()
		return internal(what, err)
	}
	t0 := time.Now()
	if err := sqlTx.Commit(); err != nil {
		return internal(what, err)
	}
	s.trace("commit", t0)
	return nil
}

// query runs a read-only query on the reader pool.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.read.QueryContext(ctx, s.d.bind(q), args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.read.QueryRowContext(ctx, s.d.bind(q), args...)
}
