// Package audit is the tamper-evident audit trail of guanai (审计日志): every entry is chained to
// the one before by a keyed hash, HMAC-SM3 under an audit key of the key file, over the previous
// hash and the entry's canonical form, so that changing, removing or inserting an entry anywhere
// breaks the chain from there on, and nobody without the key file can build a chain that
// verifies. Entries written before the chain was keyed (plain SM3, canonical version 1) still
// verify, up to the seq from which entries are keyed. Checkpoints record the chain's hash every
// CheckpointEvery entries; an anchor outside the database (anchor.go) records its head, so that
// removing the last entries, or all of them, is found too. The store appends entries in the
// same transaction as the change they record; Verify walks the chain. See docs/security.md.
package audit

import (
	"encoding/hex"
	"encoding/json"
	"errors"
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
	AuditReanchor  = "audit.reanchor"  // the anchor outside the database written anew (guanai audit reanchor)
)

// CheckpointEvery is how many entries lie between two checkpoints.
const CheckpointEvery = 1000

// Keys gives the chain its HMAC-SM3 keys; seal.Keyring implements it. The key that keys an
// entry is named by the entry (Entry.KeyID), so that entries keep verifying after the key
// rotates.
type Keys interface {
	// AuditKeyID returns the id of the key that keys new entries.
	AuditKeyID() string
	// AuditMAC returns a new HMAC-SM3 keyed with key id, or an error for an unknown id.
	AuditMAC(id string) (hash.Hash, error)
}

// Entry is one audit entry.
type Entry struct {
	Seq    int64           `json:"seq"`
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`  // user:<name>, cli:<os user>, system:<job>, anonymous
	Action string          `json:"action"` // one of the constants above
	Object string          `json:"object"` // child:<uid>, user:<name>, import:<uid> …, "" for none
	Detail json.RawMessage `json:"detail"` // a JSON object, canonical (keys sorted), never null
	IP     string          `json:"ip"`
	// KeyID names the audit key whose HMAC-SM3 made Hash (a data key id of the key file, "k2");
	// "" for an entry written before the chain was keyed, whose Hash is plain SM3.
	KeyID string `json:"key_id"`
	Prev  string `json:"prev_hash"` // hex hash of the previous entry, "" for the first
	Hash  string `json:"hash"`
}

// Genesis is the previous hash of the first entry.
const Genesis = ""

// Canonical returns the bytes the hash covers: a version tag (guanai-audit-v2 for a keyed
// entry, guanai-audit-v1 for a plain one), then seq, the instant in UTC milliseconds, and, each
// preceded by its length in bytes, the key id (v2 only), actor, action, object, detail (as
// stored) and ip, so that no two different entries share a canonical form. Changing any of
// them changes the hash. The version tags keep a plain entry from ever hashing like a keyed one.
func (e *Entry) Canonical() []byte { return e.appendCanonical(nil) }

func (e *Entry) appendCanonical(b []byte) []byte {
	if e.KeyID == "" {
		b = append(b, "guanai-audit-v1\n"...)
	} else {
		b = append(b, "guanai-audit-v2\n"...)
	}
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, e.At.UnixMilli(), 10)
	if e.KeyID != "" {
		b = appendField(b, e.KeyID)
	}
	for _, f := range [...]string{e.Actor, e.Action, e.Object, string(e.Detail), e.IP} {
		b = appendField(b, f)
	}
	return b
}

func appendField(b []byte, f string) []byte {
	b = append(b, '\n')
	b = strconv.AppendInt(b, int64(len(f)), 10)
	b = append(b, ':')
	return append(b, f...)
}

// Chain computes the hash of e following prev, hex: HMAC-SM3(key e.KeyID, prev ‖ 0x00 ‖
// canonical(e)) for a keyed entry, SM3(prev ‖ 0x00 ‖ canonical(e)) for a plain one (keys may
// then be nil).
func Chain(keys Keys, prev string, e *Entry) (string, error) {
	c := chainer{keys: keys}
	h, err := c.chain(prev, e)
	return string(h), err
}

// Seal keys e with the current audit key of keys and fills KeyID, Prev and Hash of e as the
// entry after prev.
func Seal(keys Keys, prev string, e *Entry) error {
	e.KeyID = keys.AuditKeyID()
	h, err := Chain(keys, prev, e)
	if err != nil {
		return err
	}
	e.Prev, e.Hash = prev, h
	return nil
}

// SealPlain fills Prev and Hash of e as the plain (unkeyed, version 1) entry after prev, as
// entries were written before the chain was keyed. The store never writes one; tests use it
// to build old chains, and to play an attacker who rewrites a chain without the key.
func SealPlain(prev string, e *Entry) {
	e.KeyID = ""
	e.Prev = prev
	e.Hash, _ = Chain(nil, prev, e)
}

// chainer computes hashes reusing its hash states and buffers (Verify's hot loop).
type chainer struct {
	keys  Keys
	plain hash.Hash
	macs  map[string]hash.Hash // by key id
	buf   []byte
	sum   []byte
	hex   [2 * sm3.Size]byte
}

// chain returns the hex hash of e after prev, in a buffer of c valid until the next call.
func (c *chainer) chain(prev string, e *Entry) ([]byte, error) {
	h, err := c.hasher(e.KeyID)
	if err != nil {
		return nil, err
	}
	h.Reset()
	c.buf = append(c.buf[:0], prev...)
	c.buf = append(c.buf, 0)
	c.buf = e.appendCanonical(c.buf)
	h.Write(c.buf)
	c.sum = h.Sum(c.sum[:0])
	hex.Encode(c.hex[:], c.sum)
	return c.hex[:], nil
}

func (c *chainer) hasher(keyID string) (hash.Hash, error) {
	if keyID == "" {
		if c.plain == nil {
			c.plain = sm3.New()
		}
		return c.plain, nil
	}
	if h, ok := c.macs[keyID]; ok {
		return h, nil
	}
	if c.keys == nil {
		return nil, errNoKeys
	}
	h, err := c.keys.AuditMAC(keyID)
	if err != nil {
		return nil, err
	}
	if c.macs == nil {
		c.macs = make(map[string]hash.Hash, 2)
	}
	c.macs[keyID] = h
	return h, nil
}

var errNoKeys = errors.New("audit: no audit keys to check a keyed entry")

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

// BreakKind says what kind of damage a Break found; tests and the command line tell them
// apart by it.
type BreakKind string

// The kinds of Break.
const (
	Changed        BreakKind = "changed"        // an entry's content does not match its hash (changed, or re-keyed with another key)
	BrokenLink     BreakKind = "link"           // an entry does not name the previous entry's hash
	Missing        BreakKind = "missing"        // an entry in the middle is missing (a gap in seq)
	Unkeyed        BreakKind = "unkeyed"        // a plain entry where a keyed one belongs, or the reverse
	UnknownKey     BreakKind = "unknown_key"    // an entry names an audit key the key file does not hold
	CheckpointDiff BreakKind = "checkpoint"     // an entry differs from its checkpoint
	Truncated      BreakKind = "truncated"      // entries removed from the end
	Emptied        BreakKind = "emptied"        // every entry removed
	Rewritten      BreakKind = "rewritten"      // the entry at the anchored seq has another hash
	KeyedFromDiff  BreakKind = "keyed_from"     // the seq from which entries are keyed is missing or differs from the anchor's
	AnchorMissing  BreakKind = "anchor_missing" // the anchor outside the database is missing though it should exist
	AnchorInvalid  BreakKind = "anchor_invalid" // the anchor cannot be read, fails its MAC or belongs to another database
)

// Break is what is wrong with the chain: the first entry that does not follow from the one
// before, or a disagreement between the database and the anchor outside it.
type Break struct {
	Kind   BreakKind
	Seq    int64  // the entry concerned; 0 when the problem is not one entry's (an anchor missing)
	Reason string // Chinese
}

func (b *Break) Error() string {
	if b.Seq == 0 {
		return "审计日志校验失败：" + b.Reason
	}
	return fmt.Sprintf("审计日志第 %d 条被篡改或缺失：%s", b.Seq, b.Reason)
}

// Verifier walks a chain entry by entry, in seq order.
type Verifier struct {
	c       chainer
	prev    string
	next    int64
	checked int64
	keyed   int64
	// KeyedFrom is the seq of the first keyed entry: entries before it must be plain (version
	// 1), entries from it on keyed. A chain rewritten without the key is found at the first
	// plain entry from KeyedFrom on.
	KeyedFrom int64
	// Checkpoints maps a seq to the chain hash recorded there; each is compared when reached.
	Checkpoints map[int64]string
	// Anchor is the head recorded outside the database, nil for none: the entry at its seq
	// must have its hash, and the chain must reach it.
	Anchor *Head
}

// NewVerifier starts at the first entry (seq 1), checking keyed entries with keys, and
// expecting entries to be keyed from seq keyedFrom on.
func NewVerifier(keys Keys, keyedFrom int64) *Verifier {
	return &Verifier{c: chainer{keys: keys}, next: 1, KeyedFrom: keyedFrom}
}

// Add checks the next entry; the first broken one returns a *Break.
func (v *Verifier) Add(e *Entry) error {
	switch {
	case e.Seq != v.next:
		return &Break{Kind: Missing, Seq: v.next, Reason: fmt.Sprintf("缺少第 %d 条（下一条为第 %d 条）", v.next, e.Seq)}
	case e.Prev != v.prev:
		return &Break{Kind: BrokenLink, Seq: e.Seq, Reason: "与上一条的链接不符"}
	case e.KeyID == "" && e.Seq >= v.KeyedFrom:
		return &Break{Kind: Unkeyed, Seq: e.Seq, Reason: fmt.Sprintf("该条未用密钥签名（旧版 SM3 哈希），而自第 %d 条起每条都应以审计密钥签名：日志被不持有密钥者重写", v.KeyedFrom)}
	case e.KeyID != "" && e.Seq < v.KeyedFrom:
		return &Break{Kind: Unkeyed, Seq: e.Seq, Reason: fmt.Sprintf("该条以密钥签名，但记录的密钥起始序号为第 %d 条：起始序号被改动", v.KeyedFrom)}
	}
	h, err := v.c.chain(v.prev, e)
	if err != nil {
		return &Break{Kind: UnknownKey, Seq: e.Seq, Reason: fmt.Sprintf("该条所用的审计密钥 %q 不在密钥文件中（以其他密钥伪造，或密钥文件不是本库的）", e.KeyID)}
	}
	if string(h) != e.Hash {
		if e.KeyID != "" {
			return &Break{Kind: Changed, Seq: e.Seq, Reason: "内容与其密钥哈希值（HMAC-SM3）不符：条目被改动，或日志以其他密钥重写"}
		}
		return &Break{Kind: Changed, Seq: e.Seq, Reason: "内容与其哈希值不符"}
	}
	if cp, ok := v.Checkpoints[e.Seq]; ok && cp != e.Hash {
		return &Break{Kind: CheckpointDiff, Seq: e.Seq, Reason: "与检查点记录的哈希值不符"}
	}
	if a := v.Anchor; a != nil && a.Seq == e.Seq && a.Hash != e.Hash {
		return &Break{Kind: Rewritten, Seq: e.Seq, Reason: "与库外锚点记录的哈希值不符：锚点之前的日志被整体重写"}
	}
	v.prev, v.next = e.Hash, e.Seq+1
	v.checked++
	if e.KeyID != "" {
		v.keyed++
	}
	return nil
}

// Checked returns how many entries were verified.
func (v *Verifier) Checked() int64 { return v.checked }

// Keyed returns how many of them were keyed.
func (v *Verifier) Keyed() int64 { return v.keyed }

// Finish checks that the chain reaches every seq something recorded: a checkpoint, the anchor
// or the seq from which entries are keyed beyond the last entry means entries were removed
// from the end.
func (v *Verifier) Finish() error {
	last := v.next - 1
	if a := v.Anchor; a != nil && a.Seq > last {
		if last == 0 {
			return &Break{Kind: Emptied, Seq: 1, Reason: fmt.Sprintf("库外锚点记录日志已有 %d 条，而数据库中一条也没有（全部条目被删除）", a.Seq)}
		}
		return &Break{Kind: Truncated, Seq: v.next, Reason: fmt.Sprintf("库外锚点记录了第 %d 条，但日志只到第 %d 条（末尾的 %d 条被删除）", a.Seq, last, a.Seq-last)}
	}
	for seq := range v.Checkpoints {
		if seq > last {
			return &Break{Kind: Truncated, Seq: v.next, Reason: fmt.Sprintf("检查点记录了第 %d 条，但日志只到第 %d 条（末尾的条目被删除）", seq, last)}
		}
	}
	if v.KeyedFrom > 1 && v.KeyedFrom-1 > last {
		if last == 0 {
			return &Break{Kind: Emptied, Seq: 1, Reason: fmt.Sprintf("数据库记录升级时日志已有 %d 条，而现在一条也没有（全部条目被删除）", v.KeyedFrom-1)}
		}
		return &Break{Kind: Truncated, Seq: v.next, Reason: fmt.Sprintf("数据库记录升级时日志已有 %d 条，但现在只到第 %d 条（末尾的条目被删除）", v.KeyedFrom-1, last)}
	}
	return nil
}
