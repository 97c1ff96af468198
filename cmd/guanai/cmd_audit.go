package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"guanai/internal/audit"
	"guanai/internal/store"
)

func init() {
	commands["audit"] = command{summary: "审计日志：verify 校验哈希链，list 查看条目，reanchor 重建库外锚点", run: runAudit}
}

const auditUsage = `用法:
  guanai audit verify                 逐条校验审计日志的密钥哈希链并与库外锚点比对，指出被篡改、缺失、
                                      末尾被删除或整条被重写之处（退出状态 1）
  guanai audit list [--actor A] [--action X] [--object O] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit N]
  guanai audit reanchor               锚点文件丢失或无法读取时，在核实原因后于当前末条重建锚点（记入审计日志）`

// runAudit verifies and lists the audit trail from the command line (the audit administrator on
// the server), and writes the anchor anew after it was lost. Listing and reanchoring are
// themselves audited.
func runAudit(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "audit", auditUsage, []string{"verify", "list", "reanchor"}, args)
	if err != nil {
		return err
	}
	fs := newFlagSet("audit " + sub)
	finish := commonFlags(fs, env)
	var q store.AuditQuery
	var from, to *string
	if sub == "list" {
		fs.StringVar(&q.Actor, "actor", "", "操作人，如 user:reviewer、cli:root")
		fs.StringVar(&q.Action, "action", "", "动作，如 child.read；以“.”结尾表示前缀，如 login.")
		fs.StringVar(&q.Object, "object", "", "对象，如 child:<uid>、user:<用户名>")
		from = fs.String("from", "", "起始日期（含）")
		to = fs.String("to", "", "截止日期（含）")
		fs.IntVar(&q.Limit, "limit", 50, "条数（1–500）")
	}
	pos, err := parseOptions(env, fs, auditUsage, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if sub == "list" {
		for _, d := range []struct {
			s   string
			dst *time.Time
			end bool
		}{{*from, &q.From, false}, {*to, &q.To, true}} {
			if d.s == "" {
				continue
			}
			t, err := time.ParseInLocation("2006-01-02", d.s, chinaTime)
			if err != nil {
				return usageError{"日期应为 YYYY-MM-DD：" + d.s}
			}
			if d.end {
				t = t.AddDate(0, 0, 1)
			}
			*d.dst = t
		}
		if q.Limit < 1 || q.Limit > 500 {
			return usageError{"--limit 应为 1–500"}
		}
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
	if sub == "list" {
		page, err := s.AuditEntries(ctx, q)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "序号\t时间\t操作人\t动作\t对象\t地址\t详情")
		for _, e := range page.Items {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At.In(chinaTime).Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Object, e.IP, e.Detail)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "共 %d 条，显示 %d 条\n", page.Total, len(page.Items))
		return nil
	}
	if sub == "reanchor" {
		h, err := s.ReanchorAudit(ctx)
		if err != nil {
			return fmt.Errorf("未重建锚点：%w", err)
		}
		fmt.Fprintf(env.Stdout, "已在第 %d 条重建库外锚点（哈希 %s，密钥 %s）。此前若有末尾条目被删除，已无法再发现：请在事件记录中写明重建的原因。\n", h.Seq, h.Hash, h.KeyID)
		return nil
	}
	start := time.Now()
	res, err := s.VerifyAudit(ctx)
	var brk *audit.Break
	if err != nil && !errors.As(err, &brk) {
		return err
	}
	el := time.Since(start)
	printVerified(env, res)
	if brk != nil {
		if brk.Seq == 0 {
			fmt.Fprintf(env.Stdout, "审计日志校验失败：%s\n", brk.Reason)
			return brk
		}
		fmt.Fprintf(env.Stdout, "审计日志校验失败：第 %d 条（%s）。此前的 %d 条完好。\n", brk.Seq, brk.Reason, res.Entries)
		return fmt.Errorf("审计日志第 %d 条被篡改或缺失", brk.Seq)
	}
	fmt.Fprintf(env.Stdout, "审计日志完好：%d 条，%d 个检查点，末条哈希 %s\n", res.Entries, res.Checkpoints, res.LastHash)
	fmt.Fprintf(env.Stderr, "用时 %.2f 秒（%.0f 条/秒）。\n", el.Seconds(), float64(res.Entries)/max(el.Seconds(), 1e-9))
	return nil
}

// printVerified says what verify checked: the entries, the keyed part of the chain and the
// anchor outside the database, so that the operator sees what a pass rests on.
func printVerified(env *Env, res store.VerifyResult) {
	fmt.Fprintf(env.Stdout, "已校验：%d 条（至第 %d 条），%d 个检查点\n", res.Entries, res.LastSeq, res.Checkpoints)
	switch {
	case res.KeyedFrom == 0:
	case res.Keyed == 0:
		fmt.Fprintf(env.Stdout, "密钥签名：尚无以密钥签名的条目；自第 %d 条起的条目以审计密钥签名（HMAC-SM3）\n", res.KeyedFrom)
	case res.KeyedFrom == 1:
		fmt.Fprintf(env.Stdout, "密钥签名：自第 1 条起以审计密钥签名（HMAC-SM3），共 %d 条\n", res.Keyed)
	default:
		fmt.Fprintf(env.Stdout, "密钥签名：自第 %d 条起以审计密钥签名（HMAC-SM3），共 %d 条；此前 %d 条为升级前的 SM3 哈希链\n", res.KeyedFrom, res.Keyed, res.KeyedFrom-1)
	}
	switch {
	case res.AnchorPath == "":
		fmt.Fprintln(env.Stdout, "库外锚点：未配置（内存数据库）")
	case res.Anchor == nil:
		fmt.Fprintf(env.Stdout, "库外锚点：%s 尚无有效记录\n", res.AnchorPath)
	default:
		a := res.Anchor
		fmt.Fprintf(env.Stdout, "库外锚点：%s 记录第 %d 条，哈希 %s，密钥 %s，写于 %s", res.AnchorPath, a.Seq, a.Hash, a.KeyID, a.At.In(chinaTime).Format("2006-01-02 15:04:05"))
		if res.LastSeq > a.Seq {
			fmt.Fprintf(env.Stdout, "（其后 %d 条为锚点写入后新增）", res.LastSeq-a.Seq)
		}
		fmt.Fprintln(env.Stdout)
	}
}
