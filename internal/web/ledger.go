package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/sheet"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

// The key-care ledger (重点关爱服务对象信息台账, issue 14): the list, the case page, the reviewer's
// assessment and plan, visits, referrals and the officers' queue, closure, attachments, the
// work lists of the home page, statistics and the 台账 workbook.

// LedgerStore is the part of the store the ledger handlers use.
type LedgerStore interface {
	workflow.LedgerSource
	LedgerEntries(ctx context.Context, q store.LedgerQuery) ([]store.LedgerEntry, error)
	LedgerCount(ctx context.Context, q store.LedgerQuery) (int, error)
	LedgerCase(ctx context.Context, uid string) (*store.LedgerCase, error)
	LedgerWorkList(ctx context.Context) (*store.LedgerWork, error)
	LedgerStats(ctx context.Context, region string) (*store.LedgerStatistics, error)
	AssessLedger(ctx context.Context, uid string, a store.LedgerAssessment) error
	AddLedgerMeasure(ctx context.Context, uid string, m store.LedgerMeasure) (int64, error)
	RecordLedgerVisit(ctx context.Context, uid string, v store.LedgerVisit) (int64, child.Date, error)
	ReferLedger(ctx context.Context, uid string, r store.LedgerReferral) (int64, error)
	Referrals(ctx context.Context, q store.ReferralQuery) ([]store.LedgerReferral, error)
	AnswerReferral(ctx context.Context, id int64, accept bool, answer string) error
	RequestLedgerClosure(ctx context.Context, uid, reason, note string) error
	DecideLedgerClosure(ctx context.Context, uid string, approve bool, note string) error
	AddLedgerAttachment(ctx context.Context, uid string, visit int64, name string, data []byte) (*store.LedgerAttachmentInfo, error)
	LedgerAttachment(ctx context.Context, uid string, id int64) (*store.LedgerAttachmentInfo, []byte, error)
}

var ledgerAccess = map[string]Access{
	"GET /api/v1/ledger":                         perms(auth.PermLedgerRead),
	"GET /api/v1/ledger/work":                    perms(auth.PermLedgerRead, auth.PermReferralWork),
	"GET /api/v1/ledger/stats":                   perms(auth.PermLedgerRead),
	"GET /api/v1/ledger/export":                  perms(auth.PermLedgerReview),
	"GET /api/v1/ledger/{uid}":                   perms(auth.PermLedgerRead),
	"POST /api/v1/ledger/{uid}/assessment":       perms(auth.PermLedgerReview),
	"POST /api/v1/ledger/{uid}/measures":         perms(auth.PermLedgerReview),
	"POST /api/v1/ledger/{uid}/visits":           perms(auth.PermLedgerWork),
	"POST /api/v1/ledger/{uid}/referrals":        perms(auth.PermLedgerWork),
	"POST /api/v1/ledger/{uid}/closure":          perms(auth.PermLedgerWork),
	"POST /api/v1/ledger/{uid}/closure/decision": perms(auth.PermLedgerReview),
	"POST /api/v1/ledger/{uid}/attachments":      perms(auth.PermLedgerWork),
	"GET /api/v1/ledger/{uid}/attachments/{id}":  perms(auth.PermLedgerRead),
	"GET /api/v1/referrals":                      perms(auth.PermReferralWork, auth.PermLedgerRead),
	"POST /api/v1/referrals/{id}/answer":         perms(auth.PermReferralWork),
}

func init() {
	for p, a := range ledgerAccess {
		access[p] = a
	}
}

// ledgerRoutes registers the ledger's routes; routes() calls it.
func (s *Server) ledgerRoutes() {
	if s.Ledger == nil {
		return
	}
	s.handle("GET /api/v1/ledger", s.listLedger)
	s.handle("GET /api/v1/ledger/work", s.ledgerWork)
	s.handle("GET /api/v1/ledger/stats", s.ledgerStats)
	s.handle("GET /api/v1/ledger/export", s.exportLedger)
	s.handle("GET /api/v1/ledger/{uid}", s.ledgerCase)
	s.handle("POST /api/v1/ledger/{uid}/assessment", s.assessLedger)
	s.handle("POST /api/v1/ledger/{uid}/measures", s.addLedgerMeasure)
	s.handle("POST /api/v1/ledger/{uid}/visits", s.recordLedgerVisit)
	s.handle("POST /api/v1/ledger/{uid}/referrals", s.referLedger)
	s.handle("POST /api/v1/ledger/{uid}/closure", s.requestLedgerClosure)
	s.handle("POST /api/v1/ledger/{uid}/closure/decision", s.decideLedgerClosure)
	s.handle("POST /api/v1/ledger/{uid}/attachments", s.addLedgerAttachment)
	s.handle("GET /api/v1/ledger/{uid}/attachments/{id}", s.ledgerAttachment)
	s.handle("GET /api/v1/referrals", s.listReferrals)
	s.handle("POST /api/v1/referrals/{id}/answer", s.answerReferral)
}

func ledgerQuery(v url.Values) (store.LedgerQuery, error) {
	q := store.LedgerQuery{Region: v.Get("region"), Status: v.Get("status"), Due: v.Get("due") == "1" || v.Get("due") == "true"}
	var err error
	if q.Limit, err = intParam(v, "limit"); err != nil {
		return q, err
	}
	if q.Offset, err = intParam(v, "offset"); err != nil {
		return q, err
	}
	return q, nil
}

func intParam(v url.Values, key string) (int, error) {
	s := v.Get(key)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, &Error{Code: "bad_request", Message: key + " 应为非负整数"}
	}
	return n, nil
}

func (s *Server) listLedger(w http.ResponseWriter, r *http.Request) {
	q, err := ledgerQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	es, err := s.Ledger.LedgerEntries(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	total, err := s.Ledger.LedgerCount(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := s.Today()
	items := make([]workflow.LedgerView, len(es))
	for i := range es {
		items[i] = workflow.ViewLedger(&es[i], today)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

func (s *Server) ledgerWork(w http.ResponseWriter, r *http.Request) {
	wl, err := s.Ledger.LedgerWorkList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view := func(es []store.LedgerEntry) []workflow.LedgerView {
		out := make([]workflow.LedgerView, len(es))
		for i := range es {
			out[i] = workflow.ViewLedger(&es[i], wl.AsOf)
		}
		return out
	}
	refs := make([]referralView, len(wl.Referrals))
	for i := range wl.Referrals {
		refs[i] = viewReferral(&wl.Referrals[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"as_of": wl.AsOf.String(), "visits_overdue": wl.VisitsOverdue, "visits_due": wl.VisitsDue,
		"awaiting_assessment": wl.AwaitingAssess, "awaiting_closure": wl.AwaitingClosure, "referrals_waiting": wl.ReferralsWaiting,
		"referrals_overdue": wl.ReferralsOverdue, "visits": view(wl.Visits), "review": view(wl.Review), "referrals": refs})
}

func (s *Server) ledgerStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.Ledger.LedgerStats(r.Context(), r.URL.Query().Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// exportLedger writes the 台账 workbook of a region (the reviewer's; ID numbers masked).
func (s *Server) exportLedger(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	code := v.Get("region")
	if code == "" {
		if p := auth.PrincipalFrom(r.Context()); p != nil {
			code = p.Scope
		}
	}
	if code == "" {
		s.fail(w, r, &Error{Code: "bad_request", Message: "请指定区划"})
		return
	}
	asOf := s.Today()
	if a := v.Get("as_of"); a != "" {
		d, _, err := child.ParseDate(a)
		if err != nil || d == 0 {
			s.fail(w, r, &Error{Code: "bad_request", Message: "as_of 应为日期 YYYY-MM-DD"})
			return
		}
		asOf = d
	}
	// The count first: a region outside the jurisdiction is refused before anything is sent.
	if _, err := s.Ledger.LedgerCount(r.Context(), store.LedgerQuery{Region: code}); err != nil {
		s.fail(w, r, err)
		return
	}
	format, ext, ctype := sheet.XLSX, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if v.Get("format") == "csv" {
		format, ext, ctype = sheet.CSV, "csv", "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape("重点关爱台账-"+code+"-"+asOf.String()+"."+ext))
	w.Header().Set("Cache-Control", "no-store")
	if _, err := workflow.WriteLedger(r.Context(), s.Ledger, w, code, asOf, sheet.WriteOptions{Format: format}); err != nil && s.Log != nil {
		s.Log.Error("export ledger", "err", err)
	}
}

// caseChild is the child of a case page: masked as everywhere; the record page reveals.
type caseChild struct {
	Name       string `json:"name"`
	IDNumber   string `json:"id_number,omitempty"`
	Sex        string `json:"sex,omitempty"`
	BirthDate  string `json:"birth_date,omitempty"`
	Hukou      string `json:"hukou,omitempty"`
	Residence  string `json:"residence,omitempty"`
	Guardians  string `json:"guardians,omitempty"`
	SchoolName string `json:"school_name,omitempty"`
}

func (s *Server) ledgerCase(w http.ResponseWriter, r *http.Request) {
	lc, err := s.Ledger.LedgerCase(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rec := lc.Record
	MaskRecord(&rec)
	row := workflow.LedgerRow(0, &store.LedgerEntry{Record: &rec}, s.Today(), true)
	c := caseChild{Name: rec.Name, IDNumber: rec.IDNumber, Sex: child.Sex.Label(rec.Sex), BirthDate: row[3], Hukou: row[5], Residence: row[6], Guardians: row[7],
		SchoolName: rec.SchoolName}
	if c.SchoolName != "" {
		c.SchoolName = child.MaskDetail(c.SchoolName)
	}
	refs := make([]referralView, len(lc.Referrals))
	for i := range lc.Referrals {
		refs[i] = viewReferral(&lc.Referrals[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"entry": workflow.ViewLedger(&lc.Entry, s.Today()), "child": c, "assessment": lc.Assessment,
		"assessed_by": lc.AssessedBy, "close_note": lc.CloseNote, "measures": lc.Measures, "visits": lc.Visits, "referrals": refs,
		"events": lc.Events, "attachments": lc.Attachments})
}

func (s *Server) assessLedger(w http.ResponseWriter, r *http.Request) {
	var a store.LedgerAssessment
	if err := readJSON(w, r, &a); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Ledger.AssessLedger(r.Context(), r.PathValue("uid"), a); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (s *Server) addLedgerMeasure(w http.ResponseWriter, r *http.Request) {
	var m store.LedgerMeasure
	if err := readJSON(w, r, &m); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := s.Ledger.AddLedgerMeasure(r.Context(), r.PathValue("uid"), m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id})
}

func (s *Server) recordLedgerVisit(w http.ResponseWriter, r *http.Request) {
	var v store.LedgerVisit
	if err := readJSON(w, r, &v); err != nil {
		s.fail(w, r, err)
		return
	}
	id, next, err := s.Ledger.RecordLedgerVisit(r.Context(), r.PathValue("uid"), v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "next_visit": next.String()})
}

func (s *Server) referLedger(w http.ResponseWriter, r *http.Request) {
	var ref store.LedgerReferral
	if err := readJSON(w, r, &ref); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := s.Ledger.ReferLedger(r.Context(), r.PathValue("uid"), ref)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id})
}

func (s *Server) requestLedgerClosure(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Reason string `json:"reason"`
		Note   string `json:"note"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Ledger.RequestLedgerClosure(r.Context(), r.PathValue("uid"), body.Reason, body.Note); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (s *Server) decideLedgerClosure(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Ledger.DecideLedgerClosure(r.Context(), r.PathValue("uid"), body.Approve, body.Note); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// addLedgerAttachment stores a photo or a scan (multipart field "file", optional field "visit").
func (s *Server) addLedgerAttachment(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, store.MaxAttachmentSize+64<<10)
	if err := r.ParseMultipartForm(store.MaxAttachmentSize + 64<<10); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, &Error{Code: "too_large", Message: "附件不能超过 5 MB"})
			return
		}
		s.fail(w, r, &Error{Code: "bad_request", Message: "请选择要上传的附件"})
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, h, err := r.FormFile("file")
	if err != nil {
		s.fail(w, r, &Error{Code: "bad_request", Message: "请选择要上传的附件"})
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, store.MaxAttachmentSize+1))
	if err != nil {
		s.fail(w, r, &Error{Code: "bad_request", Message: "附件读取失败"})
		return
	}
	var visit int64
	if v := r.FormValue("visit"); v != "" {
		if visit, err = strconv.ParseInt(v, 10, 64); err != nil {
			s.fail(w, r, &Error{Code: "bad_request", Message: "visit 应为探访记录编号"})
			return
		}
	}
	info, err := s.Ledger.AddLedgerAttachment(r.Context(), r.PathValue("uid"), visit, h.Filename, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, info)
}

func (s *Server) ledgerAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, &Error{Code: "not_found", Message: "没有这个附件"})
		return
	}
	info, data, err := s.Ledger.LedgerAttachment(r.Context(), r.PathValue("uid"), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", info.MIME)
	w.Header().Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(info.Name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "sandbox")
	_, _ = w.Write(data)
}

// referralView is a referral as the queue shows it: the child's name masked.
type referralView struct {
	ID         int64  `json:"id"`
	UID        string `json:"uid"`
	Child      string `json:"child"`
	RegionCode string `json:"region_code"`
	Department string `json:"department"`
	Request    string `json:"request"`
	Deadline   string `json:"deadline"`
	Status     string `json:"status"`
	Overdue    bool   `json:"overdue"`
	Answer     string `json:"answer,omitempty"`
	AnsweredBy string `json:"answered_by,omitempty"`
	CreatedBy  string `json:"created_by"`
}

func viewReferral(r *store.LedgerReferral) referralView {
	return referralView{ID: r.ID, UID: r.Child, Child: child.MaskName(r.Name), RegionCode: r.RegionCode, Department: r.Department, Request: r.Request,
		Deadline: r.Deadline.String(), Status: r.Status, Overdue: r.Overdue, Answer: r.Answer, AnsweredBy: r.AnsweredBy, CreatedBy: r.CreatedBy}
}

func (s *Server) listReferrals(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := store.ReferralQuery{Status: v.Get("status"), Overdue: v.Get("overdue") == "1" || v.Get("overdue") == "true"}
	var err error
	if q.Limit, err = intParam(v, "limit"); err != nil {
		s.fail(w, r, err)
		return
	}
	if q.Offset, err = intParam(v, "offset"); err != nil {
		s.fail(w, r, err)
		return
	}
	rs, err := s.Ledger.Referrals(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]referralView, len(rs))
	for i := range rs {
		items[i] = viewReferral(&rs[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) answerReferral(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, &Error{Code: "not_found", Message: "没有这个转介"})
		return
	}
	var body struct {
		Accept bool   `json:"accept"`
		Answer string `json:"answer"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Ledger.AnswerReferral(r.Context(), id, body.Accept, body.Answer); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}
