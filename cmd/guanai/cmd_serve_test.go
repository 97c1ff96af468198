package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"guanai/internal/auth"
)

// TestServeEndToEnd starts the real binary on a free port with demo data, reads the demo users
// it prints once, logs in (a collector with a password, a reviewer with a TOTP code), reads and
// writes through the API and stops it with SIGINT.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "serve", "--db", "sqlite://"+filepath.Join(dir, "g.db"), "--addr", "127.0.0.1:0", "--demo", "--demo-size", "200")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout = &syncWriter{w: &stdout}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr := make(chan string, 1)
	var log strings.Builder
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		re := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case <-time.After(90 * time.Second):
		t.Fatalf("server did not start:\n%s", log.String())
	}
	// Standard output is copied by another goroutine than standard error: wait for all nine
	// demo users (printed before the server listens).
	users := map[string][]string{}
	for deadline := time.Now().Add(30 * time.Second); len(users) < 9 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, line := range strings.Split(cmd.Stdout.(*syncWriter).String(), "\n") {
			f := strings.Split(line, "\t")
			if len(f) == 6 && f[0] == "demo-user" {
				users[f[1]] = f
			}
		}
	}
	for _, name := range []string{"collector", "collector2", "reviewer", "officer", "statistician", "oversight", "sysadmin", "secadmin", "auditor"} {
		u, ok := users[name]
		if !ok {
			t.Fatalf("demo user %s not printed; stdout:\n%s", name, cmd.Stdout.(*syncWriter).String())
		}
		if strings.HasPrefix(name, "collector") != (u[3] == "-") {
			t.Errorf("demo user %s: TOTP secret %q (village collectors have none, everyone else has one)", name, u[3])
		}
	}

	collector := login(t, base, users["collector"][1], users["collector"][2], "")
	code, err := auth.TOTPCode(users["reviewer"][3], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	reviewer := login(t, base, users["reviewer"][1], users["reviewer"][2], code)

	if status, _ := collector.call(t, "GET", "/healthz", ""); status != 200 {
		t.Fatalf("healthz %d", status)
	}
	status, page := reviewer.call(t, "GET", "/api/v1/children?limit=5&region=150302&region_of=either", "")
	if status != 200 || page["total"].(float64) == 0 {
		t.Fatalf("children: %d %v", status, page)
	}
	item := page["items"].([]any)[0].(map[string]any)
	if id := item["id_number"].(string); !strings.Contains(id, "********") || item["synthetic"] != true {
		t.Errorf("list item not masked or not marked synthetic: %v", item)
	}
	// The collector sees the children of the village only, and some live there.
	status, mine := collector.call(t, "GET", "/api/v1/children?limit=500", "")
	if status != 200 || mine["total"].(float64) == 0 || mine["total"].(float64) >= page["total"].(float64) {
		t.Errorf("collector's children: %d %v of the district's %v", status, mine["total"], page["total"])
	}
	_, me := collector.call(t, "GET", "/api/v1/session", "")
	org := me["user"].(map[string]any)["org_unit"].(map[string]any)["code"].(string)
	if status, out := collector.call(t, "POST", "/api/v1/children", `{"name":"张小明","birth_date":"2015-03-10","sex":"1","residence_address":{"region_code":"`+org+`"}}`); status != 201 {
		t.Errorf("create: %d %v", status, out)
	}
	// Without a session nothing but the public routes answers.
	resp, err := http.Get(base + "/api/v1/children")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("children without a session: %d", resp.StatusCode)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("server did not stop cleanly: %v\n%s", err, log.String())
	}
	<-logDone
	// The log never shows a password or an ID number.
	for _, u := range users {
		if strings.Contains(log.String(), u[2]) {
			t.Errorf("the server's log holds the password of %s", u[1])
		}
	}
	if regexp.MustCompile(`\d{17}[\dX]`).MatchString(log.String()) {
		t.Errorf("the server's log holds an ID number:\n%s", log.String())
	}
}

// syncWriter is a strings.Builder safe for the process's writes and the test's reads.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// apiClient is a logged-in HTTP client of the running binary.
type apiClient struct {
	base, cookie, csrf string
}

func login(t *testing.T, base, username, password, totp string) *apiClient {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password, "totp": totp})
	resp, err := http.Post(base+"/api/v1/session", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("login %s: %d %s", username, resp.StatusCode, b)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal(b, &out)
	c := &apiClient{base: base, csrf: out.CSRF}
	for _, ck := range resp.Cookies() {
		if ck.Name == "guanai_session" {
			c.cookie = ck.Value
		}
	}
	if c.cookie == "" || c.csrf == "" {
		t.Fatalf("login %s: no session", username)
	}
	return c
}

func (c *apiClient) call(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "guanai_session", Value: c.cookie})
	req.Header.Set("X-CSRF-Token", c.csrf)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	return resp.StatusCode, out
}

func TestServeRefusesPublicAddress(t *testing.T) {
	_, stderr, code := run(t, nil, "serve", "--addr", "0.0.0.0:8080", "--db", "sqlite://"+filepath.Join(t.TempDir(), "g.db"))
	if code != 2 || !strings.Contains(string(stderr), "回环") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestServeInsecureHTTPNeedsProxy: --insecure-http is the plain leg behind a TLS-terminating
// proxy, so it is refused (usage error, exit 2) without --behind-proxy, on any address. The
// database cannot be opened, so that a server that got past the checks stops at once (exit 1).
func TestServeInsecureHTTPNeedsProxy(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db := "sqlite://" + filepath.Join(file, "g.db")
	tests := []struct {
		name string
		args []string
		code int
	}{
		{name: "public address", args: []string{"--addr", "0.0.0.0:8080", "--insecure-http"}, code: 2},
		{name: "loopback address", args: []string{"--addr", "127.0.0.1:0", "--insecure-http"}, code: 2},
		{name: "behind a proxy", args: []string{"--addr", "0.0.0.0:8080", "--insecure-http", "--behind-proxy"}, code: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := run(t, nil, append([]string{"serve", "--db", db}, tt.args...)...)
			if code != tt.code || (tt.code == 2 && !strings.Contains(string(stderr), "--insecure-http 只能与 --behind-proxy 一起使用")) {
				t.Errorf("got exit %d, want %d: %s", code, tt.code, stderr)
			}
		})
	}
}

// TestServeTrustedProxyFlag: --trusted-proxy takes networks and needs --behind-proxy. The
// database cannot be opened, so that accepted flags stop at once (exit 1).
func TestServeTrustedProxyFlag(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db := "sqlite://" + filepath.Join(file, "g.db")
	tests := []struct {
		name    string
		args    []string
		code    int
		message string
	}{
		{name: "without --behind-proxy", args: []string{"--trusted-proxy", "10.0.0.0/8"}, code: 2, message: "--trusted-proxy 须与 --behind-proxy 一起使用"},
		{name: "not a network", args: []string{"--behind-proxy", "--trusted-proxy", "10.0.0/8"}, code: 2, message: "不是网段"},
		{name: "networks and an address", args: []string{"--behind-proxy", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "fd00::1"}, code: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := run(t, nil, append([]string{"serve", "--db", db}, tt.args...)...)
			if code != tt.code || !strings.Contains(string(stderr), tt.message) {
				t.Errorf("got exit %d, want %d %q: %s", code, tt.code, tt.message, stderr)
			}
		})
	}
}
