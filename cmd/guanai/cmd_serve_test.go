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
	"testing"
	"time"
)

// TestServeEndToEnd starts the real binary on a free port with demo data, waits for /healthz,
// reads and writes through the API and stops it with SIGINT.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "serve", "--db", "sqlite://"+filepath.Join(dir, "g.db"), "--addr", "127.0.0.1:0", "--demo", "--demo-size", "200")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr := make(chan string, 1)
	var log strings.Builder
	go func() {
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
	get := func(path string) (int, map[string]any) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, b)
		}
		return resp.StatusCode, out
	}
	if status, _ := get("/healthz"); status != 200 {
		t.Fatalf("healthz %d", status)
	}
	status, page := get("/api/v1/children?limit=5&region=150300&region_of=either")
	if status != 200 || page["total"].(float64) != 200 {
		t.Fatalf("children: %d %v", status, page["total"])
	}
	item := page["items"].([]any)[0].(map[string]any)
	if id := item["id_number"].(string); !strings.Contains(id, "********") || item["synthetic"] != true {
		t.Errorf("list item not masked or not marked synthetic: %v", item)
	}
	resp, err := http.Post(base+"/api/v1/children", "application/json", strings.NewReader(`{"name":"张小明","birth_date":"2015-03-10","sex":"1"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("create: %d", resp.StatusCode)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("server did not stop cleanly: %v\n%s", err, log.String())
	}
}

func TestServeRefusesPublicAddress(t *testing.T) {
	_, stderr, code := run(t, nil, "serve", "--addr", "0.0.0.0:8080", "--db", "sqlite://"+filepath.Join(t.TempDir(), "g.db"))
	if code != 2 || !strings.Contains(string(stderr), "回环") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
