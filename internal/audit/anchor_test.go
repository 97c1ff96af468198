package audit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAnchorPath(t *testing.T) {
	for _, tt := range []struct{ key, want string }{
		{"/var/lib/guanai/guanai.key", "/var/lib/guanai/guanai.audit-anchor"},
		{"data/keys", "data/keys.audit-anchor"},
	} {
		if got := AnchorPath(tt.key); got != tt.want {
			t.Errorf("AnchorPath(%q): got %q, want %q", tt.key, got, tt.want)
		}
	}
}

func testHead(seq int64) Head {
	return Head{Chain: "c0ffee", Seq: seq, Hash: strings.Repeat("ab", 32), KeyID: "k1", KeyedFrom: 1,
		At: time.Date(2025, 6, 30, 4, 0, 0, 0, time.UTC).Add(time.Duration(seq) * time.Millisecond)}
}

func always(Head, bool) error { return nil }

// TestAnchorReadWrite: an anchor reads back as written, with mode 0600; one edited by hand,
// or read with another key file, is invalid; none is ErrNoAnchor.
func TestAnchorReadWrite(t *testing.T) {
	keys := newTestKeys("k1")
	a := NewAnchor(filepath.Join(t.TempDir(), "guanai.audit-anchor"), keys)
	if _, err := a.Read(); !errors.Is(err, ErrNoAnchor) {
		t.Fatalf("no file: %v", err)
	}
	h := testHead(42)
	if _, moved, err := a.Advance(h, always); !moved || err != nil {
		t.Fatalf("advance: %v %v", moved, err)
	}
	got, err := a.Read()
	if err != nil || got.Seq != 42 || got.Hash != h.Hash || got.Chain != h.Chain || !got.At.Equal(h.At) {
		t.Fatalf("read: %+v %v", got, err)
	}
	if fi, err := os.Stat(a.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode: %v %v", fi.Mode(), err)
	}
	other := newTestKeys("k1")
	other.keys["k1"] = []byte("another key file")
	if _, err := NewAnchor(a.Path(), other).Read(); !errors.Is(err, ErrAnchorInvalid) {
		t.Errorf("another key file: %v", err)
	}
	b, _ := os.ReadFile(a.Path())
	os.WriteFile(a.Path(), []byte(strings.Replace(string(b), `"seq": 42`, `"seq": 40`, 1)), 0o600)
	if _, err := a.Read(); !errors.Is(err, ErrAnchorInvalid) {
		t.Errorf("edited: %v", err)
	}
	// An invalid anchor is never overwritten by a writer: only Replace does.
	if _, moved, err := a.Advance(testHead(50), always); moved || !errors.Is(err, ErrAnchorInvalid) {
		t.Errorf("advance over an invalid anchor: %v %v", moved, err)
	}
	if err := a.Replace(testHead(50)); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Read(); err != nil || got.Seq != 50 {
		t.Errorf("after replace: %+v %v", got, err)
	}
}

// TestAnchorNeverBackwards: a lower or equal head leaves the anchor alone, and so does a head
// that follows refuses; follows sees the anchored head.
func TestAnchorNeverBackwards(t *testing.T) {
	a := NewAnchor(filepath.Join(t.TempDir(), "guanai.audit-anchor"), newTestKeys("k1"))
	if _, _, err := a.Advance(testHead(10), always); err != nil {
		t.Fatal(err)
	}
	for _, seq := range []int64{9, 10, 1} {
		got, moved, err := a.Advance(testHead(seq), func(Head, bool) error { t.Error("follows called"); return nil })
		if moved || err != nil || got.Seq != 10 {
			t.Errorf("seq %d: moved %v, anchored %d, %v", seq, moved, got.Seq, err)
		}
	}
	refused := errors.New("cut")
	var saw Head
	if _, moved, err := a.Advance(testHead(20), func(old Head, ok bool) error { saw = old; return refused }); moved || err != refused {
		t.Errorf("refused: %v %v", moved, err)
	}
	if saw.Seq != 10 {
		t.Errorf("follows saw %+v", saw)
	}
	if h, _ := a.Read(); h.Seq != 10 {
		t.Errorf("anchor at %d, want 10", h.Seq)
	}
}

// TestAnchorTwoWriters: two writers on one file — two Anchor values, each with its own lock
// descriptor, as two processes (the server and the command line) have — advance it
// concurrently in different orders; the anchor ends at the highest head and is never seen to
// move backwards.
func TestAnchorTwoWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "guanai.audit-anchor")
	keys := newTestKeys("k1")
	writers := []*Anchor{NewAnchor(path, keys), NewAnchor(path, keys)}
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for w, a := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				seq := int64(i + 1)
				if w == 1 {
					seq = int64(n - i) // the second writer comes from above
				}
				if _, _, err := a.Advance(testHead(seq), always); err != nil {
					errs <- err
				}
			}
		}()
	}
	// A reader watches the anchor meanwhile.
	done := make(chan struct{})
	var last int64
	go func() {
		defer close(done)
		for {
			h, err := NewAnchor(path, keys).Read()
			if err == nil {
				if h.Seq < last {
					errs <- errors.New("the anchor moved backwards")
				}
				last = h.Seq
				if h.Seq == n {
					return
				}
			} else if !errors.Is(err, ErrNoAnchor) {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	<-done
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if h, err := writers[0].Read(); err != nil || h.Seq != n {
		t.Errorf("anchor %+v %v, want seq %d", h, err, n)
	}
}
