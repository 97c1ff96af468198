package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"modernc.org/sqlite"

	"guanai/internal/audit"
)

// Backups (docs/backup.md). A backup is a directory holding a consistent copy of the database —
// SQLite's online backup API for a SQLite file, pg_dump's custom format for PostgreSQL — and a
// manifest naming what it holds: the schema version, the key file's id (the key file is NOT in
// the backup, on purpose: it is backed up apart, and a backup without it opens nothing), the
// records counted, the head of the audit chain at that moment and the SM3 digest of the dump.
// Restoring places the dump, checks the digest, the key file's id and the chain up to that head,
// and anchors the chain anew there (the anchor beside the key file is ahead of a restored copy).

// BackupFormat tags the manifest of a backup.
const BackupFormat = "guanai-backup-v1"

// manifestName is the manifest's file in a backup directory.
const manifestName = "manifest.json"

// Manifest describes a backup.
type Manifest struct {
	Format        string    `json:"format"`
	CreatedAt     time.Time `json:"created_at"`
	Dialect       string    `json:"dialect"`
	File          string    `json:"file"`  // the dump, in the backup directory
	Bytes         int64     `json:"bytes"` // its size
	SM3           string    `json:"sm3"`   // its digest, hex
	SchemaVersion int       `json:"schema_version"`
	KeyringID     string    `json:"keyring_id"` // the key file the database is sealed with
	Records       int       `json:"records"`    // children's records, every status
	AuditSeq      int64     `json:"audit_seq"`  // the audit chain's head when the copy was taken
	AuditHash     string    `json:"audit_hash"`
}

// Backup writes a consistent online copy of the database into dir (created, mode 0700; it must be
// empty or absent) with its manifest, while the server may go on serving. The copy is the
// operator's only and audited (backup.create). It returns the manifest.
func (s *Store) Backup(ctx context.Context, dir string) (*Manifest, error) {
	if err := wholeOnly(ctx, "只有服务器上的操作员可以备份数据库"); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("创建备份目录：%w", err)
	}
	if ents, err := os.ReadDir(dir); err != nil {
		return nil, fmt.Errorf("读取备份目录：%w", err)
	} else if len(ents) > 0 {
		return nil, errInvalid("备份目录 " + dir + " 不是空的：请给出一个新的目录")
	}
	// The trail records the backup before it is taken, so that the copy holds its own entry and
	// its head names it.
	if err := s.Audit(ctx, audit.BackupCreate, "", map[string]any{"dialect": s.d.name}); err != nil {
		return nil, err
	}
	m := &Manifest{Format: BackupFormat, CreatedAt: s.instant(), Dialect: s.d.name, KeyringID: s.keys.ID()}
	// The head, version and count are read before the copy: the copy holds at least them (and
	// RestoreBackup checks the chain up to this head).
	if err := s.queryRow(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&m.AuditSeq, &m.AuditHash); err != nil {
		return nil, internal("读取审计日志末条", err)
	}
	var err error
	if m.SchemaVersion, err = s.SchemaVersion(ctx); err != nil {
		return nil, err
	}
	if err := s.queryRow(ctx, "SELECT count(*) FROM children").Scan(&m.Records); err != nil {
		return nil, internal("统计记录", err)
	}
	if s.d.postgres {
		m.File = "guanai.pgdump"
		if err := pgDump(ctx, s.url, filepath.Join(dir, m.File)); err != nil {
			return nil, err
		}
	} else {
		if s.path == "" {
			return nil, errInvalid("内存数据库不能备份")
		}
		m.File = "guanai.db"
		if err := s.sqliteBackup(ctx, filepath.Join(dir, m.File)); err != nil {
			return nil, err
		}
	}
	if m.Bytes, m.SM3, err = digestFile(filepath.Join(dir, m.File)); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, manifestName), b, 0o600); err != nil {
		return nil, fmt.Errorf("写入备份清单：%w", err)
	}
	return m, nil
}

// sqliteBackup copies the database page by page with SQLite's online backup API, from a
// connection of the read pool: in WAL mode it reads one consistent snapshot while the writer
// goes on.
func (s *Store) sqliteBackup(ctx context.Context, dst string) error {
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return internal("备份数据库", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(interface {
			NewBackup(string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("driver connection %T has no backup", dc)
		}
		bk, err := b.NewBackup("file:" + dst)
		if err != nil {
			return err
		}
		for more := true; more; {
			if more, err = bk.Step(-1); err != nil {
				bk.Finish()
				return err
			}
		}
		return bk.Finish()
	})
	if err != nil {
		return internal("备份数据库", err)
	}
	return os.Chmod(dst, 0o600)
}

// pgDump writes PostgreSQL's custom-format dump of the database (and its schema) to path. A
// search_path in the URL (pgx reads it; libpq does not) names the one schema the registry lives
// in: that schema is dumped.
func pgDump(ctx context.Context, url, path string) error {
	url, schema := libpqURL(url)
	args := []string{"--format=custom", "--no-owner", "--file=" + path, "--dbname=" + url}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	cmd := exec.CommandContext(ctx, "pg_dump", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_dump 失败（需要与服务器版本相符的 pg_dump）：%v：%s", err, strings.TrimSpace(redactURL(string(out))))
	}
	return os.Chmod(path, 0o600)
}

// libpqURL is a pgx connection URL as libpq (pg_dump, pg_restore) takes it: without the
// search_path parameter, which is returned apart.
func libpqURL(raw string) (string, string) {
	u, err := neturl.Parse(raw)
	if err != nil {
		return raw, ""
	}
	q := u.Query()
	schema := q.Get("search_path")
	if schema == "" {
		return raw, ""
	}
	q.Del("search_path")
	u.RawQuery = q.Encode()
	schema, _, _ = strings.Cut(schema, ",")
	return u.String(), strings.TrimSpace(schema)
}

func digestFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sm3.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// ReadManifest reads and checks a backup directory's manifest and its dump's digest.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return nil, fmt.Errorf("读取备份清单 %s：%w", filepath.Join(dir, manifestName), err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != BackupFormat || m.File == "" || strings.ContainsAny(m.File, `/\`) {
		return nil, errInvalid("备份清单 " + filepath.Join(dir, manifestName) + " 无效：不是 guanai 的备份")
	}
	n, sum, err := digestFile(filepath.Join(dir, m.File))
	if err != nil {
		return nil, fmt.Errorf("读取备份文件：%w", err)
	}
	if n != m.Bytes || sum != m.SM3 {
		return nil, errInvalid("备份文件 " + m.File + " 与清单不符（大小或 SM3 摘要不同）：文件损坏或被改动，不能恢复")
	}
	return &m, nil
}

// RestoreFiles places the dump of the backup in dir as the database at url, before a Store is
// opened on it: a SQLite file is copied in (its -wal and -shm gone), a PostgreSQL dump loaded
// with pg_restore. The target must be empty — no file, or a PostgreSQL database without tables
// — unless replace, when a SQLite file is moved aside (the path is returned) and a PostgreSQL
// database's objects are dropped by pg_restore --clean. The caller then opens the store, checks
// the chain (VerifyRestored) and audits the restore.
func RestoreFiles(ctx context.Context, url string, m *Manifest, dir string, replace bool) (movedAside string, err error) {
	src := filepath.Join(dir, m.File)
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		if m.Dialect != "sqlite" {
			return "", errInvalid("这是 PostgreSQL 的备份，不能恢复到 SQLite 数据库")
		}
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if path == "" || path == ":memory:" {
			return "", errInvalid("请给出要恢复到的 SQLite 文件，如 --db sqlite:///srv/guanai/guanai.db")
		}
		if _, err := os.Stat(path); err == nil {
			if !replace {
				return "", errInvalid("数据库文件 " + path + " 已存在：恢复会替换它，请确认后加 --replace（原文件将改名保留）")
			}
			movedAside = path + ".before-restore-" + time.Now().Format("20060102-150405")
			if err := os.Rename(path, movedAside); err != nil {
				return "", fmt.Errorf("保留原数据库文件：%w", err)
			}
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			_ = os.Remove(path + suffix)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return movedAside, err
		}
		return movedAside, copyFile(src, path)
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		if m.Dialect != "postgres" {
			return "", errInvalid("这是 SQLite 的备份，不能恢复到 PostgreSQL 数据库")
		}
		libpq, _ := libpqURL(url)
		args := []string{"--no-owner", "--exit-on-error", "--dbname=" + libpq}
		if replace {
			args = append(args, "--clean", "--if-exists")
		}
		cmd := exec.CommandContext(ctx, "pg_restore", append(args, src)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			msg := strings.TrimSpace(redactURL(string(out)))
			if !replace && strings.Contains(msg, "already exists") {
				return "", errInvalid("目标 PostgreSQL 数据库已有表：恢复会替换它们，请确认后加 --replace")
			}
			return "", fmt.Errorf("pg_restore 失败：%v：%s", err, msg)
		}
		return "", nil
	}
	return "", errInvalid("不支持的数据库地址：应以 sqlite:// 或 postgres:// 开头")
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// VerifyRestored checks a restored database against its backup's manifest — the key file is the
// one it was sealed with (Open refuses another), the schema no newer than this program's, the
// audit chain whole up to the manifest's head with that very hash — and records the restore in
// the trail (backup.restore). The anchor outside the database, ahead of a restored copy, is then
// the caller's to move aside and write anew (ReanchorAudit).
func (s *Store) VerifyRestored(ctx context.Context, m *Manifest) (VerifyResult, error) {
	if err := wholeOnly(ctx, "只有服务器上的操作员可以恢复数据库"); err != nil {
		return VerifyResult{}, err
	}
	if m.KeyringID != s.keys.ID() {
		return VerifyResult{}, errInvalid("备份的密钥文件编号为 " + m.KeyringID + "，当前密钥文件为 " + s.keys.ID() + "：请先恢复原密钥文件")
	}
	var hash string
	err := s.queryRow(ctx, "SELECT hash FROM audit_log WHERE seq = ?", m.AuditSeq).Scan(&hash)
	if err != nil || hash != m.AuditHash {
		return VerifyResult{}, errInvalid(fmt.Sprintf("恢复后的审计日志第 %d 条与备份清单不符：备份文件不完整或被改动", m.AuditSeq))
	}
	res, err := s.VerifyAudit(ctx)
	var brk *audit.Break
	if err != nil && !(errors.As(err, &brk) && (brk.Kind == audit.AnchorMissing || brk.Kind == audit.AnchorInvalid)) {
		return res, err
	}
	if err := s.Audit(ctx, audit.BackupRestore, "", map[string]any{"backup_created_at": m.CreatedAt.UTC().Format(time.RFC3339),
		"audit_seq": m.AuditSeq, "records": m.Records, "schema_version": m.SchemaVersion}); err != nil {
		return res, err
	}
	return res, nil
}
