package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/region"
	"guanai/internal/roster"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

func init() {
	commands["roster"] = command{summary: "部门名册：下载模板、查看批次、复核疑似匹配、核查名单", run: runRoster}
	commands["leads"] = command{summary: "入户走访线索：列出、记录走访结果", run: runLeads}
	commands["discrepancies"] = command{summary: "部门名册与登记信息的差异报告（按区划）", run: runDiscrepancies}
}

const rosterUsage = `用法:
  guanai roster template --dept DEPT --out FILE.xlsx     下载部门名册模板
  guanai roster batches [--dept DEPT]                     列出名册导入批次
  guanai roster review [--dept DEPT] [--batch UID]        列出待人工复核的疑似匹配
  guanai roster accept ID | reject ID                     复核：确认是同一人 / 不是同一人
  guanai roster verify --dept DEPT [--region CODE] [--kind KIND] [--note 说明] --out 核查名单.xlsx
                                                          生成核查名单并写出文件，交部门填写后用 guanai import roster 导入
  guanai roster verifications [--dept DEPT]               列出核查名单及答复进度
  guanai roster verification UID [--out FILE.xlsx]        一份核查名单的进度；给出 --out 时重新写出文件
DEPT 为 ` + "education, police, health, insurance, disability, assistance, rural, women" + `；KIND 为该部门的差异类型（` + "no_school、dropout、no_residence_permit、no_health_mgmt、no_insurance、disability_unlisted" + `），
不填时为部门的全部对象（教育 6-15 周岁，公安 流动儿童，卫健 0-6 岁，医保 全部儿童，残联 登记有残疾的儿童）`

func runRoster(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "roster", rosterUsage,
		[]string{"template", "batches", "review", "accept", "reject", "verify", "verifications", "verification"}, args)
	if err != nil {
		return err
	}
	switch sub {
	case "template":
		return rosterTemplate(env, args)
	case "batches":
		return rosterBatches(ctx, env, args)
	case "review":
		return rosterReviewList(ctx, env, args)
	case "accept", "reject":
		return rosterDecide(ctx, env, sub == "accept", args)
	case "verify":
		return rosterVerify(ctx, env, args)
	case "verifications":
		return rosterVerifications(ctx, env, args)
	case "verification":
		return rosterVerification(ctx, env, args)
	}
	panic("roster: sub-command " + sub + " has no case")
}

func lookupDept(s string, required bool) (*roster.Department, error) {
	if s == "" {
		if required {
			return nil, usageError{"请用 --dept 指定部门：" + roster.Codes()}
		}
		return nil, nil
	}
	d, ok := roster.Lookup(s)
	if !ok {
		return nil, usageError{"未知的部门 “" + s + "”：应为 " + roster.Codes()}
	}
	return d, nil
}

func rosterTemplate(env *Env, args []string) error {
	fs := newFlagSet("roster template")
	deptFlag := fs.String("dept", "", "部门（必填）")
	outFile := fs.String("out", "", "输出文件 .xlsx（必填）")
	pos, err := parseOptions(env, fs, rosterUsage, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	d, err := lookupDept(*deptFlag, true)
	if err != nil {
		return err
	}
	if *outFile == "" {
		return usageError{"请用 --out 指定输出文件，如 --out " + d.Code + "_名册模板.xlsx"}
	}
	tmp := *outFile + ".tmp"
	f, err := createPrivate(tmp)
	if err != nil {
		return fmt.Errorf("写入模板：%w", err)
	}
	if err := roster.Template(f, d); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, *outFile); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "已写入%s名册模板 %s\n", d.Label, *outFile)
	return nil
}

// dbCommand parses the options of a command that reads the database, its own (define) and the
// common ones, opens the database and returns the other arguments. usage shows how the command
// is called.
func dbCommand(ctx context.Context, env *Env, name, usage string, args []string, define func(fs *pflag.FlagSet)) (*store.Store, []string, error) {
	return openDBCommand(ctx, env, name, usage, args, define, false)
}

// dbCommandNoArgs is dbCommand for a command that takes options only: an argument besides them
// is refused before the database is opened.
func dbCommandNoArgs(ctx context.Context, env *Env, name, usage string, args []string, define func(fs *pflag.FlagSet)) (*store.Store, error) {
	s, _, err := openDBCommand(ctx, env, name, usage, args, define, true)
	return s, err
}

func openDBCommand(ctx context.Context, env *Env, name, usage string, args []string, define func(fs *pflag.FlagSet), optionsOnly bool) (*store.Store, []string, error) {
	fs := newFlagSet(name)
	finish := commonFlags(fs, env)
	define(fs)
	pos, err := parseOptions(env, fs, usage, args)
	if err != nil {
		return nil, nil, err
	}
	if optionsOnly {
		if err := noArgs(pos); err != nil {
			return nil, nil, err
		}
	}
	c, err := finish()
	if err != nil {
		return nil, nil, usageError{err.Error()}
	}
	s, err := openStore(ctx, env, c)
	if err != nil {
		return nil, nil, err
	}
	return s, pos, nil
}

func printJSON(env *Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func rosterBatches(ctx context.Context, env *Env, args []string) error {
	var dept *string
	var limit *int
	s, _, err := dbCommand(ctx, env, "roster batches", rosterUsage, args, func(fs *pflag.FlagSet) {
		dept = fs.String("dept", "", "只列出该部门的批次")
		limit = fs.Int("limit", 50, "最多列出条数")
	})
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := lookupDept(*dept, false)
	if err != nil {
		return err
	}
	code := ""
	if d != nil {
		code = d.Code
	}
	bs, err := s.RosterBatches(ctx, code, *limit, 0)
	if err != nil {
		return err
	}
	out := make([]workflow.BatchView, 0, len(bs))
	for i := range bs {
		out = append(out, workflow.ViewBatch(&bs[i]))
	}
	return printJSON(env, out)
}

func rosterReviewList(ctx context.Context, env *Env, args []string) error {
	var dept, batch, status *string
	var limit *int
	s, _, err := dbCommand(ctx, env, "roster review", rosterUsage, args, func(fs *pflag.FlagSet) {
		dept = fs.String("dept", "", "只列出该部门的")
		batch = fs.String("batch", "", "只列出该批次的")
		status = fs.String("status", "pending", "pending（待复核）、accepted 或 rejected")
		limit = fs.Int("limit", 50, "最多列出条数")
	})
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := lookupDept(*dept, false)
	if err != nil {
		return err
	}
	q := store.RosterReviewQuery{Batch: *batch, Status: *status, Limit: *limit}
	if d != nil {
		q.Department = d.Code
	}
	ps, err := s.RosterReviews(ctx, q)
	if err != nil {
		return err
	}
	out := make([]workflow.PairView, 0, len(ps))
	for i := range ps {
		out = append(out, workflow.ViewPair(&ps[i], workflow.Masked))
	}
	return printJSON(env, out)
}

func rosterDecide(ctx context.Context, env *Env, accept bool, args []string) error {
	var actor *string
	name := "roster reject"
	if accept {
		name = "roster accept"
	}
	s, pos, err := dbCommand(ctx, env, name, rosterUsage, args, func(fs *pflag.FlagSet) {
		actor = fs.String("actor", "", "复核人")
	})
	if err != nil {
		return err
	}
	defer s.Close()
	if len(pos) != 1 {
		return usageError{"请给出一个待复核名册行的编号（guanai roster review 列出的 id）"}
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usageError{"“" + pos[0] + "”不是名册行编号"}
	}
	o, err := s.ReviewRoster(asOperator(ctx, *actor), "", id, accept)
	if err != nil {
		return err
	}
	return printJSON(env, map[string]any{"id": id, "outcome": o.Outcome, "child_uid": o.UID, "filled": nonNil(o.Filled), "lead": o.Lead,
		"discrepancies": len(o.Contra)})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const leadsUsage = `用法:
  guanai leads list [--region CODE] [--status open|closed] [--dept DEPT]
  guanai leads close UID --outcome registered|not_eligible|not_found [--child UID] [--note 说明]`

func runLeads(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "leads", leadsUsage, []string{"list", "close"}, args)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		var region, status, dept *string
		var limit *int
		s, _, err := dbCommand(ctx, env, "leads list", leadsUsage, args, func(fs *pflag.FlagSet) {
			region = fs.String("region", "", "分派到的区划代码（前缀）")
			status = fs.String("status", "", "open（待走访）或 closed（已办结）；默认全部")
			dept = fs.String("dept", "", "来源部门")
			limit = fs.Int("limit", 100, "最多列出条数")
		})
		if err != nil {
			return err
		}
		defer s.Close()
		d, err := lookupDept(*dept, false)
		if err != nil {
			return err
		}
		q := store.LeadQuery{Region: *region, Status: *status, Limit: *limit}
		if d != nil {
			q.Department = d.Code
		}
		ls, err := s.Leads(ctx, q)
		if err != nil {
			return err
		}
		out := make([]workflow.LeadView, 0, len(ls))
		for i := range ls {
			out = append(out, workflow.ViewLead(&ls[i]))
		}
		return printJSON(env, out)
	case "close":
		var outcome, childUID, note, actor *string
		s, pos, err := dbCommand(ctx, env, "leads close", leadsUsage, args, func(fs *pflag.FlagSet) {
			outcome = fs.String("outcome", "", "走访结果：registered（已登记）、not_eligible（不符合条件）、not_found（查无此人）")
			childUID = fs.String("child", "", "已登记时，新登记的儿童记录编号")
			note = fs.String("note", "", "走访说明")
			actor = fs.String("actor", "", "走访人")
		})
		if err != nil {
			return err
		}
		defer s.Close()
		if len(pos) != 1 {
			return usageError{"请给出一条走访线索的编号"}
		}
		l, err := s.CloseLead(asOperator(ctx, *actor), "", pos[0], *outcome, *childUID, *note)
		if err != nil {
			return err
		}
		return printJSON(env, workflow.ViewLead(l))
	}
	panic("leads: sub-command " + sub + " has no case")
}

var discrepanciesUsage = "用法: guanai discrepancies [--kind KIND] [--region CODE] [--as-of YYYY-MM-DD] [--limit N]\n" +
	"      guanai discrepancies resolve UID --note 核实结果\n差异类型：" + strings.Join(store.DiscrepancyKinds, "、") + "；不给 --kind 时输出各类的数量"

func runDiscrepancies(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "resolve" {
		var note, actor *string
		s, pos, err := dbCommand(ctx, env, "discrepancies resolve", discrepanciesUsage, args[1:], func(fs *pflag.FlagSet) {
			note = fs.String("note", "", "核实结果（必填）")
			actor = fs.String("actor", "", "核实人")
		})
		if err != nil {
			return err
		}
		defer s.Close()
		if len(pos) != 1 {
			return usageError{"请给出一条差异的编号"}
		}
		if err := s.ResolveDiscrepancy(asOperator(ctx, *actor), "", pos[0], *note); err != nil {
			return err
		}
		return printJSON(env, map[string]string{"uid": pos[0], "status": "resolved"})
	}
	var kind, region, asOf *string
	var limit *int
	s, err := dbCommandNoArgs(ctx, env, "discrepancies", discrepanciesUsage, args, func(fs *pflag.FlagSet) {
		kind = fs.String("kind", "", "差异类型："+strings.Join(store.DiscrepancyKinds, "、"))
		region = fs.String("region", "", "区划代码（默认全部）")
		asOf = fs.String("as-of", "", "计算年龄的日期 YYYY-MM-DD（默认今天）")
		limit = fs.Int("limit", 100, "每类最多列出的儿童数")
	})
	if err != nil {
		return err
	}
	defer s.Close()
	var d child.Date
	if *asOf != "" {
		if d, _, err = child.ParseDate(*asOf); err != nil || d == 0 {
			return usageError{"--as-of “" + *asOf + "”不是有效的日期（YYYY-MM-DD）"}
		}
	}
	if *kind == "" {
		reps, err := s.DiscrepancySummary(ctx, *region, d)
		if err != nil {
			return err
		}
		out := make([]workflow.DiscrepancyView, 0, len(reps))
		for i := range reps {
			out = append(out, workflow.ViewDiscrepancies(&reps[i], workflow.Masked))
		}
		return printJSON(env, out)
	}
	rep, err := s.Discrepancies(ctx, store.DiscrepancyQuery{Kind: *kind, Region: *region, AsOf: d, Limit: *limit})
	if err != nil {
		return err
	}
	return printJSON(env, workflow.ViewDiscrepancies(&rep, workflow.Masked))
}

// rosterVerify makes a verification list (docs/rosters.md, 核查往返) and writes its file.
func rosterVerify(ctx context.Context, env *Env, args []string) error {
	var dept, regionCode, kind, note, out, actor *string
	s, err := dbCommandNoArgs(ctx, env, "roster verify", rosterUsage, args, func(fs *pflag.FlagSet) {
		dept = fs.String("dept", "", "部门（必填）")
		regionCode = fs.String("region", "", "区划代码：只列出居住地或户籍地在此区划的儿童（默认全部）")
		kind = fs.String("kind", "", "差异类型：只列出该差异报告中的儿童（默认部门的全部对象）")
		note = fs.String("note", "", "说明（写入文件的填写说明）")
		out = fs.String("out", "", "输出文件 .xlsx（必填）")
		actor = fs.String("actor", "", "操作人（默认当前系统用户）")
	})
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := lookupDept(*dept, true)
	if err != nil {
		return err
	}
	if *out == "" {
		return usageError{"请用 --out 指定输出文件，如 --out " + d.Code + "_核查名单.xlsx"}
	}
	ctx = asOperator(ctx, *actor)
	who := auth.ActorOf(ctx)
	v, err := s.CreateVerification(ctx, who, store.VerificationSpec{Department: d.Code, Region: *regionCode, Kind: *kind, Note: *note})
	if err != nil {
		return err
	}
	if err := writeVerificationFile(ctx, env, s, v.UID, who, *out); err != nil {
		return fmt.Errorf("核查名单 %s 已生成，写出文件失败（可用 guanai roster verification %s --out FILE 重新写出）：%w", v.UID, v.UID, err)
	}
	fmt.Fprintf(env.Stderr, "已生成%s核查名单，共 %d 名儿童，写入 %s；请交%s填写后用 guanai import roster --dept %s 导入\n", d.Label, v.Count, *out, d.Label, d.Code)
	return printJSON(env, map[string]any{"uid": v.UID, "department": v.Department, "count": v.Count, "file": *out})
}

// writeVerificationFile writes a list's file (a temporary file renamed, so that a failure
// leaves no half workbook).
func writeVerificationFile(ctx context.Context, env *Env, s *store.Store, uid, who, path string) error {
	v, kids, err := s.VerificationSheet(ctx, uid)
	if err != nil {
		return err
	}
	d, ok := roster.Lookup(v.Department)
	if !ok {
		return fmt.Errorf("核查名单 %s 的部门 %q 未知", uid, v.Department)
	}
	place := ""
	if v.Region != "" {
		place = region.Default().FullName(v.Region)
	}
	vs := &roster.VerifySheet{Department: d, Title: roster.VerificationTitle(d, place, store.VerificationKindLabel(v.Department, v.Kind)),
		Watermark: roster.VerificationWatermark(who, env.Now().In(chinaTime)), Note: v.Note}
	for i := range kids {
		vs.Rows = append(vs.Rows, roster.VerifyRow{Token: kids[i].Token, Record: &kids[i].Record})
	}
	tmp := path + ".tmp"
	f, err := createPrivate(tmp)
	if err != nil {
		return err
	}
	if err := roster.WriteVerification(f, vs); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func rosterVerifications(ctx context.Context, env *Env, args []string) error {
	var dept *string
	s, err := dbCommandNoArgs(ctx, env, "roster verifications", rosterUsage, args, func(fs *pflag.FlagSet) {
		dept = fs.String("dept", "", "只列出该部门的核查名单")
	})
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := lookupDept(*dept, false)
	if err != nil {
		return err
	}
	code := ""
	if d != nil {
		code = d.Code
	}
	vs, err := s.Verifications(ctx, code)
	if err != nil {
		return err
	}
	out := make([]store.VerificationView, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.View())
	}
	return printJSON(env, out)
}

func rosterVerification(ctx context.Context, env *Env, args []string) error {
	var out, actor *string
	s, pos, err := dbCommand(ctx, env, "roster verification", rosterUsage, args, func(fs *pflag.FlagSet) {
		out = fs.String("out", "", "重新写出核查名单文件 .xlsx")
		actor = fs.String("actor", "", "操作人（默认当前系统用户）")
	})
	if err != nil {
		return err
	}
	defer s.Close()
	if len(pos) != 1 {
		return usageError{"请给出一份核查名单的编号（guanai roster verifications 列出的 uid）"}
	}
	v, err := s.Verification(ctx, pos[0])
	if err != nil {
		return err
	}
	j := v.View()
	if *out != "" {
		if err := writeVerificationFile(asOperator(ctx, *actor), env, s, v.UID, auth.ActorOf(asOperator(ctx, *actor)), *out); err != nil {
			return err
		}
		j.File = *out
	}
	return printJSON(env, j)
}
