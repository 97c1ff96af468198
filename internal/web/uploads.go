package web

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"

	"guanai/internal/auth"
	"guanai/internal/sheet"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

// The national upload (docs/upload.md): civil affairs makes a batch (the workbook of 附件1 and
// 附件2 answered once, as it is made: the records become 已上报 in the same transaction), lists
// the batches and their items (masked), and takes back the national system's answer file.

var uploadAccess = map[string]Access{
	"POST /api/v1/upload-requests":                perms(auth.PermChildrenReview),
	"GET /api/v1/upload-requests":                 perms(auth.PermChildrenReview),
	"POST /api/v1/upload-requests/{uid}/decision": perms(auth.PermChildrenReview),
	"POST /api/v1/uploads":                        perms(auth.PermChildrenReview),
	"GET /api/v1/uploads":                         perms(auth.PermChildrenReview),
	"GET /api/v1/uploads/{number}":                perms(auth.PermChildrenReview),
	"POST /api/v1/uploads/feedback":               perms(auth.PermChildrenReview),
}

func init() {
	for p, a := range uploadAccess {
		access[p] = a
	}
}

// uploadRoutes registers the upload routes; routes() calls it.
func (s *Server) uploadRoutes() {
	if s.Uploads == nil {
		return
	}
	s.handle("POST /api/v1/upload-requests", s.requestUpload)
	s.handle("GET /api/v1/upload-requests", s.listUploadRequests)
	s.handle("POST /api/v1/upload-requests/{uid}/decision", s.decideUpload)
	s.handle("POST /api/v1/uploads", s.createUploadBatch)
	s.handle("GET /api/v1/uploads", s.listUploadBatches)
	s.handle("GET /api/v1/uploads/{number}", s.getUploadBatch)
	s.handle("POST /api/v1/uploads/feedback", s.uploadFeedback)
}

type uploadBatchJSON struct {
	*store.UploadBatch
	CreatedAt string `json:"created_at"`
}

func uploadBatchOf(b *store.UploadBatch) uploadBatchJSON {
	return uploadBatchJSON{UploadBatch: b, CreatedAt: chinaStamp(b.CreatedAt)}
}

// createUploadBatch makes the batch of the caller's approved upload request and answers its
// workbook, written to a temporary file first so that a failure sends no half file and marks
// nothing uploaded. The batch's number, size and SM3 digest travel in headers.
func (s *Server) createUploadBatch(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Request string `json:"request"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Request == "" {
		s.fail(w, r, fieldError("request", "required", "上报批次须经本辖区另一名民政审核员批准：请先提交上报申请"))
		return
	}
	tmp, err := os.CreateTemp("", "guanai-upload-*.xlsx")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	b, err := workflow.RequestedUploadBatch(r.Context(), s.Uploads, req.Request, s.Regions, s.Now(), tmp)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="`+b.Number+`.xlsx"; filename*=UTF-8''`+url.PathEscape("上报批次"+b.Number+".xlsx"))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Upload-Batch", b.Number)
	h.Set("X-Upload-Records", strconv.Itoa(b.Records))
	h.Set("X-Upload-Digest", b.Digest)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.Copy(w, tmp)
}

func (s *Server) listUploadBatches(w http.ResponseWriter, r *http.Request) {
	bs, err := s.Uploads.UploadBatches(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]uploadBatchJSON, len(bs))
	for i, b := range bs {
		items[i] = uploadBatchOf(b)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) getUploadBatch(w http.ResponseWriter, r *http.Request) {
	b, items, err := s.Uploads.UploadBatchItems(r.Context(), r.PathValue("number"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type itemJSON struct {
		store.UploadItem
		AnsweredAt string `json:"answered_at,omitempty"`
	}
	out := make([]itemJSON, len(items))
	for i, it := range items {
		out[i] = itemJSON{UploadItem: it, AnsweredAt: chinaStamp(it.AnsweredAt)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"batch": uploadBatchOf(b), "items": out})
}

// uploadFeedback takes back the national system's answer file.
func (s *Server) uploadFeedback(w http.ResponseWriter, r *http.Request) {
	up, err := s.upload(w, r, "请选择全国儿童福利信息系统的反馈文件（.xlsx 或 .csv）")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer up.close()
	t, err := sheet.NewTableContext(r.Context(), up.ra, up.size, up.name, "")
	if err != nil {
		s.fail(w, r, sheetError(err))
		return
	}
	defer t.Close()
	res, err := workflow.UploadFeedback(r.Context(), s.Uploads, t)
	if err != nil {
		s.fail(w, r, sheetError(err))
		return
	}
	writeJSON(w, http.StatusOK, res)
}

type uploadRequestJSON struct {
	*store.UploadRequest
	CreatedAt string `json:"created_at"`
	DecidedAt string `json:"decided_at,omitempty"`
}

func uploadRequestOf(q *store.UploadRequest) uploadRequestJSON {
	return uploadRequestJSON{UploadRequest: q, CreatedAt: chinaStamp(q.CreatedAt), DecidedAt: chinaStamp(q.DecidedAt)}
}

func (s *Server) requestUpload(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Region string `json:"region"`
		Note   string `json:"note"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := s.Uploads.RequestUpload(r.Context(), req.Region, req.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, uploadRequestOf(q))
}

func (s *Server) listUploadRequests(w http.ResponseWriter, r *http.Request) {
	qs, err := s.Uploads.UploadRequests(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]uploadRequestJSON, len(qs))
	for i, q := range qs {
		items[i] = uploadRequestOf(q)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) decideUpload(w http.ResponseWriter, r *http.Request) {
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
	q, err := s.Uploads.DecideUpload(r.Context(), r.PathValue("uid"), *req.Approve, req.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, uploadRequestOf(q))
}
