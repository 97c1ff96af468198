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

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/sheet"
	"guanai/internal/store"
)

// Importer is the part of the store the import handlers use.
type Importer interface {
	BeginImport(ctx context.Context, actor string, opt store.ImportOptions) (*store.Import, error)
	ImportBatch(ctx context.Context, uid string) (*store.Batch, error)
	ImportRejects(ctx context.Context, batch string) ([]store.RejectedRow, error)
}

// maxUpload bounds an uploaded workbook (a district's children fit in a few megabytes).
const maxUpload = 64 << 20

// importJSON is the summary of an upload: the JSON of guanai import children (CONTRACT.md),
// with dry_run set for a preview.
type importJSON struct {
	DryRun    bool            `json:"dry_run"`
	File      string          `json:"file"`
	Format    string          `json:"format"`
	Rows      int             `json:"rows"`
	Imported  int             `json:"imported"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Rejected  int             `json:"rejected"`
	Batch     string          `json:"batch,omitempty"`
	Errors    []sheet.Problem `json:"errors"`
	Warnings  []sheet.Problem `json:"warnings"`
	// Rejects is where the rejected rows can be downloaded as a workbook with a reason column.
	Rejects string `json:"rejects_url,omitempty"`
}

// importChildren takes the registration template as a multipart upload (field "file"). With
// dry_run=1 it reads and checks every row and changes nothing (the preview); otherwise it
// imports like guanai import children.
func (s *Server) importChildren(w http.ResponseWriter, r *http.Request) {
	imp := s.Imports
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
		s.fail(w, r, &Error{Code: "bad_request", Message: "请选择要导入的登记表文件（.xlsx 或 .csv）"})
		return
	}
	defer f.Close()
	name := filepath.Base(fh.Filename)
	ra, cnt := counter(r, f, fh.Size)
	rd, err := sheet.NewReader(ra, fh.Size, name, sheet.ReadOptions{Today: s.Today(), Regions: s.Regions})
	if err != nil {
		s.fail(w, r, sheetError(err))
		return
	}
	defer rd.Close()
	cnt.reset()
	p := newProgress(w, r, cnt)
	out := importJSON{DryRun: dry, File: name, Format: rd.Format(), Errors: []sheet.Problem{}, Warnings: append([]sheet.Problem{}, rd.Warnings()...)}
	if dry {
		err = previewImport(r.Context(), rd, &out, p)
	} else {
		err = s.runImport(r.Context(), imp, actor(r), status, f, name, rd, &out, p)
	}
	s.answer(w, r, p, out, err)
}

// sheetError is a file that cannot be read: the reader's own error (sheet.Error, coded, with
// its Chinese message), a cancelled request as it is, anything else a 422 naming it.
func sheetError(err error) error {
	var c Coded
	if errors.As(err, &c) || errors.Is(err, context.Canceled) {
		return err
	}
	return &Error{Code: "invalid", Message: "无法读取文件：" + strings.TrimPrefix(err.Error(), "sheet: ")}
}

func listProblems(dst *[]sheet.Problem, ps []sheet.Problem) {
	if room := maxListed - len(*dst); room > 0 {
		*dst = append(*dst, ps[:min(room, len(ps))]...)
	}
}

// maxListed bounds the errors and warnings listed in a summary; the counts stay exact.
const maxListed = 1000

// previewImport reads every row and counts what would be rejected for its own errors. Rows that
// only the registry can refuse (a later row contradicting an earlier one about the same child)
// are found on the real import.
func previewImport(ctx context.Context, rd *sheet.Reader, out *importJSON, p *progress) error {
	p.begin(phaseRead, 0)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return sheetError(err)
		}
		out.Rows++
		p.step(out.Rows)
		listProblems(&out.Warnings, row.Warnings())
		e := row.Errors()
		if len(e) == 0 && outOfScope(ctx, &row.Record) {
			e = []sheet.Problem{{Row: row.Number, Column: sheet.ColumnLabel("residence_address.region_code"), Field: "residence_address.region_code", Code: "out_of_scope", Message: "现居住地和户籍地都不在您的辖区内"}}
		}
		if len(e) > 0 {
			out.Rejected++
			listProblems(&out.Errors, e)
		} else {
			out.Imported++
		}
	}
}

// outOfScope tells a row the import would refuse because the principal could not see the child
// once written: the store's rule (residence or hukou division in the jurisdiction), asked here so
// that the preview shows it too.
func outOfScope(ctx context.Context, r *child.Record) bool {
	p := auth.PrincipalFrom(ctx)
	if p == nil {
		return false
	}
	return p.Scope == "" || !p.InScope(r.ResidenceAddr.Region()) && !p.InScope(r.HukouAddress.Region())
}

// runImport imports the rows of rd chunk by chunk. When it fails, the batch is marked failed
// (the rows of the chunks written stay, as documented for store.Import; importing the file
// again is safe); so also when the client goes away and the request's context ends.
func (s *Server) runImport(ctx context.Context, imp Importer, who, status string, f multipart.File, name string, rd *sheet.Reader, out *importJSON, p *progress) error {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62)); err != nil {
		return &Error{Code: "bad_request", Message: "读取上传的文件失败"}
	}
	im, err := imp.BeginImport(ctx, who, store.ImportOptions{Roster: name, FileSHA256: hex.EncodeToString(h.Sum(nil)), Headers: rd.Header(), Status: status})
	if err != nil {
		return err
	}
	const chunk = 500
	rows := make([]store.ImportRow, 0, chunk)
	byNumber := make(map[int]sheet.Row, chunk)
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		outcomes, err := im.Add(ctx, rows)
		if err != nil {
			return err
		}
		for _, o := range outcomes {
			if o.Outcome != store.OutcomeRejected {
				continue
			}
			if row, ok := byNumber[o.Row]; ok && len(row.Issues.Errors) > 0 {
				listProblems(&out.Errors, row.Errors())
			} else {
				for _, e := range o.Errors {
					listProblems(&out.Errors, []sheet.Problem{{Row: o.Row, Field: e.Field, Code: e.Code, Message: e.Message}})
				}
			}
		}
		rows = rows[:0]
		clear(byNumber)
		return nil
	}
	fail := func(err error) error {
		_ = im.Fail(context.WithoutCancel(ctx))
		return err
	}
	p.begin(phaseRead, 0)
	read := 0
	for {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(sheetError(err))
		}
		read++
		p.step(read)
		listProblems(&out.Warnings, row.Warnings())
		rows = append(rows, store.ImportRow{Row: row.Number, Record: row.Record, Issues: row.Issues, Cells: row.Cells})
		byNumber[row.Number] = row
		if len(rows) == chunk {
			if err := flush(); err != nil {
				return fail(err)
			}
		}
	}
	if err := flush(); err != nil {
		return fail(err)
	}
	p.begin(phaseWrite, read)
	res, err := im.Finish(ctx)
	if err != nil {
		return fail(err)
	}
	out.Rows, out.Imported, out.Updated, out.Unchanged, out.Rejected, out.Batch = res.Rows, res.Imported, res.Updated, res.Unchanged, res.Rejected, res.Batch
	if res.Rejected > 0 {
		out.Rejects = "/api/v1/imports/" + url.PathEscape(res.Batch) + "/rejects"
	}
	return nil
}

// importRejects downloads the rejected rows of an import as a workbook (or CSV with
// ?format=csv): the original cells and a column 错误原因, to be fixed and imported again.
func (s *Server) importRejects(w http.ResponseWriter, r *http.Request) {
	imp := s.Imports
	uid := r.PathValue("batch")
	b, err := imp.ImportBatch(r.Context(), uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rejected, err := imp.ImportRejects(r.Context(), uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeRejects(w, r, uid, b.Roster, "导入", b.Headers, rejected)
}

// writeRejects answers the rejected rows of an import batch (of children or of a roster) as a
// workbook, or CSV with ?format=csv: the original header and cells plus 错误原因, named after
// the imported file (fallback when it had no name).
func (s *Server) writeRejects(w http.ResponseWriter, r *http.Request, uid, file, fallback string, headers []string, rejected []store.RejectedRow) {
	rows := make([]sheet.RejectRow, len(rejected))
	for i, rr := range rejected {
		rows[i] = sheet.RejectRow{Number: rr.Row, Cells: rr.Cells, Reason: joinIssues(rr.Errors)}
	}
	format, ext, ctype := sheet.XLSX, ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if r.URL.Query().Get("format") == "csv" {
		format, ext, ctype = sheet.CSV, ".csv", "text/csv; charset=utf-8"
	}
	base := strings.TrimSuffix(file, filepath.Ext(file))
	if base == "" {
		base = fallback
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", "attachment; filename=\"rejects"+ext+"\"; filename*=UTF-8''"+url.PathEscape(base+"-未导入的行"+ext))
	if err := sheet.WriteRejects(w, headers, rows, sheet.WriteOptions{Format: format}); err != nil && s.Log != nil {
		// The header is sent already; the client sees a truncated file.
		s.Log.Error("write rejects", "batch", uid, "err", err)
	}
}

// joinIssues joins the messages of a row's errors, each once.
func joinIssues(is []child.Issue) string {
	seen := make(map[string]bool, len(is))
	var msgs []string
	for _, e := range is {
		if !seen[e.Message] {
			seen[e.Message] = true
			msgs = append(msgs, e.Message)
		}
	}
	return strings.Join(msgs, "；")
}
