package store

import (
	"context"
	"strconv"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/roster"
)

// Work lists for people (issue 6 part 8): the clerical-review queue counted and accepted in
// bulk above a score, and a home-visit lead opened in full to register the child it names.

// reviewWhere is the condition selecting the review pairs of q (roster rows r, batches b,
// candidates c) within the jurisdiction of ctx's principal.
func reviewWhere(ctx context.Context, q RosterReviewQuery) (string, []any, error) {
	p, err := gate(ctx, "您的角色不能复核名册比对结果", auth.PermRostersImport)
	if err != nil {
		return "", nil, err
	}
	if q.Status == "" {
		q.Status = ReviewPending
	}
	where := "r.review = ? AND (? = '' OR r.department = ?) AND (? = '' OR b.uid = ?) AND r.score >= ?"
	args := []any{q.Status, q.Department, q.Department, q.Batch, q.Batch, q.MinScore}
	return pairScope(p, where, args)
}

// pairScope adds to where the conditions under which a principal sees a review pair: the
// candidate child in its jurisdiction (whoever uploaded the roster: a city-wide police roster
// names children of every district, and each district reviews its own) and the roster one of its
// department's.
func pairScope(p *auth.Principal, where string, args []any) (string, []any, error) {
	cond, cargs, err := childCond(p, "c.")
	if err != nil {
		return "", nil, err
	}
	if cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	if dc, dargs := deptCond(p, "r.department"); dc != "" {
		where, args = where+" AND "+dc, append(args, dargs...)
	}
	return where, args, nil
}

const reviewFrom = " FROM roster_rows r JOIN import_batches b ON b.id = r.batch_id JOIN children c ON c.id = r.candidate_id WHERE "

// RosterReviewCount counts the review pairs of q (Limit and Offset aside) whose candidate lies in
// the caller's jurisdiction.
func (s *Store) RosterReviewCount(ctx context.Context, q RosterReviewQuery) (int, error) {
	where, args, err := reviewWhere(ctx, q)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.queryRow(ctx, "SELECT count(*)"+reviewFrom+where, args...).Scan(&n); err != nil {
		return 0, internal("统计待复核的名册行", err)
	}
	return n, nil
}

// MaxBulkReview is the most pairs one bulk acceptance decides.
const MaxBulkReview = 5000

// BulkReviewResult is what a bulk acceptance did.
type BulkReviewResult struct {
	Accepted      int // pairs linked
	Updated       int // of them, rows that changed their child's record
	Discrepancies int // contradictions found on the way
	Failed        []BulkReviewError
	More          bool // more pairs above the score were left for another call (MaxBulkReview)
}

// BulkReviewError is a pair that could not be accepted, and why.
type BulkReviewError struct {
	ID      int64  `json:"id"`
	Row     int    `json:"row"`
	Message string `json:"message"`
}

// AcceptRosterReviews accepts, highest score first, every pending pair of q scoring at least
// q.MinScore whose candidate lies in the caller's jurisdiction — what a reviewer does after
// checking a sample. Each pair is decided as ReviewRoster decides it, in its own transaction, so
// a pair that fails (its record no longer validates, someone decided it meanwhile) is reported
// and the others go on. q.MinScore must be given: accepting the whole band blindly would undo
// the reason it exists.
func (s *Store) AcceptRosterReviews(ctx context.Context, actor string, q RosterReviewQuery) (BulkReviewResult, error) {
	var res BulkReviewResult
	if q.MinScore <= 0 || q.MinScore > 1 {
		return res, errInvalid("批量确认须给出 0–1 之间的分数下限（例如 0.3），只确认不低于它的比对结果")
	}
	q.Status = ReviewPending
	where, args, err := reviewWhere(ctx, q)
	if err != nil {
		return res, err
	}
	rows, err := s.query(ctx, "SELECT r.id"+reviewFrom+where+" ORDER BY r.score DESC, r.id LIMIT ?", append(args, MaxBulkReview+1)...)
	if err != nil {
		return res, internal("读取待复核的名册行", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return res, internal("读取待复核的名册行", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, internal("读取待复核的名册行", err)
	}
	if len(ids) > MaxBulkReview {
		ids, res.More = ids[:MaxBulkReview], true
	}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		o, err := s.ReviewRoster(ctx, actor, id, true)
		if err != nil {
			res.Failed = append(res.Failed, BulkReviewError{ID: id, Row: o.Row, Message: errorMessage(err)})
			continue
		}
		res.Accepted++
		if o.Outcome == RosterUpdated {
			res.Updated++
		}
		res.Discrepancies += len(o.Contra)
	}
	return res, nil
}

// errorMessage is what a person reads of err: a store error's message, else a generic one (the
// detail of an internal error is for the log, not the screen).
func errorMessage(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Message
	}
	return "处理失败，请稍后重试"
}

// LeadDraft opens a lead in full to register the child it names: the lead, and a record
// prefilled with what the roster row says (identity, addresses, parents, guardian and the
// department's items). It needs children.create and a lead within the caller's jurisdiction;
// the reading is audited.
func (s *Store) LeadDraft(ctx context.Context, uid string) (*Lead, child.Record, error) {
	p, err := gate(ctx, "您的角色不能依据走访线索登记儿童", auth.PermChildrenCreate)
	if err != nil {
		return nil, child.Record{}, err
	}
	if !p.Can(auth.PermLeadsWork) {
		return nil, child.Record{}, errForbidden("您的角色不能依据走访线索登记儿童")
	}
	if err := s.leadVisible(ctx, uid, auth.PermLeadsWork); err != nil {
		return nil, child.Record{}, err
	}
	l, err := s.lead(ctx, uid)
	if err != nil {
		return nil, child.Record{}, err
	}
	rec := LeadRecord(&l.Record)
	if err := s.Audit(ctx, audit.LeadDraft, "lead:"+uid, map[string]any{"department": l.Department, "batch": l.Batch, "row": strconv.Itoa(l.Row)}); err != nil {
		return nil, child.Record{}, err
	}
	return l, rec, nil
}

// LeadRecord is the record a roster row suggests for a child nobody has registered: its identity
// items, addresses, the parents' and the guardian's names, and the department's items merged as
// an import would merge them.
func LeadRecord(r *roster.Record) child.Record {
	rec := child.Record{Name: r.Name, Sex: r.Sex, BirthDate: r.BirthDate, IDNumber: r.IDNumber}
	if r.HukouAddress != nil {
		a := *r.HukouAddress
		rec.HukouAddress = &a
	}
	if r.ResidenceAddress != nil {
		a := *r.ResidenceAddress
		rec.ResidenceAddr = &a
	}
	if r.FatherName != "" {
		rec.Father = &child.Parent{Name: r.FatherName}
	}
	if r.MotherName != "" {
		rec.Mother = &child.Parent{Name: r.MotherName}
	}
	if r.GuardianName != "" || r.GuardianID != "" {
		rec.OtherGuardian = &child.Guardian{Name: r.GuardianName, IDNumber: r.GuardianID}
	}
	return roster.Merge(r, rec).Record
}
