package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"guanai/internal/child"
	"guanai/internal/sheet"
	"guanai/internal/store"
)

// Exports is the part of the store the export handlers use (record-level exports with approval,
// docs/security.md).
type Exports interface {
	RequestExport(ctx context.Context, c store.ExportCriteria, purpose string) (*store.ExportRequest, error)
	ExportRequests(ctx context.Context) ([]*store.ExportRequest, error)
	DecideExport(ctx context.Context, uid string, approve bool, note string) (*store.ExportRequest, error)
	DownloadExport(ctx context.Context, uid string, fn func(r *store.ExportRequest, each func(func(*store.Child) error) error) error) error
}

func (s *Server) exportRoutes() {
	if s.Exports == nil {
		return
	}
	s.handle("POST /api/v1/exports", s.requestExport)
	s.handle("GET /api/v1/exports", s.listExports)
	s.handle("POST /api/v1/exports/{uid}/decision", s.decideExport)
	s.handle("GET /api/v1/exports/{uid}/download", s.downloadExport)
}

type exportJSON struct {
	UID          string               `json:"uid"`
	RequestedBy  string               `json:"requested_by"`
	Scope        string               `json:"scope"`
	Criteria     store.ExportCriteria `json:"criteria"`
	Purpose      string               `json:"purpose"`
	Status       string               `json:"status"`
	CreatedAt    string               `json:"created_at"`
	DecidedBy    string               `json:"decided_by,omitempty"`
	DecidedAt    string               `json:"decided_at,omitempty"`
	DecisionNote string               `json:"decision_note,omitempty"`
	DownloadedAt string               `json:"downloaded_at,omitempty"`
	Records      int                  `json:"records"`
}

func chinaStamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(chinaTime).Format("2006-01-02 15:04:05")
}

func exportOf(r *store.ExportRequest) exportJSON {
	return exportJSON{UID: r.UID, RequestedBy: r.RequestedBy, Scope: r.Scope, Criteria: r.Criteria, Purpose: r.Purpose,
		Status: r.Status, CreatedAt: chinaStamp(r.CreatedAt), DecidedBy: r.DecidedBy, DecidedAt: chinaStamp(r.DecidedAt),
		DecisionNote: r.DecisionNote, DownloadedAt: chinaStamp(r.DownloadedAt), Records: r.Records}
}

func (s *Server) requestExport(w http.ResponseWriter, r *http.Request) {
	var req struct {
		store.ExportCriteria
		Purpose string `json:"purpose"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.Exports.RequestExport(r.Context(), req.ExportCriteria, req.Purpose)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, exportOf(x))
}

func (s *Server) listExports(w http.ResponseWriter, r *http.Request) {
	xs, err := s.Exports.ExportRequests(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]exportJSON, len(xs))
	for i, x := range xs {
		items[i] = exportOf(x)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) decideExport(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Approve *bool  `json:"approve"`
		Note    string `json:"note"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Approve == nil {
		s.fail(w, r, fieldError("approve", "required", "请选择批准（true）或不批准（false）"))
		return
	}
	x, err := s.Exports.DecideExport(r.Context(), r.PathValue("uid"), *req.Approve, req.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, exportOf(x))
}

// errStopExport ends the record stream when the writer stops early.
var errStopExport = errors.New("export stopped")

// downloadExport answers the approved export once, as the registration template (xlsx) with a
// watermark row naming who exported it and when. The file is written to a temporary file first,
// so that a failure never sends half a workbook.
func (s *Server) downloadExport(w http.ResponseWriter, r *http.Request) {
	tmp, err := os.CreateTemp("", "guanai-export-*.xlsx")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	cur := currentOf(r.Context())
	err = s.Exports.DownloadExport(r.Context(), r.PathValue("uid"), func(x *store.ExportRequest, each func(func(*store.Child) error) error) error {
		var iterErr error
		records := func(yield func(child.Record) bool) {
			iterErr = each(func(c *store.Child) error {
				if !yield(c.Record) {
					return errStopExport
				}
				return nil
			})
		}
		title := "流动儿童和留守儿童基本情况登记表　导出人：" + cur.user.Name + "（" + cur.user.Username + "）　导出时间：" +
			s.Now().In(chinaTime).Format("2006-01-02 15:04") + "　批准人：" + strings.TrimPrefix(x.DecidedBy, "user:") + "　仅限“" + x.Purpose + "”使用，不得外传"
		werr := sheet.WriteChildren(tmp, records, sheet.WriteOptions{Format: sheet.XLSX, Title: title})
		if iterErr != nil && !errors.Is(iterErr, errStopExport) {
			return iterErr
		}
		return werr
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="export-`+r.PathValue("uid")+`.xlsx"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.Copy(w, tmp)
}
