package main

import (
	"context"
	"fmt"
	"iter"
	"os"
	"strings"

	"guanai/internal/child"
	"guanai/internal/sheet"
	"guanai/internal/store"
)

func init() {
	commands["export"] = command{summary: "按导入模板导出儿童记录（Excel/CSV）", run: runExport}
}

func runExport(ctx context.Context, env *Env, args []string) error {
	const usage = "用法: guanai export children --out FILE [--region CODE] [--status S]\n\n按导入模板导出儿童记录（.xlsx 或 .csv，由 FILE 的扩展名决定）；导出后再导入不产生任何变更。"
	_, args, err := subcommand(env, "export", usage, []string{"children"}, args)
	if err != nil {
		return err
	}
	fs := newFlagSet("export children")
	finish := commonFlags(fs, env)
	out := fs.String("out", "", "输出文件（.xlsx 或 .csv）")
	regionCode := fs.String("region", "", "只导出该区划（现居住地或户籍地）内的儿童")
	status := fs.String("status", "", "只导出这些状态的记录，逗号分隔（默认除已归档外的全部）")
	pos, err := parseOptions(env, fs, usage, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"请用 --out 指定输出文件"}
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
	q := store.Query{Region: *regionCode, RegionOf: store.RegionEither, Limit: 500}
	if *status != "" {
		q.Status = strings.Split(*status, ",")
	}
	var iterErr error
	n := 0
	records := iter.Seq[child.Record](func(yield func(child.Record) bool) {
		for offset := 0; ; offset += q.Limit {
			q.Offset = offset
			page, err := s.Search(ctx, q)
			if err != nil {
				iterErr = err
				return
			}
			for _, ch := range page.Items {
				n++
				if !yield(ch.Record) {
					return
				}
			}
			if len(page.Items) < q.Limit {
				return
			}
		}
	})
	tmp := *out + ".tmp"
	f, err := createPrivate(tmp)
	if err != nil {
		return fmt.Errorf("创建输出文件：%w", err)
	}
	werr := sheet.WriteChildren(f, records, sheet.WriteOptions{Format: sheet.FormatFor(*out), Title: "流动儿童和留守儿童基本情况登记表"})
	cerr := f.Close()
	if err := firstErr(iterErr, werr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("导出：%w", err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "已导出 %d 名儿童到 %s\n", n, *out)
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
