package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"guanai/internal/auth"
	"guanai/internal/campaign"
	"guanai/internal/child"
	"guanai/internal/region"
	"guanai/internal/stats"
	"guanai/internal/store"
)

// The statistics API: the tables of guanai stats over the registry (GET /api/v1/stats), one
// table as JSON or xlsx, cross-tabs, trends from the monthly snapshots, the snapshots
// themselves, data quality, and campaigns (campaigns.go). Every read counts only the caller's
// jurisdiction (the store filters by the principal in the context); a region outside it is
// refused.

// FiguresStore is the store's side of the statistics routes: the records and snapshots the
// statistics read (stats.Registry), the months snapshotted, data quality and campaigns.
type FiguresStore interface {
	stats.Registry
	SnapshotMonths(ctx context.Context) ([]string, error)
	DataQuality(ctx context.Context, regionCode string) (*store.Quality, error)
	CreateCampaign(ctx context.Context, actor string, c campaign.Campaign) (*campaign.Campaign, error)
	Campaigns(ctx context.Context) ([]campaign.Campaign, error)
	GetCampaign(ctx context.Context, uid string) (*campaign.Campaign, error)
	CampaignProgressOf(ctx context.Context, uid string, asOf child.Date) (*campaign.Report, error)
}

func (s *Server) statsRoutes() {
	if s.Stats == nil || s.Figures == nil {
		return
	}
	s.handle("GET /api/v1/stats", s.statsReport)
	s.handle("GET /api/v1/stats/dimensions", s.statsDimensions)
	s.handle("GET /api/v1/stats/tables/{key}", s.statsTable)
	s.handle("GET /api/v1/stats/crosstab", s.statsCrossTab)
	s.handle("GET /api/v1/stats/trend", s.statsTrend)
	s.handle("GET /api/v1/stats/snapshots", s.statsSnapshots)
	s.handle("GET /api/v1/stats/snapshots/{month}", s.statsSnapshot)
	s.handle("GET /api/v1/stats/quality", s.statsQuality)
	s.campaignRoutes()
}

// MustSuppress decides whether the principal gets statistics only with disclosure control
// applied (严格数据发布): everyone but the civil-affairs reviewers (民政 department, permission to
// review records). The security policy lives here, in one function, for the security helper to
// refine; the handlers call nothing else to decide.
func MustSuppress(p *auth.Principal) bool {
	if p == nil {
		return true
	}
	return !(p.Department == "minzheng" && p.Can(auth.PermChildrenReview))
}

// statsParams are the query parameters the statistics routes share.
type statsParams struct {
	q         stats.Query
	publish   bool
	threshold int
}

// statsQuery reads as_of, region, publish and threshold. The region defaults to the caller's
// jurisdiction and must lie inside it.
func (s *Server) statsQuery(r *http.Request) (statsParams, error) {
	v := r.URL.Query()
	p := statsParams{q: stats.Query{AsOf: s.Today(), Config: s.Rules}, threshold: 5}
	if a := v.Get("as_of"); a != "" {
		d, _, err := child.ParseDate(a)
		if err != nil {
			return p, &Error{Code: "bad_request", Message: "as_of “" + a + "”不是有效的日期，应为 YYYY-MM-DD"}
		}
		p.q.AsOf = d
	}
	code, err := s.statsRegion(r, v.Get("region"))
	if err != nil {
		return p, err
	}
	p.q.Region = code
	switch v.Get("publish") {
	case "", "0", "false":
	case "1", "true":
		p.publish = true
	default:
		return p, &Error{Code: "bad_request", Message: "publish 只能是 0 或 1"}
	}
	if t := v.Get("threshold"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 2 || n > 100 {
			return p, &Error{Code: "bad_request", Message: "threshold 应为 2–100 的整数"}
		}
		p.threshold = n
	}
	if MustSuppress(auth.PrincipalFrom(r.Context())) {
		p.publish = true
	}
	return p, nil
}

// statsRegion checks a region parameter against the caller's jurisdiction; "" becomes the
// jurisdiction itself (the whole database for an unrestricted caller).
func (s *Server) statsRegion(r *http.Request, code string) (string, error) {
	code = strings.TrimSpace(code)
	var nat string
	if code != "" {
		d, ok := region.Default().Lookup(code)
		if !ok {
			return "", &Error{Code: "bad_request", Message: "region “" + code + "”不是全国行政区划代码表中的代码"}
		}
		nat = d.Code
	}
	p := auth.PrincipalFrom(r.Context())
	if p == nil || p.Scope == "" {
		return nat, nil
	}
	if nat == "" {
		return p.Scope, nil
	}
	if !strings.HasPrefix(nat, p.Scope) {
		return "", &Error{Code: "forbidden", Message: "只能查看本辖区（" + region.Default().FullName(p.Scope) + "）的统计数据"}
	}
	return nat, nil
}

// report returns the report of the parameters, published or not, with where it came from.
func (s *Server) report(ctx context.Context, p statsParams) (*stats.Report, stats.Info, error) {
	sv := s.Stats
	if p.publish {
		return sv.Published(ctx, p.q, p.threshold)
	}
	return sv.Report(ctx, p.q)
}

// statsHeaders say how fresh a report is: the data version it counts, when it was computed,
// and whether a newer one is being computed (the registry changed since).
func statsHeaders(w http.ResponseWriter, info stats.Info) {
	w.Header().Set("X-Stats-Version", strconv.FormatInt(info.Version, 10))
	if !info.Computed.IsZero() {
		w.Header().Set("X-Stats-Computed", info.Computed.In(chinaTime).Format(time.RFC3339))
	}
	if info.Stale {
		w.Header().Set("X-Stats-Stale", "1")
	}
}

// GET /api/v1/stats?as_of=&region=&publish=1&threshold=5: the Report JSON of guanai stats.
func (s *Server) statsReport(w http.ResponseWriter, r *http.Request) {
	p, err := s.statsQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, info, err := s.report(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	statsHeaders(w, info)
	writeJSON(w, http.StatusOK, rep)
}

// GET /api/v1/stats/dimensions: what the cross-tab builder offers.
func (s *Server) statsDimensions(w http.ResponseWriter, r *http.Request) {
	pops := []map[string]string{}
	for _, k := range stats.PopulationKeys() {
		pops = append(pops, map[string]string{"key": k, "label": stats.PopulationLabel(k)})
	}
	tables := []map[string]string{}
	for _, k := range stats.StandardTableKeys() {
		tables = append(tables, map[string]string{"key": k})
	}
	writeJSON(w, http.StatusOK, map[string]any{"dimensions": stats.Dimensions(), "populations": pops, "tables": tables,
		"levels": []map[string]any{{"level": 1, "label": "省级"}, {"level": 2, "label": "地级"}, {"level": 3, "label": "县级"}, {"level": 4, "label": "乡级"}, {"level": 5, "label": "村级"}}})
}

// GET /api/v1/stats/tables/{key}?as_of=&region=&publish=&format=json|xlsx: one standard table.
func (s *Server) statsTable(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	p, err := s.statsQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "xlsx" {
		s.fail(w, r, &Error{Code: "bad_request", Message: "format 只能是 json 或 xlsx"})
		return
	}
	known := false
	for _, k := range stats.StandardTableKeys() {
		known = known || k == key
	}
	if !known {
		s.fail(w, r, &Error{Code: "not_found", Message: "没有统计表“" + key + "”，可用：" + strings.Join(stats.StandardTableKeys(), "、")})
		return
	}
	rep, info, err := s.report(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	statsHeaders(w, info)
	if format != "xlsx" {
		writeJSON(w, http.StatusOK, rep.Tables[key])
		return
	}
	var buf bytes.Buffer
	if err := stats.WriteXLSX(&buf, rep, stats.XLSXOptions{Tables: []string{key}}); err != nil {
		s.fail(w, r, err)
		return
	}
	writeXLSX(w, "统计表_"+key+"_"+rep.Region+"_"+rep.AsOf+".xlsx", buf.Bytes())
}

// writeXLSX answers a workbook as a download.
func writeXLSX(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"stats.xlsx\"; filename*=UTF-8''"+pathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func pathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
		}
	}
	return b.String()
}

// GET /api/v1/stats/crosstab?rows=&cols=&level=&population=&as_of=&region=&publish=: any two
// dimensions, counts and percentages. Computed on demand (one pass over the region's records).
func (s *Server) statsCrossTab(w http.ResponseWriter, r *http.Request) {
	p, err := s.statsQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := r.URL.Query()
	rows, cols := v.Get("rows"), v.Get("cols")
	if rows == "" || cols == "" {
		s.fail(w, r, &Error{Code: "bad_request", Message: "请用 rows 和 cols 指定交叉表的两个维度（见 /api/v1/stats/dimensions）"})
		return
	}
	level := 0
	if l := v.Get("level"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 || n > 5 {
			s.fail(w, r, &Error{Code: "bad_request", Message: "level 应为 0–5（0 = 下一级，1 省级 … 5 村级）"})
			return
		}
		level = n
	}
	p.q.Population = v.Get("population")
	t, err := stats.CrossTab(stats.RegistrySource(r.Context(), s.Figures, p.q.Region), p.q, rows, cols, region.Level(level))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.publish {
		t, _ = stats.Suppress(t, p.threshold)
	}
	writeJSON(w, http.StatusOK, t)
}

// trendSeries is one line of a trend chart.
type trendSeries struct {
	Key    string             `json:"key"`
	Points []stats.TrendPoint `json:"points"`
}

// GET /api/v1/stats/trend?region=&table=&row=&cols=&from=&to= (or key=…, repeated): values
// of the monthly snapshots. table "totals" (default) with cols (default the four counts) gives
// the headline series; any standard table with row and cols (default "total") its cells.
func (s *Server) statsTrend(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	code, err := s.statsRegion(r, v.Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	from, to := v.Get("from"), v.Get("to")
	for _, m := range []string{from, to} {
		if m != "" && !stats.ValidMonth(m) {
			s.fail(w, r, &Error{Code: "bad_request", Message: "月份“" + m + "”无效，应为 YYYY-MM"})
			return
		}
	}
	keys := v["key"]
	if len(keys) == 0 {
		table := v.Get("table")
		if table == "" {
			table = "totals"
		}
		cols := splitList(v.Get("cols"))
		row := v.Get("row")
		switch table {
		case "totals", "undetermined":
			if len(cols) == 0 {
				cols = []string{"migrant_monitoring", "migrant_statistics", "left_behind", "key_care"}
			}
			for _, c := range cols {
				keys = append(keys, table+"."+c)
			}
		default:
			if row == "" {
				row = "total"
			}
			if len(cols) == 0 {
				cols = []string{"total"}
			}
			for _, c := range cols {
				if row == "total" && c == "total" {
					keys = append(keys, table+".total")
				} else {
					keys = append(keys, table+"."+row+"."+c)
				}
			}
		}
	}
	publish := v.Get("publish") == "1" || MustSuppress(auth.PrincipalFrom(r.Context()))
	out := []trendSeries{}
	for _, k := range keys {
		pts, err := s.loadTrend(r.Context(), code, k, from, to, publish)
		if err != nil {
			// The store's refusals and failures as they are; a key that no snapshot holds is
			// the caller's mistake.
			var c Coded
			if errors.As(err, &c) && !errors.Is(err, stats.ErrQuery) {
				s.fail(w, r, err)
				return
			}
			s.fail(w, r, &Error{Code: "bad_request", Message: "趋势查询无效（" + k + "）：快照中没有这个数值"})
			return
		}
		out = append(out, trendSeries{Key: k, Points: pts})
	}
	name := "全部地区"
	if d, ok := region.Default().Lookup(code); ok && code != "" {
		name = d.Name
	}
	writeJSON(w, http.StatusOK, map[string]any{"region": code, "region_name": name, "series": out})
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// GET /api/v1/stats/snapshots: the months that have a snapshot.
func (s *Server) statsSnapshots(w http.ResponseWriter, r *http.Request) {
	months, err := s.Figures.SnapshotMonths(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if months == nil {
		months = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"months": months})
}

// GET /api/v1/stats/snapshots/{month}?region=: a past month's counts (stats.Snapshot JSON).
// Callers who see only published figures get the published snapshot (withheld values -1).
func (s *Server) statsSnapshot(w http.ResponseWriter, r *http.Request) {
	month := r.PathValue("month")
	if !stats.ValidMonth(month) {
		s.fail(w, r, &Error{Code: "bad_request", Message: "月份“" + month + "”无效，应为 YYYY-MM"})
		return
	}
	code, err := s.statsRegion(r, r.URL.Query().Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	publish := MustSuppress(auth.PrincipalFrom(r.Context())) || r.URL.Query().Get("publish") == "1"
	row, err := s.Figures.Snapshot(r.Context(), month, code, publish)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var snap stats.Snapshot
	if err := stats.UnmarshalSnapshot(row.Data, &snap); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"month": row.Month, "region": row.Region, "as_of": row.AsOf.String(),
		"published": row.Published, "taken_at": row.TakenAt.In(chinaTime).Format("2006-01-02 15:04:05"), "snapshot": snap})
}
