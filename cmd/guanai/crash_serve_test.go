package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/sheet"
)

// serverProc is the real binary serving a database, for the crash and soak tests.
type serverProc struct {
	cmd  *exec.Cmd
	base string
	done chan error
	log  *syncWriter
}

// startServe starts `guanai serve` on a free loopback port and waits until it listens.
func startServe(t testing.TB, env []string, args ...string) *serverProc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = env
	p := &serverProc{cmd: cmd, done: make(chan error, 1), log: &syncWriter{w: &strings.Builder{}}}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.log.Write([]byte(sc.Text() + "\n"))
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { p.done <- cmd.Wait() }()
	select {
	case a := <-addr:
		p.base = "http://" + a
	case err := <-p.done:
		t.Fatalf("guanai serve exited (%v):\n%s", err, p.log.String())
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("guanai serve did not start:\n%s", p.log.String())
	}
	return p
}

// kill9 ends the server with SIGKILL, as a power cut or the OOM killer would.
func (p *serverProc) kill9() {
	p.cmd.Process.Kill()
	<-p.done
}

// stop ends the server with SIGTERM and waits for it.
func (p *serverProc) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// session is a signed-in client of a running server that does not fail the test on a broken
// connection (the server may be killed under it).
type session struct {
	base, cookie, csrf string
	http               *http.Client
}

func signIn(base, username, password string) (*session, error) {
	hc := &http.Client{Timeout: 60 * time.Second}
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	resp, err := hc.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("sign in %s: %d %s", username, resp.StatusCode, b)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal(b, &out)
	s := &session{base: base, csrf: out.CSRF, http: hc}
	for _, ck := range resp.Cookies() {
		if ck.Name == "guanai_session" {
			s.cookie = ck.Value
		}
	}
	return s, nil
}

// do sends a request and decodes a JSON answer.
func (s *session) do(method, path, ctype string, body []byte) (int, map[string]any, error) {
	req, err := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.AddCookie(&http.Cookie{Name: "guanai_session", Value: s.cookie})
	req.Header.Set("X-CSRF-Token", s.csrf)
	if ctype == "" {
		ctype = "application/json"
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var out map[string]any
	if len(b) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &out); err != nil {
			return resp.StatusCode, nil, err
		}
	}
	return resp.StatusCode, out, nil
}

// upload posts a file as the multipart field "file".
func (s *session) upload(path, name string, content []byte) (int, map[string]any, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return s.do("POST", path, mw.FormDataContentType(), body.Bytes())
}

// childrenFile is a registration file of n synthetic Wuhai children.
func childrenFile(t testing.TB, seed uint64, n int) []byte {
	t.Helper()
	g := demo.New(seed, child.NewDate(2025, 6, 30))
	var b bytes.Buffer
	records := func(yield func(child.Record) bool) {
		for range n {
			if !yield(g.Child()) {
				return
			}
		}
	}
	if err := sheet.WriteChildren(&b, records, sheet.WriteOptions{Format: sheet.CSV}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// crashEnv makes a database with a city-level reviewer (who imports and edits) whose first
// password has been changed, and returns the environment, the options of serve and the password.
func crashEnv(t *testing.T, dir string) ([]string, []string, string) {
	t.Helper()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	env := append(os.Environ(), "GUANAI_DB="+db, "GUANAI_DATA_DIR=", "GUANAI_KEY_FILE=", "GUANAI_CONFIG=")
	add := exec.Command(binary, "user", "add", "--username", "rev", "--name", "测试审核员", "--roles", "reviewer", "--department", "minzheng",
		"--org", "1503", "--password", "Initial#2025ab")
	add.Env = env
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	// No second factor for this test's account (a city account needs one by default).
	serveArgs := []string{"--mfa-above-village=false"}
	p := startServe(t, env, serveArgs...)
	defer p.stop()
	s, err := signIn(p.base, "rev", "Initial#2025ab")
	if err != nil {
		t.Fatal(err)
	}
	const password = "Haibowan#Crash2025"
	if status, out, err := s.do("POST", "/api/v1/session/password", "", []byte(`{"old_password":"Initial#2025ab","new_password":"`+password+`"}`)); err != nil || status != 204 {
		t.Fatalf("change password: %d %v %v", status, out, err)
	}
	return env, serveArgs, password
}

// TestServerKilledLosesAndDuplicatesNothing kills the server with SIGKILL at 20 random moments
// while a file of 400 registration forms is being imported and records are being edited, and
// restarts it each time. Afterwards, with the import run once to its end: exactly the 400
// children are registered (nothing lost, nothing twice), every edit the server acknowledged is
// in the record, and the audit chain verifies.
func TestServerKilledLosesAndDuplicatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the server 20 times")
	}
	dir := t.TempDir()
	env, serveArgs, password := crashEnv(t, dir)
	file := childrenFile(t, 5, 400)
	type ack struct {
		version int
		school  string
	}
	acked := map[string]ack{}
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		p := startServe(t, env, serveArgs...)
		s, err := signIn(p.base, "rev", password)
		if err != nil {
			p.kill9()
			t.Fatalf("round %d: %v", round, err)
		}
		var wg sync.WaitGroup
		wg.Go(func() { s.upload("/api/v1/imports", "登记表.csv", file) })
		wg.Go(func() {
			for j := 0; ; j++ {
				status, out, err := s.do("GET", fmt.Sprintf("/api/v1/children?limit=5&offset=%d", (round*5)%300), "", nil)
				if err != nil || status != 200 {
					return
				}
				list, _ := out["items"].([]any)
				if len(list) == 0 {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				uid := list[j%len(list)].(map[string]any)["uid"].(string)
				status, c, err := s.do("GET", "/api/v1/children/"+uid, "", nil)
				if err != nil || status != 200 {
					return
				}
				rec := c["record"].(map[string]any)
				school := fmt.Sprintf("乌海市第%d小学", 100+round*10+j%10)
				rec["school_name"] = school
				body, _ := json.Marshal(rec)
				version := int(c["version"].(float64))
				status, c, err = s.do("PUT", fmt.Sprintf("/api/v1/children/%s?version=%d", uid, version), "", body)
				if err != nil {
					return
				}
				if status == 200 {
					mu.Lock()
					acked[uid] = ack{version: int(c["version"].(float64)), school: school}
					mu.Unlock()
				}
			}
		})
		time.Sleep(time.Duration(50+rng.IntN(1500)) * time.Millisecond)
		p.kill9()
		wg.Wait()
	}
	// The import once more, to its end; then every invariant.
	p := startServe(t, env, serveArgs...)
	s, err := signIn(p.base, "rev", password)
	if err != nil {
		p.kill9()
		t.Fatal(err)
	}
	status, sum, err := s.upload("/api/v1/imports", "登记表.csv", file)
	if err != nil || status != 200 {
		p.kill9()
		t.Fatalf("final import: %d %v %v", status, sum, err)
	}
	if sum["rejected"] != 0.0 {
		t.Errorf("final import rejected rows: %v", sum)
	}
	status, list, err := s.do("GET", "/api/v1/children?limit=1&include_archived=true", "", nil)
	if err != nil || status != 200 || list["total"] != 400.0 {
		t.Errorf("after 20 kills and a last import: %v children (%v), want exactly 400", list["total"], err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(acked) == 0 {
		t.Error("no edit was acknowledged in 20 rounds: the test did not test edits")
	}
	for uid, a := range acked {
		status, c, err := s.do("GET", "/api/v1/children/"+url.PathEscape(uid), "", nil)
		if err != nil || status != 200 {
			t.Errorf("acknowledged record %s: %d %v", uid, status, err)
			continue
		}
		v := int(c["version"].(float64))
		school, _ := c["record"].(map[string]any)["school_name"].(string)
		if v < a.version || v == a.version && school != a.school {
			t.Errorf("record %s: version %d school %q, but the server acknowledged version %d with %q", uid, v, school, a.version, a.school)
		}
	}
	p.stop()
	verify := exec.CommandContext(context.Background(), binary, "audit", "verify")
	verify.Env = env
	if out, err := verify.CombinedOutput(); err != nil {
		t.Errorf("audit verify after 20 kills: %v\n%s", err, out)
	}
	t.Logf("%d edits acknowledged across the kills", len(acked))
}
