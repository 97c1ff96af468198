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
	commands["audit"] = command{summary: "审计日志：verify 校验哈希链，list 查看条目", run: runAudit}
}

const auditUsage = `用法:
  guanai audit verify                 逐条校验审计日志的哈希链，指出第一条被篡改或缺失的条目（退出状态 1）
  guanai audit list [--actor A] [--action X] [--object O] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit N]`

// runAudit verifies and lists the audit trail from the command line (the audit administrator on
// the server). Listing is itself audited.
func runAudit(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "audit", auditUsage, []string{"verify", "list"}, args)
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
	start := time.Now()
	res, err := s.VerifyAudit(ctx)
	var brk *audit.Break
	if errors.As(err, &brk) {
		fmt.Fprintf(env.Stdout, "审计日志校验失败：第 %d 条（%s）。此前的 %d 条完好。\n", brk.Seq, brk.Reason, res.Entries)
		return fmt.Errorf("审计日志第 %d 条被篡改或缺失", brk.Seq)
	}
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(env.Stdout, "审计日志完好：%d 条，%d 个检查点，末条哈希 %s\n", res.Entries, res.Checkpoints, res.LastHash)
	fmt.Fprintf(env.Stderr, "用时 %.2f 秒（%.0f 条/秒）。请将末条哈希另行记录，以便发现整条日志被重写。\n", el.Seconds(), float64(res.Entries)/max(el.Seconds(), 1e-9))
	return nil
}
