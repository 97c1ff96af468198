package main

import (
	"context"
	"fmt"

	"guanai/internal/store"
)

func init() {
	commands["keys"] = command{summary: "密钥管理：rotate 轮换数据密钥并重新加密，reseal 继续重新加密", run: runKeys}
}

const keysUsage = `用法:
  guanai keys rotate [--batch N]   在密钥文件中新增数据密钥并设为当前密钥，然后分批重新加密全部加密字段
  guanai keys reseal [--batch N]   只做重新加密（轮换中断后继续）

服务运行时也可执行：服务每分钟重新读取密钥文件，旧密钥加密的数据在重新加密前照常可读。
密钥文件须另行备份（见 docs/keys.md）；轮换后请重新备份。`

// runKeys rotates the data key and re-encrypts in batches (docs/keys.md), audited.
func runKeys(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "keys", keysUsage, []string{"rotate", "reseal"}, args)
	if err != nil {
		return err
	}
	fs := newFlagSet("keys " + sub)
	finish := commonFlags(fs, env)
	batch := fs.Int("batch", 500, "每个事务重新加密的行数")
	pos, err := parseOptions(env, fs, keysUsage, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *batch < 1 || *batch > 100000 {
		return usageError{"--batch 应为 1–100000"}
	}
	c, err := finish()
	if err != nil {
		return usageError{err.Error()}
	}
	s, err := openStore(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()
	if sub == "rotate" {
		id, err := s.RotateKey(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "已新增数据密钥 %s 并设为当前密钥，审计日志此后以同名审计密钥签名；请重新备份密钥文件。\n", id)
	}
	last := ""
	res, err := s.Reseal(ctx, *batch, func(table string, r store.ResealResult) {
		if table != last {
			fmt.Fprintf(env.Stderr, "正在重新加密 %s…\n", table)
			last = table
		}
	})
	if err != nil {
		return fmt.Errorf("重新加密（已完成 %d 项，可用 guanai keys reseal 继续）：%w", res.Resealed, err)
	}
	fmt.Fprintf(env.Stdout, "重新加密完成：检查 %d 项，重新加密 %d 项。\n", res.Checked, res.Resealed)
	return nil
}
