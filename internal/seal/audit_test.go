package seal

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

// TestAuditKeys: the audit key follows the active data key through a rotation, old ones stay
// available, a reopened key file gives the same keys, another key file other ones, and an
// unknown id is refused.
func TestAuditKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "guanai.key")
	k, err := CreateKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := func(k *Keyring, id string) []byte {
		t.Helper()
		m, err := k.AuditMAC(id)
		if err != nil {
			t.Fatalf("AuditMAC(%s): %v", id, err)
		}
		m.Write([]byte("entry"))
		return m.Sum(nil)
	}
	if k.AuditKeyID() != "k1" {
		t.Fatalf("audit key %s, want k1", k.AuditKeyID())
	}
	k1 := sum(k, "k1")
	if _, err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	if k.AuditKeyID() != "k2" {
		t.Errorf("after rotation: audit key %s, want k2", k.AuditKeyID())
	}
	k2 := sum(k, "k2")
	if bytes.Equal(k1, k2) {
		t.Error("k1 and k2 give the same MAC")
	}
	if !bytes.Equal(sum(k, "k1"), k1) {
		t.Error("k1 changed with the rotation")
	}
	again, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sum(again, "k1"), k1) || !bytes.Equal(sum(again, "k2"), k2) {
		t.Error("a reopened key file gives other audit keys")
	}
	other, err := CreateKeyring(filepath.Join(dir, "other.key"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(sum(other, "k1"), k1) {
		t.Error("two key files share an audit key")
	}
	if _, err := k.AuditMAC("k9"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown id: %v", err)
	}
	// A process that opened the file before a rotation (the server while guanai keys rotate
	// runs) checks entries keyed with the new key once it has re-read the file.
	if _, err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := again.Reload(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sum(again, "k3"), sum(k, "k3")) {
		t.Error("k3 differs between the two processes")
	}
}
