package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/population"
	"guanai/internal/region"
	"guanai/internal/sheet"
	"guanai/internal/stats"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

// Population figures and coverage (issue 18, docs/statistics.md 登记覆盖): the statistician
// imports the statistics bureau's child population by division; readers of statistics compare
// the registered children with it; the reviewer's coverage page adds the home-visit leads and
// the last visit of each division.

// PopulationStore is the store's side of these routes.
type PopulationStore interface {
	workflow.CoverageStore
	VisitsByDivision(ctx context.Context, regionCode string, codeLen int) ([]store.DivisionVisits, error)
}

var populationAccess = map[string]Access{
	"GET /api/v1/population":          perms(auth.PermStatsRead, auth.PermFiguresImport),
	"POST /api/v1/population":         perms(auth.PermFiguresImport),
	"GET /api/v1/population/template": perms(auth.PermFiguresImport),
	"GET /api/v1/coverage":            perms(auth.PermStatsRead),
	"GET /api/v1/coverage/visits":     perms(auth.PermLeadsRead),
}

func init() {
	for p, a := range populationAccess {
		access[p] = a
	}
	codeTables["immunization"] = child.ImmunizationStatus
	codeTables["assistance_kind"] = child.AssistanceKind
}

// populationRoutes registers the routes; routes() calls it.
func (s *Server) populationRoutes() {
	if s.Population == nil {
		return
	}
	s.handle("GET /api/v1/population", s.listFigures)
	s.handle("POST /api/v1/population", s.importFigures)
	s.handle("GET /api/v1/population/template", s.figuresTemplate)
	s.handle("GET /api/v1/coverage", s.coverage)
	s.handle("GET /api/v1/coverage/visits", s.coverageVisits)
}

func intInRange(v, name string, lo, hi int) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return 0, &Error{Code: "bad_request", Message: name + " 应为 " + strconv.Itoa(lo) + "–" + strconv.Itoa(hi) + " 的整数"}
	}
	return n, nil
}

func (s *Server) thisYear() int { return s.Now().In(chinaTime).Year() }

// GET /api/v1/population?region=&year=&history=1: the figures of the jurisdiction.
func (s *Server) listFigures(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, err := s.statsRegion(r, q.Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	year, err := intInRange(q.Get("year"), "year", 1949, s.thisYear())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	figs, err := s.Population.Figures(r.Context(), store.FigureQuery{Region: code, Year: year, History: q.Get("history") == "1"})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": figs, "age_groups": population.AgeGroups})
}

// POST /api/v1/population (multipart "file"; year, source for rows that leave them empty):
// imports the figures and answers the summary of guanai figures import.
func (s *Server) importFigures(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	year, err := intInRange(q.Get("year"), "year", 1949, s.thisYear())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	src := ""
	if v := q.Get("source"); v != "" {
		var ok bool
		if src, ok = population.ParseSource(v); !ok {
			s.fail(w, r, &Error{Code: "bad_request", Message: "数据来源“" + v + "”无效：应为人口普查、人口抽样调查、流动人口统计或其他"})
			return
		}
	}
	up, err := s.upload(w, r, "请选择要导入的人口统计数据文件（.xlsx 或 .csv）")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer up.close()
	t, err := sheet.NewTableContext(r.Context(), up.ra, up.size, up.name, "")
	if err != nil {
		s.fail(w, r, sheetError(err))
		return
	}
	defer t.Close()
	out, err := workflow.ImportFigures(r.Context(), s.Population, t, up.name, population.Options{Regions: s.Regions, ThisYear: s.thisYear(), Year: year, Source: src})
	if err != nil {
		s.fail(w, r, sheetError(err))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// GET /api/v1/population/template?region=&level=&year=&source=: the workbook to fill in, one
// row per division of the level under the region (default: the jurisdiction's townships).
func (s *Server) figuresTemplate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, err := s.statsRegion(r, q.Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if code == "" {
		code = "150300"
	}
	lv, err := stats.CoverageLevel(q.Get("level"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if q.Get("level") == "" {
		lv = region.Township
	}
	year, err := intInRange(q.Get("year"), "year", 1949, s.thisYear())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	src, _ := population.ParseSource(q.Get("source"))
	divs := population.Divisions(s.Regions, code, lv)
	if len(divs) == 0 {
		s.fail(w, r, &Error{Code: "bad_request", Message: "区划 " + code + " 之下没有所选级别的区划"})
		return
	}
	var buf bytes.Buffer
	if err := population.Template(&buf, divs, year, src, sheet.XLSX); err != nil {
		s.fail(w, r, err)
		return
	}
	writeXLSX(w, "人口统计数据模板.xlsx", buf.Bytes())
}

// GET /api/v1/coverage?region=&level=&year=&as_of=&publish=&threshold=&format=json|xlsx: the
// coverage table (xlsx: the ranked list to take on home visits);
// callers who see statistics only published get it suppressed (MustSuppress).
func (s *Server) coverage(w http.ResponseWriter, r *http.Request) {
	p, err := s.statsQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lv, err := stats.CoverageLevel(r.URL.Query().Get("level"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	year, err := intInRange(r.URL.Query().Get("year"), "year", 1949, s.thisYear())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "xlsx" {
		s.fail(w, r, &Error{Code: "bad_request", Message: "format 只能是 json 或 xlsx"})
		return
	}
	rep, err := workflow.Coverage(r.Context(), s.Population, workflow.CoverageInput{Query: p.q, Level: lv, Year: year, Publish: p.publish, Threshold: p.threshold})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if format == "xlsx" {
		var buf bytes.Buffer
		if err := workflow.WriteCoverage(&buf, rep, sheet.XLSX); err != nil {
			s.fail(w, r, err)
			return
		}
		writeXLSX(w, "登记覆盖.xlsx", buf.Bytes())
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// VisitsView is the home-visit leads of a division for the coverage page.
type VisitsView struct {
	RegionCode string `json:"region_code"`
	Open       int    `json:"open"`
	Closed     int    `json:"closed"`
	LastVisit  string `json:"last_visit,omitempty"`
}

// GET /api/v1/coverage/visits?region=&level=: open and closed leads and the last visit, by
// division.
func (s *Server) coverageVisits(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, err := s.statsRegion(r, q.Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lv, err := stats.CoverageLevel(q.Get("level"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.Population.VisitsByDivision(r.Context(), code, region.CodeLen(lv))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]VisitsView, len(vs))
	for i, v := range vs {
		out[i] = VisitsView{RegionCode: v.RegionCode, Open: v.Open, Closed: v.Closed}
		if !v.LastVisit.IsZero() {
			out[i].LastVisit = child.DateOf(v.LastVisit.In(chinaTime)).String()
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}
