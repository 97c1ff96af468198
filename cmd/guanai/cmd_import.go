package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"guanai/internal/child"
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

func runImport(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" {
		return usageError{"用法: guanai import children FILE [--rejects FILE] [--status draft|submitted]"}
	}
	if args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stderr, "用法: guanai import children FILE [选项]\n\n导入《流动儿童基本情况登记表》《留守儿童基本情况登记表》的 Excel（.xlsx）或 CSV 文件。")
		return errHelp
	}
	switch args[0] {
	case "children":
		return importChildren(ctx, env, args[1:])
	case "roster":
		return usageError{"部门名册导入（guanai import roster）尚未开放：见议题“部门数据比对”。目前可用 guanai match 比对名单"}
	}
	return usageError{"未知的导入类型 “" + args[0] + "”：应为 children"}
}

func importChildren(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("import children", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	finish := commonFlags(fs, env)
	rejects := fs.String("rejects", "", "把被拒绝的行连同错误原因写入此文件（.xlsx 或 .csv）")
	status := fs.String("status", store.StatusDraft, "新建记录的状态：draft（草稿）或 submitted（已提交）")
	actor := fs.String("actor", "", "操作人（写入历史记录；默认当前系统用户）")
	sheetName := fs.String("sheet", "", "工作表名称（默认第一个）")
	quiet := fs.Bool("quiet", false, "不在标准错误输出进度")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "用法: guanai import children FILE [选项]\n\n选项:")
		fs.PrintDefaults()
	}
	// Accept the file before or after the options.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{"多余的参数：" + strings.Join(fs.Args(), " ")}
	}
	if file == "" {
		return usageError{"请给出要导入的文件：guanai import children FILE"}
	}
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

// writeRejects writes the rejected rows with their reasons, atomically.
func writeRejects(path string, header []string, rows []sheet.RejectRow) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
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
