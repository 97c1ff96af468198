package child

import "strings"

// ImmunizationStatus 国家免疫规划疫苗接种情况: what 疾控 (disease control) says of a child's
// vaccinations under the national immunisation programme (the seed's 四(二): "部分国家免疫规划疫苗
// 接种信息"). Not an item of the two forms: it comes from the health roster (预防接种 column) and is
// kept in the record, with its source, for the statistics (issue 18).
var ImmunizationStatus = newTable("国家免疫规划疫苗接种情况", "",
	Code{"complete", "按程序完成", []string{"按时完成", "已完成", "完成", "全程接种", "已全程接种", "全部完成", "按时接种", "已按程序完成"}},
	Code{"incomplete", "未全程接种", []string{"未完成", "未按时完成", "部分接种", "漏种", "补种中", "需补种", "未按程序完成"}},
	Code{"none", "未接种", []string{"从未接种", "无接种记录"}},
)

// ParseImmunization reads the 预防接种 cell of a health roster: a label or alias of
// ImmunizationStatus, else by the words it contains (未/漏/补 say incomplete, 完成 or 全程 complete);
// "" when it says nothing recognisable.
func ParseImmunization(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if c, ok := ImmunizationStatus.Lookup(s); ok {
		return c
	}
	switch {
	case strings.Contains(s, "未接种"):
		return "none"
	case strings.Contains(s, "未") || strings.Contains(s, "漏") || strings.Contains(s, "补"):
		return "incomplete"
	case strings.Contains(s, "完成") || strings.Contains(s, "全程"):
		return "complete"
	}
	return ""
}
