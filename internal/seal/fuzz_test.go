package seal

import (
	"errors"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to Open and OpenString: each must return a value or one of
// the package's errors, and never panic. Run with
// go test ./internal/seal/ -run '^$' -fuzz FuzzOpen -fuzztime 30s
func FuzzOpen(f *testing.F) {
	k, _ := newTestKeyring(f)
	if _, err := k.Rotate(); err != nil {
		f.Fatal(err)
	}
	good, _ := k.Seal([]byte("11010520180101123X"), []byte("child.id_number"))
	text, _ := k.SealString("13800138000", "child.id_number")
	f.Add(good, "child.id_number")
	f.Add([]byte(text), "child.id_number")
	f.Add([]byte{}, "")
	f.Add([]byte{sealVersion}, "x")
	f.Add([]byte{sealVersion, 255}, "x")
	f.Add([]byte{sealVersion, 2, 'k', '1'}, "x")
	f.Add([]byte("v1.k1."), "")
	f.Add([]byte("v1.k9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "")

	f.Fuzz(func(t *testing.T, data []byte, aad string) {
		known := func(err error) bool {
			return errors.Is(err, ErrTampered) || errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnknownKey)
		}
		pt, err := k.Open(data, []byte(aad))
		if err != nil && !known(err) {
			t.Errorf("Open: unexpected error %v", err)
		}
		if err == nil && len(data) > 0 && len(data) < 2+2+nonceSize+tagSize {
			t.Errorf("Open accepted a %d-byte value (plaintext %q)", len(data), pt)
		}
		if _, err := k.OpenString(string(data), aad); err != nil && !known(err) {
			t.Errorf("OpenString: unexpected error %v", err)
		}
		k.KeyIDOf(data)
		k.NeedsReseal(data)
		k.NeedsResealString(string(data))
	})
}
