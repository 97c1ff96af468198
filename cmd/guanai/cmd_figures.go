package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"guanai/internal/child"
	"guanai/internal/population"
	"guanai/internal/region"
	"guanai/internal/sheet"
	"guanai/internal/stats"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

func init() {
	commands["figures"] = command{summary: "人口统计数据（不满16周岁儿童、流动儿童、留守儿童，分区划）：模板、导入、查看", run: runFigures}
	commands["coverage"] = command{summary: "登记覆盖：已登记人数与人口统计数据比较（登记率、占比、缺口排序）", run: runCoverage}
}

const figuresUsage = `用法:
  guanai figures template --out FILE.xlsx [--region CODE] [--level county|township|village] [--year YYYY] [--source S]
                                          下载人口统计数据模板（预填区划代码和名称）
  guanai figures import FILE [--year YYYY] [--source S]
                                          导入统计部门的分区划儿童人口数（.xlsx/.csv），打印 JSON 汇总
  guanai figures list [--region CODE] [--year YYYY] [--history]
                                          列出已导入的人口统计数据（--history 含被更正的旧值）
S 为数据来源：census（人口普查）、sample_survey（人口抽样调查）、migrant_statistics（流动人口统计）、other（其他）；
文件中“参考年份”“数据来源”为空的行取 --year、--source`

func runFigures(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "figures", figuresUsage, []string{"template", "import", "list"}, args)
	if err != nil {
		return err
	}
	switch sub {
	case "template":
		return figuresTemplate(env, args)
	case "import":
		return figuresImport(ctx, env, args)
	case "list":
		return figuresList(ctx, env, args)
	}
	panic("figures: sub-command " + sub + " has no case")
}

// sourceFlag checks a --source value.
func sourceFlag(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	src, ok := population.ParseSource(s)
	if !ok {
		return "", usageError{"--source “" + s + "”无效：应为 census、sample_survey、migrant_statistics 或 other"}
	}
	return src, nil
}

func yearFlag(env *Env, y int) error {
	if y != 0 && (y < 1949 || y > env.Now().In(chinaTime).Year()) {
		return usageError{"--year 应为 1949 年至今的四位年份"}
	}
	return nil
}

func regionFlag(code string) (string, error) {
	if code == "" {
		return "", nil
	}
	n, ok := region.Normalize(code)
	d, found := region.Default().Lookup(n)
	if !ok || !found {
		return "", usageError{"--region “" + code + "”不是全国行政区划代码表中的代码"}
	}
	return d.Code, nil
}

func figuresTemplate(env *Env, args []string) error {
	fs := newFlagSet("figures template")
	out := fs.String("out", "", "输出文件 .xlsx 或 .csv（必填）")
	regionCode := fs.String("region", "150300", "预填哪个区划之下的区划")
	level := fs.String("level", "township", "预填的级别：county（区县）、township（乡镇街道）或 village（村居）")
	year := fs.Int("year", 0, "预填的参考年份")
	source := fs.String("source", "", "预填的数据来源")
	pos, err := parseOptions(env, fs, figuresUsage, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"请用 --out 指定输出文件，如 --out 人口统计数据.xlsx"}
	}
	base, err := regionFlag(*regionCode)
	if err != nil {
		return err
	}
	lv, err := stats.CoverageLevel(*level)
	if err != nil {
		return usageError{"--level 应为 county、township 或 village"}
	}
	src, err := sourceFlag(*source)
	if err != nil {
		return err
	}
	if err := yearFlag(env, *year); err != nil {
		return err
	}
	divs := population.Divisions(region.Default(), base, lv)
	if len(divs) == 0 {
		return usageError{"区划 " + base + " 之下没有所选级别的区划"}
	}
	tmp := *out + ".tmp"
	f, err := createPrivate(tmp)
	if err != nil {
		return fmt.Errorf("写入模板：%w", err)
	}
	if err := population.Template(f, divs, *year, src, sheet.FormatFor(*out)); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "已写入人口统计数据模板 %s（%d 个区划）\n", *out, len(divs))
	return nil
}

func figuresImport(ctx context.Context, env *Env, args []string) error {
	var year *int
	var source *string
	s, pos, err := dbCommand(ctx, env, "figures import", figuresUsage, args, func(fs *pflag.FlagSet) {
		year = fs.Int("year", 0, "参考年份为空的行取此年份")
		source = fs.String("source", "", "数据来源为空的行取此来源")
	})
	if err != nil {
		return err
	}
	defer s.Close()
	if len(pos) != 1 {
		return usageError{"请给出一个要导入的文件：guanai figures import FILE"}
	}
	src, err := sourceFlag(*source)
	if err != nil {
		return err
	}
	if err := yearFlag(env, *year); err != nil {
		return err
	}
	t, err := sheet.OpenTableContext(ctx, pos[0], "")
	if err != nil {
		return err
	}
	defer t.Close()
	out, err := workflow.ImportFigures(ctx, s, t, filepath.Base(pos[0]),
		population.Options{ThisYear: env.Now().In(chinaTime).Year(), Year: *year, Source: src})
	if err != nil {
		return err
	}
	return printJSON(env, out)
}

func figuresList(ctx context.Context, env *Env, args []string) error {
	var regionCode *string
	var year *int
	var history *bool
	s, err := dbCommandNoArgs(ctx, env, "figures list", figuresUsage, args, func(fs *pflag.FlagSet) {
		regionCode = fs.String("region", "", "区划代码（含其下级区划）")
		year = fs.Int("year", 0, "参考年份")
		history = fs.Bool("history", false, "含被更正的旧值")
	})
	if err != nil {
		return err
	}
	defer s.Close()
	code, err := regionFlag(*regionCode)
	if err != nil {
		return err
	}
	figs, err := s.Figures(ctx, store.FigureQuery{Region: code, Year: *year, History: *history})
	if err != nil {
		return err
	}
	return printJSON(env, figs)
}

const coverageUsage = `用法: guanai coverage [--region CODE] [--level county|township|village] [--year YYYY] [--as-of YYYY-MM-DD] [--publish [--threshold N]] [--out FILE.xlsx]
按区划比较已登记的流动儿童、留守儿童与人口统计数据：登记率、占比、缺口，缺口最大的区划排在前面（JSON）`

func runCoverage(ctx context.Context, env *Env, args []string) error {
	var regionCode, level, asOf, out *string
	var year, threshold *int
	var publish *bool
	s, err := dbCommandNoArgs(ctx, env, "coverage", coverageUsage, args, func(fs *pflag.FlagSet) {
		regionCode = fs.String("region", "", "区划代码（默认整个数据库）")
		level = fs.String("level", "township", "比较的级别：county（区县）、township（乡镇街道）或 village（村居）")
		year = fs.Int("year", 0, "人口统计数据的参考年份（默认各区划最新的）")
		asOf = fs.String("as-of", "", "登记人数的统计时点 YYYY-MM-DD（默认今天）")
		publish = fs.Bool("publish", false, "按对外发布要求抑制小数值及由其算出的登记率")
		threshold = fs.Int("threshold", 5, "对外发布时抑制小于该值的非零人数")
		out = fs.String("out", "", "写出 Excel（.xlsx）或 CSV 文件：按缺口排序的区划清单；不给时打印 JSON")
	})
	if err != nil {
		return err
	}
	defer s.Close()
	code, err := regionFlag(*regionCode)
	if err != nil {
		return err
	}
	lv, err := stats.CoverageLevel(*level)
	if err != nil {
		return usageError{"--level 应为 county、township 或 village"}
	}
	if err := yearFlag(env, *year); err != nil {
		return err
	}
	if *threshold < 2 || *threshold > 100 {
		return usageError{"--threshold 应为 2–100"}
	}
	ref := child.DateOf(env.Now().In(chinaTime))
	if *asOf != "" {
		d, _, err := child.ParseDate(*asOf)
		if err != nil {
			return usageError{"--as-of “" + *asOf + "”不是有效的日期，应为 YYYY-MM-DD"}
		}
		ref = d
	}
	rep, err := workflow.Coverage(ctx, s, workflow.CoverageInput{Query: stats.Query{AsOf: ref, Region: code}, Level: lv, Year: *year,
		Publish: *publish, Threshold: *threshold})
	if err != nil {
		return err
	}
	if *out == "" {
		return printJSON(env, rep)
	}
	tmp := *out + ".tmp"
	f, err := createPrivate(tmp)
	if err != nil {
		return fmt.Errorf("写入登记覆盖：%w", err)
	}
	if err := workflow.WriteCoverage(f, rep, sheet.FormatFor(*out)); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "已写入登记覆盖 %s（%d 个区划，%s）\n", *out, len(rep.Rows), rep.Reference)
	return nil
}
