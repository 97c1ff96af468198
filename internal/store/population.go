package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/population"
	"guanai/internal/region"
)

// Population figures (issue 18): the child population by division that the statistics bureau
// publishes, imported by a statistician (auth.PermFiguresImport) for the divisions of its
// jurisdiction and read by whoever reads statistics there. A figure is kept per division,
// reference year and source; a re-import that changes it supersedes the old row, which stays as
// history; one that changes nothing writes nothing (but the audit entry of the import).

// FigureImport is the summary of an import of figures.
type FigureImport struct {
	Rows      int                  `json:"rows"`
	Imported  int                  `json:"imported"`
	Updated   int                  `json:"updated"`
	Unchanged int                  `json:"unchanged"`
	Rejected  int                  `json:"rejected"`
	Errors    []population.Problem `json:"errors"`
}

// StoredFigure is a figure with when and by whom it was imported, and, for history, when it was
// superseded.
type StoredFigure struct {
	population.Figure
	SourceLabel  string    `json:"source_label"`
	File         string    `json:"file"`
	ImportedBy   string    `json:"imported_by"`
	ImportedAt   time.Time `json:"imported_at"`
	SupersededAt time.Time `json:"superseded_at,omitzero"`
}

// ImportFigures writes the figures read from a workbook (res, rows numbered as in the file) in
// one transaction, with its audit entry: figures of divisions outside the principal's
// jurisdiction are rejected, new ones inserted, changed ones supersede the old, equal ones are
// left alone. The rows the reader refused count as rejected with their problems.
func (s *Store) ImportFigures(ctx context.Context, file string, res *population.Result, rowOf func(i int) int) (FigureImport, error) {
	p, err := gate(ctx, "您的角色不能导入人口统计数据", auth.PermFiguresImport)
	if err != nil {
		return FigureImport{}, err
	}
	if _, _, err := jurisdiction(p); err != nil {
		return FigureImport{}, err
	}
	out := FigureImport{Rows: res.Rows, Errors: append([]population.Problem{}, res.Problems...)}
	badRows := map[int]bool{}
	for _, pr := range res.Problems {
		badRows[pr.Row] = true
	}
	var take []int
	for i := range res.Figures {
		if !p.InScope(res.Figures[i].RegionCode) {
			out.Errors = append(out.Errors, population.Problem{Row: rowOf(i), Column: "区划代码", Code: "out_of_scope",
				Message: "区划“" + res.Figures[i].RegionCode + " " + res.Figures[i].RegionName + "”不在您的辖区内"})
			badRows[rowOf(i)] = true
			continue
		}
		take = append(take, i)
	}
	for _, pr := range population.CheckParts(res.Figures, rowOf) {
		out.Errors = append(out.Errors, pr)
		badRows[pr.Row] = true
	}
	actor := p.Actor()
	now := s.instant()
	err = s.inTx(ctx, "导入人口统计数据", func(t *tx) error {
		for _, i := range take {
			if badRows[rowOf(i)] {
				continue
			}
			f := &res.Figures[i]
			old, id, err := s.currentFigure(t, f.RegionCode, f.Year, f.Source)
			if err != nil {
				return err
			}
			if old != nil && old.Equal(f) {
				out.Unchanged++
				continue
			}
			if old != nil {
				if _, err := t.exec("UPDATE population_figures SET superseded_at = ? WHERE id = ?", s.d.timeArg(now), id); err != nil {
					return err
				}
				out.Updated++
			} else {
				out.Imported++
			}
			if _, err := t.exec(`INSERT INTO population_figures (region_code, year, source, total, migrant, left_behind, male, female, ages, note, file, imported_by, imported_at)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.RegionCode, f.Year, f.Source, f.Total, nullCount(f.Migrant), nullCount(f.LeftBehind),
				nullCount(f.Male), nullCount(f.Female), joinCounts(f.Ages), f.Note, file, actor, s.d.timeArg(now)); err != nil {
				return err
			}
		}
		out.Rejected = len(badRows)
		return s.appendAudit(t, audit.PopulationImport, "population", map[string]any{"file": file, "rows": out.Rows,
			"imported": out.Imported, "updated": out.Updated, "unchanged": out.Unchanged, "rejected": out.Rejected})
	})
	if err != nil {
		return FigureImport{}, err
	}
	return out, nil
}

// currentFigure reads the current figure of a division, year and source (nil when none).
func (s *Store) currentFigure(t *tx, code string, year int, source string) (*population.Figure, int64, error) {
	rows, err := t.query(figureSelect+" WHERE region_code = ? AND year = ? AND source = ? AND superseded_at IS NULL", code, year, source)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, 0, rows.Err()
	}
	f, id, err := scanFigure(rows)
	if err != nil {
		return nil, 0, err
	}
	return &f.Figure, id, rows.Err()
}

const figureSelect = `SELECT id, region_code, year, source, total, migrant, left_behind, male, female, ages, note, file, imported_by, imported_at, superseded_at
 FROM population_figures`

func scanFigure(rows *sql.Rows) (StoredFigure, int64, error) {
	var f StoredFigure
	var id int64
	var mig, lb, male, female sql.NullInt64
	var ages string
	err := rows.Scan(&id, &f.RegionCode, &f.Year, &f.Source, &f.Total, &mig, &lb, &male, &female, &ages, &f.Note, &f.File, &f.ImportedBy,
		scanTime{&f.ImportedAt}, scanTime{&f.SupersededAt})
	if err != nil {
		return f, 0, err
	}
	f.Migrant, f.LeftBehind, f.Male, f.Female = countOf(mig), countOf(lb), countOf(male), countOf(female)
	f.Ages = splitCounts(ages)
	f.SourceLabel = population.SourceLabel(f.Source)
	if d, ok := region.Default().Lookup(f.RegionCode); ok {
		f.RegionName = d.Name
	}
	return f, id, nil
}

func nullCount(v *int64) any {
	if v == nil {
		return nil
	}
	return *v
}

func countOf(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	n := v.Int64
	return &n
}

// joinCounts writes the age groups as "12,,30,4" (” for none published).
func joinCounts(vs []*int64) string {
	any := false
	parts := make([]string, len(vs))
	for i, v := range vs {
		if v != nil {
			parts[i], any = strconv.FormatInt(*v, 10), true
		}
	}
	if !any {
		return ""
	}
	return strings.Join(parts, ",")
}

func splitCounts(s string) []*int64 {
	out := make([]*int64, len(population.AgeGroups))
	if s == "" {
		return out
	}
	for i, p := range strings.Split(s, ",") {
		if i >= len(out) || p == "" {
			continue
		}
		if n, err := strconv.ParseInt(p, 10, 64); err == nil {
			out[i] = &n
		}
	}
	return out
}

// FigureQuery selects figures.
type FigureQuery struct {
	// Region is a division code: its figures and those of the divisions under it ("" the
	// principal's jurisdiction).
	Region string
	// Year selects one reference year (0: every year).
	Year int
	// History includes the superseded figures.
	History bool
}

// Figures lists the figures of q in the principal's jurisdiction (any reader of statistics),
// by division, year and source; superseded ones after the current one they preceded.
func (s *Store) Figures(ctx context.Context, q FigureQuery) ([]StoredFigure, error) {
	p, err := gate(ctx, "您的角色不能查看人口统计数据", auth.PermStatsRead, auth.PermFiguresImport)
	if err != nil {
		return nil, err
	}
	where := "1 = 1"
	var args []any
	if q.Region != "" {
		pr, ok := normalizeRegion(q.Region)
		if !ok {
			return nil, errInvalid("行政区划代码“" + q.Region + "”格式不正确")
		}
		if !p.InScope(pr) {
			return nil, errForbidden("区划 " + q.Region + " 不在您的辖区内")
		}
		where, args = where+" AND region_code LIKE ?", append(args, likeEscape(pr)+"%")
	}
	if q.Year != 0 {
		where, args = where+" AND year = ?", append(args, q.Year)
	}
	if !q.History {
		where += " AND superseded_at IS NULL"
	}
	cond, cargs, err := regionCond(p, "region_code")
	if err != nil {
		return nil, err
	}
	if cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	rows, err := s.query(ctx, figureSelect+" WHERE "+where+" ORDER BY region_code, year DESC, source, id DESC", args...)
	if err != nil {
		return nil, internal("读取人口统计数据", err)
	}
	defer rows.Close()
	out := []StoredFigure{}
	for rows.Next() {
		f, _, err := scanFigure(rows)
		if err != nil {
			return nil, internal("读取人口统计数据", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("读取人口统计数据", err)
	}
	return out, nil
}

// DivisionVisits are the home-visit leads of one division: those open, those closed, and the
// date of the last visit recorded (the last lead closed), for the coverage page.
type DivisionVisits struct {
	RegionCode string    `json:"region_code"`
	Open       int       `json:"open"`
	Closed     int       `json:"closed"`
	LastVisit  time.Time `json:"last_visit,omitzero"`
}

// VisitsByDivision counts the leads the principal may see (leadWhere: leads.read, its
// jurisdiction, its department's) under region, by division of the given code length (6, 9 or
// 12), with the last visit date.
func (s *Store) VisitsByDivision(ctx context.Context, regionCode string, codeLen int) ([]DivisionVisits, error) {
	if codeLen != 6 && codeLen != 9 && codeLen != 12 {
		return nil, errInvalid("区划级别只能是区县（6 位）、乡镇街道（9 位）或村居（12 位）")
	}
	where, args, err := leadWhere(ctx, LeadQuery{Region: regionCode})
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT l.region_code, l.status, l.outcome_at FROM leads l WHERE "+where, args...)
	if err != nil {
		return nil, internal("统计走访线索", err)
	}
	defer rows.Close()
	by := map[string]*DivisionVisits{}
	var order []string
	for rows.Next() {
		var code sql.NullString
		var status string
		var at time.Time
		if err := rows.Scan(&code, &status, scanTime{&at}); err != nil {
			return nil, internal("统计走访线索", err)
		}
		c := code.String
		if len(c) < codeLen {
			continue
		}
		c = c[:codeLen]
		v := by[c]
		if v == nil {
			v = &DivisionVisits{RegionCode: c}
			by[c] = v
			order = append(order, c)
		}
		if status == LeadOpen {
			v.Open++
		} else {
			v.Closed++
			if at.After(v.LastVisit) {
				v.LastVisit = at
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, internal("统计走访线索", err)
	}
	out := make([]DivisionVisits, 0, len(order))
	for _, c := range order {
		out = append(out, *by[c])
	}
	return out, nil
}
