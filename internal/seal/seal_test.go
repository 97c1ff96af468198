package seal

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	k, _ := newTestKeyring(t)
	tests := []struct {
		name, plain, aad string
	}{
		{"id number", "11010520180101123X", "child.id_number"},
		{"phone", "13800138000", "guardian.phone"},
		{"address", "四川省凉山彝族自治州昭觉县某乡某村 3 组 12 号", "child.address"},
		{"one byte", "x", "x"},
		{"no aad", "11010520180101123X", ""},
		{"long", strings.Repeat("留守儿童", 1000), "child.note"},
		{"binary", "\x00\xff\x01", "child.blob"},
	}
	for _, tt := range tests {
		sealed, err := k.Seal([]byte(tt.plain), []byte(tt.aad))
		if err != nil {
			t.Fatalf("%s: Seal: %v", tt.name, err)
		}
		if len(tt.plain) >= 8 && bytes.Contains(sealed, []byte(tt.plain)) {
			t.Errorf("%s: sealed value contains the plaintext", tt.name)
		}
		if got, want := len(sealed), 2+len("k1")+nonceSize+len(tt.plain)+tagSize; got != want {
			t.Errorf("%s: len(sealed) = %d, want %d", tt.name, got, want)
		}
		got, err := k.Open(sealed, []byte(tt.aad))
		if err != nil || string(got) != tt.plain {
			t.Errorf("%s: Open = %q, %v; want %q", tt.name, got, err, tt.plain)
		}

		text, err := k.SealString(tt.plain, tt.aad)
		if err != nil {
			t.Fatalf("%s: SealString: %v", tt.name, err)
		}
		if !regexp.MustCompile(`^v1\.k1\.[A-Za-z0-9_-]+$`).MatchString(text) {
			t.Errorf("%s: SealString = %q, want v1.k1.<base64url>", tt.name, text)
		}
		gotS, err := k.OpenString(text, tt.aad)
		if err != nil || gotS != tt.plain {
			t.Errorf("%s: OpenString = %q, %v; want %q", tt.name, gotS, err, tt.plain)
		}
		if id, err := k.KeyIDOfString(text); err != nil || id != "k1" {
			t.Errorf("%s: KeyIDOfString = %q, %v; want k1", tt.name, id, err)
		}
	}
}

func TestEmptyStaysEmpty(t *testing.T) {
	k, _ := newTestKeyring(t)
	for _, p := range [][]byte{nil, {}} {
		sealed, err := k.Seal(p, []byte("child.phone"))
		if err != nil || len(sealed) != 0 {
			t.Errorf("Seal(%q) = %q, %v; want empty, nil", p, sealed, err)
		}
		got, err := k.Open(p, []byte("child.phone"))
		if err != nil || len(got) != 0 {
			t.Errorf("Open(%q) = %q, %v; want empty, nil", p, got, err)
		}
	}
	if s, err := k.SealString("", "child.phone"); s != "" || err != nil {
		t.Errorf(`SealString("") = %q, %v; want "", nil`, s, err)
	}
	if s, err := k.OpenString("", "child.phone"); s != "" || err != nil {
		t.Errorf(`OpenString("") = %q, %v; want "", nil`, s, err)
	}
	if s, err := k.ResealString("", "child.phone"); s != "" || err != nil {
		t.Errorf(`ResealString("") = %q, %v; want "", nil`, s, err)
	}
	if id, err := k.KeyIDOf(nil); id != "" || err != nil {
		t.Errorf(`KeyIDOf(nil) = %q, %v; want "", nil`, id, err)
	}
	if got := k.BlindIndex("child.phone", ""); got != "" {
		t.Errorf(`BlindIndex of "" = %q, want ""`, got)
	}
}

func TestDistinctCiphertexts(t *testing.T) {
	k, _ := newTestKeyring(t)
	const n = 1000
	seen := make(map[string]bool, n)
	nonces := make(map[string]bool, n)
	for range n {
		s, err := k.Seal([]byte("11010520180101123X"), []byte("child.id_number"))
		if err != nil {
			t.Fatal(err)
		}
		seen[string(s)] = true
		nonces[string(s[4:4+nonceSize])] = true
	}
	if got, want := len(seen), n; got != want {
		t.Errorf("distinct ciphertexts = %d, want %d", got, want)
	}
	if got, want := len(nonces), n; got != want {
		t.Errorf("distinct nonces = %d, want %d", got, want)
	}
}

func TestAADMismatch(t *testing.T) {
	k, _ := newTestKeyring(t)
	const plain = "11010520180101123X"
	sealed, _ := k.Seal([]byte(plain), []byte("child.id_number"))
	text, _ := k.SealString(plain, "child.id_number")
	for _, aad := range []string{"guardian.id_number", "", "child.id_number ", "child.id_numbe", "CHILD.ID_NUMBER"} {
		if _, err := k.Open(sealed, []byte(aad)); !errors.Is(err, ErrTampered) {
			t.Errorf("Open with aad %q: got %v, want ErrTampered", aad, err)
		}
		_, err := k.OpenString(text, aad)
		if !errors.Is(err, ErrTampered) {
			t.Errorf("OpenString with aad %q: got %v, want ErrTampered", aad, err)
			continue
		}
		if !strings.Contains(err.Error(), "解密失败：数据被篡改或密钥不匹配") {
			t.Errorf("error %q lacks the Chinese explanation", err)
		}
		if strings.Contains(err.Error(), plain) {
			t.Errorf("error reveals the plaintext: %q", err)
		}
	}
}

func TestTamperEveryByte(t *testing.T) {
	k, _ := newTestKeyring(t)
	const plain = "11010520180101123X"
	sealed, _ := k.Seal([]byte(plain), []byte("child.id_number"))
	for i := range sealed {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(sealed)
			bad[i] ^= mask
			got, err := k.Open(bad, []byte("child.id_number"))
			if err == nil {
				t.Errorf("byte %d ^ %#x: Open succeeded with %q, want an error", i, mask, got)
				continue
			}
			if !errors.Is(err, ErrTampered) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownKey) {
				t.Errorf("byte %d ^ %#x: got %v, want ErrTampered, ErrMalformed or ErrUnknownKey", i, mask, err)
			}
			if strings.Contains(err.Error(), plain) {
				t.Errorf("byte %d: error reveals the plaintext: %q", i, err)
			}
		}
	}
	// Bytes in the ciphertext and tag must fail authentication specifically.
	bad := bytes.Clone(sealed)
	bad[len(bad)-20] ^= 1
	if _, err := k.Open(bad, []byte("child.id_number")); !errors.Is(err, ErrTampered) {
		t.Errorf("flipped ciphertext bit: got %v, want ErrTampered", err)
	}
	for _, n := range []int{1, 2, 3, 4, 10, len(sealed) - 1} {
		if _, err := k.Open(sealed[:n], []byte("child.id_number")); err == nil {
			t.Errorf("truncated to %d bytes: Open succeeded", n)
		}
	}
	if _, err := k.Open(append(bytes.Clone(sealed), 0), []byte("child.id_number")); !errors.Is(err, ErrTampered) {
		t.Errorf("extra byte: got %v, want ErrTampered", err)
	}
}

func TestTamperText(t *testing.T) {
	k, _ := newTestKeyring(t)
	text, _ := k.SealString("13800138000", "guardian.phone")
	body := text[len("v1.k1."):]
	mid := len(body) / 2
	flip := byte('A')
	if body[mid] == 'A' {
		flip = 'B'
	}
	tests := []struct {
		name, in string
		want     error
	}{
		{"body char changed", "v1.k1." + body[:mid] + string(flip) + body[mid+1:], ErrTampered},
		{"key id relabelled", "v1.k2." + body, ErrUnknownKey},
		{"version", "v2.k1." + body, ErrMalformed},
		{"no prefix", body, ErrMalformed},
		{"empty id", "v1.." + body, ErrMalformed},
		{"bad id", "v1.K1." + body, ErrMalformed},
		{"no body separator", "v1.k1", ErrMalformed},
		{"bad base64", "v1.k1.!!!!" + body, ErrMalformed},
		{"padded base64", "v1.k1." + body + "==", ErrMalformed},
		{"short body", "v1.k1.AAAA", ErrMalformed},
		{"dot in body", "v1.k1.ab.cd", ErrMalformed},
	}
	for _, tt := range tests {
		_, err := k.OpenString(tt.in, "guardian.phone")
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestKeyIDOfMalformed(t *testing.T) {
	k, _ := newTestKeyring(t)
	for _, in := range [][]byte{{0x01}, {0x02, 2, 'k', '1'}, {0x01, 40}, {0x01, 2, 'k', '1'}, {0x01, 0, 1, 2}} {
		if _, err := k.KeyIDOf(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("KeyIDOf(%x): got %v, want ErrMalformed", in, err)
		}
		if k.NeedsReseal(in) {
			t.Errorf("NeedsReseal(%x) = true, want false", in)
		}
	}
}

func TestBlindIndex(t *testing.T) {
	k, path := newTestKeyring(t)
	other, _ := newTestKeyring(t)
	const id = "11010520180101123X"
	idx := k.BlindIndex("child.id_number", id)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(idx) {
		t.Errorf("BlindIndex = %q, want 32 lower-case hex characters", idx)
	}
	tests := []struct {
		name     string
		got      string
		wantSame bool
	}{
		{"same input again", k.BlindIndex("child.id_number", id), true},
		{"other kind", k.BlindIndex("guardian.id_number", id), false},
		{"other value", k.BlindIndex("child.id_number", "110105201801011231"), false},
		{"lower-case x (not normalized)", k.BlindIndex("child.id_number", strings.ToLower(id)), false},
		{"kind/value boundary moved", k.BlindIndex("child.id_number1", id[1:]), false},
		{"other key file", other.BlindIndex("child.id_number", id), false},
	}
	for _, tt := range tests {
		if same := tt.got == idx; same != tt.wantSame {
			t.Errorf("%s: index %q vs %q, same = %v, want %v", tt.name, tt.got, idx, same, tt.wantSame)
		}
	}
	reopened, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := reopened.BlindIndex("child.id_number", id); got != idx {
		t.Errorf("BlindIndex after reopen = %q, want %q", got, idx)
	}
	// A value longer than the stack buffer.
	long := strings.Repeat("长", 200)
	if a, b := k.BlindIndex("child.address", long), reopened.BlindIndex("child.address", long); a != b || a == "" {
		t.Errorf("long value: %q vs %q", a, b)
	}

	for _, kind := range []string{"", "child\x00id"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("BlindIndex(kind %q) did not panic", kind)
				}
			}()
			k.BlindIndex(kind, id)
		}()
	}
}

func TestConcurrentUse(t *testing.T) {
	k, _ := newTestKeyring(t)
	const aad = "child.id_number"
	const id = "11010520180101123X"
	idx := k.BlindIndex(aad, id)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				s, err := k.SealString(id, aad)
				if err != nil {
					errs <- err
					return
				}
				got, err := k.OpenString(s, aad)
				if err != nil || got != id {
					errs <- errors.New("round trip failed: " + got + " " + errorString(err))
					return
				}
				if k.BlindIndex(aad, id) != idx {
					errs <- errors.New("blind index changed")
					return
				}
				if (g+i)%50 == 0 {
					k.NeedsResealString(s)
					_ = k.String()
					_ = k.KeyIDs()
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			if _, err := k.Rotate(); err != nil {
				errs <- err
				return
			}
		}
		if err := k.Reload(); err != nil {
			errs <- err
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := k.ActiveKeyID(), "k6"; got != want {
		t.Errorf("ActiveKeyID = %q, want %q", got, want)
	}
}

func errorString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
