package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/stats"
)

// Releases (数据发布, 保障措施（四）, docs/releases.md): a statistician drafts a release of chosen
// standard tables for a region and an as-of date; the figures are computed with disclosure
// control once, kept as they were hashed (SM3) and never change. Each department whose data the
// tables hold (stats.ReleaseDepartments) signs off or objects, with a comment; civil affairs and
// statistics approve; the statistician publishes only when every department has signed and both
// have approved. Withdrawing keeps the release listed as withdrawn.

// Release statuses.
const (
	ReleaseReview    = "review"    // drafted, waiting for sign-offs and approvals
	ReleasePublished = "published" // 已发布
	ReleaseWithdrawn = "withdrawn" // 已撤回
)

// Sign-off decisions.
const (
	SignSigned   = "signed"
	SignObjected = "objected"
	SignApproved = "approved"
)

// Approving bodies of a release.
const (
	ApproveCivilAffairs = "minzheng"
	ApproveStatistics   = "tongji"
)

// ReleaseDraft is what a statistician chooses.
type ReleaseDraft struct {
	Title  string     `json:"title"`
	Region string     `json:"region"`
	AsOf   child.Date `json:"as_of"`
	Tables []string   `json:"tables"`
}

// Signoff is a department's sign-off or objection, or an approval.
type Signoff struct {
	Kind       string    `json:"kind"` // dept or approve
	Department string    `json:"department"`
	Decision   string    `json:"decision"`
	Comment    string    `json:"comment"`
	Actor      string    `json:"actor"`
	At         time.Time `json:"at"`
}

// Release is a release and where it stands.
type Release struct {
	UID            string     `json:"uid"`
	Title          string     `json:"title"`
	Region         string     `json:"region"`
	AsOf           child.Date `json:"as_of"`
	Tables         []string   `json:"tables"`
	Departments    []string   `json:"departments"`
	Status         string     `json:"status"`
	Digest         string     `json:"digest"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	PublishedBy    string     `json:"published_by,omitempty"`
	PublishedAt    time.Time  `json:"published_at,omitzero"`
	WithdrawnBy    string     `json:"withdrawn_by,omitempty"`
	WithdrawnAt    time.Time  `json:"withdrawn_at,omitzero"`
	WithdrawReason string     `json:"withdraw_reason,omitempty"`
	Signoffs       []Signoff  `json:"signoffs"`
	// Content is the suppressed report as hashed (Get only).
	Content json.RawMessage `json:"-"`

	id int64
}

// Missing lists what the release still needs before it can be published, in Chinese.
func (r *Release) Missing() []string {
	var out []string
	for _, d := range r.Departments {
		i := slices.IndexFunc(r.Signoffs, func(s Signoff) bool { return s.Kind == "dept" && s.Department == d })
		switch {
		case i < 0:
			out = append(out, auth.DepartmentLabel(d)+"部门尚未签署意见")
		case r.Signoffs[i].Decision != SignSigned:
			out = append(out, auth.DepartmentLabel(d)+"部门有异议："+r.Signoffs[i].Comment)
		}
	}
	for _, a := range []string{ApproveCivilAffairs, ApproveStatistics} {
		if !slices.ContainsFunc(r.Signoffs, func(s Signoff) bool { return s.Kind == "approve" && s.Department == a }) {
			out = append(out, auth.DepartmentLabel(a)+"部门尚未审批")
		}
	}
	return out
}

// ContentDigest is the SM3 digest (hex) of a release's content, as kept and printed.
func ContentDigest(content []byte) string {
	h := sm3.Sum(content)
	return hex.EncodeToString(h[:])
}

func errNoRelease(uid string) *Error {
	return &Error{Code: CodeNotFound, Message: "没有编号为 " + uid + " 的数据发布"}
}

// releaseCond keeps the releases a reader of statistics may see: those of its jurisdiction and
// those of a region around it (alias r).
func releaseCond(p *auth.Principal) (string, []any, error) {
	code, whole, err := jurisdiction(p)
	if err != nil || whole {
		return "", nil, err
	}
	return "((r.region >= ? AND r.region < ?) OR substr(CAST(? AS TEXT), 1, length(r.region)) = r.region)", []any{code, code + "~", code}, nil
}

// CreateRelease records a statistician's draft with its content (the suppressed report, JSON),
// hashed; the departments to sign are derived from the tables.
func (s *Store) CreateRelease(ctx context.Context, d ReleaseDraft, content []byte) (*Release, error) {
	p, err := gate(ctx, "只有统计人员可以起草数据发布", auth.PermStatsRead)
	if err != nil {
		return nil, err
	}
	if !p.Whole() && !p.Has(auth.RoleStatistician) {
		return nil, errForbidden("只有统计人员可以起草数据发布")
	}
	d.Title = strings.TrimSpace(d.Title)
	if n := len([]rune(d.Title)); n < 2 || n > 100 {
		return nil, errInvalid("请填写发布标题（2–100 字）", child.Issue{Field: "title", Code: "required", Message: "请填写发布标题"})
	}
	code, ok := normalizeRegion(d.Region)
	if !ok {
		return nil, errInvalid("请选择发布的区域", child.Issue{Field: "region", Code: "region_format", Message: "区划代码格式不正确"})
	}
	if !p.Covers(code) {
		return nil, errForbidden("区划 " + d.Region + " 不在您的辖区内")
	}
	if d.AsOf == 0 {
		return nil, errInvalid("请选择统计时点", child.Issue{Field: "as_of", Code: "required", Message: "请选择统计时点"})
	}
	if len(d.Tables) == 0 {
		return nil, errInvalid("请至少选择一张统计表", child.Issue{Field: "tables", Code: "required", Message: "请至少选择一张统计表"})
	}
	for _, t := range d.Tables {
		if !stats.ValidReleaseKey(t) {
			return nil, errInvalid("没有名为“"+t+"”的统计表或交叉表", child.Issue{Field: "tables", Code: "unknown", Message: "未知的统计表"})
		}
	}
	if !json.Valid(content) {
		return nil, errInvalid("发布内容无效")
	}
	now := s.instant()
	r := &Release{UID: newUID(now), Title: d.Title, Region: code, AsOf: d.AsOf, Tables: d.Tables, Departments: stats.ReleaseDepartments(d.Tables),
		Status: ReleaseReview, Digest: ContentDigest(content), CreatedBy: p.Actor(), CreatedAt: now, Signoffs: []Signoff{}, Content: content}
	tables, _ := json.Marshal(r.Tables)
	depts, _ := json.Marshal(r.Departments)
	err = s.inTx(ctx, "起草数据发布", func(t *tx) error {
		if err := t.queryRow(`INSERT INTO releases (uid, title, region, as_of, tables, departments, status, content, digest, created_by, created_at)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.UID, r.Title, r.Region, int64(r.AsOf), string(tables), string(depts), r.Status,
			string(content), r.Digest, r.CreatedBy, s.d.timeArg(now)).Scan(&r.id); err != nil {
			return err
		}
		return s.appendAudit(t, audit.ReleaseCreate, "release:"+r.UID, map[string]any{"title": r.Title, "region": r.Region,
			"as_of": r.AsOf.String(), "tables": r.Tables, "departments": r.Departments, "digest": r.Digest})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

const releaseSelect = `SELECT r.id, r.uid, r.title, r.region, r.as_of, r.tables, r.departments, r.status, r.digest, r.created_by, r.created_at,
 r.published_by, r.published_at, r.withdrawn_by, r.withdrawn_at, r.withdraw_reason FROM releases r`

func scanRelease(scan func(...any) error) (*Release, error) {
	var r Release
	var asOf int64
	var tables, depts string
	var pby, wby, why sql.NullString
	err := scan(&r.id, &r.UID, &r.Title, &r.Region, &asOf, &tables, &depts, &r.Status, &r.Digest, &r.CreatedBy, scanTime{&r.CreatedAt},
		&pby, scanTime{&r.PublishedAt}, &wby, scanTime{&r.WithdrawnAt}, &why)
	if err != nil {
		return nil, err
	}
	r.AsOf, r.PublishedBy, r.WithdrawnBy, r.WithdrawReason = child.Date(asOf), pby.String, wby.String, why.String
	if err := json.Unmarshal([]byte(tables), &r.Tables); err != nil {
		return nil, err
	}
	return &r, json.Unmarshal([]byte(depts), &r.Departments)
}

// signoffs reads the sign-offs of the releases in byID.
func (s *Store) signoffs(q func(string, ...any) (*sql.Rows, error), byID map[int64]*Release) error {
	if len(byID) == 0 {
		return nil
	}
	ids := make([]any, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	rows, err := q("SELECT release_id, kind, decision, comment, actor, at FROM release_signoffs WHERE release_id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+") ORDER BY at", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var kind string
		var so Signoff
		if err := rows.Scan(&id, &kind, &so.Decision, &so.Comment, &so.Actor, scanTime{&so.At}); err != nil {
			return err
		}
		so.Kind, so.Department, _ = strings.Cut(kind, ":")
		byID[id].Signoffs = append(byID[id].Signoffs, so)
	}
	return rows.Err()
}

// Releases lists, newest first, the releases a reader of statistics may see.
func (s *Store) Releases(ctx context.Context) ([]*Release, error) {
	p, err := gate(ctx, "您的角色不能查看数据发布", auth.PermStatsRead)
	if err != nil {
		return nil, err
	}
	cond, args, err := releaseCond(p)
	if err != nil {
		return nil, err
	}
	where := ""
	if cond != "" {
		where = " WHERE " + cond
	}
	rows, err := s.query(ctx, releaseSelect+where+" ORDER BY r.id DESC LIMIT 200", args...)
	if err != nil {
		return nil, internal("读取数据发布", err)
	}
	out := []*Release{}
	byID := map[int64]*Release{}
	for rows.Next() {
		r, err := scanRelease(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, internal("读取数据发布", err)
		}
		r.Signoffs = []Signoff{}
		out = append(out, r)
		byID[r.id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("读取数据发布", err)
	}
	q := func(q string, args ...any) (*sql.Rows, error) { return s.query(ctx, q, args...) }
	return out, internal("读取数据发布", s.signoffs(q, byID))
}

// GetRelease returns a release the reader may see, with its sign-offs and content.
func (s *Store) GetRelease(ctx context.Context, uid string) (*Release, error) {
	p, err := gate(ctx, "您的角色不能查看数据发布", auth.PermStatsRead)
	if err != nil {
		return nil, err
	}
	return s.getRelease(ctx, p, uid)
}

func (s *Store) getRelease(ctx context.Context, p *auth.Principal, uid string) (*Release, error) {
	cond, cargs, err := releaseCond(p)
	if err != nil {
		return nil, err
	}
	where, args := andWhere(" WHERE r.uid = ?", []any{uid}, cond, cargs)
	var content string
	r, err := scanRelease(func(dest ...any) error {
		return s.queryRow(ctx, strings.Replace(releaseSelect, " FROM releases r", ", r.content FROM releases r", 1)+where, args...).
			Scan(append(dest, &content)...)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoRelease(uid)
	}
	if err != nil {
		return nil, internal("读取数据发布", err)
	}
	r.Content, r.Signoffs = json.RawMessage(content), []Signoff{}
	q := func(q string, args ...any) (*sql.Rows, error) { return s.query(ctx, q, args...) }
	return r, internal("读取数据发布", s.signoffs(q, map[int64]*Release{r.id: r}))
}

// changeRelease runs fn on the release of uid, locked, when the principal may see it.
func (s *Store) changeRelease(ctx context.Context, what, uid string, fn func(t *tx, p *auth.Principal, r *Release) error) (*Release, error) {
	p, err := gate(ctx, "您的角色不能处理数据发布", auth.PermStatsRead, auth.PermChildrenReview)
	if err != nil {
		return nil, err
	}
	cond, cargs, err := releaseCond(p)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, what, func(t *tx) error {
		where, args := andWhere(" WHERE r.uid = ?", []any{uid}, cond, cargs)
		r, err := scanRelease(t.queryRow(releaseSelect+where+s.d.forUpdate(), args...).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoRelease(uid)
		}
		if err != nil {
			return err
		}
		r.Signoffs = []Signoff{}
		if err := s.signoffs(t.query, map[int64]*Release{r.id: r}); err != nil {
			return err
		}
		return fn(t, p, r)
	})
	if err != nil {
		return nil, err
	}
	return s.getRelease(ctx, p, uid)
}

func (s *Store) putSignoff(t *tx, r *Release, kind, decision, comment, actor string) error {
	now := s.instant()
	_, err := t.exec(`INSERT INTO release_signoffs (release_id, kind, decision, comment, actor, at) VALUES (?, ?, ?, ?, ?, ?)
 ON CONFLICT (release_id, kind) DO UPDATE SET decision = excluded.decision, comment = excluded.comment, actor = excluded.actor, at = excluded.at`,
		r.id, kind, decision, comment, actor, s.d.timeArg(now))
	return err
}

func errNotInReview(r *Release) *Error {
	return &Error{Code: CodeConflict, Message: "该数据发布" + map[string]string{ReleasePublished: "已发布", ReleaseWithdrawn: "已撤回"}[r.Status] + "，不能再签署或审批"}
}

// SignRelease records the opinion of a department whose data the release holds: signed, or
// objected with a comment. Only an officer of that department whose jurisdiction covers the
// release's region signs; a later opinion replaces the earlier one while the release is in review.
func (s *Store) SignRelease(ctx context.Context, uid string, object bool, comment string) (*Release, error) {
	comment = strings.TrimSpace(comment)
	return s.changeRelease(ctx, "签署数据发布意见", uid, func(t *tx, p *auth.Principal, r *Release) error {
		if !p.Has(auth.RoleOfficer) || !slices.Contains(r.Departments, p.Department) {
			return errForbidden("只有发布内容所涉部门（" + deptLabels(r.Departments) + "）的业务员可以签署意见")
		}
		if !p.Covers(r.Region) {
			return errForbidden("该数据发布的区域超出您的辖区，须由上级部门签署")
		}
		if r.Status != ReleaseReview {
			return errNotInReview(r)
		}
		decision := SignSigned
		if object {
			decision = SignObjected
			if len([]rune(comment)) < 2 {
				return errInvalid("提出异议须说明理由", child.Issue{Field: "comment", Code: "required", Message: "请说明异议的理由"})
			}
		}
		if err := s.putSignoff(t, r, "dept:"+p.Department, decision, comment, p.Actor()); err != nil {
			return err
		}
		return s.appendAudit(t, audit.ReleaseSign, "release:"+r.UID, map[string]any{"department": p.Department, "decision": decision})
	})
}

func deptLabels(ds []string) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = auth.DepartmentLabel(d)
	}
	if len(out) == 0 {
		return "无"
	}
	return strings.Join(out, "、")
}

// ApproveRelease records the approval of civil affairs (a reviewer of 民政) or of statistics (a
// statistician of 统计) whose jurisdiction covers the release's region.
func (s *Store) ApproveRelease(ctx context.Context, uid, comment string) (*Release, error) {
	return s.changeRelease(ctx, "审批数据发布", uid, func(t *tx, p *auth.Principal, r *Release) error {
		body := ""
		switch {
		case p.Has(auth.RoleReviewer) && p.Department == ApproveCivilAffairs:
			body = ApproveCivilAffairs
		case p.Has(auth.RoleStatistician) && p.Department == ApproveStatistics:
			body = ApproveStatistics
		default:
			return errForbidden("数据发布由统计部门会同民政部门审批")
		}
		if !p.Covers(r.Region) {
			return errForbidden("该数据发布的区域超出您的辖区，须由上级部门审批")
		}
		if r.Status != ReleaseReview {
			return errNotInReview(r)
		}
		if err := s.putSignoff(t, r, "approve:"+body, SignApproved, strings.TrimSpace(comment), p.Actor()); err != nil {
			return err
		}
		return s.appendAudit(t, audit.ReleaseApprove, "release:"+r.UID, map[string]any{"body": body})
	})
}

// PublishRelease publishes a release in review once every department whose data it holds has
// signed and civil affairs and statistics have approved; the statistician publishes.
func (s *Store) PublishRelease(ctx context.Context, uid string) (*Release, error) {
	return s.changeRelease(ctx, "发布数据", uid, func(t *tx, p *auth.Principal, r *Release) error {
		if !p.Whole() && !(p.Has(auth.RoleStatistician) && p.Covers(r.Region)) {
			return errForbidden("只有本辖区的统计人员可以发布数据")
		}
		if r.Status != ReleaseReview {
			return errNotInReview(r)
		}
		if m := r.Missing(); len(m) > 0 {
			return &Error{Code: CodeConflict, Message: "还不能发布：" + strings.Join(m, "；")}
		}
		now := s.instant()
		if _, err := t.exec("UPDATE releases SET status = ?, published_by = ?, published_at = ? WHERE id = ?",
			ReleasePublished, p.Actor(), s.d.timeArg(now), r.id); err != nil {
			return err
		}
		return s.appendAudit(t, audit.ReleasePublish, "release:"+r.UID, map[string]any{"digest": r.Digest})
	})
}

// WithdrawRelease withdraws a release (published or in review) with a reason; it stays listed.
func (s *Store) WithdrawRelease(ctx context.Context, uid, reason string) (*Release, error) {
	reason = strings.TrimSpace(reason)
	return s.changeRelease(ctx, "撤回数据发布", uid, func(t *tx, p *auth.Principal, r *Release) error {
		ok := p.Whole() || (p.Has(auth.RoleStatistician) || p.Has(auth.RoleReviewer) && p.Department == ApproveCivilAffairs) && p.Covers(r.Region)
		if !ok {
			return errForbidden("只有本辖区的统计人员或民政审核员可以撤回数据发布")
		}
		if r.Status == ReleaseWithdrawn {
			return &Error{Code: CodeConflict, Message: "该数据发布已撤回"}
		}
		if len([]rune(reason)) < 2 {
			return errInvalid("请说明撤回原因", child.Issue{Field: "reason", Code: "required", Message: "请说明撤回原因"})
		}
		now := s.instant()
		if _, err := t.exec("UPDATE releases SET status = ?, withdrawn_by = ?, withdrawn_at = ?, withdraw_reason = ? WHERE id = ?",
			ReleaseWithdrawn, p.Actor(), s.d.timeArg(now), reason, r.id); err != nil {
			return err
		}
		return s.appendAudit(t, audit.ReleaseWithdraw, "release:"+r.UID, map[string]any{"reason": reason, "was": r.Status})
	})
}
