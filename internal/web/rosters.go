package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/roster"
	"guanai/internal/sheet"
	"guanai/internal/store"
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

// rosterSummaryJSON is the answer to an upload: the keys of guanai import roster.
type rosterSummaryJSON struct {
	File          string          `json:"file"`
	Department    string          `json:"department"`
	Rows          int             `json:"rows"`
	Imported      int             `json:"imported"`
	Updated       int             `json:"updated"`
	Unchanged     int             `json:"unchanged"`
	Rejected      int             `json:"rejected"`
	Review        int             `json:"review"`
	Unmatched     int             `json:"unmatched"`
	Failed        int             `json:"failed"`
	Leads         int             `json:"leads"`
	Discrepancies int             `json:"discrepancies"`
	Batch         string          `json:"batch,omitempty"`
	Errors        []sheet.Problem `json:"errors"`
	Warnings      []sheet.Problem `json:"warnings"`
	Rejects       string          `json:"rejects_url,omitempty"`
	// Verification is the progress of the verification list the rows' tokens belong to (verify.go).
	Verification *store.VerificationProgress `json:"verification,omitempty"`
}

// uploadRoster imports a department's roster (multipart field "file", query dept, optional
// roster_date) and answers the summary of guanai import roster.
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
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, &Error{Code: "too_large", Message: "文件过大：一次最多上传 64 MB，请分成几个文件导入"})
			return
		}
		s.fail(w, r, &Error{Code: "bad_request", Message: "请以 multipart/form-data 上传文件（字段名 file）"})
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, fh, err := r.FormFile("file")
	if err != nil {
		s.fail(w, r, &Error{Code: "bad_request", Message: "请选择要导入的" + d.Label + "名册文件（.xlsx 或 .csv）"})
		return
	}
	defer f.Close()
	name := filepath.Base(fh.Filename)
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fh.Size)); err != nil {
		s.fail(w, r, err)
		return
	}
	ra, cnt := counter(r, f, fh.Size)
	rd, err := roster.NewReader(ra, fh.Size, name, d, roster.ReadOptions{Today: s.Today(), Regions: s.Regions})
	if err != nil {
		s.fail(w, r, sheetError(err))
		return
	}
	defer rd.Close()
	cnt.reset()
	// With ?progress=1 the answer is streamed (progress.go): "read" while the rows are read,
	// "match" while the store matches and writes them.
	p := newProgress(w, r, cnt)
	p.begin(phaseRead, 0)
	out := rosterSummaryJSON{File: name, Department: d.Code, Errors: []sheet.Problem{}, Warnings: append([]sheet.Problem{}, rd.Warnings()...)}
	var rows []store.RosterRow
	bad := map[int]roster.Row{}
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.answer(w, r, p, nil, sheetError(err))
			return
		}
		if ws := row.Warnings(); len(ws) > 0 && len(out.Warnings) < 1000 {
			out.Warnings = append(out.Warnings, ws...)
		}
		if !row.Issues.Valid() {
			bad[row.Number] = row
		}
		rows = append(rows, store.RosterRow{Row: row.Number, Record: row.Record, Issues: row.Issues, Cells: row.Cells})
		p.step(len(rows))
	}
	p.begin(phaseMatch, len(rows))
	stop := p.heartbeat()
	res, outcomes, err := s.Rosters.ImportRoster(r.Context(), actor(r), store.RosterOptions{Department: d.Code, Roster: name, RosterDate: date,
		FileSHA256: hex.EncodeToString(h.Sum(nil)), Headers: rd.Header()}, rows)
	stop()
	if err != nil {
		s.answer(w, r, p, nil, err)
		return
	}
	for _, o := range outcomes {
		if len(out.Errors) >= 1000 {
			break
		}
		switch o.Outcome {
		case store.RosterRejected:
			out.Errors = append(out.Errors, bad[o.Row].Errors()...)
		case store.RosterFailed:
			for _, e := range o.Errors {
				out.Errors = append(out.Errors, sheet.Problem{Row: o.Row, Field: e.Field, Code: e.Code, Message: e.Message})
			}
		}
	}
	out.Rows, out.Imported, out.Updated, out.Unchanged, out.Rejected, out.Batch = res.Rows, res.Imported, res.Updated, res.Unchanged, res.Rejected, res.Batch
	out.Review, out.Unmatched, out.Failed, out.Leads, out.Discrepancies = res.Review, res.Unmatched, res.Failed, res.Leads, res.Discrepancies
	out.Verification = res.Verification
	if v := res.Verification; v != nil {
		// Tokens that could not be used are warnings of their rows like any other.
		for _, w := range v.Warnings {
			out.Warnings = append(out.Warnings, sheet.Problem{Row: w.Row, Column: "核查编号", Code: w.Code, Message: w.Message})
		}
	}
	if res.Rejected > 0 {
		out.Rejects = "/api/v1/rosters/" + res.Batch + "/rejects"
	}
	s.answer(w, r, p, out, nil)
}

type rosterBatchJSON struct {
	Batch      string `json:"batch"`
	Department string `json:"department"`
	Roster     string `json:"roster"`
	RosterDate string `json:"roster_date,omitempty"`
	Status     string `json:"status"`
	Actor      string `json:"actor"`
	StartedAt  string `json:"started_at"`
	Rows       int    `json:"rows"`
	Imported   int    `json:"imported"`
	Updated    int    `json:"updated"`
	Unchanged  int    `json:"unchanged"`
	Rejected   int    `json:"rejected"`
	Unmatched  int    `json:"unmatched"`
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
	out := make([]rosterBatchJSON, 0, len(bs))
	for _, b := range bs {
		j := rosterBatchJSON{Batch: b.UID, Department: b.Department, Roster: b.Roster, Status: b.Status, Actor: b.Actor,
			StartedAt: b.Started.In(chinaTime).Format("2006-01-02 15:04:05"), Rows: b.Result.Rows, Imported: b.Result.Imported,
			Updated: b.Result.Updated, Unchanged: b.Result.Unchanged, Rejected: b.Result.Rejected, Unmatched: b.Result.Unmatched}
		if b.RosterDate != 0 {
			j.RosterDate = b.RosterDate.String()
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) rosterRejects(w http.ResponseWriter, r *http.Request) {
	uid := r.PathValue("batch")
	b, err := s.Rosters.ImportBatch(r.Context(), uid)
	if err == nil && b.Kind != store.ImportRoster {
		err = &Error{Code: "not_found", Message: "没有编号为 " + uid + " 的名册导入批次"}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rejected, err := s.Rosters.RosterRejects(r.Context(), uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeRejects(w, r, uid, b.Roster, "名册", b.Headers, rejected)
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

// personView is a person as a list shows it: the name and numbers masked.
type personView struct {
	Name            string `json:"name"`
	Sex             string `json:"sex,omitempty"`
	BirthDate       string `json:"birth_date,omitempty"`
	IDNumber        string `json:"id_number,omitempty"`
	ResidenceRegion string `json:"residence_region,omitempty"`
	HukouRegion     string `json:"hukou_region,omitempty"`
	FatherName      string `json:"father_name,omitempty"`
	MotherName      string `json:"mother_name,omitempty"`
}

// shown is how a list shows a person's name and numbers: masked, or in full where the task
// needs them (a reviewer comparing a pair, audited).
type shown bool

const (
	masked shown = false
	inFull shown = true
)

func (f shown) name(n string) string {
	if f {
		return n
	}
	return child.MaskName(n)
}

func (f shown) id(n string) string {
	if f {
		return n
	}
	return idcard.Mask(n)
}

func rosterPerson(r *roster.Record, f shown) personView {
	p := personView{Name: f.name(r.Name), Sex: r.Sex, IDNumber: f.id(r.IDNumber), ResidenceRegion: r.ResidenceCode(), HukouRegion: r.HukouCode(),
		FatherName: f.name(r.FatherName), MotherName: f.name(r.MotherName)}
	if r.BirthDate != 0 {
		p.BirthDate = r.BirthDate.String()
	}
	return p
}

func childPerson(r *child.Record, f shown) personView {
	p := personView{Name: f.name(r.Name), Sex: r.Sex, IDNumber: f.id(r.IDNumber), ResidenceRegion: r.ResidenceAddr.Region(), HukouRegion: r.HukouAddress.Region()}
	if r.Father != nil {
		p.FatherName = f.name(r.Father.Name)
	}
	if r.Mother != nil {
		p.MotherName = f.name(r.Mother.Name)
	}
	if r.BirthDate != 0 {
		p.BirthDate = r.BirthDate.String()
	}
	return p
}

type fieldWeightJSON struct {
	Field         string  `json:"field"`
	Level         string  `json:"level"`
	Weight        float64 `json:"weight"`
	SiblingWeight float64 `json:"sibling_weight"`
}

type reviewPairJSON struct {
	ID         int64             `json:"id"`
	Department string            `json:"department"`
	Batch      string            `json:"batch"`
	Roster     string            `json:"roster"`
	Row        int               `json:"row"`
	Score      float64           `json:"score"`
	Method     string            `json:"method"`
	Review     string            `json:"review"`
	RosterRow  personView        `json:"roster_row"`
	Candidate  personView        `json:"candidate"`
	ChildUID   string            `json:"child_uid"`
	Agreement  map[string]string `json:"agreement"`
	Fields     []fieldWeightJSON `json:"fields"`
	Full       bool              `json:"full"` // names and numbers in full (the reading is audited)
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
	show := masked
	if pr := auth.PrincipalFrom(r.Context()); pr == nil || pr.Can(auth.PermChildrenReveal) {
		show = inFull
	}
	out := make([]reviewPairJSON, 0, len(ps))
	var ids []int64
	var uids []string
	for _, p := range ps {
		if p.Candidate == nil {
			continue
		}
		ids, uids = append(ids, p.ID), append(uids, p.Candidate.UID)
		j := reviewPairJSON{ID: p.ID, Department: p.Department, Batch: p.Batch, Roster: p.Roster, Row: p.Row, Score: p.Score, Method: p.Method,
			Review: p.Review, RosterRow: rosterPerson(&p.Record, show), Candidate: childPerson(&p.Candidate.Record, show), ChildUID: p.Candidate.UID,
			Agreement: p.Agreement, Fields: []fieldWeightJSON{}, Full: bool(show)}
		for _, f := range p.Fields {
			j.Fields = append(j.Fields, fieldWeightJSON{f.Field, f.Level, f.Weight, f.SiblingWeight})
		}
		out = append(out, j)
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
		out := make([]map[string]any, 0, len(reps))
		for i := range reps {
			out = append(out, reps[i].View(false))
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
	show := masked
	if pr := auth.PrincipalFrom(r.Context()); pr == nil || pr.Can(auth.PermChildrenReveal) {
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
			show = inFull
		}
	}
	writeJSON(w, http.StatusOK, rep.View(bool(show)))
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

type leadJSON struct {
	UID        string     `json:"uid"`
	Department string     `json:"department"`
	Batch      string     `json:"batch"`
	Row        int        `json:"row"`
	Region     string     `json:"region_code"`
	Reasons    []string   `json:"reasons"`
	ReasonText []string   `json:"reason_text"`
	Person     personView `json:"person"`
	Status     string     `json:"status"`
	Outcome    string     `json:"outcome,omitempty"`
	OutcomeTxt string     `json:"outcome_label,omitempty"`
	ChildUID   string     `json:"child_uid,omitempty"`
	CreatedAt  string     `json:"created_at"`
}

func toLead(l *store.Lead) leadJSON {
	j := leadJSON{UID: l.UID, Department: l.Department, Batch: l.Batch, Row: l.Row, Region: l.RegionCode, Reasons: l.Reasons, ReasonText: []string{},
		Person: rosterPerson(&l.Record, masked), Status: l.Status, Outcome: l.Outcome, ChildUID: l.Child, CreatedAt: l.Created.In(chinaTime).Format("2006-01-02 15:04:05")}
	if j.Reasons == nil {
		j.Reasons = []string{}
	}
	for _, c := range l.Reasons {
		j.ReasonText = append(j.ReasonText, roster.LeadReasonLabel(c))
	}
	if l.Outcome != "" {
		j.OutcomeTxt = store.LeadOutcomeLabel(l.Outcome)
	}
	return j
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
	out := make([]leadJSON, 0, len(ls))
	for i := range ls {
		out = append(out, toLead(&ls[i]))
	}
	total, err := s.Rosters.LeadCount(r.Context(), lq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": total})
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
	writeJSON(w, http.StatusOK, toLead(l))
}
