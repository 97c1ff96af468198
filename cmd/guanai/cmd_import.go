package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/roster"
	"guanai/internal/sheet"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

func init() {
	commands["import"] = command{
		summary: "导入儿童登记表（Excel/CSV），输出 JSON 汇总",
		run:     runImport,
	}
}

// The imports run workflow.Imports, the code the upload routes run: this file parses the
// command line, opens the file, prints progress and the summary, and writes the rejected rows
// back from the store.

const importUsage = "用法: guanai import children FILE [选项]\n      guanai import roster --dept DEPT FILE [选项]\n\n" +
	"children：导入《流动儿童基本情况登记表》《留守儿童基本情况登记表》的 Excel（.xlsx）或 CSV 文件。\n" +
	"roster：导入部门名册（DEPT 为 education、police、health、insurance、disability，民政的社会救助名册 assistance、防止返贫监测名册 rural，妇联名单 women），与登记信息比对并更新。\n" +
	"guanai import children -h、guanai import roster -h 查看选项。"

func runImport(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "import", importUsage, []string{"children", "roster"}, args)
	if err != nil {
		return err
	}
	if sub == "roster" {
		return importRoster(ctx, env, args)
	}
	return importChildren(ctx, env, args)
}

// asOperator names the operator of the command line for the trail: --actor NAME acts as
// cli:NAME (the default is the operating-system user).
func asOperator(ctx context.Context, name string) context.Context {
	name = strings.TrimPrefix(strings.TrimSpace(name), "cli:")
	if name == "" {
		return ctx
	}
	return auth.WithPrincipal(ctx, auth.Operator(name))
}

// cliProgress prints how far an import is, every few seconds, to standard error.
type cliProgress struct {
	env   *Env
	quiet bool
	last  time.Time
}

func (p *cliProgress) Begin(phase string, total int) {
	if !p.quiet && phase == workflow.PhaseWrite {
		fmt.Fprintf(p.env.Stderr, "已读取 %d 行，正在结束导入…\n", total)
	}
}

func (p *cliProgress) Step(rows int) {
	if p.quiet {
		return
	}
	if now := p.env.Now(); now.Sub(p.last) > 2*time.Second {
		fmt.Fprintf(p.env.Stderr, "已处理 %d 行…\n", rows)
		p.last = now
	}
}

func importChildren(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("import children")
	finish := commonFlags(fs, env)
	rejects := fs.String("rejects", "", "把被拒绝的行连同错误原因写入此文件（.xlsx 或 .csv）")
	status := fs.String("status", store.StatusDraft, "新建记录的状态：draft（草稿）或 submitted（已提交）")
	actor := fs.String("actor", "", "操作人（写入历史记录和审计日志，记为 cli:操作人；默认当前系统用户）")
	sheetName := fs.String("sheet", "", "工作表名称（默认第一个）")
	quiet := fs.Bool("quiet", false, "不在标准错误输出进度")
	pos, err := parseOptions(env, fs, "用法: guanai import children FILE [选项]\n\n导入登记表（.xlsx 或 .csv），在标准输出打印 JSON 汇总。", args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError{"多余的参数：" + strings.Join(pos[1:], " ")}
	}
	if len(pos) == 0 {
		return usageError{"请给出要导入的文件：guanai import children FILE"}
	}
	file := pos[0]
	if *status != store.StatusDraft && *status != store.StatusSubmitted {
		return usageError{"--status 只能是 draft 或 submitted"}
	}
	c, err := finish()
	if err != nil {
		return usageError{err.Error()}
	}
	ctx = asOperator(ctx, *actor)
	sum, err := fileSHA256(file)
	if err != nil {
		return fmt.Errorf("读取文件 %s：%w", file, err)
	}
	rd, err := sheet.Open(file, sheet.ReadOptions{Sheet: *sheetName, Today: child.DateOf(env.Now().In(chinaTime)), Context: ctx})
	if err != nil {
		return err
	}
	defer rd.Close()
	s, err := openStore(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()
	start := env.Now()
	im := &workflow.Imports{Store: s}
	out, err := im.Children(ctx, rd, workflow.ChildrenInput{File: filepath.Base(file), SHA256: sum, Status: *status}, &cliProgress{env: env, quiet: *quiet, last: start})
	if err != nil {
		return err
	}
	if *rejects != "" && out.Rejected > 0 {
		if err := writeRejects(ctx, im, out.Batch, *rejects); err != nil {
			return err
		}
		out.RejectsFile = *rejects
	}
	if !*quiet {
		fmt.Fprintf(env.Stderr, "导入完成：共 %d 行，新增 %d，更新 %d，未变 %d，拒绝 %d，用时 %s\n", out.Rows, out.Imported, out.Updated, out.Unchanged,
			out.Rejected, env.Now().Sub(start).Round(time.Millisecond))
	}
	return printLine(env, out)
}

// printLine prints v as one line of JSON.
func printLine(env *Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeRejects writes the rejected rows of a batch, read back from the store, with their reasons,
// atomically, readable by the owner only (the cells hold personal data).
func writeRejects(ctx context.Context, im *workflow.Imports, batch, path string) error {
	rej, err := im.Rejects(ctx, batch)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := createPrivate(tmp)
	if err != nil {
		return fmt.Errorf("写入拒绝行文件：%w", err)
	}
	if err := rej.Write(f, sheet.FormatFor(path)); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("写入拒绝行文件：%w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func importRoster(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("import roster")
	finish := commonFlags(fs, env)
	deptFlag := fs.String("dept", "", "部门："+roster.Codes()+"（必填）")
	rejects := fs.String("rejects", "", "把被拒绝的行连同错误原因写入此文件（.xlsx 或 .csv）")
	actor := fs.String("actor", "", "操作人（写入历史记录和审计日志，记为 cli:操作人；默认当前系统用户）")
	sheetName := fs.String("sheet", "", "工作表名称（默认第一个）")
	rosterDate := fs.String("roster-date", "", "名册日期 YYYY-MM-DD（默认今天）")
	threshold := fs.Float64("threshold", 0.5, "自动关联的匹配概率下限")
	reviewBand := fs.Float64("review-band", 0.05, "人工复核的匹配概率下限")
	quiet := fs.Bool("quiet", false, "不在标准错误输出进度")
	pos, err := parseOptions(env, fs, "用法: guanai import roster --dept DEPT FILE [选项]\n\n导入部门名册（.xlsx 或 .csv），与登记信息比对，在标准输出打印 JSON 汇总（见 docs/rosters.md）。", args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError{"多余的参数：" + strings.Join(pos[1:], " ")}
	}
	var file string
	if len(pos) == 1 {
		file = pos[0]
	}
	if *deptFlag == "" {
		return usageError{"请用 --dept 指定部门：" + roster.Codes()}
	}
	dept, ok := roster.Lookup(*deptFlag)
	if !ok {
		return usageError{"未知的部门 “" + *deptFlag + "”：应为 " + roster.Codes()}
	}
	if file == "" {
		return usageError{"请给出要导入的名册文件：guanai import roster --dept " + dept.Code + " FILE"}
	}
	if *threshold <= 0 || *threshold > 1 || *reviewBand <= 0 || *reviewBand > *threshold {
		return usageError{"--threshold 应在 (0, 1] 之间，--review-band 应在 (0, --threshold] 之间"}
	}
	today := child.DateOf(env.Now().In(chinaTime))
	date := today
	if *rosterDate != "" {
		d, _, err := child.ParseDate(*rosterDate)
		if err != nil || d == 0 || d > today {
			return usageError{"--roster-date “" + *rosterDate + "”不是有效的日期（YYYY-MM-DD，不晚于今天）"}
		}
		date = d
	}
	c, err := finish()
	if err != nil {
		return usageError{err.Error()}
	}
	ctx = asOperator(ctx, *actor)
	sum, err := fileSHA256(file)
	if err != nil {
		return fmt.Errorf("读取文件 %s：%w", file, err)
	}
	rd, err := roster.Open(file, dept, roster.ReadOptions{Sheet: *sheetName, Today: today, Context: ctx})
	if err != nil {
		return err
	}
	defer rd.Close()
	s, err := openStore(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()
	start := env.Now()
	if !*quiet {
		fmt.Fprintf(env.Stderr, "正在读取%s名册并与登记信息比对…\n", dept.Label)
	}
	im := &workflow.Imports{Store: s}
	out, err := im.Roster(ctx, rd, workflow.RosterInput{File: filepath.Base(file), SHA256: sum, Department: dept, RosterDate: date,
		Threshold: *threshold, ReviewBand: *reviewBand}, &cliProgress{env: env, quiet: *quiet, last: start})
	if err != nil {
		return err
	}
	if *rejects != "" && out.Rejected > 0 {
		if err := writeRejects(ctx, im, out.Batch, *rejects); err != nil {
			return err
		}
		out.RejectsFile = *rejects
	}
	if !*quiet {
		fmt.Fprintf(env.Stderr, "名册导入完成：共 %d 行，新导入 %d，更新记录 %d，未变 %d，待复核 %d，未匹配 %d（新走访线索 %d），新差异 %d，拒绝 %d，用时 %s\n",
			out.Rows, out.Imported, out.Updated, out.Unchanged, out.Review, out.Unmatched, out.Leads, out.Discrepancies, out.Rejected,
			env.Now().Sub(start).Round(time.Millisecond))
	}
	return printLine(env, out)
}
