package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"guanai/internal/auth"
	"guanai/internal/child"
)

// MaxBatchTransition is the most records one batch transition moves (a review queue is approved
// a few hundred records at a time, each with its own row, transition and audit entry).
const MaxBatchTransition = 500

// BatchResult says what a batch transition did: the records moved, and those refused with the
// reason (not found in the jurisdiction, or not in a status that can move so).
type BatchResult struct {
	Batch   string         // the batch's uid, in every audit entry of it
	Done    []string       // uids moved
	Refused []BatchRefusal // uids left as they were
}

// BatchRefusal is one record a batch transition left as it was, and why (in Chinese).
type BatchRefusal struct {
	UID     string
	Message string
}

// TransitionBatch moves every record of uids to status to, as Transition does one: the same
// permission, the same jurisdiction (a record outside it is refused as not found), the same
// legal moves, and one transition row and one audit entry (with the batch's uid) per record, in
// one transaction with the changes. A record that cannot move is refused and the others move;
// reason is kept with each (a return's reason, an approval's optional comment).
func (s *Store) TransitionBatch(ctx context.Context, actor string, uids []string, to, reason string) (BatchResult, error) {
	need := auth.PermChildrenReview
	if to == StatusSubmitted {
		need = auth.PermChildrenSubmit
	}
	if _, err := gate(ctx, "您的角色不能将记录改为“"+StatusLabel(to)+"”", need); err != nil {
		return BatchResult{}, err
	}
	actor = actorFor(ctx, actor)
	if err := checkActor(actor); err != nil {
		return BatchResult{}, err
	}
	if _, ok := transitions[to]; !ok {
		return BatchResult{}, errInvalid("未知的记录状态：" + to)
	}
	uids = slices.Compact(slices.Sorted(slices.Values(uids)))
	if len(uids) == 0 || uids[0] == "" && len(uids) == 1 {
		return BatchResult{}, errInvalid("请选择要处理的记录", child.Issue{Field: "uids", Code: "required", Message: "请选择要处理的记录"})
	}
	if len(uids) > MaxBatchTransition {
		return BatchResult{}, errInvalid("一次最多处理 "+strconv.Itoa(MaxBatchTransition)+" 条记录，请分批处理",
			child.Issue{Field: "uids", Code: "too_many", Message: "一次最多处理 " + strconv.Itoa(MaxBatchTransition) + " 条记录"})
	}
	reason = strings.TrimSpace(reason)
	if needsReason(to) && reason == "" {
		return BatchResult{}, errInvalid("“"+StatusLabel(to)+"”须填写原因", child.Issue{Field: "reason", Code: "required", Message: "请填写" + StatusLabel(to) + "原因"})
	}
	if len([]rune(reason)) > 500 {
		return BatchResult{}, errInvalid("说明过长", child.Issue{Field: "reason", Code: "too_long", Message: "说明最多 500 字"})
	}
	res := BatchResult{Batch: newUID(s.instant())}
	err := s.inTx(ctx, "批量变更记录状态", func(t *tx) error {
		res.Done, res.Refused = nil, nil
		extra := map[string]any{"batch": res.Batch}
		for _, uid := range uids {
			c, err := s.loadForUpdate(t, uid)
			if err == nil {
				err = s.transitionTx(t, c, actor, to, reason, extra)
			}
			var se *Error
			switch {
			case err == nil:
				res.Done = append(res.Done, uid)
			case errors.As(err, &se) && (se.Code == CodeNotFound || se.Code == CodeForbidden):
				res.Refused = append(res.Refused, BatchRefusal{UID: uid, Message: se.Message})
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return BatchResult{}, err
	}
	return res, nil
}

// DiscardDraft archives a draft its own author no longer wants (registered twice, the wrong
// child): the collector's 删除草稿. Only the principal who registered it may, only while it is
// a draft; the record is kept, archived with the reason “草稿作废”, like every archived record
// (nothing of a child's history is deleted), and leaves the lists.
func (s *Store) DiscardDraft(ctx context.Context, actor, uid, reason string) (*Child, error) {
	if _, err := gate(ctx, "您的角色不能删除草稿", auth.PermChildrenCreate); err != nil {
		return nil, err
	}
	actor = actorFor(ctx, actor)
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > 200 {
		return nil, errInvalid("说明过长", child.Issue{Field: "reason", Code: "too_long", Message: "说明最多 200 字"})
	}
	note := "草稿作废"
	if reason != "" {
		note += "：" + reason
	}
	var out *Child
	err := s.inTx(ctx, "删除草稿", func(t *tx) error {
		c, err := s.loadForUpdate(t, uid)
		if err != nil {
			return err
		}
		if c.Status != StatusDraft {
			return errForbidden("只能删除草稿；这条记录是“" + StatusLabel(c.Status) + "”状态")
		}
		if c.CreatedBy != actor {
			return errForbidden("只能删除自己登记的草稿")
		}
		if err := s.transitionTx(t, c, actor, StatusArchived, note, map[string]any{"discard": true}); err != nil {
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
