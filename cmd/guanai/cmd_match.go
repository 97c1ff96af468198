package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"guanai/internal/match"
)

func init() {
	commands["match"] = command{summary: "比对两个人员名单（CSV），输出匹配结果", run: runMatch}
}

// runMatch links a roster (--right) against the registry (--left). See docs/matching.md.
func runMatch(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("match")
	left := fs.String("left", "", "左侧（登记库）CSV 文件，必填")
	right := fs.String("right", "", "右侧（部门名单）CSV 文件，必填")
	out := fs.String("out", "", "输出 CSV 文件（left_ref,right_ref,score,method）；缺省写到标准输出")
	threshold := fs.Float64("threshold", 0.5, "自动匹配的最低匹配概率（0–1）")
	review := fs.Float64("review-band", 0.05, "人工复核区间下限：分数在 [该值, threshold) 的最佳候选写入 --review 文件")
	reviewOut := fs.String("review", "", "可选：待人工复核的候选及逐字段权重写入此 CSV 文件")
	explainOut := fs.String("explain", "", "可选：全部匹配及复核候选的逐字段权重写入此 CSV 文件")
	matchRate := fs.Float64("match-rate", 0, "右侧记录在左侧有匹配的预期比例（0 表示自动估计）")
	blockCap := fs.Int("block-cap", 300, "分块上限：超过该数量的分块不比较")
	workers := fs.Int("workers", 0, "并行数（0 表示 CPU 数）")
	pos, err := parseOptions(env, fs, "用法: guanai match --left 登记库.csv --right 名单.csv [--out 结果.csv] [--threshold 0.5]\n"+
		"\n输入 CSV（UTF-8，可带 BOM）须有表头和 ref 列，可含 name, sex, birth_date, id_number,\n"+
		"hukou_region, residence_region, father_name, mother_name, guardian_name, guardian_id。", args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *left == "" || *right == "" {
		return usageError{"必须同时指定 --left 和 --right"}
	}
	if *threshold <= 0 || *threshold > 1 {
		return usageError{"--threshold 应在 (0, 1] 之间"}
	}
	if *review < 0 || *review > *threshold {
		return usageError{"--review-band 应在 [0, threshold] 之间"}
	}
	if *matchRate < 0 || *matchRate >= 1 {
		return usageError{"--match-rate 应在 [0, 1) 之间"}
	}
	if *blockCap < 1 || *workers < 0 {
		return usageError{"--block-cap 应为正数，--workers 不能为负数"}
	}
	opts := match.Options{Threshold: *threshold, ReviewBand: *review, MatchRate: *matchRate,
		BlockCap: *blockCap, Workers: *workers}
	if *review == 0 {
		opts.ReviewBand = 1e-9
	}
	if env.Getenv == nil || env.Getenv("GOMEMLIMIT") == "" {
		// a soft ceiling: the collector works harder instead of letting the heap double
		debug.SetMemoryLimit(1536 << 20)
	}
	// --out is written 0600 by match.LinkFiles (a temporary file renamed); --review and
	// --explain are created here 0600 beforehand, and match.LinkFiles truncates them in place.
	var created []string
	for _, p := range []string{*reviewOut, *explainOut} {
		if p == "" {
			continue
		}
		fi, statErr := os.Stat(p)
		for _, in := range []string{*left, *right} {
			if ii, err := os.Stat(in); err == nil && statErr == nil && os.SameFile(fi, ii) {
				return usageError{"--review、--explain 不能写到输入文件 " + in}
			}
		}
		f, err := createPrivate(p)
		if err != nil {
			return fmt.Errorf("无法创建文件 %s：%w", p, err)
		}
		f.Close()
		if errors.Is(statErr, os.ErrNotExist) {
			created = append(created, p)
		}
	}
	job := match.FileJob{Left: *left, Right: *right, Out: *out, Review: *reviewOut, Explain: *explainOut}
	_, err = match.LinkFiles(ctx, job, env.Stdout, env.Stderr, opts)
	if err != nil {
		for _, p := range created {
			os.Remove(p)
		}
	}
	return err
}
