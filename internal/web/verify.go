package web

import (
	"bytes"
	"context"
	"net/http"
	"strings"

	"guanai/internal/auth"
	"guanai/internal/roster"
	"guanai/internal/store"
)

// Verification lists (核查往返, docs/rosters.md): civil affairs sends a department a list of
// children to check and fill in; the answered file comes back through the roster upload
// (POST /api/v1/rosters), whose summary then carries the list's progress.

// VerifyStore is the part of RosterStore the verification handlers use.
type VerifyStore interface {
	CreateVerification(ctx context.Context, actor string, spec store.VerificationSpec) (*store.Verification, error)
	Verifications(ctx context.Context, dept string) ([]*store.Verification, error)
	Verification(ctx context.Context, uid string) (*store.Verification, error)
	VerificationSheet(ctx context.Context, uid string) (*store.Verification, []store.VerificationChild, error)
}

// verifyAccess are the access entries of the verification routes (see access.go). Making and
// downloading a list sends children's records to another department: a record-level export,
// which also needs rosters.import — the store checks the second (an entry's permissions are
// alternatives). Progress is for whoever imports rosters.
var verifyAccess = map[string]Access{
	"POST /api/v1/verifications":           perms(auth.PermChildrenExport),
	"GET /api/v1/verifications":            perms(auth.PermRostersImport),
	"GET /api/v1/verifications/{uid}":      perms(auth.PermRostersImport),
	"GET /api/v1/verifications/{uid}/file": perms(auth.PermChildrenExport),
}

func init() {
	for p, a := range verifyAccess {
		access[p] = a
	}
}

// verifyRoutes registers the verification routes; rosterRoutes calls it.
func (s *Server) verifyRoutes() {
	s.handle("POST /api/v1/verifications", s.createVerification)
	s.handle("GET /api/v1/verifications", s.listVerifications)
	s.handle("GET /api/v1/verifications/{uid}", s.getVerification)
	s.handle("GET /api/v1/verifications/{uid}/file", s.verificationFile)
}

// createVerification takes {"dept", "region", "kind", "note"} and answers 201 with the list.
func (s *Server) createVerification(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Dept   string `json:"dept"`
		Region string `json:"region"`
		Kind   string `json:"kind"`
		Note   string `json:"note"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if strings.TrimSpace(body.Dept) == "" {
		s.fail(w, r, fieldError("dept", "required", "请选择要核查的部门"))
		return
	}
	d, err := department(body.Dept)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.Rosters.CreateVerification(r.Context(), actor(r), store.VerificationSpec{Department: d.Code, Region: body.Region,
		Kind: body.Kind, Note: body.Note})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v.View())
}

func (s *Server) listVerifications(w http.ResponseWriter, r *http.Request) {
	dept := ""
	if v := r.URL.Query().Get("dept"); v != "" {
		d, err := department(v)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		dept = d.Code
	}
	vs, err := s.Rosters.Verifications(r.Context(), dept)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]store.VerificationView, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.View())
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) getVerification(w http.ResponseWriter, r *http.Request) {
	v, err := s.Rosters.Verification(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v.View())
}

// verificationFile answers the list's workbook, watermarked with the user and the time; the
// download is audited by the store. It is built in memory (20,000 rows at most) so that a
// failure never sends half a workbook.
func (s *Server) verificationFile(w http.ResponseWriter, r *http.Request) {
	v, kids, err := s.Rosters.VerificationSheet(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := department(v.Department)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	who := actor(r)
	if cur := currentOf(r.Context()); cur != nil && cur.user != nil {
		who = cur.user.Name + "（" + cur.user.Username + "）"
	}
	place := ""
	if v.Region != "" && s.Regions != nil {
		place = s.Regions.FullName(v.Region)
	}
	sheet := &roster.VerifySheet{Department: d, Title: roster.VerificationTitle(d, place, store.VerificationKindLabel(v.Department, v.Kind)),
		Watermark: roster.VerificationWatermark(who, s.Now().In(chinaTime)), Note: v.Note, Regions: s.Regions}
	for i := range kids {
		sheet.Rows = append(sheet.Rows, roster.VerifyRow{Token: kids[i].Token, Record: &kids[i].Record})
	}
	var buf bytes.Buffer
	if err := roster.WriteVerification(&buf, sheet); err != nil {
		s.fail(w, r, err)
		return
	}
	name := d.Label + "核查名单-" + v.CreatedAt.In(chinaTime).Format("20060102") + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"verification-"+v.Department+".xlsx\"; filename*=UTF-8''"+pathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
