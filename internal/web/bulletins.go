package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"

	"github.com/xuri/excelize/v2"

	"guanai/internal/auth"
	"guanai/internal/region"
	"guanai/internal/stats"
	"guanai/internal/store"
)

// The periodic bulletins (定期调度通报): issued by the server's job (cmd/guanai bulletin_job.go),
// read here by everyone who follows the campaign — oversight included — as JSON, xlsx and print.

var bulletinAccess = map[string]Access{
	"GET /api/v1/bulletins":               perms(auth.PermStatsRead),
	"GET /api/v1/bulletins/{number}":      perms(auth.PermStatsRead),
	"GET /api/v1/bulletins/{number}/xlsx": perms(auth.PermStatsRead),
}

func init() {
	for p, a := range bulletinAccess {
		access[p] = a
	}
}

func (s *Server) bulletinRoutes() {
	s.handle("GET /api/v1/bulletins", s.listBulletins)
	s.handle("GET /api/v1/bulletins/{number}", s.getBulletin)
	s.handle("GET /api/v1/bulletins/{number}/xlsx", s.bulletinXLSX)
}

// keyFigure is one line of a bulletin's key figures: now, at the previous bulletin, the change.
type keyFigure struct {
	Label    string   `json:"label"`
	Value    *float64 `json:"value"`
	Previous *float64 `json:"previous"`
	Change   *float64 `json:"change"`
	Unit     string   `json:"unit"`
}

func keyFigures(b *store.Bulletin) []keyFigure {
	n := func(v int64) *float64 { f := float64(v); return &f }
	type get func(f *store.BulletinFigures) *float64
	lines := []struct {
		label, unit string
		get         get
	}{
		{"登记记录", "条", func(f *store.BulletinFigures) *float64 { return n(f.Registered) }},
		{"未提交（草稿、退回）", "条", func(f *store.BulletinFigures) *float64 { return n(f.Pending) }},
		{"已提交待审核", "条", func(f *store.BulletinFigures) *float64 { return n(f.Submitted) }},
		{"已审核", "条", func(f *store.BulletinFigures) *float64 { return n(f.Approved) }},
		{"已上报", "条", func(f *store.BulletinFigures) *float64 { return n(f.Uploaded) }},
		{"录入完成率", "%", func(f *store.BulletinFigures) *float64 { return f.EntryRate }},
		{"审核通过率", "%", func(f *store.BulletinFigures) *float64 { return f.ApprovalRate }},
		{"上报率", "%", func(f *store.BulletinFigures) *float64 { return f.UploadRate }},
		{"逾期事项", "项", func(f *store.BulletinFigures) *float64 { return n(int64(f.Overdue)) }},
		{"未走访的入户核查线索", "条", func(f *store.BulletinFigures) *float64 {
			if f.LeadsOpen == nil {
				return nil
			}
			return n(*f.LeadsOpen)
		}},
	}
	out := make([]keyFigure, 0, len(lines))
	for _, l := range lines {
		k := keyFigure{Label: l.label, Unit: l.unit, Value: l.get(&b.Figures)}
		if b.Previous != nil {
			k.Previous = l.get(b.Previous)
			if k.Value != nil && k.Previous != nil {
				d := float64(int64((*k.Value-*k.Previous)*100+0.5*sign(*k.Value-*k.Previous))) / 100
				k.Change = &d
			}
		}
		out = append(out, k)
	}
	return out
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

type bulletinJSON struct {
	*store.Bulletin
	RegionName string      `json:"region_name"`
	AsOf       string      `json:"as_of"`
	CreatedAt  string      `json:"created_at"`
	Title      string      `json:"title"`
	Key        []keyFigure `json:"key_figures"`
	Report     any         `json:"report,omitempty"`
}

func bulletinOut(b *store.Bulletin, withReport bool) bulletinJSON {
	out := bulletinJSON{Bulletin: b, AsOf: b.AsOf.String(), CreatedAt: chinaStamp(b.CreatedAt), Key: keyFigures(b),
		Title: b.CampaignName + "工作通报（第 " + strconv.Itoa(b.Seq) + " 期）"}
	if d, ok := region.Default().Lookup(b.Region); ok {
		out.RegionName = region.Default().FullName(d.Code)
	}
	if withReport && b.Report != nil {
		out.Report = b.Report
	}
	return out
}

func (s *Server) listBulletins(w http.ResponseWriter, r *http.Request) {
	bs, err := s.Releases.Bulletins(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]bulletinJSON, len(bs))
	for i, b := range bs {
		items[i] = bulletinOut(b, false)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) getBulletin(w http.ResponseWriter, r *http.Request) {
	b, err := s.Releases.GetBulletin(r.Context(), r.PathValue("number"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, bulletinOut(b, true))
}

// bulletinXLSX answers the bulletin as a workbook: a first sheet 通报 with its number, period
// and key figures beside the previous bulletin's, then the progress by district and township,
// the departments and the overdue items (stats.WriteBulletinXLSX); its number on every page.
func (s *Server) bulletinXLSX(w http.ResponseWriter, r *http.Request) {
	b, err := s.Releases.GetBulletin(r.Context(), r.PathValue("number"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := stats.WriteBulletinXLSX(&buf, b.Report); err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	out := bulletinOut(b, false)
	const sh = "通报"
	if _, err := f.NewSheet(sh); err != nil {
		s.fail(w, r, err)
		return
	}
	rows := [][]any{{out.Title}, {"通报编号", b.Number}, {"工作区划", out.RegionName + "（" + b.Region + "）"}, {"统计截至", b.AsOf.Chinese()},
		{"生成时间", out.CreatedAt}, {}, {"主要数据", "本期", "上期（" + b.PreviousNo + "）", "变化", "单位"}}
	for _, k := range out.Key {
		row := []any{k.Label, fig(k.Value), fig(k.Previous), fig(k.Change), k.Unit}
		rows = append(rows, row)
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	_ = f.SetColWidth(sh, "A", "A", 24)
	_ = f.SetColWidth(sh, "B", "E", 18)
	_ = f.MoveSheet(sh, f.GetSheetName(0))
	idx, _ := f.GetSheetIndex(sh)
	f.SetActiveSheet(idx)
	for _, name := range f.GetSheetList() {
		_ = f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddHeader: "&C" + excelHeaderText(out.Title), OddFooter: "&L通报编号 " + b.Number + "&R第 &P 页，共 &N 页"})
	}
	var o bytes.Buffer
	if err := f.Write(&o); err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="`+b.Number+`.xlsx"; filename*=UTF-8''`+url.PathEscape(out.Title+".xlsx"))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(o.Bytes())
}

func fig(v *float64) any {
	if v == nil {
		return "—"
	}
	return *v
}
