package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"guanai/internal/audit"
	"guanai/internal/seal"
	"guanai/internal/store"
)

// openStore opens the registry named by the configuration with its key file, creating both on
// first start. A database that already holds sealed records is never paired with a new key: the
// store checks the key file's id against the one the database was sealed with. The head of the
// audit chain is anchored in a file beside the key file (guanai.audit-anchor), outside the
// database (docs/security.md); a database in memory, gone with the process, has no anchor.
func openStore(ctx context.Context, env *Env, c Config) (*store.Store, error) {
	if p, ok := sqlitePath(c.DB); ok && p != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil, fmt.Errorf("创建数据目录：%w", err)
		}
	}
	keys, created, err := seal.OpenOrCreate(c.DataDir, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("打开密钥文件：%w", err)
	}
	if created {
		fmt.Fprintf(env.Stderr, "已创建密钥文件 %s（权限 0600）。请另行备份：丢失后已加密的数据无法恢复。\n", keys.Path())
	}
	anchor := audit.AnchorPath(keys.Path())
	if p, ok := sqlitePath(c.DB); ok && p == ":memory:" {
		anchor = ""
	}
	s, err := store.Open(ctx, c.DB, store.Options{Keyring: keys, Now: env.Now, Rules: c.Rules(), AuditAnchor: anchor})
	if err != nil {
		return nil, fmt.Errorf("打开数据库 %s：%w", redactURL(c.DB), err)
	}
	return s, nil
}
