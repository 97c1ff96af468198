package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"guanai/internal/audit"
)

// Upload requests (上报审批): a reviewer's national upload batch is approved before it is made,
// as a record-level export is — by another reviewer whose jurisdiction holds the requester's org
// unit — and made once, by the requester, under the approved request. Every step is audited.

// UploadRequest is a request for an upload batch and what became of it.
type UploadRequest struct {
	UID          string    `json:"uid"`
	RequestedBy  string    `json:"requested_by"`
	Scope        string    `json:"scope"`
	Region       string    `json:"region"`
	Note         string    `json:"note"`
	Status       string    `json:"status"` // pending, approved, rejected, used
	CreatedAt    time.Time `json:"created_at"`
	DecidedBy    string    `json:"decided_by,omitempty"`
	DecidedAt    time.Time `json:"decided_at,omitzero"`
	DecisionNote string    `json:"decision_note,omitempty"`
	Batch        string    `json:"batch,omitempty"`
}

const uploadRequestSelect = `SELECT uid, requested_by, scope, region, note, status, created_at, decided_by, decided_at, decision_note, batch FROM upload_requests`

func scanUploadRequest(scan func(...any) error) (*UploadRequest, error) {
	var r UploadRequest
	var by, note, batch sql.NullString
	err := scan(&r.UID, &r.RequestedBy, &r.Scope, &r.Region, &r.Note, &r.Status, scanTime{&r.CreatedAt}, &by, scanTime{&r.DecidedAt}, &note, &batch)
	r.DecidedBy, r.DecisionNote, r.Batch = by.String, note.String, batch.String
	return &r, err
}

func errNoUploadRequest(uid string) *Error {
	return &Error{Code: CodeNotFound, Message: "没有编号为 " + uid + " 的上报申请"}
}

// RequestUpload records a reviewer's request to make a batch of region ("" its jurisdiction).
func (s *Store) RequestUpload(ctx context.Context, region, note string) (*UploadRequest, error) {
	p, err := uploadGate(ctx)
	if err != nil {
		return nil, err
	}
	region, err = uploadRegion(p, region)
	if err != nil {
		return nil, err
	}
	now := s.instant()
	r := &UploadRequest{UID: newUID(now), RequestedBy: p.Actor(), Scope: p.Scope, Region: region, Note: strings.TrimSpace(note),
		Status: ExportPending, CreatedAt: now}
	err = s.inTx(ctx, "申请上报", func(t *tx) error {
		if _, err := t.exec(`INSERT INTO upload_requests (uid, requested_by, scope, region, note, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.UID, r.RequestedBy, r.Scope, r.Region, r.Note, r.Status, s.d.timeArg(now)); err != nil {
			return err
		}
		return s.appendAudit(t, audit.UploadRequest, "upload-request:"+r.UID, map[string]any{"region": region})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// UploadRequests lists, newest first, the requests made within the jurisdiction.
func (s *Store) UploadRequests(ctx context.Context) ([]*UploadRequest, error) {
	p, err := uploadGate(ctx)
	if err != nil {
		return nil, err
	}
	cond, args, err := regionCond(p, "scope")
	if err != nil {
		return nil, err
	}
	where := ""
	if cond != "" {
		where = " WHERE " + cond
	}
	rows, err := s.query(ctx, uploadRequestSelect+where+" ORDER BY id DESC LIMIT 200", args...)
	if err != nil {
		return nil, internal("读取上报申请", err)
	}
	defer rows.Close()
	out := []*UploadRequest{}
	for rows.Next() {
		r, err := scanUploadRequest(rows.Scan)
		if err != nil {
			return nil, internal("读取上报申请", err)
		}
		out = append(out, r)
	}
	return out, internal("读取上报申请", rows.Err())
}

// DecideUpload approves or rejects a pending request: a reviewer other than the requester whose
// jurisdiction holds the requester's org unit.
func (s *Store) DecideUpload(ctx context.Context, uid string, approve bool, note string) (*UploadRequest, error) {
	p, err := uploadGate(ctx)
	if err != nil {
		return nil, err
	}
	cond, cargs, err := regionCond(p, "scope")
	if err != nil {
		return nil, err
	}
	var out *UploadRequest
	err = s.inTx(ctx, "审批上报申请", func(t *tx) error {
		where, args := andWhere(" WHERE uid = ?", []any{uid}, cond, cargs)
		r, err := scanUploadRequest(t.queryRow(uploadRequestSelect+where+s.d.forUpdate(), args...).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoUploadRequest(uid)
		}
		if err != nil {
			return err
		}
		if r.RequestedBy == p.Actor() {
			return errForbidden("不能审批自己的上报申请")
		}
		if r.Status != ExportPending {
			return &Error{Code: CodeConflict, Message: "该上报申请已处理"}
		}
		r.Status, r.DecidedBy, r.DecidedAt, r.DecisionNote = ExportRejected, p.Actor(), s.instant(), strings.TrimSpace(note)
		if approve {
			r.Status = ExportApproved
		}
		if _, err := t.exec("UPDATE upload_requests SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE uid = ?",
			r.Status, r.DecidedBy, s.d.timeArg(r.DecidedAt), r.DecisionNote, uid); err != nil {
			return err
		}
		out = r
		return s.appendAudit(t, audit.UploadDecide, "upload-request:"+uid, map[string]any{"status": r.Status, "requested_by": r.RequestedBy})
	})
	return out, err
}

// CreateRequestedUploadBatch makes the batch of an approved request, once, by its requester:
// the request is marked used with the batch's number in the batch's transaction.
func (s *Store) CreateRequestedUploadBatch(ctx context.Context, uid string, write UploadWriter) (*UploadBatch, error) {
	p, err := uploadGate(ctx)
	if err != nil {
		return nil, err
	}
	r, err := scanUploadRequest(s.queryRow(ctx, uploadRequestSelect+" WHERE uid = ? AND requested_by = ?", uid, p.Actor()).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoUploadRequest(uid)
	}
	if err != nil {
		return nil, internal("读取上报申请", err)
	}
	if err := uploadRequestUsable(r); err != nil {
		return nil, err
	}
	return s.createUploadBatch(ctx, p, r.Region, write, func(t *tx, b *UploadBatch) error {
		r, err := scanUploadRequest(t.queryRow(uploadRequestSelect+" WHERE uid = ?"+s.d.forUpdate(), uid).Scan)
		if err != nil {
			return err
		}
		if err := uploadRequestUsable(r); err != nil {
			return err
		}
		_, err = t.exec("UPDATE upload_requests SET status = 'used', batch = ? WHERE uid = ?", b.Number, uid)
		return err
	})
}

func uploadRequestUsable(r *UploadRequest) error {
	switch r.Status {
	case ExportPending:
		return errForbidden("上报申请尚未审批")
	case ExportRejected:
		return errForbidden("上报申请未获批准")
	case "used":
		return errForbidden("该上报申请已生成批次 " + r.Batch + "，每次申请只能生成一次")
	}
	return nil
}
