package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"guanai/internal/audit"
	"guanai/internal/seal"
	"guanai/internal/store"

	"github.com/spf13/pflag"
)

func init() {
	commands["backup"] = command{summary: "在线备份数据库（不含密钥文件，密钥文件须另行备份）", run: runBackup}
	commands["restore"] = command{summary: "从备份恢复数据库，核对审计日志并重建库外锚点", run: runRestore}
}

const backupUsage = `用法: guanai backup --out DIR

把数据库的一致副本（SQLite 在线备份；PostgreSQL 用 pg_dump）和清单 manifest.json 写入新目录 DIR，
服务可以照常运行。密钥文件不在备份中：请另行备份（见 docs/keys.md、docs/backup.md）。`

func runBackup(ctx context.Context, env *Env, args []string) error {
	var out *string
	s, err := dbCommandNoArgs(ctx, env, "backup", backupUsage, args, func(fs *pflag.FlagSet) {
		out = fs.String("out", "", "备份目录（须为空或不存在）")
	})
	if err != nil {
		return err
	}
	defer s.Close()
	if *out == "" {
		return usageError{"请用 --out 指定备份目录"}
	}
	start := env.Now()
	m, err := s.Backup(ctx, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "已备份到 %s：%d 条儿童记录，审计日志至第 %d 条，%.1f MB，用时 %s。\n", *out, m.Records, m.AuditSeq,
		float64(m.Bytes)/(1<<20), env.Now().Sub(start).Round(time.Millisecond))
	fmt.Fprintf(env.Stderr, "密钥文件（编号 %s）不在备份中：请把它另行备份到安全的地方，丢失后备份无法使用。\n", m.KeyringID)
	return printLine(env, m)
}

const restoreUsage = `用法: guanai restore --from DIR [--replace]

把 guanai backup 写出的备份恢复为 --db 指定的数据库：核对备份文件的 SM3 摘要、密钥文件编号和审计日志，
把库外锚点移到一旁（改名保留）并在恢复后的末条重建。目标数据库已存在时须加 --replace（SQLite 原文件改名保留）。
须先停止服务，并使用与备份相同的密钥文件。`

func runRestore(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("restore")
	finish := commonFlags(fs, env)
	from := fs.String("from", "", "备份目录")
	replace := fs.Bool("replace", false, "替换已存在的数据库")
	pos, err := parseOptions(env, fs, restoreUsage, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *from == "" {
		return usageError{"请用 --from 指定备份目录"}
	}
	c, err := finish()
	if err != nil {
		return usageError{err.Error()}
	}
	m, err := store.ReadManifest(*from)
	if err != nil {
		return err
	}
	// The key file must be the one the backup was sealed with: checked before anything is
	// replaced.
	keys, _, err := seal.OpenOrCreate(c.DataDir, c.KeyFile)
	if err != nil {
		return fmt.Errorf("打开密钥文件：%w", err)
	}
	if keys.ID() != m.KeyringID {
		return fmt.Errorf("备份以密钥文件 %s 加密，当前密钥文件 %s 为 %s：请先恢复原密钥文件（见 docs/keys.md）", m.KeyringID, keys.Path(), keys.ID())
	}
	aside, err := store.RestoreFiles(ctx, c.DB, m, *from, *replace)
	if err != nil {
		return err
	}
	if aside != "" {
		fmt.Fprintf(env.Stderr, "原数据库文件已改名保留为 %s\n", aside)
	}
	// The anchor beside the key file is ahead of the restored copy: moved aside (kept as
	// evidence), then written anew at the restored head once the chain is checked.
	anchor := audit.AnchorPath(keys.Path())
	if _, err := os.Stat(anchor); err == nil {
		old := anchor + ".before-restore-" + env.Now().Format("20060102-150405")
		if err := os.Rename(anchor, old); err != nil {
			return fmt.Errorf("保留原锚点文件：%w", err)
		}
		fmt.Fprintf(env.Stderr, "原库外锚点已改名保留为 %s\n", old)
	}
	s, err := openStore(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.VerifyRestored(ctx, m)
	if err != nil {
		return err
	}
	h, err := s.ReanchorAudit(ctx)
	var se *store.Error
	if err != nil && !(errors.As(err, &se) && se.Code == store.CodeInvalid) { // an in-memory database has no anchor
		return fmt.Errorf("重建库外锚点：%w", err)
	}
	fmt.Fprintf(env.Stderr, "已恢复 %s 的备份：%d 条儿童记录，审计日志 %d 条完好，库外锚点重建于第 %d 条。\n",
		m.CreatedAt.In(chinaTime).Format("2006-01-02 15:04:05"), m.Records, res.Entries, h.Seq)
	return printLine(env, map[string]any{"restored": m, "audit_entries": res.Entries, "anchor_seq": h.Seq})
}
