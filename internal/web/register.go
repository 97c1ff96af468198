package web

import (
	"context"
	"net/http"
	"strconv"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/rules"
	"guanai/internal/store"
)

// Keeping the register current (issue 13): the re-evaluation queue worked by the responsible
// reviewer, and the upcoming changes of a child's answers.

// RegisterStore is the part of the store the re-evaluation routes use.
type RegisterStore interface {
	ReviewQueue(ctx context.Context, q store.ReviewQuery) ([]store.ReviewItem, error)
	CountOpenReviews(ctx context.Context) (map[string]int, error)
	ConfirmReview(ctx context.Context, id int64, note string) error
	ArchiveReview(ctx context.Context, id int64, reason, note string) error
	AdoptDiscrepancy(ctx context.Context, uid, note string) (*store.Child, error)
	RequestHandover(ctx context.Context, uid, to string, outOfCity bool, destination, note string) (*store.Handover, error)
	RequestTransferIn(ctx context.Context, idNumber, note string) (*store.Handover, error)
	Handovers(ctx context.Context, q store.HandoverQuery) ([]store.Handover, error)
	DecideHandover(ctx context.Context, id int64, accept bool, detail, note string) (*store.Handover, error)
}

var registerAccess = map[string]Access{
	"GET /api/v1/review-queue":               perms(auth.PermChildrenReview),
	"GET /api/v1/review-queue/count":         perms(auth.PermChildrenReview),
	"POST /api/v1/review-queue/{id}/confirm": perms(auth.PermChildrenReview),
	"POST /api/v1/review-queue/{id}/archive": perms(auth.PermChildrenReview),
	"GET /api/v1/children/{uid}/upcoming":    perms(auth.PermChildrenRead),
	"POST /api/v1/discrepancies/{uid}/adopt": perms(auth.PermLeadsWork), // the store also wants children.edit
	"POST /api/v1/children/{uid}/handover":   perms(auth.PermChildrenEdit),
	"POST /api/v1/handovers/transfer-in":     perms(auth.PermChildrenCreate),
	"GET /api/v1/handovers":                  perms(auth.PermChildrenRead),
	"POST /api/v1/handovers/{id}/decision":   perms(auth.PermChildrenReview),
}

func init() {
	for p, a := range registerAccess {
		access[p] = a
	}
}

// registerRoutes registers the routes of this file; routes() calls it.
func (s *Server) registerRoutes() {
	if s.Children != nil {
		s.handle("GET /api/v1/children/{uid}/upcoming", s.childUpcoming)
	}
	if s.Register == nil {
		return
	}
	s.handle("GET /api/v1/review-queue", s.listReviewQueue)
	s.handle("GET /api/v1/review-queue/count", s.countReviewQueue)
	s.handle("POST /api/v1/review-queue/{id}/confirm", s.confirmReview)
	s.handle("POST /api/v1/review-queue/{id}/archive", s.archiveReview)
	s.handle("POST /api/v1/discrepancies/{uid}/adopt", s.adoptDiscrepancy)
	s.handle("POST /api/v1/children/{uid}/handover", s.requestHandover)
	s.handle("POST /api/v1/handovers/transfer-in", s.transferIn)
	s.handle("GET /api/v1/handovers", s.listHandovers)
	s.handle("POST /api/v1/handovers/{id}/decision", s.decideHandover)
}

type handoverJSON struct {
	ID          int64  `json:"id"`
	Child       string `json:"child,omitempty"`
	Direction   string `json:"direction"`
	Status      string `json:"status"`
	StatusLabel string `json:"status_label"`
	FromCode    string `json:"from_code"`
	FromName    string `json:"from_name"`
	ToCode      string `json:"to_code"`
	ToName      string `json:"to_name"`
	RequestedBy string `json:"requested_by"`
	RequestedAt string `json:"requested_at"`
	DecidedBy   string `json:"decided_by,omitempty"`
	DecidedAt   string `json:"decided_at,omitempty"`
	Note        string `json:"note,omitempty"`
	Name        string `json:"name,omitempty"`
	Sex         string `json:"sex,omitempty"`
	BirthDate   string `json:"birth_date,omitempty"`
}

var handoverStatus = map[string]string{store.HandoverPending: "待审核", store.HandoverAccepted: "已接收", store.HandoverRefused: "已拒绝"}

func (s *Server) handoverJSON(h *store.Handover) handoverJSON {
	out := handoverJSON{ID: h.ID, Child: h.Child, Direction: h.Direction, Status: h.Status, StatusLabel: handoverStatus[h.Status],
		FromCode: h.FromCode, ToCode: h.ToCode, RequestedBy: h.RequestedBy, RequestedAt: h.RequestedAt.In(chinaTime).Format("2006-01-02 15:04:05"),
		DecidedBy: h.DecidedBy, Note: h.Note, Name: h.Name, Sex: h.Sex}
	if h.BirthDate != 0 {
		out.BirthDate = h.BirthDate.String()
	}
	if !h.DecidedAt.IsZero() {
		out.DecidedAt = h.DecidedAt.In(chinaTime).Format("2006-01-02 15:04:05")
	}
	if s.Regions != nil {
		out.FromName, out.ToName = s.Regions.FullName(h.FromCode), s.Regions.FullName(h.ToCode)
	}
	return out
}

func (s *Server) requestHandover(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ToCode      string `json:"to_code"`
		OutOfCity   bool   `json:"out_of_city"`
		Destination string `json:"destination"`
		Note        string `json:"note"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.Register.RequestHandover(r.Context(), r.PathValue("uid"), body.ToCode, body.OutOfCity, body.Destination, body.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.handoverJSON(h))
}

func (s *Server) transferIn(w http.ResponseWriter, r *http.Request) {
	var body struct {
		IDNumber string `json:"id_number"`
		Note     string `json:"note"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.Register.RequestTransferIn(r.Context(), body.IDNumber, body.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.handoverJSON(h))
}

func (s *Server) listHandovers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	dir := q.Get("direction")
	if dir != "" && dir != "in" && dir != "out" {
		s.fail(w, r, &Error{Code: "bad_request", Message: "direction 应为 in（迁入本辖区）或 out（迁出本辖区）"})
		return
	}
	hs, err := s.Register.Handovers(r.Context(), store.HandoverQuery{Incoming: dir != "out", Pending: q.Get("pending") != ""})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]handoverJSON, len(hs))
	for i := range hs {
		out[i] = s.handoverJSON(&hs[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) decideHandover(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Accept        *bool  `json:"accept"`
		AddressDetail string `json:"address_detail"`
		Note          string `json:"note"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.fail(w, r, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "没有编号为 " + r.PathValue("id") + " 的迁入申请"})
		return
	}
	if body.Accept == nil {
		s.fail(w, r, &Error{Code: "invalid", Message: "请选择接收或拒绝", Fields: []child.Issue{{Field: "accept", Code: "required", Message: "请选择接收或拒绝"}}})
		return
	}
	h, err := s.Register.DecideHandover(r.Context(), id, *body.Accept, body.AddressDetail, body.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.handoverJSON(h))
}

// adoptDiscrepancy takes the department's value of a discrepancy into the record.
func (s *Server) adoptDiscrepancy(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Note string `json:"note"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.Register.AdoptDiscrepancy(r.Context(), r.PathValue("uid"), body.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"uid": r.PathValue("uid"), "status": "resolved", "child": c.UID, "version": c.Version})
}

// answerLabels name the answers of a queue item's detail.
var answerLabels = map[string]string{
	"migrant_monitoring": "流动儿童（监测摸排范围）", "migrant_statistics": "流动儿童（统计分析范围）",
	"left_behind": "留守儿童", "key_care": "重点关爱",
}

var triLabels = map[string]string{"yes": "是", "no": "否", "undetermined": "待确定", "": "（未判定）"}

type reviewItemJSON struct {
	ID            int64          `json:"id"`
	UID           string         `json:"uid"`
	Kind          string         `json:"kind"`
	KindLabel     string         `json:"kind_label"`
	Changes       []answerChange `json:"changes"`
	Cause         string         `json:"cause"`
	AsOf          string         `json:"as_of"`
	Created       string         `json:"created_at"`
	Resolved      string         `json:"resolved_at,omitempty"`
	ResolvedBy    string         `json:"resolved_by,omitempty"`
	Resolution    string         `json:"resolution,omitempty"`
	Outcome       string         `json:"outcome,omitempty"`
	ResidenceCode string         `json:"residence_code"`
	ResidenceName string         `json:"residence_name"`
	HukouCode     string         `json:"hukou_code"`
}

type answerChange struct {
	Answer string `json:"answer"`
	Label  string `json:"label"`
	Before string `json:"before"`
	After  string `json:"after"`
}

func (s *Server) reviewItemJSON(it *store.ReviewItem) reviewItemJSON {
	out := reviewItemJSON{ID: it.ID, UID: it.UID, Kind: it.Kind, KindLabel: store.ReviewKindLabel(it.Kind), Cause: it.Cause,
		AsOf: it.AsOf.String(), Created: it.Created.In(chinaTime).Format("2006-01-02 15:04:05"), ResolvedBy: it.ResolvedBy,
		Resolution: it.Resolution, Outcome: it.Outcome, ResidenceCode: it.ResidenceCode, HukouCode: it.HukouCode, Changes: []answerChange{}}
	if s.Regions != nil && it.ResidenceCode != "" {
		out.ResidenceName = s.Regions.FullName(it.ResidenceCode)
	}
	if !it.Resolved.IsZero() {
		out.Resolved = it.Resolved.In(chinaTime).Format("2006-01-02 15:04:05")
	}
	for _, k := range []string{"migrant_monitoring", "migrant_statistics", "left_behind", "key_care"} {
		if v, ok := it.Detail[k]; ok {
			out.Changes = append(out.Changes, answerChange{Answer: k, Label: answerLabels[k], Before: triLabels[v[0]], After: triLabels[v[1]]})
		}
	}
	return out
}

func (s *Server) listReviewQueue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rq := store.ReviewQuery{Open: q.Get("all") == "", Kind: q.Get("kind"), Region: q.Get("region")}
	if rq.Kind != "" && rq.Kind != store.ReviewNewlyQualifies && rq.Kind != store.ReviewNoLongerQualifies {
		s.fail(w, r, &Error{Code: "bad_request", Message: "kind 应为 newly_qualifies（新符合条件）或 no_longer_qualifies（不再符合条件）"})
		return
	}
	for name, dst := range map[string]*int{"limit": &rq.Limit, "offset": &rq.Offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				s.fail(w, r, &Error{Code: "bad_request", Message: name + " 应为非负整数"})
				return
			}
			*dst = n
		}
	}
	items, err := s.Register.ReviewQueue(r.Context(), rq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]reviewItemJSON, len(items))
	for i := range items {
		out[i] = s.reviewItemJSON(&items[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "archive_reasons": store.ArchiveReasons})
}

func (s *Server) countReviewQueue(w http.ResponseWriter, r *http.Request) {
	n, err := s.Register.CountOpenReviews(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"newly_qualifies": n[store.ReviewNewlyQualifies],
		"no_longer_qualifies": n[store.ReviewNoLongerQualifies], "total": n[store.ReviewNewlyQualifies] + n[store.ReviewNoLongerQualifies]})
}

func reviewID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "没有编号为 " + r.PathValue("id") + " 的复核事项"}
	}
	return id, nil
}

func (s *Server) confirmReview(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Note string `json:"note"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := reviewID(r)
	if err == nil {
		err = s.Register.ConfirmReview(r.Context(), id, body.Note)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "outcome": "confirmed"})
}

func (s *Server) archiveReview(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Reason string `json:"reason"`
		Note   string `json:"note"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := reviewID(r)
	if err == nil {
		err = s.Register.ArchiveReview(r.Context(), id, body.Reason, body.Note)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "outcome": "archived:" + body.Reason})
}

// childUpcoming lists the dates within two years on which the child's answers change by time
// alone (birthdays, six months reached), with what they change.
func (s *Server) childUpcoming(w http.ResponseWriter, r *http.Request) {
	c, err := s.Children.Get(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := s.Today()
	cfg := s.Rules
	if cfg.AgeLimit == 0 {
		cfg = rules.DefaultConfig()
	}
	var changes []rules.Change
	if c.Status != store.StatusArchived {
		changes = rules.Upcoming(&c.Record, today, today.AddYears(2), &cfg)
	}
	if changes == nil {
		changes = []rules.Change{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"uid": c.UID, "as_of": today.String(), "changes": changes})
}
