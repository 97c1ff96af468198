package audit

import (
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// testKeys is a key file's audit keys: id → key, the newest active.
type testKeys struct {
	active string
	keys   map[string][]byte
}

func newTestKeys(ids ...string) *testKeys {
	k := &testKeys{keys: map[string][]byte{}}
	for _, id := range ids {
		k.add(id)
	}
	return k
}

// add makes a new key active, as a rotation does.
func (k *testKeys) add(id string) {
	k.keys[id] = []byte("audit key " + id + " of a test key file")
	k.active = id
}

func (k *testKeys) AuditKeyID() string { return k.active }

func (k *testKeys) AuditMAC(id string) (hash.Hash, error) {
	key, ok := k.keys[id]
	if !ok {
		return nil, fmt.Errorf("unknown key %s", id)
	}
	return hmac.New(sm3.New, key), nil
}

// entry returns the i-th entry of a test chain, before sealing.
func entry(i int) Entry {
	return Entry{Seq: int64(i + 1), At: time.Date(2025, 6, 30, 1, 2, 3, int(i)*1e6, time.UTC), Actor: "user:a",
		Action: ChildRead, Object: fmt.Sprintf("child:%d", i), Detail: Detail(map[string]any{"v": i, "a": "x"}), IP: "10.0.0.1"}
}

// chain returns n entries: the first plain ones plain (as written before the chain was keyed),
// the others keyed with keys.
func chain(keys Keys, plain, n int) []Entry {
	out := make([]Entry, n)
	prev := Genesis
	for i := range out {
		out[i] = entry(i)
		if i < plain {
			SealPlain(prev, &out[i])
		} else if err := Seal(keys, prev, &out[i]); err != nil {
			panic(err)
		}
		prev = out[i].Hash
	}
	return out
}

// reseal recomputes the hashes from es[from] on, as someone holding the database does after a
// change: plain, or keyed with keys.
func reseal(keys Keys, es []Entry, from int) []Entry {
	prev := Genesis
	if from > 0 {
		prev = es[from-1].Hash
	}
	for i := from; i < len(es); i++ {
		if keys == nil {
			SealPlain(prev, &es[i])
		} else if err := Seal(keys, prev, &es[i]); err != nil {
			panic(err)
		}
		prev = es[i].Hash
	}
	return es
}

func verify(keys Keys, keyedFrom int64, es []Entry, cps map[int64]string, anchor *Head) error {
	v := NewVerifier(keys, keyedFrom)
	v.Checkpoints = cps
	v.Anchor = anchor
	for i := range es {
		if err := v.Add(&es[i]); err != nil {
			return err
		}
	}
	return v.Finish()
}

func headOf(es []Entry, i int) *Head {
	return &Head{Seq: es[i].Seq, Hash: es[i].Hash, KeyID: es[i].KeyID, KeyedFrom: 1}
}

// TestChain tampers with a keyed chain of 10 entries in every way the security review asked
// about and expects the break of the right kind at the right entry.
func TestChain(t *testing.T) {
	keys := newTestKeys("k1")
	good := chain(keys, 0, 10)
	if err := verify(keys, 1, good, nil, headOf(good, 9)); err != nil {
		t.Fatal(err)
	}
	if good[0].KeyID != "k1" || good[0].Hash == chain(nil, 10, 10)[0].Hash {
		t.Fatalf("entry 1 not keyed: %+v", good[0])
	}
	other := newTestKeys("k1") // same id, another key file
	other.keys["k1"] = []byte("someone else's key")
	tests := []struct {
		name     string
		tamper   func([]Entry) []Entry
		cps      map[int64]string
		anchor   *Head
		wantKind BreakKind
		wantSeq  int64
	}{
		{"actor changed", func(es []Entry) []Entry { es[4].Actor = "user:b"; return es }, nil, nil, Changed, 5},
		{"detail changed", func(es []Entry) []Entry { es[2].Detail = json.RawMessage(`{"a":"y","v":2}`); return es }, nil, nil, Changed, 3},
		{"instant changed", func(es []Entry) []Entry { es[6].At = es[6].At.Add(time.Millisecond); return es }, nil, nil, Changed, 7},
		{"key id changed", func(es []Entry) []Entry { es[6].KeyID = "k9"; return es }, nil, nil, UnknownKey, 7},
		{"middle entry removed", func(es []Entry) []Entry { return append(es[:3], es[4:]...) }, nil, nil, Missing, 4},
		{"entries swapped", func(es []Entry) []Entry { es[3], es[4] = es[4], es[3]; return es }, nil, nil, Missing, 4},
		{"prev changed", func(es []Entry) []Entry { es[5].Prev = es[3].Hash; return es }, nil, nil, BrokenLink, 6},
		{"rehashed with plain SM3 after a change", func(es []Entry) []Entry {
			es[5].Actor = "user:b"
			return reseal(nil, es, 5)
		}, nil, nil, Unkeyed, 6},
		{"whole chain rewritten with plain SM3", func(es []Entry) []Entry { return reseal(nil, es, 0) }, nil, nil, Unkeyed, 1},
		{"whole chain rewritten with another key", func(es []Entry) []Entry { return reseal(other, es, 0) }, nil, nil, Changed, 1},
		{"last entries removed, anchored", func(es []Entry) []Entry { return es[:7] }, nil, headOf(good, 9), Truncated, 8},
		{"all entries removed, anchored", func(es []Entry) []Entry { return nil }, nil, headOf(good, 9), Emptied, 1},
		{"end cut below a checkpoint", func(es []Entry) []Entry { return es[:6] }, map[int64]string{8: good[7].Hash}, nil, Truncated, 7},
		{"rewritten with the key, caught by a checkpoint", func(es []Entry) []Entry {
			es[5].Actor = "user:b"
			return reseal(keys, es, 5)
		}, map[int64]string{8: good[7].Hash}, nil, CheckpointDiff, 8},
		{"rewritten with the key, caught by the anchor", func(es []Entry) []Entry {
			es[2].Actor = "user:b"
			return reseal(keys, es, 2)
		}, nil, headOf(good, 9), Rewritten, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verify(keys, 1, tt.tamper(chain(keys, 0, 10)), tt.cps, tt.anchor)
			var b *Break
			if !errors.As(err, &b) || b.Kind != tt.wantKind || b.Seq != tt.wantSeq {
				t.Errorf("got %v (%+v), want a break %s at %d", err, b, tt.wantKind, tt.wantSeq)
			}
		})
	}
}

// TestTransition: a trail of plain (v1) entries written before the chain was keyed, continued
// with keyed ones from seq 6, verifies; rewriting it without the key is found whatever part is
// rewritten.
func TestTransition(t *testing.T) {
	keys := newTestKeys("k1")
	const keyedFrom = 6
	good := chain(keys, keyedFrom-1, 10)
	if err := verify(keys, keyedFrom, good, nil, headOf(good, 9)); err != nil {
		t.Fatal(err)
	}
	if good[4].KeyID != "" || good[5].KeyID != "k1" || good[5].Prev != good[4].Hash {
		t.Fatalf("transition: %+v %+v", good[4], good[5])
	}
	tests := []struct {
		name      string
		tamper    func([]Entry) []Entry
		keyedFrom int64
		wantKind  BreakKind
		wantSeq   int64
	}{
		{"old entry changed", func(es []Entry) []Entry { es[2].Actor = "user:b"; return es }, keyedFrom, Changed, 3},
		{"old entries rehashed: the first keyed entry no longer follows", func(es []Entry) []Entry {
			es[2].Actor = "user:b"
			reseal(nil, es[:keyedFrom-1], 2)
			return es
		}, keyedFrom, BrokenLink, keyedFrom},
		{"old entries rehashed and the link mended", func(es []Entry) []Entry {
			es[2].Actor = "user:b"
			reseal(nil, es[:keyedFrom-1], 2)
			es[keyedFrom-1].Prev = es[keyedFrom-2].Hash
			return es
		}, keyedFrom, Changed, keyedFrom},
		{"whole chain rewritten as v1", func(es []Entry) []Entry { return reseal(nil, es, 0) }, keyedFrom, Unkeyed, keyedFrom},
		{"keyed-from seq moved up to hide a v1 rewrite", func(es []Entry) []Entry { return es }, 11, Unkeyed, keyedFrom},
		{"keyed-from seq moved down", func(es []Entry) []Entry { return es }, 3, Unkeyed, 3},
		{"all entries removed, no anchor", func(es []Entry) []Entry { return nil }, keyedFrom, Emptied, 1},
		{"old entries cut at the end, no anchor", func(es []Entry) []Entry { return es[:3] }, keyedFrom, Truncated, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verify(keys, tt.keyedFrom, tt.tamper(chain(keys, keyedFrom-1, 10)), nil, nil)
			var b *Break
			if !errors.As(err, &b) || b.Kind != tt.wantKind || b.Seq != tt.wantSeq {
				t.Errorf("got %v (%+v), want a break %s at %d", err, b, tt.wantKind, tt.wantSeq)
			}
		})
	}
	// A trail never keyed (keyed from beyond its end) is the old chain, and verifies as before.
	old := chain(nil, 10, 10)
	if err := verify(nil, 11, old, nil, nil); err != nil {
		t.Errorf("old trail: %v", err)
	}
}

// TestRotation: entries keyed with k1, then with k2 after a rotation, verify with a key file
// that holds both; one that lacks k2 names the first k2 entry.
func TestRotation(t *testing.T) {
	keys := newTestKeys("k1")
	es := make([]Entry, 10)
	prev := Genesis
	for i := range es {
		if i == 4 {
			keys.add("k2")
		}
		es[i] = entry(i)
		if err := Seal(keys, prev, &es[i]); err != nil {
			t.Fatal(err)
		}
		prev = es[i].Hash
	}
	if es[3].KeyID != "k1" || es[4].KeyID != "k2" {
		t.Fatalf("key ids %q %q", es[3].KeyID, es[4].KeyID)
	}
	if err := verify(keys, 1, es, nil, headOf(es, 9)); err != nil {
		t.Fatal(err)
	}
	old := newTestKeys("k1")
	old.keys["k1"] = keys.keys["k1"]
	var b *Break
	if err := verify(old, 1, es, nil, nil); !errors.As(err, &b) || b.Kind != UnknownKey || b.Seq != 5 {
		t.Errorf("without k2: %v", err)
	}
	// An entry written under k2 and relabelled k1 fails.
	es[6].KeyID = "k1"
	if err := verify(keys, 1, es, nil, nil); !errors.As(err, &b) || b.Kind != Changed || b.Seq != 7 {
		t.Errorf("relabelled: %v", err)
	}
}

// TestCanonicalVersions: the version tag and the key id are part of what is hashed.
func TestCanonicalVersions(t *testing.T) {
	e := entry(0)
	v1 := string(e.Canonical())
	e.KeyID = "k1"
	v2 := string(e.Canonical())
	if v1[:16] != "guanai-audit-v1\n" || v2[:16] != "guanai-audit-v2\n" {
		t.Errorf("tags: %q %q", v1[:16], v2[:16])
	}
	want := "guanai-audit-v2\n1\n1751245323000\n2:k1\n6:user:a\n10:child.read\n7:child:0\n15:{\"a\":\"x\",\"v\":0}\n8:10.0.0.1"
	if v2 != want {
		t.Errorf("canonical v2:\n got %q\nwant %q", v2, want)
	}
}

func TestDetailCanonical(t *testing.T) {
	type s struct {
		B int    `json:"b"`
		A string `json:"a"`
	}
	if got := string(Detail(s{B: 1, A: "x"})); got != `{"a":"x","b":1}` {
		t.Errorf("detail %s", got)
	}
	if string(Detail(nil)) != "{}" || string(Detail([]int{1})) != "{}" {
		t.Error("non-objects are {}")
	}
}

// BenchmarkVerify measures audit verify's hashing and checking of keyed entries (the database
// read is extra).
func BenchmarkVerify(b *testing.B) {
	benchVerify(b, newTestKeys("k1"), 0)
}

// BenchmarkVerifyPlain is BenchmarkVerify over plain (v1) entries, as before the chain was keyed.
func BenchmarkVerifyPlain(b *testing.B) {
	benchVerify(b, nil, 10000)
}

func benchVerify(b *testing.B, keys Keys, plain int) {
	es := chain(keys, plain, 10000)
	keyedFrom := int64(plain + 1)
	b.ResetTimer()
	for range b.N {
		if err := verify(keys, keyedFrom, es, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(es))/b.Elapsed().Seconds(), "entries/s")
}
