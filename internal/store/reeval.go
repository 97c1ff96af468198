package store

import (
	"strings"

	"guanai/internal/audit"
	"guanai/internal/child"
	"guanai/internal/rules"
)

// answerNames are the stored answers a re-evaluation can move, with their Chinese names and the
// index of their sentence in Classification.Reasons.
var answerNames = [...]struct {
	key, label string
	reason     int
}{
	{"migrant_monitoring", "流动儿童（监测摸排范围）", 1},
	{"migrant_statistics", "流动儿童（统计分析范围）", 2},
	{"left_behind", "留守儿童", 3},
	{"key_care", "重点关爱", 4},
}

func (c *Classification) answer(key string) string {
	switch key {
	case "migrant_monitoring":
		return c.MigrantMonitoring
	case "migrant_statistics":
		return c.MigrantStatistics
	case "left_behind":
		return c.LeftBehind
	}
	return c.KeyCare
}

// countMoves adds the answers that moved from before to after to moved ("left_behind:yes→no").
func countMoves(moved map[string]int, before, after *Classification) {
	for _, a := range answerNames {
		if b, n := before.answer(a.key), after.answer(a.key); b != n {
			moved[a.key+":"+b+"→"+n]++
		}
	}
}

// queueCause says in Chinese why a record is queued: the change of rules when there was one,
// then the reasons, as of the new date, of the answers that moved (turned 16, six months
// reached, parents came home, an edit …).
func queueCause(before, after *Classification) string {
	var parts []string
	if before.RuleVersion != "" && before.RuleVersion != after.RuleVersion {
		parts = append(parts, "判定规则已更新（"+before.RuleVersion+" → "+after.RuleVersion+"）")
	}
	if len(after.Reasons) > 0 && strings.Contains(after.Reasons[0], "不属于工作对象") && (len(before.Reasons) == 0 || !strings.Contains(before.Reasons[0], "不属于工作对象")) {
		parts = append(parts, strings.TrimSuffix(after.Reasons[0], "。"))
	}
	for _, a := range answerNames {
		if before.answer(a.key) != after.answer(a.key) && a.reason < len(after.Reasons) {
			parts = append(parts, strings.TrimSuffix(after.Reasons[a.reason], "。"))
		}
	}
	return strings.Join(parts, "；")
}

// auditMoves records, in the chunk's transaction, how many answers a re-evaluation moved; a
// chunk where nothing moved leaves no entry, so that the daily job does not fill the trail.
func (s *Store) auditMoves(t *tx, asOf child.Date, res *ReclassifyResult) error {
	if len(res.Moved) == 0 && res.Queued == 0 {
		return nil
	}
	return s.appendAudit(t, audit.Reclassify, "children", map[string]any{
		"as_of": asOf.String(), "rule_version": rules.Version, "checked": res.Checked,
		"changed": res.Changed, "queued": res.Queued, "moved": res.Moved,
	})
}

// idBlocks refuses submission and approval while the ID number disagrees with the birth date or
// the sex (DATA.md), naming the field; other moves (returning, archiving) stay open.
func idBlocks(r *child.Record, to string) error {
	if to != StatusSubmitted && to != StatusApproved {
		return nil
	}
	is := child.IDMismatches(r)
	if len(is) == 0 {
		return nil
	}
	verb := "提交"
	if to == StatusApproved {
		verb = "审核通过"
	}
	msg := "公民身份号码与出生日期或性别不一致，不能" + verb + "：" + is[0].Message
	return errInvalid(msg, is...)
}
