package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/region"
	"guanai/internal/stats"
	"guanai/internal/store"
)

// Releases (数据发布, docs/releases.md): the statistician drafts a release of standard tables, its
// figures computed with disclosure control once and hashed; the departments whose data it holds
// sign off or object; civil affairs and statistics approve; the statistician publishes. The
// release's workbook carries its SM3 digest on every printed page.

var releaseAccess = map[string]Access{
	"GET /api/v1/releases":                 perms(auth.PermStatsRead),
	"POST /api/v1/releases":                perms(auth.PermStatsRead), // the store lets statisticians only
	"GET /api/v1/releases/{uid}":           perms(auth.PermStatsRead),
	"POST /api/v1/releases/{uid}/signoff":  perms(auth.PermStatsRead), // department officers of the release's data
	"POST /api/v1/releases/{uid}/approve":  perms(auth.PermStatsRead), // civil affairs and statistics
	"POST /api/v1/releases/{uid}/publish":  perms(auth.PermStatsRead),
	"POST /api/v1/releases/{uid}/withdraw": perms(auth.PermStatsRead),
	"GET /api/v1/releases/{uid}/xlsx":      perms(auth.PermStatsRead),
}

func init() {
	for p, a := range releaseAccess {
		access[p] = a
	}
}

// releaseRoutes registers the release routes; routes() calls it.
func (s *Server) releaseRoutes() {
	if s.Releases == nil || s.Stats == nil {
		return
	}
	s.handle("GET /api/v1/releases", s.listReleases)
	s.handle("POST /api/v1/releases", s.createRelease)
	s.handle("GET /api/v1/releases/{uid}", s.getRelease)
	s.handle("POST /api/v1/releases/{uid}/signoff", s.signRelease)
	s.handle("POST /api/v1/releases/{uid}/approve", s.approveRelease)
	s.handle("POST /api/v1/releases/{uid}/publish", s.publishRelease)
	s.handle("POST /api/v1/releases/{uid}/withdraw", s.withdrawRelease)
	s.handle("GET /api/v1/releases/{uid}/xlsx", s.releaseXLSX)
	s.bulletinRoutes()
}

// releaseThreshold is the small-count threshold of releases: values 1–4 are withheld.
const releaseThreshold = 5

type signoffJSON struct {
	store.Signoff
	Label string `json:"department_label"`
	At    string `json:"at"`
}

type releaseJSON struct {
	*store.Release
	RegionName       string        `json:"region_name"`
	AsOf             string        `json:"as_of"`
	CreatedAt        string        `json:"created_at"`
	PublishedAt      string        `json:"published_at,omitempty"`
	WithdrawnAt      string        `json:"withdrawn_at,omitempty"`
	DepartmentLabels []string      `json:"department_labels"`
	Signoffs         []signoffJSON `json:"signoffs"`
	Missing          []string      `json:"missing"`
	Report           any           `json:"report,omitempty"`
}

func (s *Server) releaseOut(r *store.Release, withContent bool) releaseJSON {
	out := releaseJSON{Release: r, AsOf: r.AsOf.String(), CreatedAt: chinaStamp(r.CreatedAt), PublishedAt: chinaStamp(r.PublishedAt),
		WithdrawnAt: chinaStamp(r.WithdrawnAt), Missing: r.Missing(), DepartmentLabels: []string{}, Signoffs: []signoffJSON{}}
	if out.Missing == nil {
		out.Missing = []string{}
	}
	if d, ok := region.Default().Lookup(r.Region); ok {
		out.RegionName = region.Default().FullName(d.Code)
	}
	for _, d := range r.Departments {
		out.DepartmentLabels = append(out.DepartmentLabels, auth.DepartmentLabel(d))
	}
	for _, so := range r.Signoffs {
		out.Signoffs = append(out.Signoffs, signoffJSON{Signoff: so, Label: auth.DepartmentLabel(so.Department), At: chinaStamp(so.At)})
	}
	if withContent {
		out.Report = json.RawMessage(r.Content)
	}
	return out
}

// listReleases answers the releases and, for the draft form, the standard tables with the
// departments each would need.
func (s *Server) listReleases(w http.ResponseWriter, r *http.Request) {
	rs, err := s.Releases.Releases(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]releaseJSON, len(rs))
	for i, x := range rs {
		items[i] = s.releaseOut(x, false)
	}
	type tableInfo struct {
		Key         string   `json:"key"`
		Title       string   `json:"title"`
		Departments []string `json:"departments"`
	}
	tables := []tableInfo{}
	for _, k := range stats.StandardTables() {
		ti := tableInfo{Key: k, Title: stats.TableTitle(k), Departments: []string{}}
		for _, d := range stats.ReleaseDepartments([]string{k}) {
			ti.Departments = append(ti.Departments, auth.DepartmentLabel(d))
		}
		tables = append(tables, ti)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "tables": tables})
}

// createRelease computes the chosen tables with disclosure control as of the date for the
// region and records the draft with them.
func (s *Server) createRelease(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Title  string   `json:"title"`
		Region string   `json:"region"`
		AsOf   string   `json:"as_of"`
		Tables []string `json:"tables"`
		// CrossTabs are x:<rows>:<cols> keys (stats.CrossTabKey) of /api/v1/stats/dimensions.
		CrossTabs []string `json:"crosstabs"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, k := range req.CrossTabs {
		if _, _, ok := stats.ParseCrossTabKey(k); !ok {
			s.fail(w, r, fieldError("crosstabs", "invalid", "交叉表“"+k+"”无效：应为 x:行维度:列维度，两个维度不同"))
			return
		}
	}
	asOf, _, err := child.ParseDate(req.AsOf)
	if err != nil || asOf > s.Today() {
		s.fail(w, r, fieldError("as_of", "invalid", "统计时点应为不晚于今天的日期（YYYY-MM-DD）"))
		return
	}
	code, err := s.statsRegion(r, req.Region)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := store.ReleaseDraft{Title: req.Title, Region: code, AsOf: asOf, Tables: slices.Clone(req.Tables)}
	p := auth.PrincipalFrom(r.Context())
	if !p.Has(auth.RoleStatistician) {
		// Refused before the figures are computed.
		if _, err := s.Releases.CreateRelease(r.Context(), d, nil); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	d.Tables = append(d.Tables, req.CrossTabs...)
	var content []byte
	if len(d.Tables) > 0 && code != "" {
		if content, err = s.releaseContent(r, stats.Query{AsOf: asOf, Region: code, Config: s.Rules}, req.Tables, req.CrossTabs); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	rel, err := s.Releases.CreateRelease(r.Context(), d, content)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.releaseOut(rel, false))
}

// releaseContent computes a release's figures with disclosure control: the standard tables as the
// published report suppresses them (jointly with every table of the report); with cross-tabs,
// the chosen standard tables and the cross-tabs suppressed together, so that no table of the
// release gives away what another withholds.
func (s *Server) releaseContent(r *http.Request, q stats.Query, tables, crosstabs []string) ([]byte, error) {
	var base *stats.Report
	var err error
	if len(crosstabs) == 0 {
		base, _, err = s.Stats.Published(r.Context(), q, releaseThreshold)
	} else {
		base, _, err = s.Stats.Report(r.Context(), q)
	}
	if err != nil {
		return nil, err
	}
	rep := *base
	rep.Tables, rep.TableOrder = map[string]*stats.Table{}, nil
	var src []*stats.Table
	var keys []string
	for _, k := range tables {
		if t := base.Tables[k]; t != nil {
			src, keys = append(src, t), append(keys, k)
		}
	}
	for _, k := range crosstabs {
		rows, cols, _ := stats.ParseCrossTabKey(k)
		t, err := stats.CrossTab(stats.RegistrySource(r.Context(), s.Figures, q.Region), q, rows, cols, 0)
		if err != nil {
			return nil, err
		}
		src, keys = append(src, t), append(keys, k)
	}
	if len(crosstabs) > 0 {
		src, _ = stats.SuppressTables(src, releaseThreshold)
		rep.Totals, rep.Undetermined, rep.ByRegion, rep.ByRegionUnplaced = nil, nil, nil, nil
		rep.Published = true
	}
	for i, k := range keys {
		rep.Tables[k] = src[i]
		rep.TableOrder = append(rep.TableOrder, k)
	}
	return json.Marshal(&rep)
}

func (s *Server) getRelease(w http.ResponseWriter, r *http.Request) {
	rel, err := s.Releases.GetRelease(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.releaseOut(rel, true))
}

func (s *Server) signRelease(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Decision string `json:"decision"`
		Comment  string `json:"comment"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Decision != store.SignSigned && req.Decision != store.SignObjected {
		s.fail(w, r, fieldError("decision", "invalid", "请选择同意（signed）或有异议（objected）"))
		return
	}
	rel, err := s.Releases.SignRelease(r.Context(), r.PathValue("uid"), req.Decision == store.SignObjected, req.Comment)
	s.releaseAnswer(w, r, rel, err)
}

func (s *Server) approveRelease(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Comment string `json:"comment"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	rel, err := s.Releases.ApproveRelease(r.Context(), r.PathValue("uid"), req.Comment)
	s.releaseAnswer(w, r, rel, err)
}

func (s *Server) publishRelease(w http.ResponseWriter, r *http.Request) {
	rel, err := s.Releases.PublishRelease(r.Context(), r.PathValue("uid"))
	s.releaseAnswer(w, r, rel, err)
}

func (s *Server) withdrawRelease(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	rel, err := s.Releases.WithdrawRelease(r.Context(), r.PathValue("uid"), req.Reason)
	s.releaseAnswer(w, r, rel, err)
}

func (s *Server) releaseAnswer(w http.ResponseWriter, r *http.Request, rel *store.Release, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.releaseOut(rel, true))
}

// releaseStatusLabel is a release's status in Chinese.
func releaseStatusLabel(st string) string {
	switch st {
	case store.ReleasePublished:
		return "已发布"
	case store.ReleaseWithdrawn:
		return "已撤回"
	}
	return "审核中（未发布，不得对外使用）"
}

// releaseXLSX answers the release's workbook: a first sheet 发布信息 (title, region, as-of date,
// status, the departments' opinions, the approvals and the SM3 digest), then the tables as the
// statistics workbook writes them; every sheet's printed header and footer carry the title and
// the digest, so that every printed page can be checked against the page of the release.
func (s *Server) releaseXLSX(w http.ResponseWriter, r *http.Request) {
	rel, err := s.Releases.GetRelease(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rep stats.Report
	if err := json.Unmarshal(rel.Content, &rep); err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := stats.WriteXLSX(&buf, &rep, stats.XLSXOptions{Tables: rel.Tables}); err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	out := s.releaseOut(rel, false)
	const info = "发布信息"
	if _, err := f.NewSheet(info); err != nil {
		s.fail(w, r, err)
		return
	}
	lines := [][]any{{rel.Title}, {"区域", out.RegionName + "（" + rel.Region + "）"}, {"统计时点", rel.AsOf.Chinese()},
		{"状态", releaseStatusLabel(rel.Status)}, {"起草", rel.CreatedBy + "　" + out.CreatedAt}}
	if rel.PublishedBy != "" {
		lines = append(lines, []any{"发布", rel.PublishedBy + "　" + out.PublishedAt})
	}
	if rel.WithdrawnBy != "" {
		lines = append(lines, []any{"撤回", rel.WithdrawnBy + "　" + out.WithdrawnAt + "　" + rel.WithdrawReason})
	}
	lines = append(lines, []any{"须征求意见的部门", strings.Join(out.DepartmentLabels, "、")})
	for _, so := range out.Signoffs {
		what := map[string]string{store.SignSigned: "同意", store.SignObjected: "有异议", store.SignApproved: "审批同意"}[so.Decision]
		lines = append(lines, []any{so.Label + map[string]string{"dept": "部门意见", "approve": "部门审批"}[so.Kind], what + "　" + so.Comment + "　" + so.Actor + "　" + so.At})
	}
	lines = append(lines, []any{"内容摘要（SM3）", rel.Digest}, []any{"说明", "小于 5 的数值已按统计数据发布规定作保密处理（以“*”表示）。内容摘要为发布内容的 SM3 杂凑值，与系统中发布页面显示的一致。"})
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(info, cell, &l); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	_ = f.SetColWidth(info, "A", "A", 22)
	_ = f.SetColWidth(info, "B", "B", 90)
	idx, _ := f.GetSheetIndex(info)
	f.SetActiveSheet(idx)
	_ = f.MoveSheet(info, f.GetSheetName(0))
	footer := "&L" + excelHeaderText(rel.Title) + "&RSM3：" + rel.Digest
	for _, sh := range f.GetSheetList() {
		if err := f.SetHeaderFooter(sh, &excelize.HeaderFooterOptions{OddHeader: "&C" + excelHeaderText(rel.Title+"（"+releaseStatusLabel(rel.Status)+"）"),
			OddFooter: footer + "&C第 &P 页，共 &N 页"}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	var outBuf bytes.Buffer
	if err := f.Write(&outBuf); err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="release-`+rel.UID+`.xlsx"; filename*=UTF-8''`+url.PathEscape(rel.Title+".xlsx"))
	h.Set("X-Release-Digest", rel.Digest)
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(outBuf.Bytes())
}

// excelHeaderText escapes & in a header or footer text (excelize's codes start with &) and keeps
// it within the 255 characters Excel allows for the whole header.
func excelHeaderText(s string) string {
	s = strings.ReplaceAll(s, "&", "&&")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60])
	}
	return s
}
