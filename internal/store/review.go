package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

// Review kinds of the review queue (RULES.md, re-evaluation). A record is never deleted when its
// answers change: it is queued for the responsible reviewer.
const (
	ReviewNoLongerQualifies = "no_longer_qualifies" // 不再符合条件
	ReviewNewlyQualifies    = "newly_qualifies"     // 新符合条件
)

// ReviewKindLabel gives the Chinese name of a review kind.
func ReviewKindLabel(kind string) string {
	switch kind {
	case ReviewNoLongerQualifies:
		return "不再符合条件"
	case ReviewNewlyQualifies:
		return "新符合条件"
	}
	return kind
}

// ReviewItem is one entry of the review queue.
type ReviewItem struct {
	ID       int64
	UID      string // the child
	Kind     string
	Detail   map[string][2]string // answer → [before, after], e.g. "left_behind": ["yes", "no"]
	AsOf     child.Date
	Created  time.Time
	Resolved time.Time // zero while open
	// ResolvedBy and Resolution (the note, opened) are set once resolved.
	ResolvedBy string
	Resolution string
	// ResidenceCode and HukouCode let the caller route the item to the responsible reviewer
	// (migrant children: residence; left-behind children: hukou).
	ResidenceCode string
	HukouCode     string
	// Cause says why the item was queued; Outcome how it was worked: "confirmed", or
	// "archived:<reason>" (ArchiveReasons), "" otherwise.
	Cause   string
	Outcome string
}

// enqueue adds the review items of ws. An item is not repeated while an equal one is open; an
// open item of the opposite kind is closed, as the child's situation changed back.
func (s *Store) enqueue(t *tx, ws []*write) error {
	for _, w := range ws {
		for _, q := range w.queue {
			var n int
			if err := t.queryRow("SELECT count(*) FROM review_queue WHERE child_id = ? AND kind = ? AND resolved_at IS NULL",
				w.c.id, q.kind).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			opposite := ReviewNewlyQualifies
			if q.kind == ReviewNewlyQualifies {
				opposite = ReviewNoLongerQualifies
			}
			if _, err := t.exec("UPDATE review_queue SET resolved_at = ?, resolved_by = ? WHERE child_id = ? AND kind = ? AND resolved_at IS NULL",
				s.d.timeArg(q.at), "system", w.c.id, opposite); err != nil {
				return err
			}
			if _, err := t.exec("INSERT INTO review_queue (child_id, kind, detail, cause, as_of, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				w.c.id, q.kind, q.detail, q.cause, int64(q.asOf), s.d.timeArg(q.at)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReviewQuery selects review items.
type ReviewQuery struct {
	Open   bool   // only items not yet resolved
	Kind   string // ReviewNoLongerQualifies, ReviewNewlyQualifies or "" for both
	UID    string // one child
	Region string // division code prefix of the residence or the hukou
	Limit  int    // default 50, at most 500
	Offset int
}

// ReviewQueue lists review items, oldest first.
func (s *Store) ReviewQueue(ctx context.Context, q ReviewQuery) ([]ReviewItem, error) {
	where := "1 = 1"
	var args []any
	if q.Open {
		where += " AND r.resolved_at IS NULL"
	}
	if q.Kind != "" {
		where += " AND r.kind = ?"
		args = append(args, q.Kind)
	}
	if q.UID != "" {
		where += " AND c.uid = ?"
		args = append(args, q.UID)
	}
	if q.Region != "" {
		code, ok := normalizeRegion(q.Region)
		if !ok {
			return nil, errInvalid("区划代码“" + q.Region + "”无效")
		}
		where += " AND ((c.res_code >= ? AND c.res_code < ?) OR (c.hukou_code >= ? AND c.hukou_code < ?))"
		args = append(args, code, code+"~", code, code+"~")
	}
	cond, cargs, err := scope(ctx, "c.", auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	if cond != "" {
		where += " AND " + cond
		args = append(args, cargs...)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	rows, err := s.query(ctx, `SELECT r.id, c.uid, r.kind, r.detail, r.as_of, r.created_at, r.resolved_at, r.resolved_by,
 r.resolution, c.res_code, c.hukou_code, r.cause, r.outcome FROM review_queue r JOIN children c ON c.id = r.child_id
 WHERE `+where+` ORDER BY r.id LIMIT `+strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(max(0, q.Offset)), args...)
	if err != nil {
		return nil, internal("读取复核队列", err)
	}
	defer rows.Close()
	out := []ReviewItem{}
	for rows.Next() {
		var it ReviewItem
		var detail string
		var resolvedBy, res, huk, cause, outcome sql.NullString
		var resolution []byte
		var asOf int64
		if err := rows.Scan(&it.ID, &it.UID, &it.Kind, &detail, &asOf, scanTime{&it.Created}, scanTime{&it.Resolved},
			&resolvedBy, &resolution, &res, &huk, &cause, &outcome); err != nil {
			return nil, internal("读取复核队列", err)
		}
		it.AsOf = child.Date(asOf)
		it.ResolvedBy, it.ResidenceCode, it.HukouCode = resolvedBy.String, res.String, huk.String
		it.Cause, it.Outcome = cause.String, outcome.String
		if err := unmarshalText(detail, &it.Detail); err != nil {
			return nil, internal("读取复核队列", err)
		}
		if len(resolution) > 0 {
			note, err := s.keys.Open(resolution, []byte(aadResolution(it.ID)))
			if err != nil {
				return nil, internal("解密复核说明", err)
			}
			it.Resolution = string(note)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("读取复核队列", err)
	}
	return out, nil
}

// ResolveReview closes a review item with a note (for example after archiving the record or
// confirming it stays). The record itself is not changed.
func (s *Store) ResolveReview(ctx context.Context, actor string, id int64, note string) error {
	actor = actorFor(ctx, actor)
	sealed, err := s.keys.Seal([]byte(note), []byte(aadResolution(id)))
	if err != nil {
		return internal("加密复核说明", err)
	}
	cond, cargs, err := scope(ctx, "c.", auth.PermChildrenReview)
	if err != nil {
		return err
	}
	where, args := andWhere(" WHERE r.id = ?", []any{id}, cond, cargs)
	return s.inTx(ctx, "处理复核事项", func(t *tx) error {
		var resolved sql.NullString
		err := t.queryRow("SELECT CAST(r.resolved_at AS TEXT) FROM review_queue r JOIN children c ON c.id = r.child_id"+where, args...).Scan(&resolved)
		if errors.Is(err, sql.ErrNoRows) {
			return &Error{Code: CodeNotFound, Message: "没有编号为 " + strconv.FormatInt(id, 10) + " 的复核事项"}
		}
		if err != nil {
			return err
		}
		if resolved.Valid {
			return &Error{Code: CodeConflict, Message: "该复核事项已处理"}
		}
		_, err = t.exec("UPDATE review_queue SET resolved_at = ?, resolved_by = ?, resolution = ? WHERE id = ?",
			s.d.timeArg(s.instant()), actor, sealed, id)
		if err != nil {
			return err
		}
		return s.appendAudit(t, audit.ReviewResolve, "review:"+strconv.FormatInt(id, 10), map[string]any{"note": note != ""})
	})
}

// resolveOpenReviews closes the open items of a child, when it is archived.
func (s *Store) resolveOpenReviews(t *tx, childID int64, actor string, at time.Time) error {
	_, err := t.exec("UPDATE review_queue SET resolved_at = ?, resolved_by = ? WHERE child_id = ? AND resolved_at IS NULL",
		s.d.timeArg(at), actor, childID)
	return err
}
