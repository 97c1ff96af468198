package workflow

import (
	"context"
	"io"
	"slices"
	"strconv"

	"guanai/internal/child"
	"guanai/internal/population"
	"guanai/internal/region"
	"guanai/internal/sheet"
	"guanai/internal/stats"
	"guanai/internal/store"
)

// Population figures and coverage (issue 18), the same for guanai figures / guanai coverage and
// the API.

// FiguresStore keeps population figures.
type FiguresStore interface {
	ImportFigures(ctx context.Context, file string, res *population.Result, rowOf func(i int) int) (store.FigureImport, error)
	Figures(ctx context.Context, q store.FigureQuery) ([]store.StoredFigure, error)
}

// CoverageStore is what coverage reads: the records and the figures.
type CoverageStore interface {
	FiguresStore
	EachRecord(ctx context.Context, region string, fn func(r *child.Record, status string) error) error
}

// ImportFigures reads a workbook of figures and writes them: the rows the reader refused and
// those the store refuses (out of the jurisdiction, parts above a total) come back as errors.
func ImportFigures(ctx context.Context, s FiguresStore, t *sheet.Table, file string, opt population.Options) (store.FigureImport, error) {
	res, err := population.Read(t, opt)
	if err != nil {
		return store.FigureImport{}, err
	}
	return s.ImportFigures(ctx, file, res, res.Line)
}

// CoverageInput selects a coverage table.
type CoverageInput struct {
	Query stats.Query
	Level region.Level
	// Year is the reference year of the figures (0: each division's latest).
	Year int
	// Publish applies disclosure control with Threshold.
	Publish   bool
	Threshold int
}

// Coverage computes the coverage table of in: the figures of the region (the principal's
// jurisdiction bounds both reads), one per division, against the registered children.
func Coverage(ctx context.Context, s CoverageStore, in CoverageInput) (*stats.CoverageReport, error) {
	figs, err := s.Figures(ctx, store.FigureQuery{Region: in.Query.Region, Year: in.Year})
	if err != nil {
		return nil, err
	}
	n := region.CodeLen(in.Level)
	var all []stats.Expected
	for _, f := range figs {
		if len(f.RegionCode) != n {
			continue
		}
		all = append(all, stats.Expected{Code: f.RegionCode, Total: f.Total, Migrant: f.Migrant, LeftBehind: f.LeftBehind,
			Year: f.Year, Source: f.Source, SourceLabel: population.SourceLabel(f.Source)})
	}
	src := func(yield func(*child.Record, string) bool) error {
		stop := errStop{}
		err := s.EachRecord(ctx, in.Query.Region, func(r *child.Record, status string) error {
			if !yield(r, status) {
				return stop
			}
			return nil
		})
		if err == stop {
			return nil
		}
		return err
	}
	rep, err := stats.Coverage(src, in.Query, in.Level, stats.PickExpected(all, in.Year, population.Sources))
	if err != nil {
		return nil, err
	}
	if in.Publish {
		rep = stats.SuppressCoverage(rep, in.Threshold)
	}
	return rep, nil
}

// WriteCoverage writes a coverage table as a workbook (or CSV): the ranked divisions first, the
// title with the reference years and sources above the header, withheld values as *.
func WriteCoverage(w io.Writer, rep *stats.CoverageReport, format sheet.Format) error {
	num := func(v *int64, withheld bool) string {
		switch {
		case v != nil:
			return strconv.FormatInt(*v, 10)
		case withheld:
			return "*"
		}
		return ""
	}
	pct := func(v *float64, withheld bool) string {
		switch {
		case v != nil:
			return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
		case withheld:
			return "*"
		}
		return ""
	}
	rows := make([]stats.CoverageRow, 0, len(rep.Rows))
	for _, r := range rep.Rows {
		if r.Rank > 0 {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b stats.CoverageRow) int { return a.Rank - b.Rank })
	for _, r := range rep.Rows {
		if r.Rank == 0 {
			rows = append(rows, r)
		}
	}
	header := []string{"排名", "区划代码", "区划", "缺口", "流动儿童（人口数据）", "流动儿童（已登记）", "流动儿童登记率", "留守儿童（人口数据）",
		"留守儿童（已登记）", "留守儿童登记率", "不满16周岁儿童", "流动儿童占比", "留守儿童占比", "参考年份", "数据来源"}
	seq := func(yield func([]string) bool) {
		for _, r := range rows {
			rank, year := "", ""
			if r.Rank > 0 {
				rank = strconv.Itoa(r.Rank)
			}
			if r.Year > 0 {
				year = strconv.Itoa(r.Year)
			}
			h := r.Withheld
			if !yield([]string{rank, r.RegionCode, r.RegionName, num(r.Shortfall, h && r.ExpectedTotal != nil), num(r.ExpectedMigrant, false),
				num(r.RegisteredMigrant, h), pct(r.MigrantRate, h && r.ExpectedMigrant != nil), num(r.ExpectedLeftBehind, false),
				num(r.RegisteredLeftBehind, h), pct(r.LeftBehindRate, h && r.ExpectedLeftBehind != nil), num(r.ExpectedTotal, false),
				pct(r.MigrantShare, h && r.ExpectedTotal != nil), pct(r.LeftBehindShare, h && r.ExpectedTotal != nil), year, r.SourceLabel}) {
				return
			}
		}
	}
	title := rep.Title + "（" + rep.Reference + "；登记人数统计日期 " + rep.AsOf + "）"
	if rep.Published {
		title += "：小于 " + strconv.Itoa(rep.Threshold) + " 的人数及由其算出的比率以 * 表示"
	}
	widths := []float64{6, 14, 18, 8, 12, 12, 12, 12, 12, 12, 14, 12, 12, 10, 14}
	return sheet.WriteTable(w, header, seq, widths, sheet.WriteOptions{Format: format, Title: title, SheetName: "登记覆盖"})
}
