// Package seal encrypts sensitive personal information field by field and computes blind
// indexes over it, using only the Chinese national algorithms of GB/T 39786-2021:
// SM4 (GB/T 32907) in GCM mode for confidentiality and integrity, SM3 (GB/T 32905) in
// HMAC (GB/T 15852.2) for blind indexes and, in HKDF form, for key derivation.
//
// # Key hierarchy
//
//   - master key (32 bytes) — kept in the key file, or outside it and handed in by the
//     caller (OpenWithMaster / CreateWithMaster). It never encrypts data itself; HKDF-SM3
//     derives a 16-byte key-encryption key (KEK) from it.
//   - data keys (SM4, 16 bytes, ids "k1", "k2", …) — random, stored wrapped with SM4-GCM
//     under the KEK. Exactly one is active and seals new values; all of them open.
//     Rotate adds a new one and makes it active.
//   - index key (32 bytes) — random, stored wrapped under the KEK. HMAC-SM3 key of
//     BlindIndex. Rotation never touches it, so blind indexes stay valid.
//
// The key file (JSON, versioned, written atomically with mode 0600) never holds a data key
// or the index key in plain text. See docs/keys.md for the format and for operations.
//
// # Sealed values
//
// Seal returns a self-describing binary value:
//
//	0x01 | len(keyID) | keyID | nonce (12 bytes) | ciphertext | tag (16 bytes)
//
// SealString returns the same value as text, "v1.<keyID>.<base64url(nonce|ciphertext|tag)>",
// suitable for a TEXT column. The caller's aad (for example "child.id_number") and the
// header are authenticated, so a value cannot be moved to another column or relabelled
// with another key id. An empty plaintext seals to an empty value and an empty value
// opens to an empty plaintext, so "absent" stays absent and NULL/"" columns need no
// special case — but the absence of a value is therefore not protected: whoever can write
// the database can blank a field without detection.
//
// All methods of Keyring are safe for concurrent use. Error messages are in Chinese and
// never contain key material or plaintext.
package seal
