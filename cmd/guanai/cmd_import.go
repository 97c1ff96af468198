package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"guanai/internal/child"
	"guanai/internal/roster"
	"guanai/internal/sheet"
	"guanai/internal/store"
)

func init() {
	commands["import"] = command{
		summary: "导入儿童登记表（Excel/CSV），输出 JSON 汇总",
		run:     runImport,
	}
}

// importSummary is the JSON printed by guanai import (CONTRACT.md).
type importSummary struct {
	Rows      int             `json:"rows"`
	Imported  int             `json:"imported"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Rejected  int             `json:"rejected"`
	Batch     string          `json:"batch,omitempty"`
	Errors    []sheet.Problem `json:"errors"`
	Warnings  []sheet.Problem `json:"warnings"`
	Rejects   string          `json:"rejects_file,omitempty"`
}

// maxListed bounds the errors and warnings listed in the summary; counts stay exact.
const maxListed = 1000

const importUsage = "用法: guanai import children FILE [选项]\n      guanai import roster --dept DEPT FILE [选项]\n\n" +
	"children：导入《流动儿童基本情况登记表》《留守儿童基本情况登记表》的 Excel（.xlsx）或 CSV 文件。\n" +
	"roster：导入部门名册（DEPT 为 education、police、health、insurance、disability），与登记信息比对并更新。\n" +
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

func importChildren(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("import children")
	finish := commonFlags(fs, env)
	rejects := fs.String("rejects", "", "把被拒绝的行连同错误原因写入此文件（.xlsx 或 .csv）")
	status := fs.String("status", store.StatusDraft, "新建记录的状态：draft（草稿）或 submitted（已提交）")
	actor := fs.String("actor", "", "操作人（写入历史记录；默认当前系统用户）")
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
	who := *actor
	if who == "" {
		who = "cli:" + env.Getenv("USER")
		if who == "cli:" {
			who = "cli"
		}
	}
	sum, err := fileSHA256(file)
	if err != nil {
		return fmt.Errorf("读取文件 %s：%w", file, err)
	}
	today := child.DateOf(env.Now().In(chinaTime))
	rd, err := sheet.Open(file, sheet.ReadOptions{Sheet: *sheetName, Today: today})
	if err != nil {
		return err
	}
	defer rd.Close()

	s, err := openStore(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()

	im, err := s.BeginImport(ctx, who, store.ImportOptions{Roster: filepath.Base(file), FileSHA256: sum, Headers: rd.Header(), Status: *status})
	if err != nil {
		return err
	}
	out := importSummary{Errors: []sheet.Problem{}, Warnings: []sheet.Problem{}}
	out.Warnings = append(out.Warnings, rd.Warnings()...)
	var rejected []sheet.RejectRow
	const chunk = 500
	rows := make([]store.ImportRow, 0, chunk)
	cells := make(map[int]sheet.Row, chunk)
	start := env.Now()
	lastProgress := start
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		outcomes, err := im.Add(ctx, rows)
		if err != nil {
			return err
		}
		for _, o := range outcomes {
			if o.Outcome == store.OutcomeRejected {
				r := cells[o.Row]
				if len(out.Errors) < maxListed {
					out.Errors = append(out.Errors, r.Errors()...)
				}
				if *rejects != "" {
					rejected = append(rejected, sheet.RejectRow{Number: r.Number, Cells: r.Cells, Reason: joinMessages(r.Errors())})
				}
			}
		}
		rows = rows[:0]
		clear(cells)
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("读取 %s：%w", file, err)
		}
		if w := r.Warnings(); len(w) > 0 && len(out.Warnings) < maxListed {
			out.Warnings = append(out.Warnings, w...)
		}
		rows = append(rows, store.ImportRow{Row: r.Number, Record: r.Record, Issues: r.Issues, Cells: r.Cells})
		cells[r.Number] = r
		if len(rows) == chunk {
			if err := flush(); err != nil {
				return err
			}
		}
		if !*quiet && env.Now().Sub(lastProgress) > 2*time.Second {
			res := im.Result()
			fmt.Fprintf(env.Stderr, "已处理 %d 行（新增 %d，更新 %d，拒绝 %d）…\n", res.Rows, res.Imported, res.Updated, res.Rejected)
			lastProgress = env.Now()
		}
	}
	if err := flush(); err != nil {
		return err
	}
	res, err := im.Finish(ctx)
	if err != nil {
		return err
	}
	out.Rows, out.Imported, out.Updated, out.Unchanged, out.Rejected, out.Batch = res.Rows, res.Imported, res.Updated, res.Unchanged, res.Rejected, res.Batch
	if *rejects != "" && len(rejected) > 0 {
		if err := writeRejects(*rejects, rd.Header(), rejected); err != nil {
			return err
		}
		out.Rejects = *rejects
	}
	if !*quiet {
		fmt.Fprintf(env.Stderr, "导入完成：共 %d 行，新增 %d，更新 %d，未变 %d，拒绝 %d，用时 %s\n", res.Rows, res.Imported, res.Updated, res.Unchanged, res.Rejected, env.Now().Sub(start).Round(time.Millisecond))
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// joinMessages joins the messages of a row's errors, naming each column.
func joinMessages(ps []sheet.Problem) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Message
		if p.Column != "" && !strings.Contains(p.Message, p.Column) {
			parts[i] = p.Column + "：" + p.Message
		}
	}
	return strings.Join(parts, "；")
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

// writeRejects writes the rejected rows with their reasons, atomically, readable by the owner
// only.
func writeRejects(path string, header []string, rows []sheet.RejectRow) error {
	tmp := path + ".tmp"
	f, err := createPrivate(tmp)
	if err != nil {
		return fmt.Errorf("写入拒绝行文件：%w", err)
	}
	if err := sheet.WriteRejects(f, header, rows, sheet.WriteOptions{Format: sheet.FormatFor(path)}); err != nil {
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

// rosterSummary is the JSON printed by guanai import roster: the keys of importSummary
// (CONTRACT.md) and what a roster adds. imported counts the rows taken in that no earlier import
// of the department held; updated the rows that changed a child's record; unchanged the linked
// rows that changed nothing.
type rosterSummary struct {
	Rows          int             `json:"rows"`
	Imported      int             `json:"imported"`
	Updated       int             `json:"updated"`
	Unchanged     int             `json:"unchanged"`
	Rejected      int             `json:"rejected"`
	Batch         string          `json:"batch,omitempty"`
	Errors        []sheet.Problem `json:"errors"`
	Warnings      []sheet.Problem `json:"warnings"`
	Rejects       string          `json:"rejects_file,omitempty"`
	Department    string          `json:"department"`
	Review        int             `json:"review"`
	Unmatched     int             `json:"unmatched"`
	Failed        int             `json:"failed"`
	Leads         int             `json:"leads"`
	Discrepancies int             `json:"discrepancies"`
	// Verification is the progress of the verification list the rows' tokens belong to.
	Verification *store.VerificationProgress `json:"verification,omitempty"`
}

func importRoster(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("import roster")
	finish := commonFlags(fs, env)
	deptFlag := fs.String("dept", "", "部门："+roster.Codes()+"（必填）")
	rejects := fs.String("rejects", "", "把被拒绝的行连同错误原因写入此文件（.xlsx 或 .csv）")
	actor := fs.String("actor", "", "操作人（写入历史记录；默认当前系统用户）")
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
	who := *actor
	if who == "" {
		who = "cli:" + env.Getenv("USER")
		if who == "cli:" {
			who = "cli"
		}
	}
	sum, err := fileSHA256(file)
	if err != nil {
		return fmt.Errorf("读取文件 %s：%w", file, err)
	}
	rd, err := roster.Open(file, dept, roster.ReadOptions{Sheet: *sheetName, Today: today})
	if err != nil {
		return err
	}
	defer rd.Close()
	out := rosterSummary{Department: dept.Code, Errors: []sheet.Problem{}, Warnings: []sheet.Problem{}}
	out.Warnings = append(out.Warnings, rd.Warnings()...)
	var rows []store.RosterRow
	parsed := map[int]roster.Row{}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("读取 %s：%w", file, err)
		}
		if w := r.Warnings(); len(w) > 0 && len(out.Warnings) < maxListed {
			out.Warnings = append(out.Warnings, w...)
		}
		rows = append(rows, store.RosterRow{Row: r.Number, Record: r.Record, Issues: r.Issues, Cells: r.Cells})
		if !r.Issues.Valid() {
			parsed[r.Number] = r
		}
	}

	s, err := openStore(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()
	start := env.Now()
	if !*quiet {
		fmt.Fprintf(env.Stderr, "读取%s名册 %d 行，正在与登记信息比对…\n", dept.Label, len(rows))
	}
	res, outcomes, err := s.ImportRoster(ctx, who, store.RosterOptions{Department: dept.Code, Roster: filepath.Base(file), RosterDate: date,
		FileSHA256: sum, Headers: rd.Header(), Threshold: *threshold, ReviewBand: *reviewBand}, rows)
	if err != nil {
		return err
	}
	var rejected []sheet.RejectRow
	for _, o := range outcomes {
		switch o.Outcome {
		case store.RosterRejected:
			r := parsed[o.Row]
			if len(out.Errors) < maxListed {
				out.Errors = append(out.Errors, r.Errors()...)
			}
			rejected = append(rejected, sheet.RejectRow{Number: r.Number, Cells: r.Cells, Reason: r.Reason()})
		case store.RosterFailed:
			for _, e := range o.Errors {
				if len(out.Errors) < maxListed {
					out.Errors = append(out.Errors, sheet.Problem{Row: o.Row, Field: e.Field, Code: e.Code, Message: e.Message})
				}
			}
		}
	}
	out.Rows, out.Imported, out.Updated, out.Unchanged, out.Rejected, out.Batch = res.Rows, res.Imported, res.Updated, res.Unchanged, res.Rejected, res.Batch
	out.Review, out.Unmatched, out.Failed, out.Leads, out.Discrepancies = res.Review, res.Unmatched, res.Failed, res.Leads, res.Discrepancies
	out.Verification = res.Verification
	if v := res.Verification; v != nil {
		// Tokens that could not be used are warnings of their rows like any other.
		for _, w := range v.Warnings {
			out.Warnings = append(out.Warnings, sheet.Problem{Row: w.Row, Column: "核查编号", Code: w.Code, Message: w.Message})
		}
	}
	if *rejects != "" && len(rejected) > 0 {
		if err := writeRejects(*rejects, rd.Header(), rejected); err != nil {
			return err
		}
		out.Rejects = *rejects
	}
	if !*quiet {
		fmt.Fprintf(env.Stderr, "名册导入完成：共 %d 行，新导入 %d，更新记录 %d，未变 %d，待复核 %d，未匹配 %d（新走访线索 %d），新差异 %d，拒绝 %d，用时 %s\n",
			res.Rows, res.Imported, res.Updated, res.Unchanged, res.Review, res.Unmatched, res.Leads, res.Discrepancies, res.Rejected, env.Now().Sub(start).Round(time.Millisecond))
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
