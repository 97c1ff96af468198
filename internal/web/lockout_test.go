package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/store"
)

// signIn posts a login from the client address addr and decodes the answer.
func (e *testEnv) signIn(t *testing.T, addr string, body map[string]string) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("login answer: %v\n%s", err, rec.Body)
	}
	return rec.Code, out
}

// setUser changes an account as an administrator would (guanai user …).
func (e *testEnv) setUser(t *testing.T, name string, change func(u *auth.User)) {
	t.Helper()
	ctx := opCtx()
	u, err := e.st.UserByName(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	change(u)
	if err := e.st.UpdateUser(ctx, u, store.Event{Action: audit.UserUpdate, Object: "user:" + name}); err != nil {
		t.Fatal(err)
	}
}

// TestLockoutAnswersAlike: an unknown name, a disabled account and a held (locked) account get
// the answer of a wrong password — status, code and message — whatever the password: none tells
// that the name exists.
func TestLockoutAnswersAlike(t *testing.T) {
	e := newTestEnv(t)
	col := e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false)
	dis := e.addUser(t, "dis", auth.RoleCollector, "minzheng", "150302003012", false)
	held := e.addUser(t, "held", auth.RoleCollector, "minzheng", "150302003012", false)
	e.setUser(t, "dis", func(u *auth.User) { u.Disabled = true })
	e.setUser(t, "held", func(u *auth.User) { u.FailedLogins, u.LockedUntil = 12, e.clock.Now().Add(5*time.Minute) })
	_, want := e.signIn(t, "192.0.2.1", map[string]string{"username": "nobody", "password": "Wrong-password-1"})
	tests := []struct {
		name, username, password string
	}{
		{"unknown name", "nobody", "Wrong-password-1"},
		{"wrong password", "col", "Wrong-password-1"},
		{"disabled, right password", "dis", dis.Password},
		{"disabled, wrong password", "dis", "Wrong-password-1"},
		{"locked, right password", "held", held.Password},
		{"locked, wrong password", "held", "Wrong-password-1"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := e.signIn(t, fmt.Sprintf("192.0.2.%d", 10+i), map[string]string{"username": tt.username, "password": tt.password})
			if status != 401 || errCode(out) != errCode(want) || errMessage(out) != errMessage(want) {
				t.Errorf("got %d %q %q, want 401 %q %q", status, errCode(out), errMessage(out), errCode(want), errMessage(want))
			}
		})
	}
	e.checkLog(t, col.Password, dis.Password, held.Password)
}

// TestLockoutCannotKeepOwnerOut: failures from many addresses by someone who knows an
// administrator's name hold the account back briefly (capped) from other addresses only; the
// owner signs in from the address used before, and from a new one once the short hold is over.
// Every failure and every hold is in the audit trail; an administrator's unlock ends a hold.
func TestLockoutCannotKeepOwnerOut(t *testing.T) {
	e := newTestEnv(t)
	admin := e.addUser(t, "admin", auth.RoleSysAdmin, "minzheng", "1503", false)
	right := func() map[string]string {
		return map[string]string{"username": "admin", "password": admin.Password, "totp": e.code(t, admin)}
	}
	// The owner's office: signed in from there before.
	if status, out := e.signIn(t, "192.0.2.7", right()); status != 200 {
		t.Fatalf("first sign-in: %d %v", status, out)
	}
	attempts := 0
	attack := func(n int) {
		t.Helper()
		for range n {
			attempts++
			addr := fmt.Sprintf("198.51.%d.%d", attempts/200, attempts%200+1)
			if status, out := e.signIn(t, addr, map[string]string{"username": "admin", "password": fmt.Sprintf("Guess-%d-x", attempts)}); status != 401 {
				t.Fatalf("attack %d: %d %v", attempts, status, out)
			}
		}
	}
	maxHold := auth.DefaultPolicy().MaxLockFor
	checkHold := func(when string) {
		t.Helper()
		u, err := e.st.UserByName(opCtx(), "admin")
		if err != nil {
			t.Fatal(err)
		}
		if hold := u.LockedUntil.Sub(e.clock.Now()); hold > maxHold {
			t.Errorf("%s: held for %v, more than %v", when, hold, maxHold)
		}
	}
	tests := []struct {
		name   string
		before func()
		addr   string
		status int
	}{
		{name: "owner at the office during an attack", before: func() { attack(60); checkHold("after 60 guesses") }, addr: "192.0.2.7", status: 200},
		{name: "owner elsewhere during the attack", before: func() { e.clock.Add(30 * time.Second); attack(30) }, addr: "203.0.113.9", status: 401},
		{name: "owner elsewhere after the hold", before: func() { e.clock.Add(maxHold) }, addr: "203.0.113.9", status: 200},
		{name: "owner elsewhere after a long attack", before: func() {
			for range 12 {
				e.clock.Add(maxHold)
				attack(3)
				checkHold("during a long attack")
			}
			e.clock.Add(maxHold)
		}, addr: "203.0.113.10", status: 200},
		{name: "after an administrator's unlock", before: func() {
			attack(20)
			e.setUser(t, "admin", func(u *auth.User) { u.FailedLogins, u.LockedUntil = 0, time.Time{} })
		}, addr: "203.0.113.11", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.before()
			e.clock.Add(30 * time.Second) // a fresh TOTP step
			status, out := e.signIn(t, tt.addr, right())
			if status != tt.status {
				t.Errorf("got %d %v, want %d", status, out, tt.status)
			}
		})
	}
	// Every attempt of the attack is a failure in the audit trail, the holds with their end.
	page, err := e.st.AuditEntries(opCtx(), store.AuditQuery{Action: audit.LoginFailure, Object: "user:admin", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for _, it := range page.Items {
		if strings.Contains(string(it.Detail), "locked_until") {
			held++
		}
	}
	if page.Total != attempts+1 || held == 0 { // + the owner's attempt refused elsewhere
		t.Errorf("audited failures: %d (%d with a hold), want %d with holds", page.Total, held, attempts+1)
	}
}

// TestLoginThrottlePerAddress: one address gets five tries at one name, then one every five
// minutes, whether or not the name exists; the account itself is not held, and its owner signs
// in from elsewhere.
func TestLoginThrottlePerAddress(t *testing.T) {
	e := newTestEnv(t)
	col := e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false)
	tests := []struct {
		name, username, password, addr string
		wait                           time.Duration
		status                         int
	}{
		{"five wrong passwords", "col", "Wrong-password-1", "192.0.2.50", 0, 401},
		{"then even the right one is not tried", "col", col.Password, "192.0.2.50", 0, 429},
		{"the same for an unknown name", "nobody", "Wrong-password-1", "192.0.2.51", 0, 401},
		{"an unknown name then", "nobody", "Wrong-password-1", "192.0.2.51", 0, 429},
		{"the owner from elsewhere", "col", col.Password, "192.0.2.52", 0, 200},
		{"one more try five minutes later", "col", col.Password, "192.0.2.50", 5 * time.Minute, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Add(tt.wait)
			n := 1
			if tt.status == 401 {
				n = 5
			}
			for i := range n {
				status, out := e.signIn(t, tt.addr, map[string]string{"username": tt.username, "password": tt.password})
				if status != tt.status {
					t.Fatalf("attempt %d: got %d %v, want %d", i+1, status, out, tt.status)
				}
			}
		})
	}
}

// gate holds sign-ins in the store until n of them are there at once (or were refused before),
// then lets them check their passwords two at a time (argon2 takes 19 MiB each).
type gate struct {
	mu   sync.Mutex
	cond *sync.Cond
	left int
	sem  chan struct{}
}

func newGate(n int) *gate {
	g := &gate{left: n, sem: make(chan struct{}, 2)}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// pass counts one sign-in as there (or refused) and waits for the others.
func (g *gate) pass() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.left--; g.left <= 0 {
		g.cond.Broadcast()
	}
	for g.left > 0 {
		g.cond.Wait()
	}
}

// gatedAccounts is the store behind a gate.
type gatedAccounts struct {
	Accounts
	g *gate
}

func (a gatedAccounts) UserByName(ctx context.Context, name string) (*auth.User, error) {
	a.g.pass()
	a.g.sem <- struct{}{}
	return a.Accounts.UserByName(ctx, name)
}

func (a gatedAccounts) done() {
	select {
	case <-a.g.sem:
	default:
	}
}

func (a gatedAccounts) StartSession(ctx context.Context, u *auth.User, sess *auth.Session, detail any) error {
	a.done()
	return a.Accounts.StartSession(ctx, u, sess, detail)
}

func (a gatedAccounts) UpdateUser(ctx context.Context, u *auth.User, ev store.Event) error {
	a.done()
	return a.Accounts.UpdateUser(ctx, u, ev)
}

func (a gatedAccounts) Audit(ctx context.Context, action, object string, detail any) error {
	a.done()
	return a.Accounts.Audit(ctx, action, object, detail)
}

// together sends the sign-ins at the same moment from one address, all of them inside the
// store at once, and returns their statuses.
func (e *testEnv) together(t *testing.T, addr string, bodies []map[string]string) []int {
	t.Helper()
	g := newGate(len(bodies))
	e.srv.Accounts = gatedAccounts{Accounts: e.st, g: g}
	defer func() { e.srv.Accounts = e.st }()
	statuses := make([]int, len(bodies))
	var wg sync.WaitGroup
	for i, b := range bodies {
		wg.Go(func() {
			status, _ := e.signIn(t, addr, b)
			if status == 429 { // refused before the store
				g.pass()
			}
			statuses[i] = status
		})
	}
	wg.Wait()
	return statuses
}

// TestOfficeSignsInTogether: twenty colleagues behind one office address sign in at the same
// moment and all get in; twenty wrong passwords from one address are throttled, one after the
// other and at the same moment.
func TestOfficeSignsInTogether(t *testing.T) {
	e := newTestEnv(t)
	var office []map[string]string
	for i := range 20 {
		u := e.addUser(t, fmt.Sprintf("col%02d", i), auth.RoleCollector, "minzheng", "150302003012", false)
		office = append(office, map[string]string{"username": u.Username, "password": u.Password})
	}
	count := func(statuses []int, status int) int {
		n := 0
		for _, s := range statuses {
			if s == status {
				n++
			}
		}
		return n
	}
	t.Run("twenty colleagues at once", func(t *testing.T) {
		if got := e.together(t, "192.0.2.80", office); count(got, 200) != 20 {
			t.Errorf("statuses %v: want 20 × 200", got)
		}
	})
	t.Run("twenty colleagues again within the minute", func(t *testing.T) {
		e.clock.Add(30 * time.Second)
		if got := e.together(t, "192.0.2.80", office); count(got, 200) != 20 {
			t.Errorf("statuses %v: want 20 × 200", got)
		}
	})
	wrong := func(i int) map[string]string {
		return map[string]string{"username": fmt.Sprintf("col%02d", i), "password": "Wrong-password-1"}
	}
	t.Run("twenty wrong passwords one after the other", func(t *testing.T) {
		var got []int
		for i := range 20 {
			status, _ := e.signIn(t, "192.0.2.81", wrong(i))
			got = append(got, status)
		}
		if count(got, 401) != 10 || count(got, 429) != 10 {
			t.Errorf("statuses %v: want 10 × 401, then 10 × 429", got)
		}
	})
	t.Run("twenty wrong passwords at once", func(t *testing.T) {
		var bodies []map[string]string
		for i := range 20 {
			bodies = append(bodies, wrong(i))
		}
		e.together(t, "192.0.2.82", bodies)
		// They are paid for afterwards: a minute later the address is still refused.
		e.clock.Add(time.Minute)
		if status, out := e.signIn(t, "192.0.2.82", wrong(0)); status != 429 {
			t.Errorf("after twenty failures at once and a minute: %d %v, want 429", status, out)
		}
	})
}
