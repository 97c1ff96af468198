package match

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// FileJob names the files of one link run (the `guanai match` command).
type FileJob struct {
	Left, Right string // input CSV paths: left is the registry, right the roster
	Out         string // output CSV path; "" writes to the stdout writer
	Review      string // optional: pairs for clerical review with their breakdown
	Explain     string // optional: every returned pair with its breakdown
}

// FileStats are the Stats of a file run with what was read.
type FileStats struct {
	Stats
	LeftRead, RightRead ReadStats
	Elapsed             time.Duration
}

func readSide(path, side string, workers int) ([]rec, refTable, ReadStats, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, refTable{}, ReadStats{}, fmt.Errorf("找不到%s文件 %s", side, path)
		}
		return nil, refTable{}, ReadStats{}, fmt.Errorf("无法打开%s文件 %s：%v", side, path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, refTable{}, ReadStats{}, fmt.Errorf("%s文件 %s 是一个目录", side, path)
	}
	// estimate the number of rows from the file size and the rows of the first 256 KB, with a
	// margin; if the estimate is short, loading falls back to copying
	br := bufio.NewReaderSize(f, 1<<20)
	maxRows := 0
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		head, _ := br.Peek(256 << 10)
		if lines := bytes.Count(head, []byte{'\n'}); lines > 10 {
			maxRows = int(float64(st.Size())/float64(len(head))*float64(lines)*1.25) + 1
		}
	}
	recs, refs, rs, err := loadRecs(br, workers, maxRows)
	if err != nil {
		return nil, refTable{}, rs, fmt.Errorf("%s文件 %s：%v", side, path, err)
	}
	return recs, refs, rs, nil
}

// LinkFiles runs a whole link from files: reads both sides in parallel, builds the index,
// estimates the parameters, links, and writes the links (left_ref,right_ref,score,method, in
// right-file order) to job.Out or stdout. Progress lines and a closing summary go to
// progress. Errors are in Chinese.
func LinkFiles(ctx context.Context, job FileJob, stdout, progress io.Writer, opts Options) (FileStats, error) {
	start := time.Now()
	opts = opts.withDefaults()
	if progress == nil {
		progress = io.Discard
	}
	opts.Progress = progress
	opts.Lean = true
	var fsStats FileStats
	logf := func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }

	// open the output before the work, so that a bad path fails fast; write to a temporary
	// file beside it and rename at the end, so that a failed run leaves no half file
	out := stdout
	var outFile *os.File
	if job.Out != "" {
		f, err := os.CreateTemp(filepath.Dir(job.Out), "."+filepath.Base(job.Out)+".*")
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fsStats, fmt.Errorf("无法创建输出文件 %s：目录 %s 不存在", job.Out, filepath.Dir(job.Out))
			}
			return fsStats, fmt.Errorf("无法创建输出文件 %s：%v", job.Out, err)
		}
		outFile = f
		out = f
		defer func() {
			if outFile != nil {
				outFile.Close()
				os.Remove(outFile.Name())
			}
		}()
	}

	logf("读取左侧（登记库）%s 与右侧（名单）%s …", job.Left, job.Right)
	type side struct {
		recs []rec
		refs refTable
		rs   ReadStats
		err  error
	}
	rightCh := make(chan side, 1)
	go func() {
		var s side
		s.recs, s.refs, s.rs, s.err = readSide(job.Right, "右侧", opts.Workers)
		rightCh <- s
	}()
	lrecs, lrefs, lrs, lerr := readSide(job.Left, "左侧", opts.Workers)
	rs := <-rightCh
	if lerr != nil {
		return fsStats, lerr
	}
	if rs.err != nil {
		return fsStats, rs.err
	}
	fsStats.LeftRead, fsStats.RightRead = lrs, rs.rs
	for _, x := range []struct {
		name string
		st   ReadStats
	}{{"左侧", lrs}, {"右侧", rs.rs}} {
		logf("%s：%d 条（%s）", x.name, x.st.Rows, x.st.Encoding)
		if x.st.EmptyRef > 0 {
			logf("警告：%s有 %d 行 ref 为空，已跳过", x.name, x.st.EmptyRef)
		}
	}
	readTime := time.Since(start)
	if err := ctx.Err(); err != nil {
		return fsStats, err
	}

	logf("建立索引 …")
	ix := newIndex(lrecs, lrefs, opts)
	logf("索引：%d 条记录，%d 个分块键，用时 %.2f 秒", len(lrecs), ix.nKeys, ix.indexTime.Seconds())
	if err := ctx.Err(); err != nil {
		return fsStats, err
	}
	ms, st := ix.linkRecs(rs.recs, &rs.refs)
	st.Normalize = readTime
	fsStats.Stats = st
	if err := ctx.Err(); err != nil {
		return fsStats, err
	}
	if err := WriteCSV(out, ms); err != nil {
		return fsStats, fmt.Errorf("写入输出失败：%v", err)
	}
	if outFile != nil {
		if err := outFile.Close(); err != nil {
			return fsStats, fmt.Errorf("写入输出文件 %s 失败：%v", job.Out, err)
		}
		if err := os.Rename(outFile.Name(), job.Out); err != nil {
			return fsStats, fmt.Errorf("无法写入输出文件 %s：%v", job.Out, err)
		}
		outFile = nil
	}
	for _, extra := range []struct {
		path   string
		review bool
	}{{job.Review, true}, {job.Explain, false}} {
		if extra.path == "" {
			continue
		}
		var sel []Match
		for _, m := range ms {
			if extra.review && m.Decision != DecisionReview {
				continue
			}
			if m.Fields == nil {
				m.Fields = ix.explain(&ix.recs[m.Left], &m.Levels)
			}
			sel = append(sel, m)
		}
		f, err := os.Create(extra.path)
		if err != nil {
			return fsStats, fmt.Errorf("无法创建文件 %s：%v", extra.path, err)
		}
		werr := WriteReviewCSV(f, sel)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fsStats, fmt.Errorf("写入 %s 失败：%v", extra.path, werr)
		}
	}
	fsStats.Elapsed = time.Since(start)
	logf("比较 %d 对；超过上限跳过的分块 %d 个；参数估计 %.2f 秒，比对 %.2f 秒",
		st.Comparisons, st.SkippedBlocks, st.Estimate.Seconds(), st.Matching.Seconds())
	logf("比对完成：左 %d 条，右 %d 条，匹配 %d 条（id %d，id_fuzzy %d，probabilistic %d），待人工复核 %d 条，阈值 %.2f，用时 %.2f 秒",
		st.Left, st.Right, st.Links, st.ID, st.IDFuzzy, st.Prob, st.Review, opts.Threshold, fsStats.Elapsed.Seconds())
	return fsStats, nil
}
