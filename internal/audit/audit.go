// Package audit is the tamper-evident audit trail of guanai (审计日志): every entry is chained to
// the one before by an SM3 hash over the previous hash and the entry's canonical form, so that
// changing, removing or inserting an entry anywhere breaks the chain from there on; checkpoints
// record the chain's hash every CheckpointEvery entries. The store appends entries in the same
// transaction as the change they record; Verify walks the chain. See docs/security.md.
package audit

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Actions recorded. The detail of an entry never holds a child's name, ID number, phone or
// address in clear: criteria are masked, records named by uid.
const (
	LoginSuccess   = "login.success"
	LoginFailure   = "login.failure"
	Logout         = "logout"
	PasswordChange = "password.change"
	MFAEnrol       = "mfa.enrol"
	MFAReset       = "mfa.reset"
	UserCreate     = "user.create"
	UserUpdate     = "user.update" // roles, org unit, disable, unlock, password reset
	ChildRead      = "child.read"
	ChildSearch    = "child.search"
	ChildCreate    = "child.create"
	ChildUpdate    = "child.update"
	ChildTransit   = "child.transition"
	ChildHistory   = "child.history"
	ChildReveal    = "child.reveal"
	ChildExport    = "child.export"    // a record-level export downloaded
	ExportRequest  = "export.request"  // a record-level export asked for
	ExportDecide   = "export.decide"   // approved or rejected by a reviewer
	ChildBulkRead  = "child.bulk_read" // streaming read of many records (statistics, processing)
	VerifyExport   = "verify.export"   // a verification list made or downloaded for a department (detail: step, count)
	Import         = "import"
	StatsRead      = "stats.read"
	KeyRotate      = "key.rotate"
	AuditRead      = "audit.read"
	LeadDraft      = "lead.draft"      // a home-visit lead opened in full to register the child
	ReviewRead     = "roster.review"   // review pairs, or the values of contradictions, shown in full
	WorklistExport = "worklist.export" // a list of discrepancies or leads downloaded
)

// CheckpointEvery is how many entries lie between two checkpoints.
const CheckpointEvery = 1000

// Entry is one audit entry.
type Entry struct {
	Seq    int64           `json:"seq"`
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`  // user:<name>, cli:<os user>, system:<job>, anonymous
	Action string          `json:"action"` // one of the constants above
	Object string          `json:"object"` // child:<uid>, user:<name>, import:<uid> …, "" for none
	Detail json.RawMessage `json:"detail"` // a JSON object, canonical (keys sorted), never null
	IP     string          `json:"ip"`
	Prev   string          `json:"prev_hash"` // hex SM3 of the previous entry, "" for the first
	Hash   string          `json:"hash"`
}

// Genesis is the previous hash of the first entry.
const Genesis = ""

// Canonical returns the bytes the hash covers: a version tag, then seq, the instant in UTC
// milliseconds, actor, action, object, detail (as stored) and ip, each preceded by its length in
// bytes, so that no two different entries share a canonical form. Changing any of them changes
// the hash.
func (e *Entry) Canonical() []byte { return e.appendCanonical(nil) }

func (e *Entry) appendCanonical(b []byte) []byte {
	b = append(b, "guanai-audit-v1\n"...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, e.At.UnixMilli(), 10)
	for _, f := range [...]string{e.Actor, e.Action, e.Object, string(e.Detail), e.IP} {
		b = append(b, '\n')
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
	}
	return b
}

// Chain computes the hash of e following prev: SM3(prev ‖ 0x00 ‖ canonical(e)), hex.
func Chain(prev string, e *Entry) string {
	var c chainer
	return c.chain(prev, e)
}

// chainer computes hashes reusing its hash state and buffer (Verify's hot loop).
type chainer struct {
	h   hash.Hash
	buf []byte
	sum []byte
}

func (c *chainer) chain(prev string, e *Entry) string {
	if c.h == nil {
		c.h = sm3.New()
	}
	c.h.Reset()
	c.buf = append(c.buf[:0], prev...)
	c.buf = append(c.buf, 0)
	c.buf = e.appendCanonical(c.buf)
	c.h.Write(c.buf)
	c.sum = c.h.Sum(c.sum[:0])
	return hex.EncodeToString(c.sum)
}

// Seal fills Prev and Hash of e as the entry after prev.
func Seal(prev string, e *Entry) {
	e.Prev = prev
	e.Hash = Chain(prev, e)
}

// Detail encodes v (a map or struct) as the canonical JSON object of an entry; nil gives {}.
func Detail(v any) json.RawMessage {
	if v == nil {
		return json.RawMessage("{}")
	}
	b, err := json.Marshal(v)
	if err != nil || len(b) == 0 || b[0] != '{' {
		return json.RawMessage("{}")
	}
	// Re-encode through a map, so that the keys are sorted whatever v was.
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return json.RawMessage("{}")
	}
	b, _ = json.Marshal(m)
	return b
}

// Break is where the chain is broken: the first entry that does not follow from the one before.
type Break struct {
	Seq    int64
	Reason string // Chinese
}

func (b *Break) Error() string {
	return fmt.Sprintf("审计日志第 %d 条被篡改或缺失：%s", b.Seq, b.Reason)
}

// Verifier walks a chain entry by entry, in seq order.
type Verifier struct {
	c       chainer
	prev    string
	next    int64
	checked int64
	// Checkpoints maps a seq to the chain hash recorded there; each is compared when reached.
	Checkpoints map[int64]string
}

// NewVerifier starts at the first entry (seq 1).
func NewVerifier() *Verifier { return &Verifier{next: 1} }

// Add checks the next entry; the first broken one returns a *Break.
func (v *Verifier) Add(e *Entry) error {
	switch {
	case e.Seq != v.next:
		return &Break{Seq: v.next, Reason: fmt.Sprintf("缺少第 %d 条（下一条为第 %d 条）", v.next, e.Seq)}
	case e.Prev != v.prev:
		return &Break{Seq: e.Seq, Reason: "与上一条的链接不符"}
	case v.c.chain(v.prev, e) != e.Hash:
		return &Break{Seq: e.Seq, Reason: "内容与其哈希值不符"}
	}
	if cp, ok := v.Checkpoints[e.Seq]; ok && cp != e.Hash {
		return &Break{Seq: e.Seq, Reason: "与检查点记录的哈希值不符"}
	}
	v.prev, v.next = e.Hash, e.Seq+1
	v.checked++
	return nil
}

// Checked returns how many entries were verified.
func (v *Verifier) Checked() int64 { return v.checked }

// Finish checks that every checkpoint was reached: a checkpoint beyond the last entry means
// entries were removed from the end.
func (v *Verifier) Finish() error {
	for seq := range v.Checkpoints {
		if seq >= v.next {
			return &Break{Seq: v.next, Reason: fmt.Sprintf("检查点记录了第 %d 条，但日志只到第 %d 条（末尾的条目被删除）", seq, v.next-1)}
		}
	}
	return nil
}
