package store

import (
	"context"
	"testing"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/population"
)

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, f gateFixture) []objectRow {
		if e != nil {
			// A figure of the fixture's district, for the readers.
			res := figureResult(population.Figure{RegionCode: "150302001", Year: 2019, Source: population.SourceCensus, Total: 900})
			if _, err := e.ImportFigures(opCtx(), "gate.xlsx", res, rowOfIndex); err != nil {
				panic(err)
			}
		}
		readers := []*auth.Principal{revIn, colIn, eduIn, polIn, healIn, statIn}
		return []objectRow{
			{method: "Figures", call: func(ctx context.Context) (int, error) {
				fs, err := e.Figures(ctx, FigureQuery{})
				return len(fs), err
			}, allowed: readers},
			{method: "VisitsByDivision", call: func(ctx context.Context) (int, error) {
				vs, err := e.VisitsByDivision(ctx, "", 6)
				return len(vs), err
			}, allowed: []*auth.Principal{revIn, colIn, eduIn}},
			{method: "ImportFigures", mutates: true, call: func(ctx context.Context) (int, error) {
				res := figureResult(population.Figure{RegionCode: "150302002", Year: 2020, Source: population.SourceCensus, Total: 500})
				out, err := e.ImportFigures(ctx, "gate.xlsx", res, rowOfIndex)
				return out.Imported + out.Updated + out.Unchanged, err
			}, allowed: []*auth.Principal{statIn}},
		}
	})
}

func rowOfIndex(i int) int { return i + 2 }

func figureResult(figs ...population.Figure) *population.Result {
	for i := range figs {
		if figs[i].Ages == nil {
			figs[i].Ages = make([]*int64, len(population.AgeGroups))
		}
	}
	return &population.Result{Rows: len(figs), Figures: figs}
}

func TestImportFigures(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	each(t, func(t *testing.T, e *env) {
		stat := auth.WithPrincipal(context.Background(), statIn) // statistician of 海勃湾区
		first := figureResult(
			population.Figure{RegionCode: "150302001", Year: 2020, Source: population.SourceCensus, Total: 1000, Migrant: n(120), LeftBehind: n(30)},
			population.Figure{RegionCode: "150302002", Year: 2020, Source: population.SourceCensus, Total: 800},
			population.Figure{RegionCode: "150303001", Year: 2020, Source: population.SourceCensus, Total: 10}, // 海南区: not its district
		)
		out, err := e.ImportFigures(stat, "f.xlsx", first, rowOfIndex)
		if err != nil {
			t.Fatal(err)
		}
		if out.Imported != 2 || out.Rejected != 1 || len(out.Errors) != 1 || out.Errors[0].Row != 4 || out.Errors[0].Code != "out_of_scope" {
			t.Errorf("first import %+v", out)
		}
		// The same file again changes nothing.
		again, err := e.ImportFigures(stat, "f.xlsx", first, rowOfIndex)
		if err != nil || again.Imported != 0 || again.Updated != 0 || again.Unchanged != 2 {
			t.Errorf("second import %+v, %v", again, err)
		}
		// A corrected figure supersedes the old one, which stays as history; another year is kept beside.
		fixed := figureResult(
			population.Figure{RegionCode: "150302001", Year: 2020, Source: population.SourceCensus, Total: 1000, Migrant: n(150), LeftBehind: n(30)},
			population.Figure{RegionCode: "150302001", Year: 2015, Source: population.SourceSample, Total: 950, Migrant: n(90)},
		)
		out, err = e.ImportFigures(stat, "g.xlsx", fixed, rowOfIndex)
		if err != nil || out.Updated != 1 || out.Imported != 1 {
			t.Errorf("correction %+v, %v", out, err)
		}
		cur, err := e.Figures(stat, FigureQuery{Region: "150302001"})
		if err != nil {
			t.Fatal(err)
		}
		if len(cur) != 2 || cur[0].Year != 2020 || *cur[0].Migrant != 150 || cur[1].Year != 2015 || cur[1].LeftBehind != nil {
			t.Errorf("current figures %+v", cur)
		}
		hist, err := e.Figures(stat, FigureQuery{Region: "150302001", Year: 2020, History: true})
		if err != nil || len(hist) != 2 || hist[1].SupersededAt.IsZero() || *hist[1].Migrant != 120 || !hist[0].SupersededAt.IsZero() {
			t.Errorf("history %+v, %v", hist, err)
		}
		// Parts of a division may not exceed its total across levels either.
		parts := figureResult(
			population.Figure{RegionCode: "150302003", Year: 2021, Source: population.SourceCensus, Total: 10},
			population.Figure{RegionCode: "150302003001", Year: 2021, Source: population.SourceCensus, Total: 8},
			population.Figure{RegionCode: "150302003002", Year: 2021, Source: population.SourceCensus, Total: 7},
		)
		out, err = e.ImportFigures(stat, "h.xlsx", parts, rowOfIndex)
		if err != nil || out.Rejected != 1 || out.Imported != 2 || out.Errors[0].Code != "parts_exceed_total" {
			t.Errorf("parts over total %+v, %v", out, err)
		}
		// Another district's reviewer sees none of them; a reviewer may not import.
		other := auth.WithPrincipal(context.Background(), revOut)
		if fs, err := e.Figures(other, FigureQuery{}); err != nil || len(fs) != 0 {
			t.Errorf("another district sees %d figures, %v", len(fs), err)
		}
		if _, err := e.ImportFigures(auth.WithPrincipal(context.Background(), revIn), "f.xlsx", first, rowOfIndex); errCode(err) != CodeForbidden {
			t.Errorf("reviewer import: %v, want forbidden", err)
		}
		page, err := e.AuditEntries(opCtx(), AuditQuery{Action: audit.PopulationImport})
		if err != nil || page.Total != 4 {
			t.Errorf("%d audit entries of imports, want 4 (%v)", page.Total, err)
		}
	})
}
