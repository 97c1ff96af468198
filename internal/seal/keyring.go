package seal

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// MasterKeySize is the length in bytes of a master key.
const MasterKeySize = 32

// DefaultKeyFileName is the key file name OpenOrCreate uses inside the data directory when
// the caller gives no explicit key file path.
const DefaultKeyFileName = "guanai.key"

const (
	fileFormat     = "guanai-keyring"
	fileVersion    = 1
	kdfName        = "HKDF-SM3"
	wrapName       = "SM4-GCM"
	masterInFile   = "file"
	masterExternal = "external"

	dataKeySize    = 16 // SM4 key
	indexKeySize   = 32 // HMAC-SM3 key
	kekSize        = 16 // SM4 key
	checkSize      = 16
	saltSize       = 16
	keyringIDSize  = 8
	maxKeyIDLen    = 32
	maxKeyFileSize = 1 << 20

	// reloadInterval limits how often a value naming an unknown key id makes the keyring
	// re-read its file (so crafted input cannot turn into a stream of disk reads).
	reloadInterval = time.Second
)

// HKDF info strings; changing them changes every derived key.
const (
	infoKEK   = "guanai/seal/v1 key-encryption-key"
	infoCheck = "guanai/seal/v1 master-key-check"
)

// keyFile is the JSON document stored in the key file. []byte fields are base64 (standard
// alphabet, padded) as encoding/json writes them.
type keyFile struct {
	Format       string     `json:"format"`
	Version      int        `json:"version"`
	ID           string     `json:"keyring_id"`
	CreatedAt    time.Time  `json:"created_at"`
	KDF          string     `json:"kdf"`
	Wrap         string     `json:"wrap"`
	Salt         []byte     `json:"kdf_salt"`
	MasterSource string     `json:"master_source"`
	MasterKey    []byte     `json:"master_key,omitempty"`
	MasterCheck  []byte     `json:"master_check"`
	IndexKey     []byte     `json:"index_key_wrapped"`
	Active       string     `json:"active_key"`
	DataKeys     []keyEntry `json:"data_keys"`
}

type keyEntry struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Wrapped   []byte    `json:"wrapped"`
}

// secret holds key bytes; every fmt verb prints a placeholder instead of the bytes.
type secret []byte

func (secret) Format(f fmt.State, _ rune) { io.WriteString(f, "[已隐藏]") }

type dataKey struct {
	id   string
	raw  secret
	aead cipher.AEAD
}

// Format prints only the key id: fmt does not call secret's Format for unexported fields.
func (dk dataKey) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "seal.dataKey{id=%s}", dk.id) }

// state is an immutable snapshot of the unlocked key file. Rotate and Reload replace it.
type state struct {
	file   keyFile
	master secret
	kek    cipher.AEAD
	keys   map[string]*dataKey
	active *dataKey
}

// Format prints no key material (see dataKey.Format).
func (st state) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "seal.state{keyring=%s active=%s keys=%d}", st.file.ID, st.active.id, len(st.keys))
}

// Keyring holds the unlocked keys of one key file. Use OpenKeyring, OpenWithMaster,
// CreateKeyring, CreateWithMaster or OpenOrCreate to get one. It is safe for concurrent use.
type Keyring struct {
	path  string
	id    string
	index secret    // never changes for the life of a key file
	macs  sync.Pool // of hash.Hash: HMAC-SM3 keyed with index
	// auditKeys caches the derived audit MAC keys by data key id (audit.go): the master key
	// never changes for the life of a Keyring, so neither do they.
	auditKeys sync.Map

	mu         sync.RWMutex
	st         *state
	lastReload time.Time
}

// OpenKeyring loads the key file at path, whose master key is stored in the file itself.
// It refuses a file that group or other users may access (ErrInsecurePermissions).
// For a key file created by CreateWithMaster use OpenWithMaster.
func OpenKeyring(path string) (*Keyring, error) {
	return openKeyring(path, nil)
}

// OpenWithMaster loads the key file at path with a master key supplied by the caller, for
// deployments that keep the master key outside the key file (secret manager, environment,
// HSM export). If the file does hold a master key, master must equal it. A master key that
// does not belong to the file gives ErrWrongMaster.
func OpenWithMaster(path string, master []byte) (*Keyring, error) {
	if len(master) != MasterKeySize {
		return nil, fmt.Errorf("seal: 打开密钥文件 %s: %w：主密钥长度应为 %d 字节，实际为 %d 字节",
			path, ErrWrongMaster, MasterKeySize, len(master))
	}
	return openKeyring(path, master)
}

// CreateKeyring creates a new key file at path holding a fresh random master key, data key
// "k1" and index key, with mode 0600. The parent directory is created with mode 0700 if
// missing. It never overwrites: an existing file gives ErrKeyFileExists.
func CreateKeyring(path string) (*Keyring, error) {
	master := make([]byte, MasterKeySize)
	rand.Read(master)
	return createKeyring(path, master, masterInFile)
}

// CreateWithMaster is CreateKeyring for a master key kept outside the key file: the file
// records only a check value of master, and must later be opened with OpenWithMaster and
// the same master key. Without that master key the file, and all data sealed with it, is
// unrecoverable.
func CreateWithMaster(path string, master []byte) (*Keyring, error) {
	if len(master) != MasterKeySize {
		return nil, fmt.Errorf("seal: 创建密钥文件 %s: 主密钥长度应为 %d 字节，实际为 %d 字节",
			path, MasterKeySize, len(master))
	}
	return createKeyring(path, slices.Clone(master), masterExternal)
}

// OpenOrCreate opens the key file keyFile, or <dataDir>/guanai.key when keyFile is empty
// (the caller passes GUANAI_KEY_FILE; this package reads no environment), creating it with
// CreateKeyring when it does not exist. created reports whether a new file was made.
//
// A newly created key file cannot open anything sealed before: a caller whose database
// already holds sealed values must treat created == true as an error (the key file was
// lost or misconfigured) rather than carry on; comparing Keyring.ID with an id recorded in
// the database catches both cases.
func OpenOrCreate(dataDir string, keyFile string) (k *Keyring, created bool, err error) {
	return openOrCreate(dataDir, keyFile, nil)
}

// OpenOrCreateWithMaster is OpenOrCreate with a caller-supplied master key: it opens with
// OpenWithMaster or creates with CreateWithMaster.
func OpenOrCreateWithMaster(dataDir string, keyFile string, master []byte) (k *Keyring, created bool, err error) {
	if len(master) != MasterKeySize {
		return nil, false, fmt.Errorf("seal: 主密钥长度应为 %d 字节，实际为 %d 字节: %w",
			MasterKeySize, len(master), ErrWrongMaster)
	}
	return openOrCreate(dataDir, keyFile, master)
}

func openOrCreate(dataDir, keyFile string, master []byte) (*Keyring, bool, error) {
	path := keyFile
	if path == "" {
		if dataDir == "" {
			return nil, false, errors.New("seal: 未指定密钥文件：数据目录和密钥文件路径均为空")
		}
		path = filepath.Join(dataDir, DefaultKeyFileName)
	}
	open := func() (*Keyring, error) {
		if master != nil {
			return OpenWithMaster(path, master)
		}
		return OpenKeyring(path)
	}
	k, err := open()
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if master != nil {
		k, err = CreateWithMaster(path, master)
	} else {
		k, err = CreateKeyring(path)
	}
	if errors.Is(err, ErrKeyFileExists) { // another process created it meanwhile
		k, err = open()
		return k, false, err
	}
	if err != nil {
		return nil, false, err
	}
	return k, true, nil
}

// GenerateMasterKey returns a new random master key as 64 hexadecimal characters, the form
// to put into a secret store for CreateWithMaster/OpenWithMaster (see DecodeMasterKey).
func GenerateMasterKey() string {
	b := make([]byte, MasterKeySize)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// DecodeMasterKey parses a master key given as text: 64 hexadecimal characters, or
// base64 (standard or URL alphabet, padded or not) of 32 bytes. Surrounding white space is
// ignored. The error never repeats the input.
func DecodeMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*MasterKeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	if b, err := decodeBase64Any(s); err == nil && len(b) == MasterKeySize {
		return b, nil
	}
	return nil, fmt.Errorf("seal: 无法解析主密钥：应为 %d 字节的十六进制（%d 个字符）或 base64 编码",
		MasterKeySize, 2*MasterKeySize)
}

func openKeyring(path string, master []byte) (*Keyring, error) {
	kf, err := readKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("seal: 打开密钥文件 %s: %w", path, err)
	}
	st, index, err := unlock(kf, master)
	if err != nil {
		return nil, fmt.Errorf("seal: 打开密钥文件 %s: %w", path, err)
	}
	return newKeyring(path, st, index), nil
}

func newKeyring(path string, st *state, index secret) *Keyring {
	k := &Keyring{path: path, id: st.file.ID, index: index, st: st, lastReload: time.Now()}
	k.macs.New = func() any { return hmac.New(sm3.New, k.index) }
	return k
}

func createKeyring(path string, master []byte, source string) (*Keyring, error) {
	if path == "" {
		return nil, errors.New("seal: 创建密钥文件：路径为空")
	}
	fail := func(err error) (*Keyring, error) {
		return nil, fmt.Errorf("seal: 创建密钥文件 %s: %w", path, err)
	}
	if _, err := os.Lstat(path); err == nil {
		return fail(ErrKeyFileExists)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fail(fmt.Errorf("创建目录失败: %w", err))
	}
	now := time.Now().UTC().Truncate(time.Second)
	kf := keyFile{
		Format:       fileFormat,
		Version:      fileVersion,
		ID:           randomHex(keyringIDSize),
		CreatedAt:    now,
		KDF:          kdfName,
		Wrap:         wrapName,
		Salt:         randomBytes(saltSize),
		MasterSource: source,
	}
	if source == masterInFile {
		kf.MasterKey = master
	}
	var err error
	if kf.MasterCheck, err = deriveKey(master, kf.Salt, infoCheck, checkSize); err != nil {
		return fail(err)
	}
	kek, err := newKEK(master, kf.Salt)
	if err != nil {
		return fail(err)
	}
	index := randomBytes(indexKeySize)
	kf.IndexKey = wrapKey(kek, index, indexKeyAAD(kf.ID))
	clear(index)
	raw := randomBytes(dataKeySize)
	kf.DataKeys = []keyEntry{{ID: "k1", CreatedAt: now, Wrapped: wrapKey(kek, raw, dataKeyAAD(kf.ID, "k1"))}}
	kf.Active = "k1"
	clear(raw)

	data, err := marshalKeyFile(&kf)
	if err != nil {
		return fail(err)
	}
	if err := writeNewFile(path, data); err != nil {
		return fail(err)
	}
	// Unlock what was written, so a created keyring is built exactly like an opened one.
	st, idx, err := unlock(&kf, master)
	if err != nil {
		return fail(err)
	}
	return newKeyring(path, st, idx), nil
}

// errKeyFileMissing is a Chinese-language fs.ErrNotExist.
type errKeyFileMissing struct{}

func (errKeyFileMissing) Error() string        { return "密钥文件不存在" }
func (errKeyFileMissing) Is(target error) bool { return target == fs.ErrNotExist }

// readKeyFile reads, permission-checks, parses and structurally validates a key file.
func readKeyFile(path string) (*keyFile, error) {
	if path == "" {
		return nil, errors.New("路径为空")
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errKeyFileMissing{}
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w：不是普通文件", ErrCorrupt)
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("%w：当前权限为 %#o，组用户或其他用户可以访问，请执行 chmod 600 %s",
			ErrInsecurePermissions, uint32(perm), path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("%w：文件过大", ErrCorrupt)
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		return nil, fmt.Errorf("%w：无法解析 JSON（%v）", ErrCorrupt, jsonErrorPosition(err))
	}
	if err := kf.validate(); err != nil {
		return nil, err
	}
	return &kf, nil
}

// jsonErrorPosition describes a JSON error without quoting file content.
func jsonErrorPosition(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "语法错误，位置 " + strconv.FormatInt(se.Offset, 10)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "字段 " + te.Field + " 类型错误"
	}
	return "格式错误"
}

func (kf *keyFile) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w："+format, append([]any{ErrCorrupt}, args...)...)
	}
	if kf.Format != fileFormat {
		return bad("不是 guanai 密钥文件（format=%q）", kf.Format)
	}
	if kf.Version != fileVersion {
		if kf.Version > fileVersion {
			return bad("文件版本 %d 高于本程序支持的版本 %d，请升级 guanai", kf.Version, fileVersion)
		}
		return bad("不支持的文件版本 %d", kf.Version)
	}
	if kf.KDF != kdfName || kf.Wrap != wrapName {
		return bad("不支持的算法（kdf=%q, wrap=%q）", kf.KDF, kf.Wrap)
	}
	if len(kf.ID) != 2*keyringIDSize {
		return bad("keyring_id 无效")
	}
	if len(kf.Salt) != saltSize || len(kf.MasterCheck) != checkSize {
		return bad("kdf_salt 或 master_check 长度错误")
	}
	switch kf.MasterSource {
	case masterInFile:
		if len(kf.MasterKey) != MasterKeySize {
			return bad("master_key 长度错误")
		}
	case masterExternal:
		if len(kf.MasterKey) != 0 {
			return bad("master_source 为 external 但文件中含有 master_key")
		}
	default:
		return bad("未知的 master_source %q", kf.MasterSource)
	}
	if len(kf.DataKeys) == 0 {
		return bad("没有数据密钥")
	}
	seen := make(map[string]bool, len(kf.DataKeys))
	for _, e := range kf.DataKeys {
		if !validKeyID(e.ID) {
			return bad("数据密钥编号 %q 无效", e.ID)
		}
		if seen[e.ID] {
			return bad("数据密钥编号 %q 重复", e.ID)
		}
		seen[e.ID] = true
	}
	if !seen[kf.Active] {
		return bad("当前数据密钥 %q 不在密钥列表中", kf.Active)
	}
	return nil
}

// unlock checks master against the file and unwraps the index and data keys. master may
// be nil when the file holds its master key.
func unlock(kf *keyFile, master []byte) (*state, secret, error) {
	switch kf.MasterSource {
	case masterInFile:
		if master != nil && !hmac.Equal(master, kf.MasterKey) {
			return nil, nil, fmt.Errorf("%w：与密钥文件中保存的主密钥不一致", ErrWrongMaster)
		}
		master = kf.MasterKey
	case masterExternal:
		if master == nil {
			return nil, nil, ErrMasterRequired
		}
	}
	check, err := deriveKey(master, kf.Salt, infoCheck, checkSize)
	if err != nil {
		return nil, nil, err
	}
	if !hmac.Equal(check, kf.MasterCheck) {
		return nil, nil, fmt.Errorf("%w：与该密钥文件不匹配", ErrWrongMaster)
	}
	kek, err := newKEK(master, kf.Salt)
	if err != nil {
		return nil, nil, err
	}
	index, err := unwrapKey(kek, kf.IndexKey, indexKeyAAD(kf.ID), indexKeySize)
	if err != nil {
		return nil, nil, fmt.Errorf("%w：索引密钥无法解开", ErrCorrupt)
	}
	st := &state{
		file:   *kf,
		master: slices.Clone(master),
		kek:    kek,
		keys:   make(map[string]*dataKey, len(kf.DataKeys)),
	}
	st.file.DataKeys = slices.Clone(kf.DataKeys)
	for _, e := range kf.DataKeys {
		raw, err := unwrapKey(kek, e.Wrapped, dataKeyAAD(kf.ID, e.ID), dataKeySize)
		if err != nil {
			return nil, nil, fmt.Errorf("%w：数据密钥 %s 无法解开", ErrCorrupt, e.ID)
		}
		dk, err := newDataKey(e.ID, raw)
		if err != nil {
			return nil, nil, err
		}
		st.keys[e.ID] = dk
	}
	st.active = st.keys[kf.Active]
	return st, index, nil
}

func newDataKey(id string, raw []byte) (*dataKey, error) {
	aead, err := newSM4GCM(raw)
	if err != nil {
		return nil, err
	}
	return &dataKey{id: id, raw: raw, aead: aead}, nil
}

func newSM4GCM(key []byte) (cipher.AEAD, error) {
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("初始化 SM4 失败: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("初始化 SM4-GCM 失败: %w", err)
	}
	return aead, nil
}

func deriveKey(master, salt []byte, info string, n int) ([]byte, error) {
	k, err := hkdf.Key(sm3.New, master, salt, info, n)
	if err != nil {
		return nil, fmt.Errorf("HKDF-SM3 派生密钥失败: %w", err)
	}
	return k, nil
}

func newKEK(master, salt []byte) (cipher.AEAD, error) {
	kek, err := deriveKey(master, salt, infoKEK, kekSize)
	if err != nil {
		return nil, err
	}
	defer clear(kek)
	return newSM4GCM(kek)
}

// Wrapping AADs bind a wrapped key to its key file and its role, so wrapped keys cannot be
// swapped between entries or files.
func indexKeyAAD(keyringID string) []byte {
	return []byte("guanai/seal/v1 wrap " + keyringID + " index-key")
}

func dataKeyAAD(keyringID, keyID string) []byte {
	return []byte("guanai/seal/v1 wrap " + keyringID + " data-key " + keyID)
}

// wrapKey returns nonce || SM4-GCM(kek, key).
func wrapKey(kek cipher.AEAD, key, aad []byte) []byte {
	out := randomBytes(kek.NonceSize())
	return kek.Seal(out, out, key, aad)
}

func unwrapKey(kek cipher.AEAD, wrapped, aad []byte, size int) (secret, error) {
	ns := kek.NonceSize()
	if len(wrapped) != ns+size+kek.Overhead() {
		return nil, ErrCorrupt
	}
	key, err := kek.Open(nil, wrapped[:ns], wrapped[ns:], aad)
	if err != nil {
		return nil, err
	}
	return key, nil
}

func marshalKeyFile(kf *keyFile) ([]byte, error) {
	data, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("编码密钥文件失败: %w", err)
	}
	return append(data, '\n'), nil
}

// writeTemp writes data to a new 0600 temporary file in dir and syncs it.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".guanai-key-*.tmp")
	if err != nil {
		return "", err
	}
	name := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("写入临时文件失败: %w", err)
	}
	return name, nil
}

// writeNewFile atomically creates path with data, failing with ErrKeyFileExists if it
// already exists: the content is written to a temporary file, synced, then hard-linked to
// path (which cannot replace an existing file).
func writeNewFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrKeyFileExists
		}
		// The file system has no hard links: fall back to an exclusive create.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			if errors.Is(err, fs.ErrExist) {
				return ErrKeyFileExists
			}
			return err
		}
		_, err = f.Write(data)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return fmt.Errorf("写入密钥文件失败: %w", err)
		}
	}
	syncDir(dir)
	return nil
}

// replaceFile atomically replaces path with data (temporary file, fsync, rename, fsync of
// the directory), keeping mode 0600.
func replaceFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("替换密钥文件失败: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename or link in dir durable where the platform supports it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// loadLocked re-reads the key file and checks that it is still the same key set, a
// superset of the keys already loaded. k.mu must be held for writing.
func (k *Keyring) loadLocked() (*state, error) {
	kf, err := readKeyFile(k.path)
	if err != nil {
		return nil, err
	}
	if kf.ID != k.id {
		return nil, fmt.Errorf("%w：文件已被替换为另一套密钥（keyring_id %s，原为 %s）", ErrCorrupt, kf.ID, k.id)
	}
	st, index, err := unlock(kf, k.st.master)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(index, k.index) {
		return nil, fmt.Errorf("%w：文件已被替换为另一套密钥（keyring_id %s，原为 %s）", ErrCorrupt, kf.ID, k.id)
	}
	for id, old := range k.st.keys {
		cur, ok := st.keys[id]
		if !ok {
			return nil, fmt.Errorf("%w：文件中缺少已加载的数据密钥 %s（可能被旧备份覆盖），请从最新备份恢复密钥文件", ErrCorrupt, id)
		}
		if !hmac.Equal(cur.raw, old.raw) {
			return nil, fmt.Errorf("%w：数据密钥 %s 与已加载的不一致", ErrCorrupt, id)
		}
	}
	return st, nil
}

// Reload re-reads the key file, picking up data keys added and an active key chosen by
// another process (for example `guanai keys rotate` while the server runs). It fails, and
// keeps the loaded keys, if the file no longer contains every key already loaded. Open
// reloads by itself, at most once a second, when it meets an unknown key id.
func (k *Keyring) Reload() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	st, err := k.loadLocked()
	if err != nil {
		return fmt.Errorf("seal: 重新加载密钥文件 %s: %w", k.path, err)
	}
	k.st = st
	k.lastReload = time.Now()
	return nil
}

// Rotate adds a new random data key, makes it the active key for Seal, and persists the
// key file atomically (temporary file, fsync, rename; mode 0600). Values sealed under older
// keys still open; NeedsReseal reports them so a batch job can Reseal them. Blind indexes do
// not change. Before adding the key, Rotate re-reads the file so keys added by another
// process are kept; running two rotations at the same instant against one file is not
// supported.
func (k *Keyring) Rotate() (newKeyID string, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	st, err := k.loadLocked()
	if err != nil {
		return "", fmt.Errorf("seal: 轮换数据密钥（%s）: %w", k.path, err)
	}
	id := nextKeyID(st.file.DataKeys)
	raw := randomBytes(dataKeySize)
	dk, err := newDataKey(id, raw)
	if err != nil {
		return "", fmt.Errorf("seal: 轮换数据密钥: %w", err)
	}
	nf := st.file
	nf.DataKeys = append(slices.Clone(st.file.DataKeys), keyEntry{
		ID:        id,
		CreatedAt: time.Now().UTC().Truncate(time.Second),
		Wrapped:   wrapKey(st.kek, raw, dataKeyAAD(k.id, id)),
	})
	nf.Active = id
	data, err := marshalKeyFile(&nf)
	if err != nil {
		return "", fmt.Errorf("seal: 轮换数据密钥: %w", err)
	}
	if err := replaceFile(k.path, data); err != nil {
		return "", fmt.Errorf("seal: 轮换数据密钥，保存 %s: %w", k.path, err)
	}
	keys := make(map[string]*dataKey, len(st.keys)+1)
	for kid, v := range st.keys {
		keys[kid] = v
	}
	keys[id] = dk
	k.st = &state{file: nf, master: st.master, kek: st.kek, keys: keys, active: dk}
	return id, nil
}

// nextKeyID returns "k<n+1>" for the largest n among ids of the form "k<n>".
func nextKeyID(entries []keyEntry) string {
	highest := 0
	for _, e := range entries {
		digits, ok := strings.CutPrefix(e.ID, "k")
		if n, err := strconv.Atoi(digits); ok && err == nil && n > highest {
			highest = n
		}
	}
	return "k" + strconv.Itoa(highest+1)
}

// validKeyID reports whether s is a usable data key id: 1–32 characters, a lower-case
// letter followed by lower-case letters and digits (never '.', which separates the parts
// of SealString output).
func validKeyID(s string) bool {
	if len(s) == 0 || len(s) > maxKeyIDLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// ActiveKeyID returns the id of the data key Seal currently uses, e.g. "k2".
func (k *Keyring) ActiveKeyID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.st.active.id
}

// KeyIDs returns the ids of all loaded data keys in the order they were added.
func (k *Keyring) KeyIDs() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	ids := make([]string, len(k.st.file.DataKeys))
	for i, e := range k.st.file.DataKeys {
		ids[i] = e.ID
	}
	return ids
}

// ID returns the random, non-secret identifier of the key file (16 hex characters). It
// never changes, not even on rotation; a database can record it to detect being started
// with a different key file.
func (k *Keyring) ID() string { return k.id }

// Path returns the key file path.
func (k *Keyring) Path() string { return k.path }

// String describes the keyring without revealing any key material.
func (k *Keyring) String() string {
	if k == nil {
		return "seal.Keyring(nil)"
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return fmt.Sprintf("seal.Keyring{id=%s path=%s active=%s keys=%d master=%s}",
		k.id, k.path, k.st.active.id, len(k.st.keys), k.st.file.MasterSource)
}

// GoString is String, so %#v does not dump key material either.
func (k *Keyring) GoString() string { return k.String() }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never returns an error; crashes the program if the OS source fails
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

func (k *Keyring) getMAC() hash.Hash {
	h := k.macs.Get().(hash.Hash)
	h.Reset()
	return h
}
