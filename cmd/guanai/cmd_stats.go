package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"guanai/internal/child"
	"guanai/internal/region"
	"guanai/internal/stats"
)

func init() {
	commands["stats"] = command{summary: "统计分析表（JSON 或 Excel）", run: runStats}
}

func runStats(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "snapshot" {
		return runStatsSnapshot(ctx, env, args[1:])
	}
	fs := newFlagSet("stats")
	finish := commonFlags(fs, env)
	asOf := fs.String("as-of", "", "统计时点 YYYY-MM-DD（默认今天）")
	regionCode := fs.String("region", "", "统计的区划代码（默认整个数据库）")
	format := fs.String("format", "json", "输出格式：json 或 xlsx")
	out := fs.String("out", "", "输出文件（默认标准输出；xlsx 必须指定）")
	publish := fs.Bool("publish", false, "按对外发布要求抑制小数值单元格（1–4）")
	threshold := fs.Int("threshold", 5, "对外发布时抑制小于该值的非零单元格")
	pos, err := parseOptions(env, fs, "用法: guanai stats [--as-of YYYY-MM-DD] [--region CODE] [--format json|xlsx] [--out FILE] [--publish]\n      guanai stats snapshot [--month YYYY-MM]   保存某月的统计快照（默认上个月）", args)
	if err != nil {
		return err
	}
	if len(pos) > 0 && pos[0] == "snapshot" {
		return usageError{"snapshot 要紧跟在 stats 之后：guanai stats snapshot [选项]"}
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	c, err := finish()
	if err != nil {
		return usageError{err.Error()}
	}
	ref := child.DateOf(env.Now().In(chinaTime))
	if *asOf != "" {
		d, _, err := child.ParseDate(*asOf)
		if err != nil {
			return usageError{"--as-of “" + *asOf + "”不是有效的日期，应为 YYYY-MM-DD"}
		}
		ref = d
	}
	if *format != "json" && *format != "xlsx" {
		return usageError{"--format 只能是 json 或 xlsx"}
	}
	if *format == "xlsx" && *out == "" {
		return usageError{"xlsx 格式请用 --out 指定输出文件"}
	}
	if *regionCode != "" {
		n, ok := region.Normalize(*regionCode)
		if _, found := region.Default().Lookup(n); !ok || !found {
			return usageError{"--region “" + *regionCode + "”不是全国行政区划代码表中的代码"}
		}
	}
	if *threshold < 1 || *threshold > 100 {
		return usageError{"--threshold 应为 1–100"}
	}
	s, err := openStore(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()

	rep, err := stats.Compute(stats.RegistrySource(ctx, s, *regionCode), stats.Query{AsOf: ref, Region: *regionCode, Config: c.Rules()})
	if err != nil {
		return err
	}
	if *publish {
		rep, _ = stats.SuppressReport(rep, *threshold)
	}
	var w io.Writer = env.Stdout
	var f *os.File
	if *out != "" {
		f, err = createPrivate(*out + ".tmp")
		if err != nil {
			return fmt.Errorf("创建输出文件：%w", err)
		}
		w = f
	}
	if *format == "xlsx" {
		err = stats.WriteXLSX(w, rep, stats.XLSXOptions{})
	} else {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	}
	if f != nil {
		cerr := f.Close()
		if err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*out + ".tmp")
			return fmt.Errorf("写出统计表：%w", err)
		}
		return os.Rename(*out+".tmp", *out)
	}
	return err
}

// runStatsSnapshot takes the monthly statistics snapshot of a month by hand (the serve process
// takes it on the first day of each month for the month before).
func runStatsSnapshot(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("stats snapshot")
	finish := commonFlags(fs, env)
	month := fs.String("month", "", "快照月份 YYYY-MM（默认上个月），按该月最后一天统计")
	pos, err := parseOptions(env, fs, "用法: guanai stats snapshot [--month YYYY-MM]\n\n保存整个数据库及其下各级区划（到乡镇街道）某月的统计快照，已有的同月快照被替换。", args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	c, err := finish()
	if err != nil {
		return usageError{err.Error()}
	}
	today := env.Now().In(chinaTime)
	m := *month
	if m == "" {
		m = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
	}
	if !stats.ValidMonth(m) {
		return usageError{"--month “" + m + "”无效，应为 YYYY-MM"}
	}
	if m >= today.Format("2006-01") {
		return usageError{"--month " + m + " 尚未结束，只能保存已结束月份的快照"}
	}
	s, err := openStore(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()
	regions, err := stats.TakeSnapshot(ctx, s, m, stats.Query{Config: c.Rules()})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"month": m, "regions": len(regions)})
}
