package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/roster"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

// Department rosters, clerical review, discrepancies and home-visit leads (docs/rosters.md).

// RosterStore is the part of the store the roster handlers use: rosters, review, discrepancies,
// leads (here), work lists (worklists.go) and verification lists (verify.go).
type RosterStore interface {
	WorklistStore
	VerifyStore
	ImportRoster(ctx context.Context, actor string, opt store.RosterOptions, rows []store.RosterRow) (store.RosterResult, []store.RosterOutcome, error)
	ImportBatch(ctx context.Context, uid string) (*store.Batch, error)
	RosterBatches(ctx context.Context, dept string, limit, offset int) ([]store.Batch, error)
	RosterRejects(ctx context.Context, batch string) ([]store.RejectedRow, error)
	RosterReviews(ctx context.Context, q store.RosterReviewQuery) ([]store.RosterPair, error)
	ReviewRoster(ctx context.Context, actor string, id int64, accept bool) (store.RosterOutcome, error)
	Discrepancies(ctx context.Context, q store.DiscrepancyQuery) (store.DiscrepancyReport, error)
	DiscrepancySummary(ctx context.Context, region string, asOf child.Date) ([]store.DiscrepancyReport, error)
	ResolveDiscrepancy(ctx context.Context, actor, uid, note string) error
	Leads(ctx context.Context, q store.LeadQuery) ([]store.Lead, error)
	Lead(ctx context.Context, uid string) (*store.Lead, error)
	CloseLead(ctx context.Context, actor, uid, outcome, childUID, note string) (*store.Lead, error)
}

// rosterAccess are the access entries of the roster routes (see access.go).
var rosterAccess = map[string]Access{
	"POST /api/v1/rosters":                     perms(auth.PermRostersImport),
	"GET /api/v1/rosters":                      perms(auth.PermRostersImport),
	"GET /api/v1/rosters/{batch}/rejects":      perms(auth.PermRostersImport),
	"GET /api/v1/roster-templates/{dept}":      perms(auth.PermRostersImport),
	"GET /api/v1/roster-reviews":               perms(auth.PermRostersImport),
	"POST /api/v1/roster-reviews/{id}":         perms(auth.PermRostersImport),
	"GET /api/v1/discrepancies":                perms(auth.PermLeadsRead),
	"POST /api/v1/discrepancies/{uid}/resolve": perms(auth.PermLeadsWork),
	"GET /api/v1/leads":                        perms(auth.PermLeadsRead),
	"POST /api/v1/leads/{uid}/outcome":         perms(auth.PermLeadsWork),
}

func init() {
	for p, a := range rosterAccess {
		access[p] = a
	}
}

// rosterRoutes registers the roster routes; routes() calls it.
func (s *Server) rosterRoutes() {
	if s.Rosters == nil {
		return
	}
	s.handle("POST /api/v1/rosters", s.uploadRoster)
	s.handle("GET /api/v1/rosters", s.listRosterBatches)
	s.handle("GET /api/v1/rosters/{batch}/rejects", s.rosterRejects)
	s.handle("GET /api/v1/roster-templates/{dept}", s.rosterTemplate)
	s.handle("GET /api/v1/roster-reviews", s.listRosterReviews)
	s.handle("POST /api/v1/roster-reviews/{id}", s.decideRosterReview)
	s.handle("GET /api/v1/discrepancies", s.listDiscrepancies)
	s.handle("POST /api/v1/discrepancies/{uid}/resolve", s.resolveDiscrepancy)
	s.handle("GET /api/v1/leads", s.listLeads)
	s.handle("POST /api/v1/leads/{uid}/outcome", s.leadOutcome)
	s.worklistRoutes()
	s.verifyRoutes()
}

func department(code string) (*roster.Department, error) {
	d, ok := roster.Lookup(code)
	if !ok {
		return nil, &Error{Code: "bad_request", Message: "未知的部门“" + code + "”：应为 " + roster.Codes()}
	}
	return d, nil
}

// uploadRoster imports a department's roster (multipart field "file", query dept, optional
// roster_date) and answers the summary of guanai import roster (workflow.Imports.Roster, the
// same code): the rows are matched and written as they are read.
func (s *Server) uploadRoster(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, err := department(q.Get("dept"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	date := s.Today()
	if v := q.Get("roster_date"); v != "" {
		dd, _, err := child.ParseDate(v)
		if err != nil || dd == 0 || dd > date {
			s.fail(w, r, &Error{Code: "bad_request", Message: "roster_date 应为不晚于今天的日期 YYYY-MM-DD"})
			return
		}
		date = dd
	}
	up, err := s.upload(w, r, "请选择要导入的"+d.Label+"名册文件（.xlsx 或 .csv）")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer up.close()
	rd, err := roster.NewReader(up.ra, up.size, up.name, d, roster.ReadOptions{Today: s.Today(), Regions: s.Regions, Context: r.Context()})
	if err != nil {
		s.fail(w, r, sheetError(err))
		return
	}
	defer rd.Close()
	up.counter.reset()
	// With ?progress=1 the answer is streamed (progress.go): the rows read, matched and
	// written, and a heartbeat while the registry's index is built.
	p := newProgress(w, r, up.counter)
	stop := p.heartbeat()
	out, err := s.Imports.Roster(r.Context(), rd, workflow.RosterInput{File: up.name, SHA256: up.sha256, Department: d, RosterDate: date}, p)
	stop()
	if err == nil && out.Rejected > 0 {
		out.RejectsURL = "/api/v1/rosters/" + out.Batch + "/rejects"
	}
	s.answer(w, r, p, out, sheetError(err))
}

func (s *Server) listRosterBatches(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	dept := ""
	if v := q.Get("dept"); v != "" {
		d, err := department(v)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		dept = d.Code
	}
	bs, err := s.Rosters.RosterBatches(r.Context(), dept, atoiDefault(q.Get("limit"), 50), atoiDefault(q.Get("offset"), 0))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]workflow.BatchView, 0, len(bs))
	for i := range bs {
		out = append(out, workflow.ViewBatch(&bs[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) rosterRejects(w http.ResponseWriter, r *http.Request) {
	s.writeRejects(w, r, r.PathValue("batch"), store.ImportRoster)
}

func (s *Server) rosterTemplate(w http.ResponseWriter, r *http.Request) {
	d, err := department(r.PathValue("dept"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := roster.Template(&buf, d); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\""+d.Code+"-roster.xlsx\"; filename*=UTF-8''"+url.PathEscape(d.Label+"名册模板.xlsx"))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// listRosterReviews lists the pairs of the clerical-review band, side by side, masked; pairs
// whose candidate lies outside the user's jurisdiction are left out.
func (s *Server) listRosterReviews(w http.ResponseWriter, r *http.Request) {
	rq, err := reviewQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ps, err := s.Rosters.RosterReviews(r.Context(), rq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Whether two records are one child is decided on the names and numbers themselves: a user who
	// may reveal them sees both sides in full (and the reading is audited); others see them masked.
	show := workflow.Masked
	if auth.PrincipalFrom(r.Context()).Can(auth.PermChildrenReveal) {
		show = workflow.InFull
	}
	out := make([]workflow.PairView, 0, len(ps))
	var ids []int64
	var uids []string
	for i := range ps {
		if ps[i].Candidate == nil {
			continue
		}
		ids, uids = append(ids, ps[i].ID), append(uids, ps[i].Candidate.UID)
		out = append(out, workflow.ViewPair(&ps[i], show))
	}
	total, err := s.Rosters.RosterReviewCount(r.Context(), rq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if show && len(ids) > 0 {
		if err := s.Rosters.Audit(r.Context(), audit.ReviewRead, "roster-reviews", map[string]any{"pairs": ids, "children": uids}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": total})
}

// decideRosterReview takes {"decision": "accept"|"reject"}.
func (s *Server) decideRosterReview(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, &Error{Code: "not_found", Message: "没有编号为 " + r.PathValue("id") + " 的名册行"})
		return
	}
	var body struct {
		Decision string `json:"decision"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if body.Decision != "accept" && body.Decision != "reject" {
		s.fail(w, r, &Error{Code: "bad_request", Message: "decision 只能是 accept（是同一人）或 reject（不是同一人）"})
		return
	}
	o, err := s.Rosters.ReviewRoster(r.Context(), actor(r), id, body.Decision == "accept")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	filled := o.Filled
	if filled == nil {
		filled = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "outcome": o.Outcome, "child_uid": o.UID, "filled": filled, "lead": o.Lead, "discrepancies": len(o.Contra)})
}

// scopedRegion bounds a region filter by the user's jurisdiction: none given is the whole
// jurisdiction; one outside it is refused.
func scopedRegion(ctx context.Context, region string) (string, error) {
	p := auth.PrincipalFrom(ctx)
	if p == nil || p.Scope == "" {
		return region, nil
	}
	if region == "" {
		return p.Scope, nil
	}
	if !p.InScope(region) {
		return "", &Error{Code: "forbidden", Message: "区划 " + region + " 不在您的辖区内"}
	}
	return region, nil
}

func (s *Server) listDiscrepancies(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	region, err := scopedRegion(r.Context(), q.Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var asOf child.Date
	if v := q.Get("as_of"); v != "" {
		if asOf, _, err = child.ParseDate(v); err != nil || asOf == 0 {
			s.fail(w, r, &Error{Code: "bad_request", Message: "as_of 应为日期 YYYY-MM-DD"})
			return
		}
	}
	kind := q.Get("kind")
	if kind == "" {
		reps, err := s.Rosters.DiscrepancySummary(r.Context(), region, asOf)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]workflow.DiscrepancyView, 0, len(reps))
		for i := range reps {
			out = append(out, workflow.ViewDiscrepancies(&reps[i], workflow.Masked))
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": out})
		return
	}
	rep, err := s.Rosters.Discrepancies(r.Context(), store.DiscrepancyQuery{Kind: kind, Region: region, AsOf: asOf, Status: q.Get("status"),
		Limit: atoiDefault(q.Get("limit"), 50), Offset: atoiDefault(q.Get("offset"), 0)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A contradiction on a sensitive item (the school's name, a certificate number) is checked on
	// the two values themselves: a user who may reveal sees them in full, and the reading is
	// audited; names and ID numbers stay masked.
	show := workflow.Masked
	if auth.PrincipalFrom(r.Context()).Can(auth.PermChildrenReveal) {
		var shownItems []string
		for _, it := range rep.Items {
			if it.UID != "" && store.Sensitive(it.Field) {
				shownItems = append(shownItems, it.UID)
			}
		}
		if len(shownItems) > 0 {
			if err := s.Rosters.Audit(r.Context(), audit.ReviewRead, "discrepancies", map[string]any{"discrepancies": shownItems}); err != nil {
				s.fail(w, r, err)
				return
			}
			show = workflow.InFull
		}
	}
	writeJSON(w, http.StatusOK, workflow.ViewDiscrepancies(&rep, show))
}

func (s *Server) resolveDiscrepancy(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Note string `json:"note"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	uid := r.PathValue("uid")
	if err := s.Rosters.ResolveDiscrepancy(r.Context(), actor(r), uid, body.Note); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"uid": uid, "status": "resolved"})
}

func (s *Server) listLeads(w http.ResponseWriter, r *http.Request) {
	lq, err := leadQuery(r.Context(), r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ls, err := s.Rosters.Leads(r.Context(), lq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]workflow.LeadView, 0, len(ls))
	for i := range ls {
		out = append(out, workflow.ViewLead(&ls[i]))
	}
	full, err := s.leadsForVisit(r.Context(), ls, out)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	total, err := s.Rosters.LeadCount(r.Context(), lq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": total, "names": namesShown(full)})
}

// leadOutcome records a home visit: {"outcome": "registered"|"not_eligible"|"not_found",
// "child_uid": "…" (registered), "note": "…"}. A lead outside the user's jurisdiction does not
// exist for the user.
func (s *Server) leadOutcome(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Outcome  string `json:"outcome"`
		ChildUID string `json:"child_uid"`
		Note     string `json:"note"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	uid := r.PathValue("uid")
	l, err := s.Rosters.Lead(r.Context(), uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p := auth.PrincipalFrom(r.Context()); p != nil && p.Scope != "" && !p.InScope(l.RegionCode) {
		s.fail(w, r, &Error{Code: "not_found", Message: "没有编号为 " + uid + " 的走访线索"})
		return
	}
	l, err = s.Rosters.CloseLead(r.Context(), actor(r), uid, body.Outcome, body.ChildUID, body.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, workflow.ViewLead(l))
}
