package workflow

import (
	"context"
	"encoding/hex"
	"io"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"guanai/internal/region"
	"guanai/internal/sheet"
	"guanai/internal/store"
)

// The national upload (docs/upload.md), shared by guanai upload and the API: the batch's file
// written inside the store's transaction (so that a failed write marks nothing uploaded), with
// its SM3 digest kept on the batch; the national system's answer file read into answers.

// UploadWatermark is the second row of each sheet of an upload file.
func UploadWatermark(number, who string, at time.Time) string {
	return "上报批次：" + number + "　导出人：" + who + "　导出时间：" + at.In(chinaTime).Format("2006-01-02 15:04") +
		"　仅用于上报全国儿童福利信息系统，不得外传"
}

// UploadBatch makes the next upload batch of region and writes its workbook to w (the
// operator's: guanai upload batch).
func UploadBatch(ctx context.Context, s *store.Store, regionCode string, tbl *region.Table, now time.Time, w io.Writer) (*store.UploadBatch, error) {
	return s.CreateUploadBatch(ctx, regionCode, uploadWriter(tbl, now, w))
}

// RequestedUploadBatch makes the batch of an approved upload request and writes its workbook to w
// (a reviewer's, through the API).
func RequestedUploadBatch(ctx context.Context, s *store.Store, request string, tbl *region.Table, now time.Time, w io.Writer) (*store.UploadBatch, error) {
	return s.CreateRequestedUploadBatch(ctx, request, uploadWriter(tbl, now, w))
}

func uploadWriter(tbl *region.Table, now time.Time, w io.Writer) store.UploadWriter {
	return func(b *store.UploadBatch, form1, form2 []store.UploadEntry) (string, error) {
		h := sm3.New()
		u := &sheet.UploadForms{Watermark: UploadWatermark(b.Number, b.CreatedBy, now), Regions: tbl}
		for _, e := range form1 {
			u.Form1 = append(u.Form1, sheet.UploadRow{Seq: e.Seq, Record: &e.Child.Record})
		}
		for _, e := range form2 {
			u.Form2 = append(u.Form2, sheet.UploadRow{Seq: e.Seq, Record: &e.Child.Record})
		}
		if err := sheet.WriteUploadForms(io.MultiWriter(w, h), u); err != nil {
			return "", err
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
}

// FeedbackSummary is what taking back an answer file did: the store's result with the rows of
// the file that could not be read added to its errors.
type FeedbackSummary struct {
	Rows int `json:"rows"`
	*store.UploadFeedbackResult
}

// UploadFeedback reads the national system's answer file from t and applies it.
func UploadFeedback(ctx context.Context, s *store.Store, t *sheet.Table) (*FeedbackSummary, error) {
	rows, problems, err := sheet.ReadUploadFeedback(t)
	if err != nil {
		return nil, err
	}
	answers := make([]store.UploadAnswer, len(rows))
	for i, r := range rows {
		answers[i] = store.UploadAnswer{Row: r.Row, Batch: r.Batch, Seq: r.Seq, IDNumber: r.IDNumber,
			Returned: r.Result == sheet.FeedbackReturned, Reason: r.Reason}
	}
	res, err := s.ApplyUploadFeedback(ctx, answers)
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		res.Errors = append(res.Errors, store.FeedbackError{Row: p.Row, Message: p.Message})
	}
	return &FeedbackSummary{Rows: len(rows) + len(problems), UploadFeedbackResult: res}, nil
}
