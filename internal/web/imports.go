package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"guanai/internal/sheet"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

// maxUpload bounds an uploaded workbook (a district's children fit in a few megabytes).
const maxUpload = 64 << 20

// importChildren takes the registration template as a multipart upload (field "file"). With
// dry_run=1 it reads and checks every row and changes nothing (the preview); otherwise it
// imports like guanai import children (workflow.Imports.Children, the same code).
func (s *Server) importChildren(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	dry := q.Get("dry_run") == "1" || q.Get("dry_run") == "true"
	status := q.Get("status")
	if status == "" {
		status = store.StatusDraft
	}
	if status != store.StatusDraft && status != store.StatusSubmitted {
		s.fail(w, r, &Error{Code: "bad_request", Message: "status 只能是 draft（草稿）或 submitted（已提交）"})
		return
	}
	up, err := s.upload(w, r, "请选择要导入的登记表文件（.xlsx 或 .csv）")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer up.close()
	rd, err := sheet.NewReader(up.ra, up.size, up.name, sheet.ReadOptions{Today: s.Today(), Regions: s.Regions, Context: r.Context()})
	if err != nil {
		s.fail(w, r, sheetError(err))
		return
	}
	defer rd.Close()
	up.counter.reset()
	p := newProgress(w, r, up.counter)
	out, err := s.Imports.Children(r.Context(), rd, workflow.ChildrenInput{File: up.name, SHA256: up.sha256, Status: status, DryRun: dry}, p)
	if err == nil && out.Rejected > 0 && !dry {
		out.RejectsURL = "/api/v1/imports/" + url.PathEscape(out.Batch) + "/rejects"
	}
	s.answer(w, r, p, out, sheetError(err))
}

// uploaded is a file received as a multipart form: read through a counter when the client asked
// for progress, with its digest.
type uploaded struct {
	form    *multipart.Form
	file    multipart.File
	ra      io.ReaderAt
	counter *readCounter
	size    int64
	name    string
	sha256  string
}

func (u *uploaded) close() {
	u.file.Close()
	_ = u.form.RemoveAll()
}

// upload receives the multipart field "file" of r (at most maxUpload bytes; the parts beyond 8 MB
// spill to disk), with missing the message for a request without one.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, missing string) (*uploaded, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &Error{Code: "too_large", Message: "文件过大：一次最多上传 64 MB，请分成几个文件导入"}
		}
		return nil, &Error{Code: "bad_request", Message: "请以 multipart/form-data 上传文件（字段名 file）"}
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		_ = r.MultipartForm.RemoveAll()
		return nil, &Error{Code: "bad_request", Message: missing}
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fh.Size)); err != nil {
		f.Close()
		_ = r.MultipartForm.RemoveAll()
		return nil, &Error{Code: "bad_request", Message: "读取上传的文件失败"}
	}
	u := &uploaded{form: r.MultipartForm, file: f, size: fh.Size, name: filepath.Base(fh.Filename), sha256: hex.EncodeToString(h.Sum(nil))}
	u.ra, u.counter = counter(r, f, fh.Size)
	return u, nil
}

// sheetError is a file that cannot be read: the reader's own error (sheet.Error, coded, with
// its Chinese message), a cancelled request as it is, anything else a 422 naming it.
func sheetError(err error) error {
	if err == nil {
		return nil
	}
	var c Coded
	if errors.As(err, &c) || errors.Is(err, context.Canceled) {
		return err
	}
	return &Error{Code: "invalid", Message: "无法读取文件：" + strings.TrimPrefix(err.Error(), "sheet: ")}
}

// importRejects downloads the rejected rows of an import as a workbook (or CSV with
// ?format=csv): the original cells and a column 错误原因, to be fixed and imported again. Only the
// account that imported the file gets them (the store refuses everyone else, audited).
func (s *Server) importRejects(w http.ResponseWriter, r *http.Request) {
	s.writeRejects(w, r, r.PathValue("batch"), store.ImportChildren)
}

// writeRejects answers the rejected rows of an import batch of kind as a workbook, or CSV with
// ?format=csv, named after the imported file.
func (s *Server) writeRejects(w http.ResponseWriter, r *http.Request, uid, kind string) {
	rej, err := s.Imports.Rejects(r.Context(), uid)
	if err == nil && rej.Batch.Kind != kind {
		err = &Error{Code: "not_found", Message: "没有编号为 " + uid + " 的导入批次"}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	format, ext, ctype := sheet.XLSX, ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if r.URL.Query().Get("format") == "csv" {
		format, ext, ctype = sheet.CSV, ".csv", "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", "attachment; filename=\"rejects"+ext+"\"; filename*=UTF-8''"+url.PathEscape(rej.Name+ext))
	if err := rej.Write(w, format); err != nil && s.Log != nil {
		// The header is sent already; the client sees a truncated file.
		s.Log.Error("write rejects", "batch", uid, "err", err)
	}
}
