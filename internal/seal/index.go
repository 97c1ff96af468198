package seal

import (
	"encoding/hex"
	"strings"
)

// IndexSize is the number of HMAC-SM3 output bytes kept in a blind index (hex-encoded to
// twice as many characters).
//
// 16 bytes (128 bits) is chosen so that two different values practically never share an
// index (birthday bound ≈ 2⁶⁴ values), because indexes are used for exact lookups and
// duplicate-registration checks where a false match would join two children. Truncating
// further would not hide anything useful: a blind index reveals which rows share a value
// by design, and guessing values (ID numbers have a small space) is prevented by the secret
// index key, not by the length of the output.
const IndexSize = 16

// BlindIndex returns a keyed, deterministic lookup token for a normalized value: the first
// IndexSize bytes of HMAC-SM3(indexKey, kind || 0x00 || normalized), as 32 lower-case hex
// characters. kind separates domains ("child.id_number", "guardian.phone") so equal values
// of different kinds get unrelated indexes. The result is the same across restarts and
// data-key rotations; it changes only with a new key file.
//
// The caller normalizes (for example upper-case X in ID numbers, digits only in phone
// numbers): different spellings give different indexes. An empty normalized value returns
// "" so absent values do not all share one index. kind is a program constant; an empty
// kind or one containing NUL is a programming error and panics.
func (k *Keyring) BlindIndex(kind string, normalized string) string {
	if kind == "" || strings.IndexByte(kind, 0) >= 0 {
		panic("seal: BlindIndex 的 kind 不能为空，也不能包含 NUL 字符")
	}
	if normalized == "" {
		return ""
	}
	var buf [128]byte
	msg := append(append(append(buf[:0], kind...), 0), normalized...)
	h := k.getMAC()
	h.Write(msg)
	var sum [32]byte
	out := h.Sum(sum[:0])
	k.macs.Put(h)
	clear(buf[:])
	return hex.EncodeToString(out[:IndexSize])
}
