package seal

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

const (
	// sealVersion is the first byte of every binary sealed value.
	sealVersion byte = 1
	// textPrefix starts every SealString value.
	textPrefix = "v1."
	nonceSize  = 12
	tagSize    = 16
)

// Seal encrypts plaintext with SM4-GCM under the active data key and a fresh random 12-byte
// nonce. aad names the value's context (e.g. "child.id_number"); Open must be given the same
// aad. The result is 0x01 | len(keyID) | keyID | nonce | ciphertext | tag; the header is
// authenticated together with aad. An empty plaintext seals to an empty (nil) result.
//
// A data key should seal fewer than 2³² values (the random-nonce limit of GCM); rotate
// long before that.
func (k *Keyring) Seal(plaintext []byte, aad []byte) ([]byte, error) {
	if len(plaintext) == 0 {
		return nil, nil
	}
	k.mu.RLock()
	dk := k.st.active
	k.mu.RUnlock()

	hdr := 2 + len(dk.id)
	out := make([]byte, hdr+nonceSize, hdr+nonceSize+len(plaintext)+tagSize)
	out[0] = sealVersion
	out[1] = byte(len(dk.id))
	copy(out[2:], dk.id)
	nonce := out[hdr : hdr+nonceSize]
	rand.Read(nonce)
	return dk.aead.Seal(out, nonce, plaintext, authData(out[:hdr], aad)), nil
}

// Open decrypts a value produced by Seal, with the aad it was sealed with. An empty value
// opens to an empty (nil) plaintext. A value that was altered, sealed with another aad or
// under another key gives ErrTampered; one that is not a sealed value gives ErrMalformed;
// one naming a key the file lacks gives ErrUnknownKey (after re-reading the key file, at
// most once a second, in case another process rotated). Open never panics on bad input.
func (k *Keyring) Open(sealed []byte, aad []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	id, hdr, err := parseHeader(sealed)
	if err != nil {
		return nil, fmt.Errorf("seal: 解密%s: %w", describeAAD(aad), err)
	}
	if len(sealed) < hdr+nonceSize+tagSize {
		return nil, fmt.Errorf("seal: 解密%s: %w：长度不足", describeAAD(aad), ErrMalformed)
	}
	dk, err := k.key(id)
	if err != nil {
		return nil, fmt.Errorf("seal: 解密%s: %w", describeAAD(aad), err)
	}
	nonce := sealed[hdr : hdr+nonceSize]
	pt, err := dk.aead.Open(nil, nonce, sealed[hdr+nonceSize:], authData(sealed[:hdr], aad))
	if err != nil {
		return nil, fmt.Errorf("seal: 解密%s: %w", describeAAD(aad), ErrTampered)
	}
	return pt, nil
}

// SealString is Seal for text columns: it returns "v1.<keyID>.<base64url>" where the last
// part is the unpadded URL-safe base64 of nonce | ciphertext | tag. An empty s seals to "".
func (k *Keyring) SealString(s, aad string) (string, error) {
	if s == "" {
		return "", nil
	}
	b, err := k.Seal([]byte(s), []byte(aad))
	if err != nil {
		return "", err
	}
	return toText(b), nil
}

// OpenString is Open for values produced by SealString. "" opens to "".
func (k *Keyring) OpenString(sealed, aad string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b, err := fromText(sealed)
	if err != nil {
		return "", fmt.Errorf("seal: 解密%s: %w", describeAAD([]byte(aad)), err)
	}
	pt, err := k.Open(b, []byte(aad))
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// Reseal opens sealed and, if it was sealed under a key other than the active one, seals it
// again under the active key; otherwise it returns sealed unchanged (after checking that it
// opens). It is the step of a re-encryption batch after Rotate. Empty stays empty.
func (k *Keyring) Reseal(sealed []byte, aad []byte) ([]byte, error) {
	pt, err := k.Open(sealed, aad)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	if !k.NeedsReseal(sealed) {
		return sealed, nil
	}
	return k.Seal(pt, aad)
}

// ResealString is Reseal for SealString values.
func (k *Keyring) ResealString(sealed, aad string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b, err := fromText(sealed)
	if err != nil {
		return "", fmt.Errorf("seal: 重新加密%s: %w", describeAAD([]byte(aad)), err)
	}
	out, err := k.Reseal(b, []byte(aad))
	if err != nil {
		return "", err
	}
	if !k.NeedsReseal(b) {
		return sealed, nil
	}
	return toText(out), nil
}

// KeyIDOf returns the id of the data key a Seal value was sealed under, without decrypting
// it. An empty value has no key: it returns "" and no error.
func (k *Keyring) KeyIDOf(sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	id, hdr, err := parseHeader(sealed)
	if err != nil {
		return "", fmt.Errorf("seal: 读取密钥编号: %w", err)
	}
	if len(sealed) < hdr+nonceSize+tagSize {
		return "", fmt.Errorf("seal: 读取密钥编号: %w：长度不足", ErrMalformed)
	}
	return id, nil
}

// KeyIDOfString is KeyIDOf for SealString values.
func (k *Keyring) KeyIDOfString(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b, err := fromText(sealed)
	if err != nil {
		return "", fmt.Errorf("seal: 读取密钥编号: %w", err)
	}
	return k.KeyIDOf(b)
}

// NeedsReseal reports whether a Seal value was sealed under a key other than the active
// one. It is false for empty and for malformed values (use KeyIDOf to tell those apart).
func (k *Keyring) NeedsReseal(sealed []byte) bool {
	id, err := k.KeyIDOf(sealed)
	if err != nil || id == "" {
		return false
	}
	return id != k.ActiveKeyID()
}

// NeedsResealString is NeedsReseal for SealString values.
func (k *Keyring) NeedsResealString(sealed string) bool {
	id, err := k.KeyIDOfString(sealed)
	if err != nil || id == "" {
		return false
	}
	return id != k.ActiveKeyID()
}

// key returns the data key id, re-reading the key file (rate-limited) if it is unknown.
func (k *Keyring) key(id string) (*dataKey, error) {
	k.mu.RLock()
	dk := k.st.keys[id]
	k.mu.RUnlock()
	if dk != nil {
		return dk, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if dk := k.st.keys[id]; dk != nil {
		return dk, nil
	}
	if time.Since(k.lastReload) >= reloadInterval {
		k.lastReload = time.Now()
		if st, err := k.loadLocked(); err == nil {
			k.st = st
			if dk := st.keys[id]; dk != nil {
				return dk, nil
			}
		}
	}
	return nil, fmt.Errorf("%w %s（密钥文件 %s 中没有该密钥）", ErrUnknownKey, id, k.path)
}

// parseHeader returns the key id and header length of a binary sealed value.
func parseHeader(b []byte) (id string, hdr int, err error) {
	if len(b) < 2 {
		return "", 0, fmt.Errorf("%w：长度不足", ErrMalformed)
	}
	if b[0] != sealVersion {
		return "", 0, fmt.Errorf("%w：不支持的版本 %d", ErrMalformed, b[0])
	}
	n := int(b[1])
	if len(b) < 2+n {
		return "", 0, fmt.Errorf("%w：长度不足", ErrMalformed)
	}
	id = string(b[2 : 2+n])
	if !validKeyID(id) {
		return "", 0, fmt.Errorf("%w：密钥编号无效", ErrMalformed)
	}
	return id, 2 + n, nil
}

// authData is the GCM additional data: the (self-delimiting) header followed by the
// caller's aad.
func authData(header, aad []byte) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	ad = append(ad, header...)
	return append(ad, aad...)
}

func toText(b []byte) string {
	// b is a value just produced by Seal, so its header is well formed.
	n := int(b[1])
	body := b[2+n:]
	out := make([]byte, 0, len(textPrefix)+n+1+base64.RawURLEncoding.EncodedLen(len(body)))
	out = append(out, textPrefix...)
	out = append(out, b[2:2+n]...)
	out = append(out, '.')
	return string(base64.RawURLEncoding.AppendEncode(out, body))
}

func fromText(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, textPrefix)
	if !ok {
		return nil, fmt.Errorf("%w：缺少 %q 前缀", ErrMalformed, textPrefix)
	}
	id, body, ok := strings.Cut(rest, ".")
	if !ok || !validKeyID(id) {
		return nil, fmt.Errorf("%w：密钥编号无效", ErrMalformed)
	}
	out := make([]byte, 2+len(id), 2+len(id)+base64.RawURLEncoding.DecodedLen(len(body)))
	out[0] = sealVersion
	out[1] = byte(len(id))
	copy(out[2:], id)
	out, err := base64.RawURLEncoding.AppendDecode(out, []byte(body))
	if err != nil {
		return nil, fmt.Errorf("%w：base64 编码错误", ErrMalformed)
	}
	return out, nil
}

// describeAAD names the value being decrypted in an error message. aad is a column name
// chosen by the program, never personal data.
func describeAAD(aad []byte) string {
	if len(aad) == 0 {
		return ""
	}
	const limit = 64
	if len(aad) > limit {
		return fmt.Sprintf(" %q…", aad[:limit])
	}
	return fmt.Sprintf(" %q", aad)
}

func decodeBase64Any(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}
