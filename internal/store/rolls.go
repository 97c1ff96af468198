package store

import "guanai/internal/roster"

// Civil affairs' rolls and 妇联's lists as rosters (issue 18, internal/roster rolls.go): whom a
// verification list of such a department holds when no discrepancy kind is given.

func init() {
	itemLabels["immunization"] = "国家免疫规划疫苗接种情况"
	populationLabels[roster.Assistance] = "家庭困难或享受生活保障的儿童"
	populationLabels[roster.Rural] = "防止返贫监测家庭的儿童"
	populationLabels[roster.Women] = "全部儿童"
}

// rollVerification is the condition on children (alias c) of a roll department's list.
func rollVerification(dept string) (string, []any) {
	switch dept {
	case roster.Assistance:
		return "((c.family_hardship IS NOT NULL AND c.family_hardship <> '') OR (c.assistance IS NOT NULL AND c.assistance <> ''))", nil
	case roster.Rural:
		return "c.family_hardship LIKE ?", []any{"%,poverty_watch,%"}
	}
	return "1 = 1", nil
}
