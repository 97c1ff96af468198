package roster

import (
	"slices"
	"strings"

	"guanai/internal/child"
	"guanai/internal/sheet"
)

// Civil affairs' own rolls and 妇联's lists as rosters (issue 18): the social-assistance rolls
// (低保, 特困, 低保边缘, 临时救助/急难, 孤儿 and 事实无人抚养儿童 基本生活保障, 残疾人两项补贴), the
// 防止返贫监测 list of rural revitalisation, and the children of the families 妇联 supports. They
// are matched like the other rosters; the rolls fill 家庭困难情况 and 生活保障情况 with the
// department's values, and a child under 16 on any of them whom the registry does not hold is a
// home-visit lead (a family in hardship is where the survey looks first).
const (
	Assistance = "assistance" // 民政部门: 社会救助对象名册
	Rural      = "rural"      // 民政/乡村振兴部门: 防止返贫监测对象名册
	Women      = "women"      // 妇联: 帮扶家庭儿童名单
)

// Keys of the rolls' columns.
const (
	kyAssistKinds = "assistance_kinds"
	kyWatchType   = "poverty_watch_type"
	kySupport     = "women_support"
)

// RollFacts are what the rolls say of a child (embedded in Record).
type RollFacts struct {
	// AssistanceKinds are the child.AssistanceKind codes of the social-assistance roll.
	AssistanceKinds []string `json:"assistance_kinds,omitzero"`
	// PovertyWatch is set on a row of the 防止返贫监测 list; WatchType is its category as written
	// (脱贫不稳定户, 边缘易致贫户, 突发严重困难户), kept in the roster only.
	PovertyWatch bool   `json:"poverty_watch,omitempty"`
	WatchType    string `json:"poverty_watch_type,omitempty"`
	// Support is what 妇联 writes of its support of the family, kept in the roster only.
	Support string `json:"women_support,omitempty"`
}

// LeadOnRoll is the lead reason of a child under 16 on a roll of families in hardship.
const LeadOnRoll = "on_assistance_roll"

func init() {
	departments = append(departments,
		&Department{Code: Assistance, Label: "民政部门（社会救助）", Title: "乌海市社会救助对象名册（民政部门，用于流动儿童和留守儿童信息比对）",
			Fields: []string{"family_hardship", "assistance"},
			columns: []column{
				{key: kyAssistKinds, label: "救助类别", aliases: []string{"保障类别", "救助类型", "保障类型", "救助保障类别", "对象类别", "人员类别", "保障对象类别"}, kind: kSet, table: child.AssistanceKind,
					hint: "低保、特困、低保边缘、刚性支出困难、临时救助（急难）、孤儿、事实无人抚养儿童、残疾人两项补贴；多项用顿号分开"},
			}},
		&Department{Code: Rural, Label: "民政部门（防止返贫监测）", Title: "乌海市防止返贫监测对象名册（用于流动儿童和留守儿童信息比对）",
			Fields: []string{"family_hardship"},
			columns: []column{
				{key: kyWatchType, label: "监测对象类别", aliases: []string{"监测类型", "监测对象类型", "户类型", "监测户类型"}, kind: kText,
					hint: "脱贫不稳定户、边缘易致贫户、突发严重困难户（仅保存在名册中）"},
			}},
		&Department{Code: Women, Label: "妇联", Title: "乌海市妇联帮扶家庭儿童名单（用于流动儿童和留守儿童信息比对）",
			columns: []column{
				{key: kySupport, label: "帮扶情况", aliases: []string{"帮扶内容", "帮扶项目", "关爱帮扶情况", "帮扶措施"}, kind: kText,
					hint: "如 春蕾计划、结对帮扶（仅保存在名册中）"},
			}},
	)
	for k, v := range map[string]string{
		"社会救助": Assistance, "救助": Assistance, "低保": Assistance, "民政": Assistance, "民政局": Assistance,
		"防止返贫监测": Rural, "返贫监测": Rural, "乡村振兴": Rural, "乡村振兴局": Rural,
		"妇联": Women, "妇女联合会": Women,
	} {
		departmentAliases[k] = v
	}
	leadLabels[LeadOnRoll] = "在困难家庭救助、防止返贫监测或妇联帮扶名单中（请核实是否为流动儿童或留守儿童）"
}

// rollRoster reports whether the department is one of the rolls.
func rollRoster(dept string) bool { return dept == Assistance || dept == Rural || dept == Women }

// rolls reads the rolls' own columns.
func (p *parser) rolls(r *Record) {
	switch p.dept.Code {
	case Assistance:
		s := p.text(kyAssistKinds)
		if s == "" {
			p.is.Warn(kyAssistKinds, "empty", p.label(kyAssistKinds)+"为空：只用于比对和走访线索，不更新家庭困难情况和生活保障情况")
			return
		}
		codes, bad, exclusive, _ := sheet.SetCell(s, child.AssistanceKind)
		switch {
		case len(bad) > 0:
			p.errorf(kyAssistKinds, "code", p.label(kyAssistKinds)+"“"+strings.Join(bad, "、")+"”不是有效的值，可选："+child.AssistanceKind.Choices())
		case exclusive || len(codes) == 0:
			p.errorf(kyAssistKinds, "required", p.label(kyAssistKinds)+"不能为“无”：名册中的儿童都应有救助类别")
		default:
			r.AssistanceKinds = codes
		}
	case Rural:
		r.PovertyWatch = true
		r.WatchType = p.text(kyWatchType)
	case Women:
		r.Support = p.text(kySupport)
	}
}

// The items of the forms each kind of the assistance roll stands for.
var (
	hardshipOf   = map[string]string{"dibao": "dibao", "tekun": "tekun", "dibao_edge": "dibao_edge", "rigid_expense": "rigid_expense"}
	assistanceOf = map[string]string{"dibao": "dibao", "tekun": "tekun", "emergency": "emergency", "orphan": "orphan",
		"de_facto_unsupported": "de_facto_unsupported", "disability_subsidies": "disability_subsidies"}
	// exclusive are the kinds a family has one of at most: a record with another of them
	// contradicts the roll (低保 and 特困 are not held together; 低保边缘 is neither).
	exclusiveHardship   = []string{"dibao", "tekun", "dibao_edge"}
	exclusiveAssistance = []string{"dibao", "tekun"}
)

// rolls merges a roll's facts: the codes the roll stands for are added to the record's sets
// (filled); a record that says 无 (an empty set), or holds another of the mutually exclusive
// kinds, contradicts the roll and is left as it is.
func (m *merger) rolls(r *Record, out *child.Record) {
	var hardship, assistance []string
	switch r.Department {
	case Assistance:
		for _, k := range r.AssistanceKinds {
			if c, ok := hardshipOf[k]; ok {
				hardship = append(hardship, c)
			}
			if c, ok := assistanceOf[k]; ok {
				assistance = append(assistance, c)
			}
		}
	case Rural:
		if r.PovertyWatch {
			hardship = []string{"poverty_watch"}
		}
	}
	out.FamilyHardship = m.rollSet("family_hardship", child.FamilyHardship, out.FamilyHardship, hardship, exclusiveHardship)
	out.Assistance = m.rollSet("assistance", child.Assistance, out.Assistance, assistance, exclusiveAssistance)
}

func (m *merger) rollSet(path string, t *child.CodeTable, have, want, exclusive []string) []string {
	if len(want) == 0 {
		return have
	}
	if have == nil {
		m.filled(path)
		return t.SortSet(slices.Clone(want))
	}
	missing := false
	for _, w := range want {
		if !slices.Contains(have, w) {
			missing = true
		}
	}
	if !missing {
		return have
	}
	conflict := len(have) == 0
	for _, w := range want {
		for _, h := range have {
			if h != w && slices.Contains(exclusive, h) && slices.Contains(exclusive, w) {
				conflict = true
			}
		}
	}
	if conflict {
		m.contradict(path, t.Item, setLabel(t, have), setLabel(t, want))
		return have
	}
	next := slices.Clone(have)
	for _, w := range want {
		if !slices.Contains(next, w) {
			next = append(next, w)
		}
	}
	m.filled(path)
	return t.SortSet(next)
}

// rollReasons are the lead reasons of a roll's row.
func rollReasons(r *Record) []string {
	if rollRoster(r.Department) {
		return []string{LeadOnRoll}
	}
	return nil
}

// rollExample fills the template's example of a roll.
func rollExample(d *Department, ex map[string]string) {
	ex[kyMigrant], ex[kyLeftBehind], ex[kyParentsAway] = "", "", ""
	switch d.Code {
	case Assistance:
		ex[kyAssistKinds] = "低保、残疾人两项补贴"
	case Rural:
		ex[kyWatchType] = "边缘易致贫户"
	case Women:
		ex[kySupport] = "春蕾计划"
	}
}
