package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

func chain(n int) []Entry {
	out := make([]Entry, n)
	prev := Genesis
	for i := range out {
		out[i] = Entry{Seq: int64(i + 1), At: time.Date(2025, 6, 30, 1, 2, 3, int(i)*1e6, time.UTC), Actor: "user:a",
			Action: ChildRead, Object: fmt.Sprintf("child:%d", i), Detail: Detail(map[string]any{"v": i, "a": "x"}), IP: "10.0.0.1"}
		Seal(prev, &out[i])
		prev = out[i].Hash
	}
	return out
}

func verify(es []Entry, cps map[int64]string) error {
	v := NewVerifier()
	v.Checkpoints = cps
	for i := range es {
		if err := v.Add(&es[i]); err != nil {
			return err
		}
	}
	return v.Finish()
}

func TestChain(t *testing.T) {
	if err := verify(chain(10), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tamper  func([]Entry) []Entry
		cps     map[int64]string
		wantSeq int64
	}{
		{"actor changed", func(es []Entry) []Entry { es[4].Actor = "user:b"; return es }, nil, 5},
		{"detail changed", func(es []Entry) []Entry { es[2].Detail = json.RawMessage(`{"a":"y","v":2}`); return es }, nil, 3},
		{"instant changed", func(es []Entry) []Entry { es[6].At = es[6].At.Add(time.Millisecond); return es }, nil, 7},
		{"entry removed", func(es []Entry) []Entry { return append(es[:3], es[4:]...) }, nil, 4},
		{"entries swapped", func(es []Entry) []Entry { es[3], es[4] = es[4], es[3]; return es }, nil, 4},
		{"rehashed after a change", func(es []Entry) []Entry {
			es[5].Actor = "user:b"
			prev := es[4].Hash
			for i := 5; i < len(es); i++ {
				Seal(prev, &es[i])
				prev = es[i].Hash
			}
			return es
		}, map[int64]string{8: chain(10)[7].Hash}, 8},
		{"end cut off", func(es []Entry) []Entry { return es[:6] }, map[int64]string{8: chain(10)[7].Hash}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verify(tt.tamper(chain(10)), tt.cps)
			var b *Break
			if !errors.As(err, &b) || b.Seq != tt.wantSeq {
				t.Errorf("got %v, want a break at %d", err, tt.wantSeq)
			}
		})
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

// BenchmarkVerify measures audit verify's hashing and checking (the database read is extra).
func BenchmarkVerify(b *testing.B) {
	es := chain(10000)
	b.ResetTimer()
	for range b.N {
		if err := verify(es, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(es))/b.Elapsed().Seconds(), "entries/s")
}
