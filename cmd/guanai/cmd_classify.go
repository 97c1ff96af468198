package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"guanai/internal/child"
	"guanai/internal/rules"
)

func init() {
	commands["classify"] = command{
		summary: "按工作方案的定义判定儿童类别（JSON Lines 输入输出，无需数据库）",
		run:     runClassify,
	}
}

func runClassify(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("classify")
	asOf := fs.String("as-of", "", "参考日期 YYYY-MM-DD（默认今天）")
	central := fs.StringArray("central-urban", nil, "组成一个城市中心城区的区县代码，逗号分隔；可重复")
	lbMonths := fs.Int("left-behind-months", 6, "留守儿童父母外出务工的最短月数")
	migrantMonths := fs.Int("migrant-months", 6, "流动儿童离开户籍地的最短月数")
	ageLimit := fs.Int("age-limit", 16, "年龄上限（周岁）")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "并行处理的线程数")
	pos, err := parseOptions(env, fs, "用法: guanai classify [选项] < children.jsonl > results.jsonl\n\n从标准输入逐行读取儿童记录（JSON Lines，字段见 DATA.md），按行输出判定结果。", args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{"多余的参数：" + strings.Join(pos, " ") + "（记录从标准输入读取）"}
	}
	today := child.DateOf(env.Now().In(chinaTime))
	ref := today
	if *asOf != "" {
		d, _, err := child.ParseDate(*asOf)
		if err != nil {
			return usageError{"--as-of “" + *asOf + "”不是有效的日期，应为 YYYY-MM-DD"}
		}
		ref = d
	}
	cfg := rules.Config{AgeLimit: *ageLimit, MigrantMonths: *migrantMonths, LeftBehindMonths: *lbMonths}
	for _, c := range *central {
		var group []string
		for _, code := range strings.Split(c, ",") {
			if code = strings.TrimSpace(code); code != "" {
				group = append(group, code)
			}
		}
		cfg.CentralUrban = append(cfg.CentralUrban, group)
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	// The live heap is a few batches in flight; a higher GC target trades a little memory (still
	// bounded whatever the input size) for less collection work.
	if env.Getenv("GOGC") == "" {
		debug.SetGCPercent(300)
	}
	c := &Classifier{AsOf: ref, Config: cfg, Options: child.Options{Today: today}, Workers: *workers}
	return c.Stream(ctx, env.Stdin, env.Stdout)
}

// Classifier streams child records through validation and the rules: JSON Lines in, one result
// line per input line out, in order, in constant memory.
type Classifier struct {
	AsOf    child.Date
	Config  rules.Config
	Options child.Options
	Workers int
}

// maxLine bounds one input line; a longer line is answered as invalid and skipped.
const maxLine = 16 << 20

// batchSize is the number of lines handed to a worker at once.
const batchSize = 256

type classifyBatch struct {
	seq   int
	first int // line number of lines[0]
	lines [][]byte
	long  []bool
	out   []byte
	done  chan struct{}
}

// Stream reads records from in and writes results to out. It returns an error only when in
// cannot be read or out cannot be written.
func (c *Classifier) Stream(ctx context.Context, in io.Reader, out io.Writer) error {
	workers := max(c.Workers, 1)
	br := bufio.NewReaderSize(in, 256<<10)
	bw := bufio.NewWriterSize(out, 256<<10)

	jobs := make(chan *classifyBatch, workers*2)
	ordered := make(chan *classifyBatch, workers*4)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				b.out = c.classifyBatch(b, b.out[:0])
				close(b.done)
			}
		}()
	}

	// The writer takes batches in reading order, waiting for each to be done.
	writeErr := make(chan error, 1)
	pool := make(chan *classifyBatch, workers*6)
	go func() {
		var err error
		for b := range ordered {
			<-b.done
			if err == nil {
				_, err = bw.Write(b.out)
			}
			select {
			case pool <- b:
			default:
			}
		}
		if err == nil {
			err = bw.Flush()
		}
		writeErr <- err
	}()

	readErr := c.read(ctx, br, jobs, ordered, pool)
	close(jobs)
	close(ordered)
	wg.Wait()
	werr := <-writeErr
	if readErr != nil {
		return fmt.Errorf("读取标准输入失败：%w", readErr)
	}
	if werr != nil {
		return fmt.Errorf("写出结果失败：%w", werr)
	}
	return nil
}

func (c *Classifier) read(ctx context.Context, br *bufio.Reader, jobs, ordered chan<- *classifyBatch, pool chan *classifyBatch) error {
	lineNo := 0
	seq := 0
	var b *classifyBatch
	newBatch := func() *classifyBatch {
		var nb *classifyBatch
		select {
		case nb = <-pool:
			nb.lines = nb.lines[:0]
			nb.long = nb.long[:0]
		default:
			nb = &classifyBatch{}
		}
		nb.seq, nb.first, nb.done = seq, lineNo+1, make(chan struct{})
		seq++
		return nb
	}
	flush := func() {
		if b != nil && len(b.lines) > 0 {
			ordered <- b
			jobs <- b
		}
		b = nil
	}
	for {
		if lineNo%4096 == 0 && ctx.Err() != nil {
			flush()
			return ctx.Err()
		}
		line, long, err := readLine(br)
		if len(line) == 0 && err != nil && !long {
			flush()
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if b == nil {
			b = newBatch()
		}
		if lineNo == 0 {
			line = trimBOM(line)
		}
		lineNo++
		// Reuse the batch's line buffers.
		i := len(b.lines)
		if i < cap(b.lines) {
			b.lines = b.lines[:i+1]
			b.lines[i] = append(b.lines[i][:0], line...)
		} else {
			b.lines = append(b.lines, append([]byte(nil), line...))
		}
		b.long = append(b.long, long)
		if len(b.lines) == batchSize {
			flush()
		}
		if err != nil {
			flush()
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// readLine returns the next line without its line ending. A line longer than maxLine is
// returned empty with long set, the rest of it skipped.
func readLine(br *bufio.Reader) (line []byte, long bool, err error) {
	var acc []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !long {
				if len(acc)+len(chunk) > maxLine {
					long, acc = true, nil
				} else {
					acc = append(acc, chunk...)
				}
			}
			continue
		}
		if !long {
			switch {
			case len(acc)+len(trimEOL(chunk)) > maxLine:
				long = true
			case acc != nil:
				line = append(acc, chunk...)
			default:
				line = chunk
			}
		}
		line = trimEOL(line)
		if err == io.EOF && len(line) == 0 && len(chunk) == 0 && !long {
			return nil, false, io.EOF
		}
		return line, long, err
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

func (c *Classifier) classifyBatch(b *classifyBatch, out []byte) []byte {
	for i, line := range b.lines {
		out = c.classifyLine(out, b.first+i, line, b.long[i])
	}
	return out
}

// classifyLine appends the result line for one input line.
func (c *Classifier) classifyLine(out []byte, lineNo int, line []byte, long bool) []byte {
	var rec child.Record
	var is child.Issues
	if long {
		is.Error("", "too_long", "该行超过 "+strconv.Itoa(maxLine>>20)+" MB，未处理")
	} else {
		rec, is = child.Decode(line, c.Options)
	}
	res := rules.Classify(&rec, c.AsOf, &c.Config)
	return appendResult(out, lineNo, &rec, &is, &res)
}

// appendResult writes one output line of CONTRACT.md.
func appendResult(b []byte, lineNo int, rec *child.Record, is *child.Issues, res *rules.Result) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(lineNo), 10)
	b = append(b, `,"ref":`...)
	if rec.Ref == "" {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, rec.Ref)
	}
	b = append(b, `,"valid":`...)
	b = strconv.AppendBool(b, is.Valid())
	b = append(b, `,"errors":`...)
	b = appendIssues(b, is.Errors)
	b = append(b, `,"warnings":`...)
	b = appendIssues(b, append(is.Warnings, res.Warnings...))
	b = append(b, `,"age":`...)
	if res.Age < 0 {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(res.Age), 10)
	}
	b = append(b, `,"migrant_monitoring":"`...)
	b = append(b, res.MigrantMonitoring.String()...)
	b = append(b, `","migrant_statistics":"`...)
	b = append(b, res.MigrantStatistics.String()...)
	b = append(b, `","left_behind":"`...)
	b = append(b, res.LeftBehind.String()...)
	b = append(b, `","key_care":"`...)
	b = append(b, res.KeyCare.String()...)
	b = append(b, `","key_care_reasons":`...)
	b = appendStrings(b, res.KeyCareReasons)
	b = append(b, `,"reasons":`...)
	b = appendTrustedStrings(b, res.Reasons())
	b = append(b, `,"missing":`...)
	b = appendStrings(b, res.Missing())
	b = append(b, `,"as_of":"`...)
	b = append(b, res.AsOf.String()...)
	b = append(b, `","rule_version":`...)
	b = appendJSONString(b, res.Version)
	b = append(b, "}\n"...)
	return b
}

func appendIssues(b []byte, issues []child.Issue) []byte {
	b = append(b, '[')
	for i, is := range issues {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"field":`...)
		b = appendJSONString(b, is.Field)
		b = append(b, `,"code":`...)
		b = appendJSONString(b, is.Code)
		b = append(b, `,"message":`...)
		b = appendJSONString(b, is.Message)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendTrustedStrings appends strings known to be valid UTF-8 (text the program wrote itself)
// as a JSON array, skipping the UTF-8 check.
func appendTrustedStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSON(b, s, true)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte { return appendJSON(b, s, false) }

// appendJSON appends s as a JSON string; valid says s is known to be valid UTF-8.
func appendJSON(b []byte, s string, valid bool) []byte {
	b = append(b, '"')
	valid = valid || utf8.ValidString(s)
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			if valid {
				// U+2028 and U+2029 (E2 80 A8/A9) are escaped for JavaScript's sake.
				if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
					b = append(b, s[start:i]...)
					b = append(b, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xF])
					i += 3
					start = i
					continue
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
