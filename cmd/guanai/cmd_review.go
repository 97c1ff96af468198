package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"guanai/internal/child"
	"guanai/internal/store"
)

func init() {
	commands["review"] = command{summary: "复核：重新判定队列（新符合条件/不再符合条件）的确认与归档、按区划批量审核、按日期重新判定", run: runReview}
}

const reviewUsage = `用法:
  guanai review queue [--region CODE] [--kind newly_qualifies|no_longer_qualifies] [--all] [--limit N]
                                      列出重新判定队列：儿童、原答案与新答案、原因
  guanai review confirm ID [--note TEXT]
                                      确认复核事项：保留记录，接受新的判定结果
  guanai review archive ID --reason 年满16周岁|父母返乡|迁出本地|其他 [--note TEXT]
                                      以“不再符合条件”归档记录（“其他”须写说明）
  guanai review approve --region CODE [--status submitted] [--limit N] --reason TEXT
                                      批量审核：逐条审核通过，列出未通过校验的记录及原因（每条单独记入审计日志）
  guanai review reclassify [--as-of YYYY-MM-DD] [--all]
                                      按参考日期重新判定到期的记录（--all：全部记录），报告变化的答案数`

// runReview works the re-evaluation queue and the backlog of submitted records from the command
// line, as the operator (every change audited one record at a time).
func runReview(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "review", reviewUsage, []string{"queue", "confirm", "archive", "approve", "reclassify"}, args)
	if err != nil {
		return err
	}
	fs := newFlagSet("review " + sub)
	finish := commonFlags(fs, env)
	var region, kind, note, reason, status, asOf string
	var all bool
	limit := 0
	switch sub {
	case "queue":
		fs.StringVar(&region, "region", "", "区划代码（现居住地或户籍地在其中）")
		fs.StringVar(&kind, "kind", "", "newly_qualifies（新符合条件）或 no_longer_qualifies（不再符合条件）")
		fs.BoolVar(&all, "all", false, "包括已处理的事项")
		fs.IntVar(&limit, "limit", 50, "条数（1–500）")
	case "confirm":
		fs.StringVar(&note, "note", "", "说明")
	case "archive":
		fs.StringVar(&reason, "reason", "", "归档原因："+strings.Join(store.ArchiveReasons, "、"))
		fs.StringVar(&note, "note", "", "说明（原因为“其他”时必填）")
	case "approve":
		fs.StringVar(&region, "region", "", "区划代码（必填）")
		fs.StringVar(&status, "status", store.StatusSubmitted, "待审核记录的状态")
		fs.IntVar(&limit, "limit", 500, "最多审核的条数（1–10000）")
		fs.StringVar(&reason, "reason", "", "审核意见（必填，随每条记录保存）")
	case "reclassify":
		fs.StringVar(&asOf, "as-of", "", "参考日期 YYYY-MM-DD（默认今天）")
		fs.BoolVar(&all, "all", false, "重新判定全部未归档的记录，而不只是到期的")
	}
	pos, err := parseOptions(env, fs, reviewUsage, args)
	if err != nil {
		return err
	}
	var id int64
	if sub == "confirm" || sub == "archive" {
		if len(pos) != 1 {
			return usageError{"请给出一个复核事项编号（见 guanai review queue）"}
		}
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil || id < 1 {
			return usageError{"复核事项编号应为正整数：" + pos[0]}
		}
	} else if err := noArgs(pos); err != nil {
		return err
	}
	ref := child.DateOf(env.Now().In(chinaTime))
	switch sub {
	case "queue":
		if kind != "" && kind != store.ReviewNewlyQualifies && kind != store.ReviewNoLongerQualifies {
			return usageError{"--kind 应为 newly_qualifies 或 no_longer_qualifies"}
		}
		if limit < 1 || limit > 500 {
			return usageError{"--limit 应为 1–500"}
		}
	case "archive":
		if reason == "" {
			return usageError{"请用 --reason 给出归档原因：" + strings.Join(store.ArchiveReasons, "、")}
		}
	case "approve":
		if region == "" {
			return usageError{"请用 --region 指定区划代码"}
		}
		if strings.TrimSpace(reason) == "" {
			return usageError{"请用 --reason 写明审核意见"}
		}
		if status != store.StatusSubmitted && status != store.StatusDraft && status != store.StatusReturned {
			return usageError{"--status 应为 submitted（已提交）"}
		}
		if status != store.StatusSubmitted {
			return usageError{"只能批量审核“已提交”的记录：--status submitted"}
		}
		if limit < 1 || limit > 10000 {
			return usageError{"--limit 应为 1–10000"}
		}
	case "reclassify":
		if asOf != "" {
			d, _, err := child.ParseDate(asOf)
			if err != nil {
				return usageError{"--as-of “" + asOf + "”不是有效的日期，应为 YYYY-MM-DD"}
			}
			ref = d
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
	switch sub {
	case "queue":
		items, err := s.ReviewQueue(ctx, store.ReviewQuery{Open: !all, Kind: kind, Region: region, Limit: limit})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "编号\t儿童\t类别\t答案变化\t判定日期\t现居住地\t原因\t处理")
		for _, it := range items {
			var ch []string
			for _, k := range []string{"migrant_monitoring", "migrant_statistics", "left_behind", "key_care"} {
				if v, ok := it.Detail[k]; ok {
					ch = append(ch, answerName(k)+" "+triName(v[0])+"→"+triName(v[1]))
				}
			}
			done := "待处理"
			if !it.Resolved.IsZero() {
				done = outcomeName(it.Outcome) + " " + it.ResolvedBy
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.UID, store.ReviewKindLabel(it.Kind), strings.Join(ch, "；"),
				it.AsOf, it.ResidenceCode, it.Cause, done)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "共 %d 条\n", len(items))
		return nil
	case "confirm":
		if err := s.ConfirmReview(ctx, id, note); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "复核事项 %d 已确认，记录保留\n", id)
		return nil
	case "archive":
		if err := s.ArchiveReview(ctx, id, reason, note); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "复核事项 %d 已处理：记录以“不再符合条件：%s”归档\n", id, reason)
		return nil
	case "reclassify":
		run := s.Reclassify
		if all {
			run = s.ReclassifyAll
		}
		res, err := run(ctx, ref)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "参考日期 %s：重新判定 %d 条，答案变化 %d 条，进入复核队列 %d 条\n", ref, res.Checked, res.Changed, res.Queued)
		for _, k := range slices.Sorted(maps.Keys(res.Moved)) {
			name, dir, _ := strings.Cut(k, ":")
			b, a, _ := strings.Cut(dir, "→")
			fmt.Fprintf(env.Stdout, "  %s %s→%s：%d 条\n", answerName(name), triName(b), triName(a), res.Moved[k])
		}
		return nil
	}
	return bulkApprove(ctx, env, s, region, limit, reason)
}

// bulkApprove approves the submitted records of a division one by one through the store's
// transition (which refuses, for example, an ID number that disagrees with the birth date),
// after checking each record again; what does not pass is listed with why, and stays.
func bulkApprove(ctx context.Context, env *Env, s *store.Store, region string, limit int, reason string) error {
	var uids []string
	for off := 0; len(uids) < limit; {
		page, err := s.Search(ctx, store.Query{Region: region, Status: []string{store.StatusSubmitted}, Limit: min(500, limit-len(uids)), Offset: off})
		if err != nil {
			return err
		}
		for _, c := range page.Items {
			uids = append(uids, c.UID)
		}
		if len(page.Items) == 0 {
			break
		}
		off += len(page.Items)
	}
	ok, failed := 0, 0
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	for _, uid := range uids {
		why := ""
		c, err := s.Get(ctx, uid)
		if err == nil {
			rec := c.Record
			var is child.Issues
			child.Validate(&rec, &is, child.Options{Today: child.DateOf(env.Now().In(chinaTime))})
			if len(is.Errors) > 0 {
				why = is.Errors[0].Message
			}
		}
		if err == nil && why == "" {
			_, err = s.Transition(ctx, "", uid, store.StatusApproved, reason)
		}
		if err != nil {
			why = err.Error()
			var se *store.Error
			if errors.As(err, &se) {
				why = se.Message
			}
		}
		if why != "" {
			if failed == 0 {
				fmt.Fprintln(tw, "未通过的记录\t原因")
			}
			failed++
			fmt.Fprintf(tw, "%s\t%s\n", uid, why)
			continue
		}
		ok++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "区划 %s：审核通过 %d 条，未通过 %d 条（保持“已提交”）\n", region, ok, failed)
	return nil
}

func answerName(k string) string {
	return map[string]string{"migrant_monitoring": "流动儿童（监测摸排范围）", "migrant_statistics": "流动儿童（统计分析范围）",
		"left_behind": "留守儿童", "key_care": "重点关爱"}[k]
}

func triName(v string) string {
	switch v {
	case "yes":
		return "是"
	case "no":
		return "否"
	case "undetermined":
		return "待确定"
	}
	return "（未判定）"
}

func outcomeName(o string) string {
	switch {
	case o == "confirmed":
		return "已确认"
	case strings.HasPrefix(o, "archived:"):
		return "已归档（" + strings.TrimPrefix(o, "archived:") + "）"
	}
	return "已处理"
}
