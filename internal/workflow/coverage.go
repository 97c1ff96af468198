package workflow

import (
	"context"

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
