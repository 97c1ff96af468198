package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/seal"
)

// The storage tests run on SQLite always and on PostgreSQL when GUANAI_TEST_PG holds a URL of a
// server where the user may create databases. Each run creates its own database
// guanai_test_<random> there and drops it at the end, so that parallel runs do not collide; each
// test gets its own schema in it.

var pg struct {
	admin string // GUANAI_TEST_PG
	url   string // the run's database
	name  string
	n     atomic.Int64
}

func TestMain(m *testing.M) {
	code := func() int {
		if u := os.Getenv("GUANAI_TEST_PG"); u != "" {
			if err := createTestDatabase(u); err != nil {
				fmt.Fprintln(os.Stderr, "store tests: PostgreSQL:", err)
				return 1
			}
			defer dropTestDatabase()
		}
		return m.Run()
	}()
	os.Exit(code)
}

func createTestDatabase(admin string) error {
	var b [6]byte
	rand.Read(b[:])
	pg.admin, pg.name = admin, "guanai_test_"+hex.EncodeToString(b[:])
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + pg.name); err != nil {
		return err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return err
	}
	u.Path = "/" + pg.name
	pg.url = u.String()
	return nil
}

func dropTestDatabase() {
	db, err := sql.Open("pgx", pg.admin)
	if err != nil {
		return
	}
	defer db.Close()
	if _, err := db.Exec("DROP DATABASE IF EXISTS " + pg.name + " WITH (FORCE)"); err != nil {
		fmt.Fprintln(os.Stderr, "store tests: drop", pg.name, ":", err)
	}
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond) // every write gets its own instant
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// testDay is "today" in the tests: 2025-06-30 in China.
var testDay = child.NewDate(2025, 6, 30)

func noonOf(d child.Date) time.Time {
	return time.Date(d.Year(), time.Month(d.Month()), d.Day(), 12, 0, 0, 0, chinaTime)
}

// env is one test's store.
type env struct {
	*Store
	keys  *seal.Keyring
	clock *clock
	url   string
	dir   string
	// gateFixture is what TestObjectPermissions works on (gate_test.go).
	gateFixture gateFixture
}

// backend opens a fresh store.
type backend struct {
	name string
	open func(t *testing.T) *env
}

func backends() []backend {
	bs := []backend{{"sqlite", openSQLiteEnv}}
	if pg.url != "" {
		bs = append(bs, backend{"postgres", openPostgresEnv})
	}
	return bs
}

// each runs f as a subtest on every backend.
func each(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			f(t, b.open(t))
		})
	}
}

func newKeyring(t testing.TB, dir string) *seal.Keyring {
	k, _, err := seal.OpenOrCreate(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openEnv(t testing.TB, u, dir string) *env {
	t.Helper()
	e := &env{keys: newKeyring(t, dir), clock: &clock{t: noonOf(testDay)}, url: u, dir: dir}
	s, err := Open(opCtx(), u, Options{Keyring: e.keys, Now: e.clock.Now})
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	t.Cleanup(func() { s.Close() })
	e.Store = s
	return e
}

func openSQLiteEnv(t *testing.T) *env {
	dir := t.TempDir()
	return openEnv(t, "sqlite://"+filepath.Join(dir, "data", "guanai.db"), dir)
}

// openPostgresEnv gives the test a schema of its own in the run's database.
func openPostgresEnv(t *testing.T) *env {
	schema := fmt.Sprintf("t%d_%s", pg.n.Add(1), strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name())))
	if len(schema) > 60 {
		schema = schema[:60]
	}
	db, err := sql.Open("pgx", pg.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA "` + schema + `"`); err != nil {
		t.Fatal(err)
	}
	return openEnv(t, schemaURL(schema), t.TempDir())
}

func schemaURL(schema string) string {
	sep := "?"
	if strings.Contains(pg.url, "?") {
		sep = "&"
	}
	return pg.url + sep + "search_path=" + url.QueryEscape(schema)
}

// demoChildren returns n synthetic children, valid as of testDay.
func demoChildren(seed uint64, n int) []child.Record {
	g := demo.New(seed, testDay)
	out := make([]child.Record, n)
	for i := range out {
		out[i] = g.Child()
	}
	return out
}

func mustCreate(t *testing.T, e *env, r child.Record) *Child {
	t.Helper()
	c, err := e.Create(as("collector1"), "collector1", r, Source{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return c
}

func errCode(err error) string { return ErrorCode(err) }

func openAdmin() (*sql.DB, error) { return sql.Open("pgx", pg.url) }

// opCtx is the context of the command line's operator: the whole database, audited as
// cli:test. Store methods refuse a context without a principal.
func opCtx() context.Context {
	return auth.WithPrincipal(context.Background(), auth.Operator("test"))
}
