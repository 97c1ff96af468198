package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"guanai/internal/child"
	"guanai/internal/region"
	"guanai/internal/stats"
	"guanai/internal/store"
)

func init() {
	commands["stats"] = command{summary: "统计分析表（JSON 或 Excel）", run: runStats}
}

func runStats(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	finish := commonFlags(fs, env)
	asOf := fs.String("as-of", "", "统计时点 YYYY-MM-DD（默认今天）")
	regionCode := fs.String("region", "", "统计的区划代码（默认整个数据库）")
	format := fs.String("format", "json", "输出格式：json 或 xlsx")
	out := fs.String("out", "", "输出文件（默认标准输出；xlsx 必须指定）")
	publish := fs.Bool("publish", false, "按对外发布要求抑制小数值单元格（1–4）")
	threshold := fs.Int("threshold", 5, "对外发布时抑制小于该值的非零单元格")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "用法: guanai stats [--as-of YYYY-MM-DD] [--region CODE] [--format json|xlsx] [--out FILE]\n\n选项:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return usageError{"多余的参数：" + strings.Join(fs.Args(), " ")}
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

	rep, err := stats.Compute(storeSource(ctx, s, *regionCode), stats.Query{AsOf: ref, Region: *regionCode, Config: c.Rules()})
	if err != nil {
		return err
	}
	if *publish {
		rep, _ = stats.SuppressReport(rep, *threshold)
	}
	var w io.Writer = env.Stdout
	var f *os.File
	if *out != "" {
		f, err = os.Create(*out + ".tmp")
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

// storeSource yields the non-archived records of the registry (those with an address in the
// region when one is given) for the statistics.
func storeSource(ctx context.Context, s *store.Store, regionCode string) stats.Source {
	return func(yield func(*child.Record, string) bool) error {
		q := store.Query{Region: regionCode, RegionOf: store.RegionEither, Limit: 500}
		for offset := 0; ; offset += q.Limit {
			q.Offset = offset
			page, err := s.Search(ctx, q)
			if err != nil {
				return err
			}
			for _, c := range page.Items {
				rec := c.Record
				if !yield(&rec, c.Status) {
					return nil
				}
			}
			if len(page.Items) < q.Limit {
				return nil
			}
		}
	}
}
