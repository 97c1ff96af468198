package audit

import (
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The anchor (库外锚点) is the head of the chain written outside the database, in a small file
// beside the key file, each time the chain moves. Whoever can change the database but not that
// file — a database administrator, an intruder through SQL, a restored dump — cannot then remove
// the last entries, or all of them, or replace the chain by another, without Verify finding it:
// the database's chain must still reach the anchored seq and have the anchored hash there. The
// file carries an HMAC-SM3 under the audit key of its head, so that it cannot be edited by hand
// to agree with a shortened chain either.

// Head is the head of the chain at one moment, as the anchor records it.
type Head struct {
	Chain     string    `json:"chain"`      // the database's chain id (meta audit_chain): an anchor belongs to one database
	Seq       int64     `json:"seq"`        // the last entry
	Hash      string    `json:"hash"`       // its hash
	KeyID     string    `json:"key_id"`     // the audit key that keyed it
	KeyedFrom int64     `json:"keyed_from"` // the seq from which entries are keyed
	At        time.Time `json:"at"`         // when the anchor was written
}

// ErrNoAnchor means there is no anchor file.
var ErrNoAnchor = errors.New("审计锚点文件不存在")

// ErrAnchorInvalid means the anchor file cannot be read as an anchor, or its MAC does not
// match: it was edited, or written with a key file other than this one.
var ErrAnchorInvalid = errors.New("审计锚点文件无效")

const (
	anchorFormat  = "guanai-audit-anchor"
	anchorVersion = 1
	maxAnchorSize = 64 << 10
)

// anchorFile is the JSON document of the anchor file.
type anchorFile struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Head
	MAC string `json:"mac"` // hex HMAC-SM3 under Head.KeyID's audit key of anchorCanonical(Head)
}

// AnchorPath returns the anchor file that belongs beside a key file: guanai.key →
// guanai.audit-anchor, in the same directory, so that it shares the key file's protection
// and stays off the database's host and backups.
func AnchorPath(keyFile string) string {
	base := strings.TrimSuffix(keyFile, filepath.Ext(keyFile))
	return base + ".audit-anchor"
}

// Anchor reads and writes one anchor file. Writers in several processes (the server and the
// command line on the same database) may share it: every write happens under an exclusive
// lock of the file path+".lock" (on Unix; elsewhere only within the process) and never moves
// the anchor backwards. It is safe for concurrent use.
type Anchor struct {
	path string
	keys Keys
	mu   sync.Mutex // one write in flight within the process
}

// NewAnchor returns the anchor at path, whose MACs are made and checked with keys.
func NewAnchor(path string, keys Keys) *Anchor { return &Anchor{path: path, keys: keys} }

// Path returns the anchor file's path.
func (a *Anchor) Path() string { return a.path }

// Read returns the anchored head: ErrNoAnchor when the file does not exist, an error wrapping
// ErrAnchorInvalid when it cannot be trusted.
func (a *Anchor) Read() (Head, error) {
	f, err := os.Open(a.path)
	if errors.Is(err, fs.ErrNotExist) {
		return Head{}, fmt.Errorf("%w：%s", ErrNoAnchor, a.path)
	}
	if err != nil {
		return Head{}, fmt.Errorf("读取审计锚点 %s：%w", a.path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxAnchorSize+1))
	if err != nil {
		return Head{}, fmt.Errorf("读取审计锚点 %s：%w", a.path, err)
	}
	var af anchorFile
	if len(b) > maxAnchorSize || json.Unmarshal(b, &af) != nil || af.Format != anchorFormat {
		return Head{}, fmt.Errorf("%w：%s 不是审计锚点文件", ErrAnchorInvalid, a.path)
	}
	if af.Version != anchorVersion {
		return Head{}, fmt.Errorf("%w：%s 的版本 %d 不受支持", ErrAnchorInvalid, a.path, af.Version)
	}
	want, err := a.mac(af.Head)
	if err != nil {
		return Head{}, fmt.Errorf("%w：%s：%v", ErrAnchorInvalid, a.path, err)
	}
	if !hmac.Equal([]byte(want), []byte(af.MAC)) {
		return Head{}, fmt.Errorf("%w：%s 的校验值不符（被改动，或由其他密钥文件写成）", ErrAnchorInvalid, a.path)
	}
	return af.Head, nil
}

// Advance writes h as the anchor unless the anchor already records h.Seq or a later entry:
// the anchor never moves backwards, whichever process writes. Under the lock, and only when
// the anchor would move, follows is called with the head currently anchored (exists false
// when there is no anchor file yet); it returns nil only if h continues that head's chain — the
// same database, the anchored entry still there with the anchored hash — and the anchor
// stays put on its error, so that a chain shortened and grown again in the database can never
// carry the anchor past the point where it was cut. An unreadable anchor is never replaced
// (see Replace). It returns the head the anchor holds afterwards, and whether it was h.
func (a *Anchor) Advance(h Head, follows func(old Head, exists bool) error) (anchored Head, moved bool, err error) {
	if h.KeyID == "" || h.Seq < 1 {
		return Head{}, false, errors.New("audit: only a keyed head is anchored")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	unlock, err := lockFile(a.path + ".lock")
	if err != nil {
		return Head{}, false, fmt.Errorf("锁定审计锚点 %s：%w", a.path, err)
	}
	defer unlock()
	old, err := a.Read()
	exists := err == nil
	if err != nil && !errors.Is(err, ErrNoAnchor) {
		return Head{}, false, err
	}
	if exists && old.Seq >= h.Seq {
		return old, false, nil
	}
	if err := follows(old, exists); err != nil {
		return old, false, err
	}
	if err := a.write(h); err != nil {
		return old, false, err
	}
	return h, true, nil
}

// Replace writes h as the anchor whatever the anchor held: for guanai audit reanchor, after
// the operator has looked at why the old anchor is missing or disagrees.
func (a *Anchor) Replace(h Head) error {
	if h.KeyID == "" || h.Seq < 1 {
		return errors.New("audit: only a keyed head is anchored")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	unlock, err := lockFile(a.path + ".lock")
	if err != nil {
		return fmt.Errorf("锁定审计锚点 %s：%w", a.path, err)
	}
	defer unlock()
	return a.write(h)
}

// write replaces the file atomically: a temporary file in the same directory (mode 0600),
// renamed over the old one. It is not fsynced: the anchor moves with every audited request,
// and SQLite itself (synchronous NORMAL) does not sync every commit either, so that after a
// power failure both may lag by the last moments — an fsync here would only make the anchor
// outlive commits the database lost (docs/security.md).
func (a *Anchor) write(h Head) error {
	mac, err := a.mac(h)
	if err != nil {
		return fmt.Errorf("写审计锚点 %s：%w", a.path, err)
	}
	b, err := json.MarshalIndent(anchorFile{Format: anchorFormat, Version: anchorVersion, Head: h, MAC: mac}, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(a.path), ".guanai-audit-anchor-*.tmp")
	if err != nil {
		return fmt.Errorf("写审计锚点 %s：%w", a.path, err)
	}
	tmp := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(append(b, '\n'))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, a.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("写审计锚点 %s：%w", a.path, err)
	}
	return nil
}

// mac is the hex HMAC-SM3 of h under its own audit key.
func (a *Anchor) mac(h Head) (string, error) {
	m, err := a.keys.AuditMAC(h.KeyID)
	if err != nil {
		return "", err
	}
	b := []byte("guanai-audit-anchor-v1")
	for _, f := range [...]string{h.Chain, strconv.FormatInt(h.Seq, 10), h.Hash, h.KeyID,
		strconv.FormatInt(h.KeyedFrom, 10), strconv.FormatInt(h.At.UnixMilli(), 10)} {
		b = appendField(b, f)
	}
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil)), nil
}
