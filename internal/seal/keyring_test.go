package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func newTestKeyring(t testing.TB) (*Keyring, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys", DefaultKeyFileName)
	k, err := CreateKeyring(path)
	if err != nil {
		t.Fatalf("CreateKeyring: %v", err)
	}
	return k, path
}

func skipOnWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits on Windows")
	}
}

func TestCreateKeyringModes(t *testing.T) {
	skipOnWindows(t)
	k, path := newTestKeyring(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), fs.FileMode(0o600); got != want {
		t.Errorf("key file mode = %#o, want %#o", got, want)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := di.Mode().Perm(), fs.FileMode(0o700); got != want {
		t.Errorf("key dir mode = %#o, want %#o", got, want)
	}
	if got, want := k.ActiveKeyID(), "k1"; got != want {
		t.Errorf("ActiveKeyID = %q, want %q", got, want)
	}
	// Rotation keeps the mode.
	if _, err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(path)
	if got, want := fi.Mode().Perm(), fs.FileMode(0o600); got != want {
		t.Errorf("key file mode after Rotate = %#o, want %#o", got, want)
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if got, want := len(entries), 1; got != want {
		t.Errorf("files in key dir = %d, want %d (%v)", got, want, entries)
	}
}

func TestCreateKeyringRefusesOverwrite(t *testing.T) {
	k, path := newTestKeyring(t)
	before, _ := os.ReadFile(path)
	for name, create := range map[string]func() (*Keyring, error){
		"CreateKeyring":    func() (*Keyring, error) { return CreateKeyring(path) },
		"CreateWithMaster": func() (*Keyring, error) { return CreateWithMaster(path, make([]byte, MasterKeySize)) },
	} {
		_, err := create()
		if !errors.Is(err, ErrKeyFileExists) {
			t.Errorf("%s over existing file: got %v, want ErrKeyFileExists", name, err)
		}
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("existing key file was modified")
	}
	if _, err := OpenKeyring(path); err != nil {
		t.Errorf("reopen after refused overwrite: %v (keyring %v)", err, k)
	}
}

func TestOpenRefusesInsecurePermissions(t *testing.T) {
	skipOnWindows(t)
	_, path := newTestKeyring(t)
	tests := []struct {
		mode    fs.FileMode
		wantErr bool
	}{
		{0o600, false},
		{0o400, false},
		{0o644, true},
		{0o640, true},
		{0o604, true},
		{0o660, true},
		{0o620, true},
		{0o666, true},
	}
	for _, tt := range tests {
		if err := os.Chmod(path, tt.mode); err != nil {
			t.Fatal(err)
		}
		_, err := OpenKeyring(path)
		if got := err != nil; got != tt.wantErr {
			t.Errorf("mode %#o: got err %v, want error %v", tt.mode, err, tt.wantErr)
			continue
		}
		if !tt.wantErr {
			continue
		}
		if !errors.Is(err, ErrInsecurePermissions) {
			t.Errorf("mode %#o: got %v, want ErrInsecurePermissions", tt.mode, err)
		}
		for _, want := range []string{"密钥文件权限过宽", "chmod 600 " + path, fmt.Sprintf("%#o", uint32(tt.mode))} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("mode %#o: error %q does not contain %q", tt.mode, err, want)
			}
		}
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := OpenKeyring(filepath.Join(t.TempDir(), "nope.key"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want fs.ErrNotExist", err)
	}
}

func TestReopenKeepsIndexAndOpensOldValues(t *testing.T) {
	k, path := newTestKeyring(t)
	const id = "11010520180101123X"
	sealed, err := k.SealString(id, "child.id_number")
	if err != nil {
		t.Fatal(err)
	}
	idx := k.BlindIndex("child.id_number", id)

	k2, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := k2.ID(), k.ID(); got != want {
		t.Errorf("ID = %q, want %q", got, want)
	}
	if got, want := k2.BlindIndex("child.id_number", id), idx; got != want {
		t.Errorf("BlindIndex after reopen = %q, want %q", got, want)
	}
	got, err := k2.OpenString(sealed, "child.id_number")
	if err != nil || got != id {
		t.Errorf("OpenString after reopen = %q, %v; want %q, nil", got, err, id)
	}
}

func TestRotation(t *testing.T) {
	k, path := newTestKeyring(t)
	const aad = "child.id_number"
	plain := []string{"11010520180101123X", "44030420170615002X", "13800138000"}
	var old []string
	for _, p := range plain {
		s, err := k.SealString(p, aad)
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, s)
	}
	oldRaw, _ := k.Seal([]byte(plain[0]), []byte(aad))
	idxBefore := k.BlindIndex(aad, plain[0])

	newID, err := k.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := newID, "k2"; got != want {
		t.Errorf("Rotate id = %q, want %q", got, want)
	}
	if got, want := k.ActiveKeyID(), "k2"; got != want {
		t.Errorf("ActiveKeyID = %q, want %q", got, want)
	}
	if got, want := strings.Join(k.KeyIDs(), ","), "k1,k2"; got != want {
		t.Errorf("KeyIDs = %q, want %q", got, want)
	}
	if got, want := k.BlindIndex(aad, plain[0]), idxBefore; got != want {
		t.Errorf("BlindIndex after Rotate = %q, want %q", got, want)
	}
	for i, s := range old {
		got, err := k.OpenString(s, aad)
		if err != nil || got != plain[i] {
			t.Errorf("old value %d: got %q, %v; want %q", i, got, err, plain[i])
		}
		if !k.NeedsResealString(s) {
			t.Errorf("old value %d: NeedsResealString = false, want true", i)
		}
	}
	if !k.NeedsReseal(oldRaw) {
		t.Error("NeedsReseal(old binary) = false, want true")
	}
	fresh, err := k.Seal([]byte(plain[0]), []byte(aad))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := k.KeyIDOf(fresh); got != "k2" {
		t.Errorf("KeyIDOf(new value) = %q, want %q", got, "k2")
	}
	if k.NeedsReseal(fresh) {
		t.Error("NeedsReseal(new value) = true, want false")
	}
	if got, want := k.NeedsReseal(nil), false; got != want {
		t.Errorf("NeedsReseal(nil) = %v, want %v", got, want)
	}

	// Reseal moves an old value to the active key and leaves a current one alone.
	re, err := k.ResealString(old[0], aad)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := k.KeyIDOfString(re); got != "k2" {
		t.Errorf("KeyIDOfString(resealed) = %q, want k2", got)
	}
	if got, _ := k.OpenString(re, aad); got != plain[0] {
		t.Errorf("OpenString(resealed) = %q, want %q", got, plain[0])
	}
	same, err := k.Reseal(fresh, []byte(aad))
	if err != nil || !bytes.Equal(same, fresh) {
		t.Errorf("Reseal(current value) = %x, %v; want it unchanged", same, err)
	}
	if _, err := k.Reseal(fresh, []byte("child.phone")); !errors.Is(err, ErrTampered) {
		t.Errorf("Reseal with wrong aad: got %v, want ErrTampered", err)
	}

	// A second rotation and a reopen from the file.
	if id, err := k.Rotate(); err != nil || id != "k3" {
		t.Fatalf("second Rotate = %q, %v; want k3", id, err)
	}
	k2, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := k2.ActiveKeyID(), "k3"; got != want {
		t.Errorf("reopened ActiveKeyID = %q, want %q", got, want)
	}
	if got, want := k2.BlindIndex(aad, plain[0]), idxBefore; got != want {
		t.Errorf("reopened BlindIndex = %q, want %q", got, want)
	}
	for i, s := range append(old, re) {
		want := plain[0]
		if i < len(plain) {
			want = plain[i]
		}
		if got, err := k2.OpenString(s, aad); err != nil || got != want {
			t.Errorf("reopened OpenString %d = %q, %v; want %q", i, got, err, want)
		}
	}
}

func TestOtherProcessRotation(t *testing.T) {
	a, path := newTestKeyring(t)
	b, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Rotate(); err != nil {
		t.Fatal(err)
	}
	sealed, _ := a.SealString("13800138000", "guardian.phone")

	// b has never heard of k2; Open re-reads the file (once the rate limit allows).
	b.mu.Lock()
	b.lastReload = time.Time{}
	b.mu.Unlock()
	got, err := b.OpenString(sealed, "guardian.phone")
	if err != nil || got != "13800138000" {
		t.Fatalf("OpenString with key from another process = %q, %v", got, err)
	}
	if got, want := b.ActiveKeyID(), "k2"; got != want {
		t.Errorf("ActiveKeyID after reload = %q, want %q", got, want)
	}

	// b rotates on top of a's rotation: k3, and k2 is kept.
	if id, err := b.Rotate(); err != nil || id != "k3" {
		t.Fatalf("b.Rotate = %q, %v; want k3", id, err)
	}
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(a.KeyIDs(), ","), "k1,k2,k3"; got != want {
		t.Errorf("a.KeyIDs after Reload = %q, want %q", got, want)
	}
}

func TestUnknownKeyRateLimited(t *testing.T) {
	k, _ := newTestKeyring(t)
	s, _ := k.Seal([]byte("x"), nil)
	forged := append([]byte{sealVersion, 2, 'k', '9'}, s[4:]...)
	_, err := k.Open(forged, nil)
	if !errors.Is(err, ErrUnknownKey) {
		t.Errorf("got %v, want ErrUnknownKey", err)
	}
}

func TestRotateRefusesStaleKeyFile(t *testing.T) {
	k, path := newTestKeyring(t)
	oldFile, _ := os.ReadFile(path)
	if _, err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	// Someone restores an old backup over the rotated file.
	if err := os.WriteFile(path, oldFile, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Rotate(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "k2") {
		t.Errorf("Rotate over stale file: got %v, want ErrCorrupt naming k2", err)
	}
	if err := k.Reload(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Reload of stale file: got %v, want ErrCorrupt", err)
	}
	if got, want := k.ActiveKeyID(), "k2"; got != want {
		t.Errorf("ActiveKeyID after failed Rotate = %q, want %q", got, want)
	}

	// A file of another keyring is refused too.
	other, _ := newTestKeyring(t)
	otherFile, _ := os.ReadFile(other.Path())
	os.WriteFile(path, otherFile, 0o600)
	if err := k.Reload(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Reload of another keyring's file: got %v, want ErrCorrupt", err)
	}
}

func TestWrongMasterKey(t *testing.T) {
	dir := t.TempDir()
	m1, _ := DecodeMasterKey(GenerateMasterKey())
	m2, _ := DecodeMasterKey(GenerateMasterKey())
	extPath := filepath.Join(dir, "ext.key")
	ext, err := CreateWithMaster(extPath, m1)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := ext.SealString("广东省深圳市南山区某街道 1 号", "child.address")

	k2, err := OpenWithMaster(extPath, m1)
	if err != nil {
		t.Fatalf("OpenWithMaster(right key): %v", err)
	}
	if got, _ := k2.OpenString(sealed, "child.address"); got != "广东省深圳市南山区某街道 1 号" {
		t.Errorf("OpenString via external master = %q", got)
	}

	_, embeddedPath := newTestKeyring(t)
	tests := []struct {
		name string
		open func() (*Keyring, error)
		want error
	}{
		{"external, wrong master", func() (*Keyring, error) { return OpenWithMaster(extPath, m2) }, ErrWrongMaster},
		{"external, no master", func() (*Keyring, error) { return OpenKeyring(extPath) }, ErrMasterRequired},
		{"external, short master", func() (*Keyring, error) { return OpenWithMaster(extPath, m1[:16]) }, ErrWrongMaster},
		{"embedded, wrong master", func() (*Keyring, error) { return OpenWithMaster(embeddedPath, m2) }, ErrWrongMaster},
	}
	for _, tt := range tests {
		_, err := tt.open()
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "主密钥") {
			t.Errorf("%s: error %q does not mention 主密钥", tt.name, msg)
		}
		for _, m := range [][]byte{m1, m2} {
			if strings.Contains(msg, hex.EncodeToString(m)) || strings.Contains(msg, base64.StdEncoding.EncodeToString(m)) {
				t.Errorf("%s: error reveals a master key: %q", tt.name, msg)
			}
		}
	}
}

func TestKeyFileHoldsNoPlainKeys(t *testing.T) {
	for _, external := range []bool{false, true} {
		t.Run(fmt.Sprintf("external=%v", external), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "guanai.key")
			var k *Keyring
			var err error
			master, _ := DecodeMasterKey(GenerateMasterKey())
			if external {
				k, err = CreateWithMaster(path, master)
			} else {
				k, err = CreateKeyring(path)
			}
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := k.Rotate(); err != nil {
					t.Fatal(err)
				}
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			secrets := map[string][]byte{"index key": k.index}
			for id, dk := range k.st.keys {
				secrets["data key "+id] = dk.raw
			}
			if external {
				secrets["master key"] = master
			}
			if got, want := len(secrets), 4+btoi(external); got != want {
				t.Fatalf("collected %d secrets, want %d", got, want)
			}
			for name, raw := range secrets {
				for _, enc := range []string{
					string(raw),
					hex.EncodeToString(raw),
					strings.ToUpper(hex.EncodeToString(raw)),
					base64.StdEncoding.EncodeToString(raw),
					base64.RawStdEncoding.EncodeToString(raw),
					base64.URLEncoding.EncodeToString(raw),
					base64.RawURLEncoding.EncodeToString(raw),
				} {
					if bytes.Contains(data, []byte(enc)) {
						t.Errorf("key file contains %s in plain form", name)
					}
				}
			}
			// The file is versioned JSON.
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			if got, want := doc["format"], "guanai-keyring"; got != want {
				t.Errorf("format = %v, want %v", got, want)
			}
			if got, want := doc["version"], float64(1); got != want {
				t.Errorf("version = %v, want %v", got, want)
			}
			if _, has := doc["master_key"]; has == external {
				t.Errorf("master_key present = %v with external master = %v", has, external)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestCorruptKeyFile(t *testing.T) {
	_, path := newTestKeyring(t)
	orig, _ := os.ReadFile(path)
	var doc map[string]any
	json.Unmarshal(orig, &doc)

	edit := func(f func(map[string]any)) []byte {
		var d map[string]any
		json.Unmarshal(orig, &d)
		f(d)
		b, _ := json.Marshal(d)
		return b
	}
	flipWrapped := func(d map[string]any) {
		keys := d["data_keys"].([]any)
		e := keys[0].(map[string]any)
		b, _ := base64.StdEncoding.DecodeString(e["wrapped"].(string))
		b[len(b)-1] ^= 1
		e["wrapped"] = base64.StdEncoding.EncodeToString(b)
	}
	tests := []struct {
		name    string
		content []byte
		want    error
		wantMsg string
	}{
		{"not JSON", []byte("not json"), ErrCorrupt, "JSON"},
		{"truncated", orig[:len(orig)/2], ErrCorrupt, "JSON"},
		{"newer version", edit(func(d map[string]any) { d["version"] = 2 }), ErrCorrupt, "请升级"},
		{"other format", edit(func(d map[string]any) { d["format"] = "x" }), ErrCorrupt, "不是 guanai 密钥文件"},
		{"wrapped data key altered", edit(flipWrapped), ErrCorrupt, "数据密钥 k1"},
		{"active key missing", edit(func(d map[string]any) { d["active_key"] = "k7" }), ErrCorrupt, "k7"},
		{"master key replaced", edit(func(d map[string]any) {
			d["master_key"] = base64.StdEncoding.EncodeToString(make([]byte, MasterKeySize))
		}), ErrWrongMaster, "主密钥"},
	}
	for _, tt := range tests {
		if err := os.WriteFile(path, tt.content, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := OpenKeyring(path)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: error %q does not contain %q", tt.name, err, tt.wantMsg)
		}
	}
}

func TestOpenOrCreate(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	k, created, err := OpenOrCreate(dataDir, "")
	if err != nil || !created {
		t.Fatalf("first OpenOrCreate = created %v, %v; want true, nil", created, err)
	}
	if got, want := k.Path(), filepath.Join(dataDir, "guanai.key"); got != want {
		t.Errorf("Path = %q, want %q", got, want)
	}
	k2, created, err := OpenOrCreate(dataDir, "")
	if err != nil || created {
		t.Fatalf("second OpenOrCreate = created %v, %v; want false, nil", created, err)
	}
	if k2.ID() != k.ID() {
		t.Errorf("second OpenOrCreate opened keyring %s, want %s", k2.ID(), k.ID())
	}

	explicit := filepath.Join(t.TempDir(), "etc", "custom.key")
	k3, created, err := OpenOrCreate(dataDir, explicit)
	if err != nil || !created || k3.Path() != explicit || k3.ID() == k.ID() {
		t.Errorf("OpenOrCreate with key file = %v, created %v, %v", k3, created, err)
	}

	master, _ := DecodeMasterKey(GenerateMasterKey())
	extPath := filepath.Join(t.TempDir(), "ext.key")
	if _, created, err := OpenOrCreateWithMaster("", extPath, master); err != nil || !created {
		t.Errorf("OpenOrCreateWithMaster create = %v, %v", created, err)
	}
	if _, created, err := OpenOrCreateWithMaster("", extPath, master); err != nil || created {
		t.Errorf("OpenOrCreateWithMaster open = %v, %v", created, err)
	}
	if _, _, err := OpenOrCreate("", ""); err == nil {
		t.Error("OpenOrCreate with no paths: got nil error")
	}

	if runtime.GOOS != "windows" {
		// A key file with wide permissions is an error, never a reason to make a new one.
		os.Chmod(k.Path(), 0o644)
		if _, created, err := OpenOrCreate(dataDir, ""); !errors.Is(err, ErrInsecurePermissions) || created {
			t.Errorf("OpenOrCreate over 0644 file = created %v, %v; want ErrInsecurePermissions", created, err)
		}
	}
}

func TestStringHidesKeys(t *testing.T) {
	k, _ := newTestKeyring(t)
	k.Rotate()
	var outs []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		outs = append(outs, fmt.Sprintf(f, k))
	}
	outs = append(outs, fmt.Sprintf("%v %+v %#v %x %s", k.index, k.st.master, k.index, k.index, k.st.keys["k1"].raw))
	outs = append(outs, fmt.Sprintf("%+v %#v %v", *k.st.keys["k2"], k.st.keys, k.st), fmt.Sprintf("%+v", *k.st))
	secrets := [][]byte{k.index, k.st.master}
	for _, dk := range k.st.keys {
		secrets = append(secrets, dk.raw)
	}
	for _, out := range outs {
		for _, s := range secrets {
			if strings.Contains(out, hex.EncodeToString(s)) || strings.Contains(out, string(s)) ||
				strings.Contains(out, fmt.Sprint([]byte(s))) || strings.Contains(out, base64.StdEncoding.EncodeToString(s)) {
				t.Errorf("formatted output reveals key bytes: %q", out)
			}
		}
	}
	if got := k.String(); !strings.Contains(got, "active=k2") || !strings.Contains(got, k.ID()) {
		t.Errorf("String() = %q, want it to name the keyring id and active key", got)
	}
}

func TestDecodeMasterKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xfb, 0xef}, MasterKeySize/2)
	tests := []struct {
		in      string
		wantErr bool
	}{
		{hex.EncodeToString(raw), false},
		{strings.ToUpper(hex.EncodeToString(raw)), false},
		{"  " + hex.EncodeToString(raw) + "\n", false},
		{base64.StdEncoding.EncodeToString(raw), false},
		{base64.RawStdEncoding.EncodeToString(raw), false},
		{base64.URLEncoding.EncodeToString(raw), false},
		{base64.RawURLEncoding.EncodeToString(raw), false},
		{"", true},
		{hex.EncodeToString(raw[:16]), true},
		{strings.Repeat("z", 64), true},
	}
	for _, tt := range tests {
		got, err := DecodeMasterKey(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("DecodeMasterKey(%q): got err %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && !bytes.Equal(got, raw) {
			t.Errorf("DecodeMasterKey(%q) = %x, want %x", tt.in, got, raw)
		}
		if err != nil && tt.in != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.in)) {
			t.Errorf("DecodeMasterKey error repeats the input: %q", err)
		}
	}
	if a, b := GenerateMasterKey(), GenerateMasterKey(); a == b || len(a) != 64 {
		t.Errorf("GenerateMasterKey = %q, %q; want two different 64-char keys", a, b)
	}
}
