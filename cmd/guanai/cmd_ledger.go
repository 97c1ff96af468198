package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"guanai/internal/child"
	"guanai/internal/sheet"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

func init() {
	commands["ledger"] = command{summary: "重点关爱服务对象信息台账：列出、导出台账，按判定结果同步", run: runLedger}
}

const ledgerUsage = `用法:
  guanai ledger list [--region CODE] [--due] [--status open|flagged|closed|all]
                         每个台账条目输出一行 JSON（姓名、身份证号已脱敏）；--due 只列出探访到期（7 天内）或逾期的
  guanai ledger export --region CODE [--as-of YYYY-MM-DD] --out F.xlsx
                         按乡镇（街道）台账的常用列导出该区划在册的重点关爱服务对象，一人一行，身份证号脱敏
  guanai ledger sync     按每名儿童当前的判定结果开立、标记或重开台账条目（修复用；写入记录时会自动同步）`

// runLedger lists and exports the key-care ledger. The operator acts over the whole database;
// every reading is audited under its name.
func runLedger(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "ledger", ledgerUsage, []string{"list", "export", "sync"}, args)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		var region, status *string
		var due *bool
		s, err := dbCommandNoArgs(ctx, env, "ledger list", ledgerUsage, args, func(fs *pflag.FlagSet) {
			region = fs.String("region", "", "责任区划代码（流动儿童按现居住地、留守儿童按户籍地）")
			due = fs.Bool("due", false, "只列出探访到期（7 天内）或逾期的条目")
			status = fs.String("status", "open", "open（在册）、flagged（已不符合条件待复核）、closed（已结案）或 all")
		})
		if err != nil {
			return err
		}
		defer s.Close()
		today := s.Today()
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		return s.EachLedgerEntry(ctx, store.LedgerQuery{Region: *region, Due: *due, Status: *status}, func(e *store.LedgerEntry) error {
			return enc.Encode(workflow.ViewLedger(e, today))
		})
	case "export":
		var region, asOf, out *string
		s, err := dbCommandNoArgs(ctx, env, "ledger export", ledgerUsage, args, func(fs *pflag.FlagSet) {
			region = fs.String("region", "", "区划代码（必填），如 150302（海勃湾区）或乡镇（街道）代码")
			asOf = fs.String("as-of", "", "台账日期 YYYY-MM-DD（默认今天），探访逾期按此日计算")
			out = fs.String("out", "", "输出文件（.xlsx 或 .csv）")
		})
		if err != nil {
			return err
		}
		defer s.Close()
		if *region == "" {
			return usageError{"请用 --region 指定区划代码"}
		}
		if *out == "" {
			return usageError{"请用 --out 指定输出文件"}
		}
		day := s.Today()
		if *asOf != "" {
			d, _, err := child.ParseDate(*asOf)
			if err != nil || d == 0 {
				return usageError{"--as-of “" + *asOf + "”不是有效的日期，应为 YYYY-MM-DD"}
			}
			day = d
		}
		tmp := *out + ".tmp"
		f, err := createPrivate(tmp)
		if err != nil {
			return fmt.Errorf("创建输出文件：%w", err)
		}
		n, werr := workflow.WriteLedger(ctx, s, f, *region, day, sheet.WriteOptions{Format: sheet.FormatFor(*out)})
		cerr := f.Close()
		if err := firstErr(werr, cerr); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("导出台账：%w", err)
		}
		if err := os.Rename(tmp, *out); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "已导出台账 %d 人到 %s\n", n, *out)
		return nil
	case "sync":
		s, err := dbCommandNoArgs(ctx, env, "ledger sync", ledgerUsage, args, func(*pflag.FlagSet) {})
		if err != nil {
			return err
		}
		defer s.Close()
		n, err := s.SyncLedger(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "已核对 %d 名儿童的台账条目\n", n)
		return nil
	}
	panic("ledger: sub-command " + sub + " has no case")
}
