package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/store"
)

// Registry is the part of the store the children handlers use.
type Registry interface {
	Create(ctx context.Context, actor string, rec child.Record, src store.Source) (*store.Child, error)
	Get(ctx context.Context, uid string) (*store.Child, error)
	Update(ctx context.Context, actor, uid string, baseVersion int, rec child.Record, src store.Source) (*store.Child, error)
	Search(ctx context.Context, q store.Query) (store.Page, error)
	Transition(ctx context.Context, actor, uid, to, reason string) (*store.Child, error)
	History(ctx context.Context, uid string) ([]store.HistoryEntry, error)
}

// childJSON is a stored child as the API shows it: personal identifiers masked.
type childJSON struct {
	UID            string    `json:"uid"`
	Version        int       `json:"version"`
	Status         string    `json:"status"`
	StatusLabel    string    `json:"status_label"`
	Synthetic      bool      `json:"synthetic"`
	Record         any       `json:"record"` // child.Record, or its department view
	Classification classJSON `json:"classification"`
	Duplicates     []string  `json:"duplicates,omitempty"`
	CreatedAt      string    `json:"created_at"`
	UpdatedAt      string    `json:"updated_at"`
	CreatedBy      string    `json:"created_by"`
	UpdatedBy      string    `json:"updated_by"`
	// Names says how the names of the record are shown to this user: "full" or "masked".
	Names string `json:"names"`
}

// toJSON shows a stored child to the principal of ctx: masked, and restricted to the items of a
// department officer's field view.
func toJSON(ctx context.Context, c *store.Child) childJSON {
	rec := c.Record
	maskRecordFor(ctx, &rec)
	return childJSON{Names: namesShown(seesNames(ctx)), UID: c.UID, Version: c.Version, Status: c.Status, StatusLabel: store.StatusLabel(c.Status),
		Synthetic: c.Synthetic, Record: fieldView(ctx, &rec), Classification: classOf(&c.Classification), Duplicates: c.Duplicates,
		CreatedAt: c.CreatedAt.In(chinaTime).Format("2006-01-02 15:04:05"), UpdatedAt: c.UpdatedAt.In(chinaTime).Format("2006-01-02 15:04:05"),
		CreatedBy: c.CreatedBy, UpdatedBy: c.UpdatedBy}
}

// classJSON is a stored classification with the keys of a guanai classify line.
type classJSON struct {
	AsOf              string        `json:"as_of"`
	RuleVersion       string        `json:"rule_version"`
	Age               *int          `json:"age"`
	MigrantMonitoring string        `json:"migrant_monitoring"`
	MigrantStatistics string        `json:"migrant_statistics"`
	LeftBehind        string        `json:"left_behind"`
	KeyCare           string        `json:"key_care"`
	KeyCareReasons    []string      `json:"key_care_reasons"`
	Reasons           []string      `json:"reasons"`
	Missing           []string      `json:"missing"`
	Warnings          []child.Issue `json:"warnings"`
}

func classOf(c *store.Classification) classJSON {
	j := classJSON{AsOf: c.AsOf.String(), RuleVersion: c.RuleVersion, MigrantMonitoring: c.MigrantMonitoring,
		MigrantStatistics: c.MigrantStatistics, LeftBehind: c.LeftBehind, KeyCare: c.KeyCare,
		KeyCareReasons: nonNilS(c.KeyCareReasons), Reasons: nonNilS(c.Reasons), Missing: nonNilS(c.Missing), Warnings: nonNil(c.Warnings)}
	if c.Age >= 0 {
		age := c.Age
		j.Age = &age
	}
	return j
}

func nonNilS(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// fieldView returns the record, or only the items of the principal's field view.
func fieldView(ctx context.Context, rec *child.Record) any {
	fields, all := auth.PrincipalFrom(ctx).FieldView()
	if all {
		return rec
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return map[string]any{}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return map[string]any{}
	}
	for k := range m {
		if !slices.Contains(fields, k) {
			delete(m, k)
		}
	}
	return m
}

// MaskRecord hides the personal identifiers of a record for display: identity numbers
// (150302********123X), phones (138****5678) and detail addresses; names keep their first
// character. Revealing a value is a separate, audited request.
func MaskRecord(r *child.Record) {
	r.Name = child.MaskName(r.Name)
	r.IDNumber = idcard.Mask(r.IDNumber)
	r.DisabilityCertificateNo = idcard.Mask(r.DisabilityCertificateNo)
	maskAddr(r.HukouAddress)
	maskAddr(r.ResidenceAddr)
	for _, p := range []*child.Parent{r.Father, r.Mother} {
		if p == nil {
			continue
		}
		p.Name = child.MaskName(p.Name)
		p.IDNumber = idcard.Mask(p.IDNumber)
		p.Phone = maskPhone(p.Phone)
		maskAddr(p.HukouAddress)
		maskAddr(p.ResidenceAddr)
	}
	if g := r.OtherGuardian; g != nil {
		g.Name, g.IDNumber, g.Phone = child.MaskName(g.Name), idcard.Mask(g.IDNumber), maskPhone(g.Phone)
		maskAddr(g.HukouAddress)
		maskAddr(g.ResidenceAddr)
	}
	if c := r.Caregiver; c != nil {
		c.Name, c.IDNumber, c.Phone = child.MaskName(c.Name), idcard.Mask(c.IDNumber), maskPhone(c.Phone)
		maskAddr(c.HukouAddress)
		maskAddr(c.ResidenceAddr)
	}
}

func maskPhone(s string) string {
	if s == "" {
		return ""
	}
	return child.MaskPhone(s)
}

func maskAddr(a *child.Address) {
	if a != nil && a.Detail != "" {
		a.Detail = child.MaskDetail(a.Detail)
	}
}

// actor names who acts: the logged-in user of the request (user:<name>), as the guard put it in
// the context.
func actor(r *http.Request) string { return auth.ActorOf(r.Context()) }

type listItem struct {
	UID               string   `json:"uid"`
	Name              string   `json:"name"`
	Sex               string   `json:"sex"`
	BirthDate         string   `json:"birth_date"`
	Age               int      `json:"age"`
	IDNumber          string   `json:"id_number"`
	Status            string   `json:"status"`
	StatusLabel       string   `json:"status_label"`
	ResidenceRegion   string   `json:"residence_region"`
	HukouRegion       string   `json:"hukou_region"`
	MigrantMonitoring string   `json:"migrant_monitoring"`
	MigrantStatistics string   `json:"migrant_statistics"`
	LeftBehind        string   `json:"left_behind"`
	KeyCare           string   `json:"key_care"`
	KeyCareReasons    []string `json:"key_care_reasons"`
	Synthetic         bool     `json:"synthetic"`
	UpdatedAt         string   `json:"updated_at"`
}

func (s *Server) listChildren(w http.ResponseWriter, r *http.Request) {
	q, err := childQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.Children.Search(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	full := seesNames(r.Context())
	items := make([]listItem, 0, len(page.Items))
	uids := make([]string, 0, len(page.Items))
	for _, c := range page.Items {
		rec := c.Record
		name := rec.Name
		if !full {
			name = child.MaskName(name)
		}
		uids = append(uids, c.UID)
		items = append(items, listItem{
			UID: c.UID, Name: name, Sex: rec.Sex, BirthDate: rec.BirthDate.String(),
			Age: c.Classification.Age, IDNumber: idcard.Mask(rec.IDNumber), Status: c.Status, StatusLabel: store.StatusLabel(c.Status),
			ResidenceRegion: rec.ResidenceAddr.Region(), HukouRegion: rec.HukouAddress.Region(),
			MigrantMonitoring: c.Classification.MigrantMonitoring, MigrantStatistics: c.Classification.MigrantStatistics,
			LeftBehind: c.Classification.LeftBehind, KeyCare: c.Classification.KeyCare, KeyCareReasons: c.Classification.KeyCareReasons,
			Synthetic: c.Synthetic, UpdatedAt: c.UpdatedAt.In(chinaTime).Format("2006-01-02 15:04"),
		})
	}
	if full && len(uids) > 0 {
		if err := s.Accounts.Audit(r.Context(), audit.ChildNames, "children", map[string]any{"children": uids}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	out := map[string]any{"total": page.Total, "limit": page.Limit, "offset": page.Offset, "next": page.Next, "items": items,
		"names": namesShown(full), "matched": matchedOn(&q)}
	if page.Total == 0 {
		out["hint"] = whyNone(&q)
	}
	writeJSON(w, http.StatusOK, out)
}

func atoiDefault(s string, def int) int {
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// decodeRecord reads a record from the request body with the entry checks of DATA.md; field
// errors refuse it with 422.
func (s *Server) decodeRecord(w http.ResponseWriter, r *http.Request, body []byte) (child.Record, bool) {
	rec, is := child.Decode(body, child.Options{Today: s.Today(), Regions: s.Regions})
	if !is.Valid() {
		s.fail(w, r, &Error{Code: "invalid", Message: "记录有 " + strconv.Itoa(len(is.Errors)) + " 处错误，请修改后再保存", Fields: is.Errors})
		return rec, false
	}
	return rec, true
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, &Error{Code: "too_large", Message: "请求内容过大"}
	}
	return b, nil
}

func (s *Server) createChild(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rec, ok := s.decodeRecord(w, r, body)
	if !ok {
		return
	}
	src := store.Source{AllowDuplicate: r.URL.Query().Get("allow_duplicate") == "true"}
	c, err := s.Children.Create(r.Context(), actor(r), rec, src)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toJSON(r.Context(), c))
}

func (s *Server) getChild(w http.ResponseWriter, r *http.Request) {
	c, err := s.Children.Get(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(r.Context(), c))
}

// updateChild replaces the record; the version it was read at comes in If-Match or ?version=,
// so that a stale edit is merged or refused with the conflicting fields named.
func (s *Server) updateChild(w http.ResponseWriter, r *http.Request) {
	ver := strings.Trim(r.Header.Get("If-Match"), `"W/`)
	if ver == "" {
		ver = r.URL.Query().Get("version")
	}
	base, err := strconv.Atoi(ver)
	if err != nil || base < 1 {
		s.fail(w, r, &Error{Code: "bad_request", Message: "请在 If-Match 头或 version 参数中给出所编辑记录的版本号"})
		return
	}
	body, err := readBody(w, r)
	if err == nil {
		body, err = s.restoreMasked(r.Context(), r.PathValue("uid"), body)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rec, ok := s.decodeRecord(w, r, body)
	if !ok {
		return
	}
	c, err := s.Children.Update(r.Context(), actor(r), r.PathValue("uid"), base, rec, store.Source{Note: r.URL.Query().Get("note")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(r.Context(), c))
}

func (s *Server) transitionChild(w http.ResponseWriter, r *http.Request) {
	var req struct {
		To     string `json:"to"`
		Reason string `json:"reason"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	// Submitting is the collector's; approving, returning, archiving and uploading the reviewer's.
	need := auth.PermChildrenReview
	if req.To == store.StatusSubmitted {
		need = auth.PermChildrenSubmit
	}
	if !auth.PrincipalFrom(r.Context()).Can(need) {
		// Outside the jurisdiction the record does not exist: look first, refuse second.
		if _, err := s.Children.Get(r.Context(), r.PathValue("uid")); err != nil {
			s.fail(w, r, err)
			return
		}
		s.fail(w, r, &Error{Code: "forbidden", Message: "您的角色不能将记录改为“" + store.StatusLabel(req.To) + "”"})
		return
	}
	c, err := s.Children.Transition(r.Context(), actor(r), r.PathValue("uid"), req.To, req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(r.Context(), c))
}

func (s *Server) childHistory(w http.ResponseWriter, r *http.Request) {
	h, err := s.Children.History(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A department officer sees the changes of the items of its view only.
	if p := auth.PrincipalFrom(r.Context()); p != nil {
		for i := range h {
			kept := h[i].Changes[:0:0]
			for _, c := range h[i].Changes {
				if p.SeesField(c.Field) {
					kept = append(kept, c)
				}
			}
			h[i].Changes = kept
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": h})
}
