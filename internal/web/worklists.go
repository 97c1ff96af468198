package web

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/roster"
	"guanai/internal/sheet"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

// Work lists (issue 6 part 8): the review queue counted and accepted in bulk, discrepancies and
// home-visit leads downloaded as workbooks, and a lead opened in full to register its child.

// WorklistStore is the part of RosterStore these handlers use.
type WorklistStore interface {
	RosterReviewCount(ctx context.Context, q store.RosterReviewQuery) (int, error)
	AcceptRosterReviews(ctx context.Context, actor string, q store.RosterReviewQuery) (store.BulkReviewResult, error)
	LeadCount(ctx context.Context, q store.LeadQuery) (int, error)
	LeadDraft(ctx context.Context, uid string) (*store.Lead, child.Record, error)
	Audit(ctx context.Context, action, object string, detail any) error
}

var worklistAccess = map[string]Access{
	"GET /api/v1/roster-reviews/count": perms(auth.PermRostersImport),
	"POST /api/v1/roster-reviews/bulk": perms(auth.PermRostersImport),
	"GET /api/v1/discrepancies/export": perms(auth.PermLeadsRead),
	"GET /api/v1/leads/export":         perms(auth.PermLeadsRead),
	"GET /api/v1/leads/{uid}/draft":    perms(auth.PermChildrenCreate, auth.PermLeadsWork),
}

func init() {
	for p, a := range worklistAccess {
		access[p] = a
	}
}

// worklistRoutes registers the routes; rosterRoutes calls it.
func (s *Server) worklistRoutes() {
	s.handle("GET /api/v1/roster-reviews/count", s.countRosterReviews)
	s.handle("POST /api/v1/roster-reviews/bulk", s.bulkAcceptReviews)
	s.handle("GET /api/v1/discrepancies/export", s.exportDiscrepancies)
	s.handle("GET /api/v1/leads/export", s.exportLeads)
	s.handle("GET /api/v1/leads/{uid}/draft", s.leadDraft)
}

// reviewQuery reads the filters of the review queue: dept, batch, status, min_score.
func reviewQuery(v url.Values) (store.RosterReviewQuery, error) {
	q := store.RosterReviewQuery{Batch: v.Get("batch"), Status: v.Get("status"), Limit: atoiDefault(v.Get("limit"), 50), Offset: atoiDefault(v.Get("offset"), 0)}
	switch q.Status {
	case "", store.ReviewPending, "accepted", "rejected":
	default:
		return q, &Error{Code: "bad_request", Message: "status 只能是 pending（待复核）、accepted（已确认）或 rejected（已否决）"}
	}
	if d := v.Get("dept"); d != "" {
		dep, err := department(d)
		if err != nil {
			return q, err
		}
		q.Department = dep.Code
	}
	if m := v.Get("min_score"); m != "" {
		f, err := strconv.ParseFloat(m, 64)
		if err != nil || f < 0 || f > 1 {
			return q, &Error{Code: "bad_request", Message: "min_score 应为 0–1 之间的数"}
		}
		q.MinScore = f
	}
	return q, nil
}

func (s *Server) countRosterReviews(w http.ResponseWriter, r *http.Request) {
	q, err := reviewQuery(r.URL.Query())
	if err == nil {
		var n int
		if n, err = s.Rosters.RosterReviewCount(r.Context(), q); err == nil {
			writeJSON(w, http.StatusOK, map[string]int{"total": n})
			return
		}
	}
	s.fail(w, r, err)
}

// bulkAcceptReviews takes {"min_score": 0.3, "dept": "", "batch": ""} and accepts every pending
// pair at or above the score within the user's jurisdiction.
func (s *Server) bulkAcceptReviews(w http.ResponseWriter, r *http.Request) {
	var body struct {
		MinScore *float64 `json:"min_score"`
		Dept     string   `json:"dept"`
		Batch    string   `json:"batch"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if body.MinScore == nil {
		s.fail(w, r, &Error{Code: "bad_request", Message: "请给出分数下限 min_score（0–1），只批量确认不低于它的比对结果"})
		return
	}
	q := store.RosterReviewQuery{Batch: body.Batch, MinScore: *body.MinScore}
	if body.Dept != "" {
		d, err := department(body.Dept)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		q.Department = d.Code
	}
	res, err := s.Rosters.AcceptRosterReviews(r.Context(), actor(r), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	failed := res.Failed
	if failed == nil {
		failed = []store.BulkReviewError{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"accepted": res.Accepted, "updated": res.Updated, "discrepancies": res.Discrepancies,
		"failed": len(failed), "errors": failed, "more": res.More})
}

// exportRows is the most rows a work-list download holds.
const exportRows = 100000

// tableFormat reads ?format=csv (else a workbook).
func tableFormat(r *http.Request) (sheet.Format, string, string) {
	if r.URL.Query().Get("format") == "csv" {
		return sheet.CSV, ".csv", "text/csv; charset=utf-8"
	}
	return sheet.XLSX, ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

// writeWorklist sends a work list as a download named name, its title line carrying who took it
// and when (the list is masked; the line marks whose copy a stray file is). The download is
// audited before the first byte leaves.
func (s *Server) writeWorklist(w http.ResponseWriter, r *http.Request, name, title string, header []string, widths []float64,
	rows iter.Seq[[]string], detail map[string]any) {
	format, ext, ctype := tableFormat(r)
	if err := s.Rosters.Audit(r.Context(), audit.WorklistExport, name, detail); err != nil {
		s.fail(w, r, err)
		return
	}
	title += "（已脱敏；导出人 " + strings.TrimPrefix(actor(r), "user:") + "，" + s.Now().In(chinaTime).Format("2006-01-02 15:04") + "）"
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", "attachment; filename=\"worklist"+ext+"\"; filename*=UTF-8''"+url.PathEscape(name+ext))
	if err := sheet.WriteTable(w, header, rows, widths, sheet.WriteOptions{Format: format, Title: title, SheetName: name}); err != nil && s.Log != nil {
		s.Log.Error("write work list", "list", name, "err", err)
	}
}

// placeName is a division's full name with its code, or the code alone.
func (s *Server) placeName(code string) string {
	if code == "" {
		return ""
	}
	if n := s.Regions.FullName(code); n != "" {
		return n
	}
	return code
}

func (s *Server) exportDiscrepancies(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	region, err := scopedRegion(r.Context(), v.Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := store.DiscrepancyQuery{Kind: v.Get("kind"), Region: region, Status: v.Get("status"), Limit: 500}
	if q.Kind == "" {
		s.fail(w, r, &Error{Code: "bad_request", Message: "请选择要导出的差异类型 kind：" + strings.Join(store.DiscrepancyKinds, "、")})
		return
	}
	if d := v.Get("as_of"); d != "" {
		if q.AsOf, _, err = child.ParseDate(d); err != nil || q.AsOf == 0 {
			s.fail(w, r, &Error{Code: "bad_request", Message: "as_of 应为日期 YYYY-MM-DD"})
			return
		}
	}
	// The first page answers the errors (an unknown kind, no roster yet) before the download starts.
	first, err := s.Rosters.Discrepancies(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if first.NoRoster {
		s.fail(w, r, &Error{Code: "invalid", Message: "还没有导入过相关部门的名册，无法列出“" + first.Label + "”"})
		return
	}
	header := []string{"差异类型", "儿童编号", "姓名", "公民身份号码", "年龄（周岁）", "现居住地", "户籍地", "部门", "项目", "登记记录", "部门名册", "状态", "发现时间"}
	widths := []float64{22, 16, 10, 22, 8, 40, 40, 8, 14, 22, 22, 8, 18}
	status := map[string]string{"open": "待核实", "resolved": "已核实"}
	rows := func(yield func([]string) bool) {
		rep, n := first, 0
		for {
			for _, it := range rep.Items {
				age := ""
				if it.Age >= 0 {
					age = strconv.Itoa(it.Age)
				}
				dept, created := "", ""
				if d, ok := roster.Lookup(it.Department); ok {
					dept = d.Label
				}
				if !it.Created.IsZero() {
					created = it.Created.In(chinaTime).Format("2006-01-02 15:04")
				}
				rec, ros := it.Record, it.Roster
				if store.Sensitive(it.Field) {
					rec, ros = child.MaskDetail(rec), child.MaskDetail(ros)
				}
				if !yield([]string{rep.Label, it.Child, child.MaskName(it.Name), idcard.Mask(it.IDNumber), age, s.placeName(it.ResidenceCode),
					s.placeName(it.HukouCode), dept, it.Label, rec, ros, status[it.Status], created}) {
					return
				}
				n++
			}
			if len(rep.Items) < q.Limit || n >= exportRows {
				return
			}
			q.Offset += len(rep.Items)
			q.NoCounts = true // the first page had them
			var err error
			if rep, err = s.Rosters.Discrepancies(r.Context(), q); err != nil {
				if s.Log != nil {
					s.Log.Error("export discrepancies", "err", err)
				}
				return
			}
		}
	}
	s.writeWorklist(w, r, "差异核查-"+first.Label, first.Label+"（截至 "+first.AsOf.String()+"，共 "+strconv.Itoa(first.Total)+" 人）",
		header, widths, rows, map[string]any{"kind": q.Kind, "region": region, "status": q.Status, "rows": min(first.Total, exportRows)})
}

// leadQuery reads the filters of the lead list: region (within the jurisdiction), status, dept.
func leadQuery(ctx context.Context, v url.Values) (store.LeadQuery, error) {
	region, err := scopedRegion(ctx, v.Get("region"))
	if err != nil {
		return store.LeadQuery{}, err
	}
	q := store.LeadQuery{Region: region, Status: v.Get("status"), Limit: atoiDefault(v.Get("limit"), 50), Offset: atoiDefault(v.Get("offset"), 0)}
	if d := v.Get("dept"); d != "" {
		dep, err := department(d)
		if err != nil {
			return q, err
		}
		q.Department = dep.Code
	}
	return q, nil
}

func (s *Server) exportLeads(w http.ResponseWriter, r *http.Request) {
	q, err := leadQuery(r.Context(), r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	total, err := s.Rosters.LeadCount(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q.Limit, q.Offset = 500, 0
	header := []string{"线索编号", "姓名", "性别", "出生日期", "公民身份号码", "走访所在地", "现居住地", "户籍地", "父亲", "母亲", "线索原因", "来源部门", "名册行",
		"发现时间", "状态", "走访结果", "登记的儿童编号"}
	widths := []float64{16, 10, 6, 12, 22, 40, 40, 40, 10, 10, 36, 8, 8, 18, 8, 12, 16}
	rows := func(yield func([]string) bool) {
		for n := 0; n < exportRows; {
			ls, err := s.Rosters.Leads(r.Context(), q)
			if err != nil {
				if s.Log != nil {
					s.Log.Error("export leads", "err", err)
				}
				return
			}
			for i := range ls {
				j := workflow.ViewLead(&ls[i])
				dept := ""
				if d, ok := roster.Lookup(j.Department); ok {
					dept = d.Label
				}
				status := map[string]string{store.LeadOpen: "待走访", store.LeadClosed: "已办结"}[j.Status]
				p := j.Person
				if !yield([]string{j.UID, p.Name, child.Sex.Label(p.Sex), p.BirthDate, p.IDNumber, s.placeName(j.Region), s.placeName(p.ResidenceRegion),
					s.placeName(p.HukouRegion), p.FatherName, p.MotherName, strings.Join(j.ReasonText, "；"), dept, strconv.Itoa(j.Row), j.CreatedAt,
					status, j.OutcomeLabel, j.ChildUID}) {
					return
				}
				n++
			}
			if len(ls) < q.Limit {
				return
			}
			q.Offset += len(ls)
		}
	}
	title := "走访线索（共 " + strconv.Itoa(total) + " 条）"
	s.writeWorklist(w, r, "走访线索", title, header, widths, rows, map[string]any{"region": q.Region, "status": q.Status, "dept": q.Department, "rows": min(total, exportRows)})
}

// leadDraft answers the lead and the record it suggests, in full, for the registration form.
func (s *Server) leadDraft(w http.ResponseWriter, r *http.Request) {
	l, rec, err := s.Rosters.LeadDraft(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"lead": workflow.ViewLead(l), "record": rec})
}
