package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"guanai/internal/audit"
	"guanai/internal/auth"
)

// ArchiveReasons are the reasons of 不再符合条件 a record of the re-evaluation queue is archived
// with (issue 13): turned 16, parents came home, moved out of the city, other (with a note).
var ArchiveReasons = []string{"年满16周岁", "父母返乡", "迁出本地", "其他"}

// openReview locks an open item of the re-evaluation queue in the principal's jurisdiction and
// returns its child's uid.
func (s *Store) openReview(t *tx, p *auth.Principal, id int64) (string, error) {
	where, args := "r.id = ?", []any{id}
	cc, cargs, err := childCond(p, "c.")
	if err != nil {
		return "", err
	}
	if cc != "" {
		where, args = where+" AND "+cc, append(args, cargs...)
	}
	var uid string
	var resolved sql.NullString
	err = t.queryRow("SELECT c.uid, CAST(r.resolved_at AS TEXT) FROM review_queue r JOIN children c ON c.id = r.child_id WHERE "+where+s.d.forUpdate(), args...).Scan(&uid, &resolved)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &Error{Code: CodeNotFound, Message: "没有编号为 " + strconv.FormatInt(id, 10) + " 的复核事项"}
	}
	if err != nil {
		return "", err
	}
	if resolved.Valid {
		return "", &Error{Code: CodeConflict, Message: "该复核事项已处理"}
	}
	return uid, nil
}

// ConfirmReview works an item of the re-evaluation queue by confirming the new answers: the
// record is kept as it is (its stored answers already are the new ones) and the item closed with
// the outcome "confirmed" and the note. Audited with the item and the child.
func (s *Store) ConfirmReview(ctx context.Context, id int64, note string) error {
	p, err := gate(ctx, "您的角色不能处理复核事项", auth.PermChildrenReview)
	if err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	sealed, err := s.keys.Seal([]byte(note), []byte(aadResolution(id)))
	if err != nil {
		return internal("加密复核说明", err)
	}
	return s.inTx(ctx, "确认复核事项", func(t *tx) error {
		uid, err := s.openReview(t, p, id)
		if err != nil {
			return err
		}
		if _, err := t.exec("UPDATE review_queue SET resolved_at = ?, resolved_by = ?, resolution = ?, outcome = 'confirmed' WHERE id = ?",
			s.d.timeArg(s.instant()), p.Actor(), sealed, id); err != nil {
			return err
		}
		return s.appendAudit(t, audit.ReviewConfirm, "review:"+strconv.FormatInt(id, 10), map[string]any{"child": uid, "note": note != ""})
	})
}

// ArchiveReview works an item of the re-evaluation queue by archiving the record as 不再符合条件
// with one of ArchiveReasons (其他 needs a note): the record is kept for history, its transition
// names the reason, and the child's open items are closed. One transaction, audited.
func (s *Store) ArchiveReview(ctx context.Context, id int64, reason, note string) error {
	p, err := gate(ctx, "您的角色不能归档记录", auth.PermChildrenReview)
	if err != nil {
		return err
	}
	reason, note = strings.TrimSpace(reason), strings.TrimSpace(note)
	if !slices.Contains(ArchiveReasons, reason) {
		return errInvalid("归档原因应为" + strings.Join(ArchiveReasons, "、") + "之一")
	}
	if reason == "其他" && note == "" {
		return errInvalid("归档原因为“其他”时须填写说明")
	}
	text := "不再符合条件：" + reason
	if note != "" {
		text += "（" + note + "）"
	}
	sealed, err := s.keys.Seal([]byte(text), []byte(aadResolution(id)))
	if err != nil {
		return internal("加密复核说明", err)
	}
	return s.inTx(ctx, "归档复核事项", func(t *tx) error {
		uid, err := s.openReview(t, p, id)
		if err != nil {
			return err
		}
		c, err := s.archiveLocked(t, p.Actor(), uid, text)
		if err != nil {
			return err
		}
		if _, err := t.exec("UPDATE review_queue SET resolution = ?, outcome = ? WHERE id = ?", sealed, "archived:"+reason, id); err != nil {
			return err
		}
		return s.appendAudit(t, audit.ReviewArchive, "review:"+strconv.FormatInt(id, 10), map[string]any{"child": c.UID, "reason": reason, "version": c.Version})
	})
}

// archiveLocked archives the record of uid inside t (any status but archived), with the
// transition's reason sealed like Transition's, and closes its open review items.
func (s *Store) archiveLocked(t *tx, actor, uid, reason string) (*Child, error) {
	c, err := s.loadForUpdate(t, uid)
	if err != nil {
		return nil, err
	}
	if !CanTransition(c.Status, StatusArchived) {
		return nil, errForbidden(transitionRefusal(c.Status, StatusArchived))
	}
	now := s.instant()
	sealed, err := s.keys.Seal([]byte(reason), []byte(aadTransition(c.UID, now)))
	if err != nil {
		return nil, err
	}
	if _, err := t.exec("UPDATE children SET status = ?, updated_at = ?, updated_by = ? WHERE id = ?",
		StatusArchived, s.d.timeArg(now), actor, c.id); err != nil {
		return nil, err
	}
	if _, err := t.exec(`INSERT INTO child_transitions (child_id, from_status, to_status, version, actor, at, reason)
 VALUES (?, ?, ?, ?, ?, ?, ?)`, c.id, c.Status, StatusArchived, c.Version, actor, s.d.timeArg(now), sealed); err != nil {
		return nil, err
	}
	if err := s.resolveOpenReviews(t, c.id, actor, now); err != nil {
		return nil, err
	}
	if err := s.appendAudit(t, audit.ChildTransit, "child:"+c.UID, map[string]any{"from": c.Status, "to": StatusArchived, "version": c.Version}); err != nil {
		return nil, err
	}
	c.Status, c.UpdatedAt, c.UpdatedBy = StatusArchived, now, actor
	return c, nil
}

// CountOpenReviews counts the open items of the re-evaluation queue in the principal's
// jurisdiction, by kind: what the home page shows.
func (s *Store) CountOpenReviews(ctx context.Context) (map[string]int, error) {
	cond, cargs, err := scope(ctx, "c.", auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	where := "r.resolved_at IS NULL"
	if cond != "" {
		where += " AND " + cond
	}
	rows, err := s.query(ctx, "SELECT r.kind, count(*) FROM review_queue r JOIN children c ON c.id = r.child_id WHERE "+where+" GROUP BY r.kind", cargs...)
	if err != nil {
		return nil, internal("统计复核队列", err)
	}
	defer rows.Close()
	out := map[string]int{ReviewNewlyQualifies: 0, ReviewNoLongerQualifies: 0}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, internal("统计复核队列", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}
