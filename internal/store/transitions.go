package store

import (
	"context"
	"strings"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

// transitions are the legal moves of DATA.md's workflow: draft → submitted → approved →
// uploaded; a reviewer returns a submitted or approved record (退回, with a reason) and the
// collector submits it again after correction; any record but an archived one can be archived
// (no longer in scope, with a reason). An archived record stays archived: it is kept for history.
var transitions = map[string][]string{
	StatusDraft:     {StatusSubmitted, StatusArchived},
	StatusSubmitted: {StatusApproved, StatusReturned, StatusArchived},
	StatusApproved:  {StatusUploaded, StatusReturned, StatusArchived},
	StatusUploaded:  {StatusArchived},
	StatusReturned:  {StatusSubmitted, StatusArchived},
	StatusArchived:  {},
}

// CanTransition reports whether the workflow allows from → to.
func CanTransition(from, to string) bool {
	for _, t := range transitions[from] {
		if t == to {
			return true
		}
	}
	return false
}

// StatusLabel gives the Chinese name of a status (草稿, 已提交 …).
func StatusLabel(status string) string {
	if l := child.Status.Label(status); l != "" {
		return l
	}
	return status
}

// needsReason: sending back and archiving must say why.
func needsReason(to string) bool { return to == StatusReturned || to == StatusArchived }

// Transition moves the record of uid to status to, keeping who, when and why. Illegal moves are
// refused with a forbidden error in Chinese; returning and archiving need a reason. Archiving
// closes the record's open review items.
func (s *Store) Transition(ctx context.Context, actor, uid, to, reason string) (*Child, error) {
	// Submitting is the collector's; approving, returning, archiving and uploading the
	// reviewer's. A record outside the jurisdiction is not found whatever the role.
	need := auth.PermChildrenReview
	if to == StatusSubmitted {
		need = auth.PermChildrenSubmit
	}
	p, err := gate(ctx, "")
	if err != nil {
		return nil, err
	}
	if !p.Can(need) {
		if _, err := s.childID(ctx, uid); err != nil {
			return nil, err
		}
		return nil, errForbidden("您的角色不能将记录改为“" + StatusLabel(to) + "”")
	}
	actor = actorFor(ctx, actor)
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if _, ok := transitions[to]; !ok {
		return nil, errInvalid("未知的记录状态：" + to)
	}
	reason = strings.TrimSpace(reason)
	if needsReason(to) && reason == "" {
		return nil, errInvalid("“"+StatusLabel(to)+"”须填写原因", child.Issue{Field: "reason", Code: "required", Message: "请填写" + StatusLabel(to) + "原因"})
	}
	var out *Child
	err = s.inTx(ctx, "变更记录状态", func(t *tx) error {
		c, err := s.loadForUpdate(t, uid)
		if err != nil {
			return err
		}
		if err := s.transitionTx(t, c, actor, to, reason, nil); err != nil {
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// transitionTx moves c, read with loadForUpdate in t, to status to: the row, the transition
// with its sealed reason, the closing of review items on archiving and the audit entry (with
// extra items, e.g. the batch), all in t.
func (s *Store) transitionTx(t *tx, c *Child, actor, to, reason string, extra map[string]any) error {
	if !CanTransition(c.Status, to) {
		return errForbidden(transitionRefusal(c.Status, to))
	}
	if err := idBlocks(&c.Record, to); err != nil {
		return err
	}
	now := s.instant()
	var sealed []byte
	if reason != "" {
		var err error
		if sealed, err = s.keys.Seal([]byte(reason), []byte(aadTransition(c.UID, now))); err != nil {
			return err
		}
	}
	if _, err := t.exec("UPDATE children SET status = ?, updated_at = ?, updated_by = ? WHERE id = ?",
		to, s.d.timeArg(now), actor, c.id); err != nil {
		return err
	}
	if _, err := t.exec(`INSERT INTO child_transitions (child_id, from_status, to_status, version, actor, at, reason)
 VALUES (?, ?, ?, ?, ?, ?, ?)`, c.id, c.Status, to, c.Version, actor, s.d.timeArg(now), sealed); err != nil {
		return err
	}
	if err := s.syncLedger(t, []int64{c.id}); err != nil {
		return err
	}
	if to == StatusArchived {
		if err := s.resolveOpenReviews(t, c.id, actor, now); err != nil {
			return err
		}
	}
	detail := map[string]any{"from": c.Status, "to": to, "version": c.Version}
	for k, v := range extra {
		detail[k] = v
	}
	if err := s.appendAudit(t, audit.ChildTransit, "child:"+c.UID, detail); err != nil {
		return err
	}
	c.Status, c.UpdatedAt, c.UpdatedBy = to, now, actor
	return nil
}

// transitionRefusal explains in Chinese why from → to is not allowed and what is.
func transitionRefusal(from, to string) string {
	if from == to {
		return "记录已是“" + StatusLabel(from) + "”状态"
	}
	if from == StatusArchived {
		return "记录已归档，不能再变更状态"
	}
	next := transitions[from]
	labels := make([]string, len(next))
	for i, n := range next {
		labels[i] = "“" + StatusLabel(n) + "”"
	}
	return "“" + StatusLabel(from) + "”的记录不能改为“" + StatusLabel(to) + "”，只能改为" + strings.Join(labels, "、")
}
