package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

// Record-level exports (导出审批): a user who reads children asks for an export of part of the
// jurisdiction with a purpose; a reviewer whose jurisdiction contains the requester's, other
// than the requester, approves or rejects it; the requester then downloads it once. Every step
// is audited; the download reads with the requester's jurisdiction.

// Export request statuses.
const (
	ExportPending    = "pending"
	ExportApproved   = "approved"
	ExportRejected   = "rejected"
	ExportDownloaded = "downloaded"
)

// ExportCriteria selects the children of an export: plain filters only.
type ExportCriteria struct {
	Region            string   `json:"region,omitempty"`
	RegionOf          string   `json:"region_of,omitempty"`
	Status            []string `json:"status,omitempty"`
	MigrantMonitoring string   `json:"migrant_monitoring,omitempty"`
	LeftBehind        string   `json:"left_behind,omitempty"`
	KeyCare           string   `json:"key_care,omitempty"`
}

func (c ExportCriteria) query() Query {
	return Query{Region: c.Region, RegionOf: c.RegionOf, Status: c.Status, MigrantMonitoring: c.MigrantMonitoring,
		LeftBehind: c.LeftBehind, KeyCare: c.KeyCare}
}

// ExportRequest is one request and what became of it.
type ExportRequest struct {
	UID          string
	RequestedBy  string
	Scope        string
	Criteria     ExportCriteria
	Purpose      string
	Status       string
	CreatedAt    time.Time
	DecidedBy    string
	DecidedAt    time.Time
	DecisionNote string
	DownloadedAt time.Time
	Records      int
}

func errNoExport(uid string) *Error {
	return &Error{Code: CodeNotFound, Message: "没有编号为 " + uid + " 的导出申请"}
}

// RequestExport records a request of the principal of ctx.
func (s *Store) RequestExport(ctx context.Context, c ExportCriteria, purpose string) (*ExportRequest, error) {
	p, err := gate(ctx, "您的角色不能申请导出儿童记录", auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	if _, _, err := jurisdiction(p); err != nil {
		return nil, err
	}
	if c.Region != "" {
		code, ok := normalizeRegion(c.Region)
		if !ok {
			return nil, errInvalid("行政区划代码“"+c.Region+"”格式不正确", child.Issue{Field: "region", Code: "region_format", Message: "区划代码格式不正确"})
		}
		// A region around the jurisdiction is its part inside (the download reads with the
		// requester's jurisdiction); one beside it is refused.
		if !p.Covers(code) && !strings.HasPrefix(p.Scope, code) {
			return nil, errForbidden("区划 " + c.Region + " 不在您的辖区内")
		}
	}
	purpose = strings.TrimSpace(purpose)
	if n := len([]rune(purpose)); n < 2 || n > 200 {
		return nil, errInvalid("请说明导出用途（2–200 字）", child.Issue{Field: "purpose", Code: "required", Message: "请说明导出用途"})
	}
	q := c.query()
	if _, _, err := s.where(&q); err != nil {
		return nil, err
	}
	crit, _ := json.Marshal(c)
	now := s.instant()
	r := &ExportRequest{UID: newUID(now), RequestedBy: p.Actor(), Scope: p.Scope, Criteria: c, Purpose: purpose,
		Status: ExportPending, CreatedAt: now}
	err = s.inTx(ctx, "申请导出", func(t *tx) error {
		if _, err := t.exec(`INSERT INTO export_requests (uid, requested_by, scope, criteria, purpose, status, created_at)
 VALUES (?, ?, ?, ?, ?, ?, ?)`, r.UID, r.RequestedBy, r.Scope, string(crit), r.Purpose, r.Status, s.d.timeArg(now)); err != nil {
			return err
		}
		return s.appendAudit(t, audit.ExportRequest, "export:"+r.UID, map[string]any{"criteria": c, "purpose": purpose})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

const exportSelect = `SELECT uid, requested_by, scope, criteria, purpose, status, created_at, decided_by, decided_at,
 decision_note, downloaded_at, records FROM export_requests`

func scanExport(scan func(...any) error) (*ExportRequest, error) {
	var r ExportRequest
	var crit string
	var by, note sql.NullString
	var n sql.NullInt64
	err := scan(&r.UID, &r.RequestedBy, &r.Scope, &crit, &r.Purpose, &r.Status, scanTime{&r.CreatedAt}, &by,
		scanTime{&r.DecidedAt}, &note, scanTime{&r.DownloadedAt}, &n)
	if err != nil {
		return nil, err
	}
	r.DecidedBy, r.DecisionNote, r.Records = by.String, note.String, int(n.Int64)
	return &r, json.Unmarshal([]byte(crit), &r.Criteria)
}

// ExportRequests lists, newest first, the principal's own requests and, for a reviewer, the
// requests made within its jurisdiction.
func (s *Store) ExportRequests(ctx context.Context) ([]*ExportRequest, error) {
	p, err := gate(ctx, "您的角色不能查看导出申请", auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	where, args := "", []any{}
	if !p.Whole() {
		where, args = " WHERE requested_by = ?", []any{p.Actor()}
		if p.Can(auth.PermChildrenExport) && p.Scope != "" {
			where += " OR (scope >= ? AND scope < ?)"
			args = append(args, p.Scope, p.Scope+"~")
		}
	}
	rows, err := s.query(ctx, exportSelect+where+" ORDER BY id DESC LIMIT 200", args...)
	if err != nil {
		return nil, internal("读取导出申请", err)
	}
	defer rows.Close()
	out := []*ExportRequest{}
	for rows.Next() {
		r, err := scanExport(rows.Scan)
		if err != nil {
			return nil, internal("读取导出申请", err)
		}
		out = append(out, r)
	}
	return out, internal("读取导出申请", rows.Err())
}

// DecideExport approves or rejects a pending request. The decider holds children.export, has
// the requester's org unit in its jurisdiction and is not the requester.
func (s *Store) DecideExport(ctx context.Context, uid string, approve bool, note string) (*ExportRequest, error) {
	p := auth.PrincipalFrom(ctx)
	if p == nil || !p.Can(auth.PermChildrenExport) || !p.Can(auth.PermChildrenReview) {
		return nil, errForbidden("只有民政审核员可以审批导出申请")
	}
	var out *ExportRequest
	err := s.inTx(ctx, "审批导出申请", func(t *tx) error {
		r, err := scanExport(t.queryRow(exportSelect+" WHERE uid = ?"+s.d.forUpdate(), uid).Scan)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !strings.HasPrefix(r.Scope, p.Scope) {
			return errNoExport(uid)
		}
		if err != nil {
			return err
		}
		if r.RequestedBy == p.Actor() {
			return errForbidden("不能审批自己的导出申请")
		}
		if r.Status != ExportPending {
			return &Error{Code: CodeConflict, Message: "该导出申请已处理"}
		}
		r.Status, r.DecidedBy, r.DecidedAt, r.DecisionNote = ExportRejected, p.Actor(), s.instant(), strings.TrimSpace(note)
		if approve {
			r.Status = ExportApproved
		}
		if _, err := t.exec("UPDATE export_requests SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE uid = ?",
			r.Status, r.DecidedBy, s.d.timeArg(r.DecidedAt), r.DecisionNote, uid); err != nil {
			return err
		}
		out = r
		return s.appendAudit(t, audit.ExportDecide, "export:"+uid, map[string]any{"status": r.Status, "requested_by": r.RequestedBy})
	})
	return out, err
}

// DownloadExport hands the requester the approved export once: the request is marked
// downloaded (and audited) before the records are read, so that a second download is refused
// even while the first runs; fn receives the request and the records, read with the
// requester's jurisdiction. A download that fails part-way needs a new request.
func (s *Store) DownloadExport(ctx context.Context, uid string, fn func(r *ExportRequest, each func(func(*Child) error) error) error) error {
	p, err := gate(ctx, "")
	if err != nil {
		return err
	}
	var r *ExportRequest
	err = s.inTx(ctx, "下载导出文件", func(t *tx) error {
		var err error
		r, err = scanExport(t.queryRow(exportSelect+" WHERE uid = ?"+s.d.forUpdate(), uid).Scan)
		if errors.Is(err, sql.ErrNoRows) || err == nil && r.RequestedBy != p.Actor() {
			return errNoExport(uid)
		}
		if err != nil {
			return err
		}
		switch r.Status {
		case ExportPending:
			return errForbidden("导出申请尚未审批")
		case ExportRejected:
			return errForbidden("导出申请未获批准")
		case ExportDownloaded:
			return errForbidden("导出文件只能下载一次，已于 " + r.DownloadedAt.In(chinaTime).Format("2006-01-02 15:04") + " 下载")
		}
		r.Status, r.DownloadedAt = ExportDownloaded, s.instant()
		if _, err := t.exec("UPDATE export_requests SET status = ?, downloaded_at = ? WHERE uid = ?", r.Status, s.d.timeArg(r.DownloadedAt), uid); err != nil {
			return err
		}
		return s.appendAudit(t, audit.ChildExport, "export:"+uid, map[string]any{"criteria": r.Criteria, "approved_by": r.DecidedBy})
	})
	if err != nil {
		return err
	}
	n := 0
	err = fn(r, func(yield func(*Child) error) error {
		return s.Each(ctx, r.Criteria.query(), func(c *Child) error {
			n++
			return yield(c)
		})
	})
	if _, uerr := s.write.ExecContext(context.WithoutCancel(ctx), s.d.bind("UPDATE export_requests SET records = ? WHERE uid = ?"), n, uid); err == nil && uerr != nil {
		err = internal("记录导出条数", uerr)
	}
	r.Records = n
	return err
}
