package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/store"
)

// revealChild is POST /api/v1/children/{uid}/reveal: one masked value of a record in full, for
// a stated purpose, audited. The value is answered once; the record stays masked elsewhere.
func (s *Server) revealChild(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Field   string `json:"field"`
		Purpose string `json:"purpose"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	req.Purpose = strings.TrimSpace(req.Purpose)
	if len([]rune(req.Purpose)) < 2 || len([]rune(req.Purpose)) > 200 {
		s.fail(w, r, fieldError("purpose", "required", "请说明查看完整信息的目的（至少 2 个字）"))
		return
	}
	if req.Field == "" || !store.Sensitive(req.Field) {
		s.fail(w, r, fieldError("field", "invalid", "“"+req.Field+"”不是可查看完整信息的项目"))
		return
	}
	uid := r.PathValue("uid")
	c, err := s.Children.Get(r.Context(), uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !auth.PrincipalFrom(r.Context()).SeesField(req.Field) {
		s.fail(w, r, &Error{Code: "forbidden", Message: "“" + store.FieldLabel(req.Field) + "”不在您部门可查看的范围内"})
		return
	}
	value, found := recordValue(&c.Record, req.Field)
	if !found {
		s.fail(w, r, fieldError("field", "invalid", "记录中没有“"+store.FieldLabel(req.Field)+"”"))
		return
	}
	if err := s.Accounts.Audit(r.Context(), audit.ChildReveal, "child:"+uid, map[string]any{"field": req.Field, "purpose": req.Purpose}); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"field": req.Field, "value": value})
}

// recordValue returns the string at a JSON path of the record (father.phone,
// residence_address.detail).
func recordValue(rec *child.Record, path string) (string, bool) {
	b, err := json.Marshal(rec)
	if err != nil {
		return "", false
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return "", false
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		if v, ok = m[k]; !ok {
			return "", false
		}
	}
	sv, ok := v.(string)
	return sv, ok
}

// auditList is GET /api/v1/audit, the audit administrator's view: filters actor, action (a
// prefix when it ends in "."), user (a user name), object, from and to (dates, China time,
// inclusive), paging; each entry with the Chinese names of its action, actor, object and detail
// (auditpage.go).
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	q, err := auditQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.Accounts.AuditEntries(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]auditItem, len(page.Items))
	for i, e := range page.Items {
		items[i] = auditItemOf(e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": page.Total})
}
