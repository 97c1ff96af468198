package seal

import (
	"crypto/hmac"
	"fmt"
	"hash"

	"github.com/emmansun/gmsm/sm3"
)

// Audit MAC keys (审计日志密钥) key the audit chain (package audit): every entry's hash is
// HMAC-SM3 under the audit key of the data key that was active when it was written, and the
// entry records that key's id.
//
// The audit key of data key <id> is derived, not stored: HKDF-SM3(master key, the file's salt,
// "guanai/seal/v1 audit-mac-key <keyring id> <id>", 32 bytes). Derived rather than wrapped in
// the key file like the index key because
//   - it rotates with the data key for free: Rotate adds a data key, and with it the audit key
//     of the same id; old ones stay derivable for as long as their data key is in the file,
//     which is forever (data keys are never removed), so old entries always verify;
//   - the key file keeps its format (version 1): a key file backed up before audit keys
//     existed, or read by an older guanai, works unchanged, and there is no second secret
//     that could be lost or restored out of step with the data keys;
//   - the info string gives it its own domain: it is unrelated to the KEK, the check value
//     and the data key of the same id (which is random, not derived).
//
// Anyone holding the key file (or the external master key) can compute the audit keys, as
// they can open every sealed value: the chain protects against those who hold the database,
// not the key file. See docs/security.md.
const infoAuditMAC = "guanai/seal/v1 audit-mac-key "

// auditKeySize is the length of an audit MAC key: SM3's output size, as HMAC recommends.
const auditKeySize = 32

// AuditKeyID returns the id of the audit MAC key that keys new audit entries: the id of the
// active data key, so that the audit key rotates when the data key does.
func (k *Keyring) AuditKeyID() string { return k.ActiveKeyID() }

// AuditMAC returns a new HMAC-SM3 keyed with the audit key of data key id. An id the key
// file does not hold gives ErrUnknownKey (after re-reading the file, at most once a second,
// in case another process rotated). The hash may be Reset and reused; it is not safe for
// concurrent use.
func (k *Keyring) AuditMAC(id string) (hash.Hash, error) {
	if v, ok := k.auditKeys.Load(id); ok {
		return hmac.New(sm3.New, v.(secret)), nil
	}
	if _, err := k.key(id); err != nil {
		return nil, fmt.Errorf("seal: 审计日志密钥: %w", err)
	}
	k.mu.RLock()
	master, salt := k.st.master, k.st.file.Salt
	k.mu.RUnlock()
	key, err := deriveKey(master, salt, infoAuditMAC+k.id+" "+id, auditKeySize)
	if err != nil {
		return nil, fmt.Errorf("seal: 审计日志密钥 %s: %w", id, err)
	}
	v, _ := k.auditKeys.LoadOrStore(id, secret(key))
	return hmac.New(sm3.New, v.(secret)), nil
}
