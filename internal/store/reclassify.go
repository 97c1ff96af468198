package store

import (
	"context"
	"strings"

	"guanai/internal/child"
)

// ReclassifyResult counts the work of a re-evaluation.
type ReclassifyResult struct {
	Checked int // records classified again
	Changed int // records whose answers (or age, missing items, warnings) changed
	Queued  int // records queued for review (entered or left the scope)
	// Moved counts the answers that moved, by answer and direction: "left_behind:yes→no" → 188.
	Moved map[string]int
}

// Reclassify is the daily re-evaluation (RULES.md): it classifies again, as of asOf, the records
// that are not archived and whose answers can have changed since they were last classified —
// those whose next-check date has come (a birthday, six months away reached, …) and those
// classified under other rules or another configuration. Stored answers are updated; a child who
// enters or leaves the scope is queued for review (新符合条件 / 不再符合条件), never deleted. Every
// record is read and written in the same transaction, in chunks.
func (s *Store) Reclassify(ctx context.Context, asOf child.Date) (ReclassifyResult, error) {
	return s.reclassify(ctx, asOf, false)
}

// ReclassifyAll classifies every record that is not archived again, as of asOf, whatever its
// next-check date: after a change of the rules' code that kept their version, or to verify.
func (s *Store) ReclassifyAll(ctx context.Context, asOf child.Date) (ReclassifyResult, error) {
	return s.reclassify(ctx, asOf, true)
}

func (s *Store) reclassify(ctx context.Context, asOf child.Date, all bool) (ReclassifyResult, error) {
	var total ReclassifyResult
	if err := wholeOnly(ctx, "只有系统任务可以重新判定全部记录"); err != nil {
		return total, err
	}
	if asOf == 0 {
		return total, errInvalid("请指定重新判定的日期")
	}
	// Two passes, each answered by an index (migration 0014), so that the daily job over a large
	// register touches only what is due: the records classified under other rules or another
	// configuration (two ranges instead of rule_config <> ?, looked up first: after a change of
	// rules that is every record, read in id order), then those whose next-check date has come.
	type pass struct {
		cond string
		args []any
	}
	passes := []pass{{`id IN (SELECT id FROM children WHERE status <> 'archived' AND next_check <= ?)`, []any{int64(asOf)}}}
	var other int
	err := s.queryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM children WHERE status <> 'archived' AND rule_config < ? UNION ALL SELECT 1 FROM children WHERE status <> 'archived' AND rule_config > ? LIMIT 1) x",
		s.ruleConfig, s.ruleConfig).Scan(&other)
	if err != nil {
		return total, internal("重新判定", err)
	}
	if other > 0 {
		passes = append([]pass{{"(rule_config < ? OR rule_config > ?)", []any{s.ruleConfig, s.ruleConfig}}}, passes...)
	}
	if all {
		passes = []pass{{"1 = 1", nil}}
	}
	for _, p := range passes {
		if err := s.reclassifyPass(ctx, asOf, p.cond, p.args, &total); err != nil {
			return total, err
		}
	}
	return total, nil
}

// reclassifyPass classifies again, in chunks of 500 in id order, the records that are not
// archived and meet cond, adding its counts to total.
func (s *Store) reclassifyPass(ctx context.Context, asOf child.Date, cond string, args []any, total *ReclassifyResult) error {
	var lastID int64
	set := strings.Join(classificationColumns, " = ?, ") + " = ?"
	for {
		var res ReclassifyResult
		var n int
		err := s.inTx(ctx, "重新判定", func(t *tx) error {
			res, n = ReclassifyResult{}, 0
			rows, err := t.query(childSelect+" WHERE status <> 'archived' AND id > ? AND "+cond+" ORDER BY id LIMIT 500"+s.d.forUpdate(),
				append([]any{lastID}, args...)...)
			if err != nil {
				return err
			}
			var cs []*Child
			for rows.Next() {
				c, _, err := s.scanChild(rows.Scan)
				if err != nil {
					rows.Close()
					return err
				}
				cs = append(cs, c)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			now := s.instant()
			res.Moved = map[string]int{}
			var queued []*write
			for _, c := range cs {
				n++
				lastID = c.id
				before := c.Classification
				after := s.classify(&c.Record, asOf)
				res.Checked++
				if !after.sameAnswers(&before) {
					res.Changed++
				}
				countMoves(res.Moved, &before, &after)
				vals := s.classificationValues(&after, nil)
				if _, err := t.exec("UPDATE children SET "+set+" WHERE id = ?", append(vals, c.id)...); err != nil {
					return err
				}
				c.Classification = after
				w := &write{c: c}
				w.queueIfScopeChanged(&before, &after, now)
				if len(w.queue) > 0 {
					res.Queued++
					queued = append(queued, w)
				}
			}
			if err := s.syncLedger(t, childIDs(cs)); err != nil {
				return err
			}
			if err := s.enqueue(t, queued); err != nil {
				return err
			}
			return s.auditMoves(t, asOf, &res)
		})
		if err != nil {
			return err
		}
		total.Checked += res.Checked
		total.Changed += res.Changed
		total.Queued += res.Queued
		for k, v := range res.Moved {
			if total.Moved == nil {
				total.Moved = map[string]int{}
			}
			total.Moved[k] += v
		}
		if n < 500 {
			return nil
		}
	}
}
