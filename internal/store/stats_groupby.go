package store

import (
	"context"
	"database/sql"
	"slices"

	"guanai/internal/auth"
	"guanai/internal/region"
)

// PlainCounts counts the non-archived records of a region by the plain columns with one SQL
// GROUP BY per table, from the classification stored with each record (as of its classified_on
// date: today after the daily reclassification). It is the plain way to the standard tables
// — the baseline docs/BENCHMARKS.md compares the statistics engine with — and a cross-check:
// its totals equal the engine's as of the classification date. Each entry maps a category to
// four counts: migrant (monitoring) placed at the residence, migrant (statistics) at the
// residence, left-behind at the hukou, both there.
func (s *Store) PlainCounts(ctx context.Context, regionCode string) (map[string]map[string][4]int64, error) {
	return s.PlainCountsOf(ctx, regionCode)
}

// PlainCountsOf is PlainCounts for the tables named (all when none).
func (s *Store) PlainCountsOf(ctx context.Context, regionCode string, tables ...string) (map[string]map[string][4]int64, error) {
	if regionCode != "" {
		d, ok := region.Default().Lookup(regionCode)
		if !ok {
			return nil, errInvalid("区划代码“" + regionCode + "”不在全国行政区划代码表中")
		}
		regionCode = d.Code
	}
	lo, hi := regionCode, regionCode+"~"
	cond, cargs, err := ScopeCondition(ctx, "", auth.PermStatsRead, auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	res := "(res_code >= ? AND res_code < ?)"
	huk := "(hukou_code >= ? AND hukou_code < ?)"
	sel := "sum(CASE WHEN migrant_monitoring = 'yes' AND " + res + " THEN 1 ELSE 0 END), " +
		"sum(CASE WHEN migrant_statistics = 'yes' AND " + res + " THEN 1 ELSE 0 END), " +
		"sum(CASE WHEN left_behind = 'yes' AND " + huk + " THEN 1 ELSE 0 END), " +
		"sum(CASE WHEN migrant_statistics = 'yes' AND left_behind = 'yes' AND " + res + " AND " + huk + " THEN 1 ELSE 0 END)"
	selArgs := []any{lo, hi, lo, hi, lo, hi, lo, hi, lo, hi}
	where := " FROM children WHERE status <> 'archived' AND (" + res + " OR " + huk + ")"
	whereArgs := []any{lo, hi, lo, hi}
	if cond != "" {
		where += " AND " + cond
		whereArgs = append(whereArgs, cargs...)
	}
	out := map[string]map[string][4]int64{}
	for _, t := range plainTables {
		if len(tables) > 0 && !slices.Contains(tables, t.key) {
			continue
		}
		rows, err := s.query(ctx, "SELECT "+t.expr+" AS k, "+sel+where+" GROUP BY 1", append(append([]any{}, selArgs...), whereArgs...)...)
		if err != nil {
			return nil, internal("统计（分组计数）", err)
		}
		m := map[string][4]int64{}
		for rows.Next() {
			var k sql.NullString
			var v [4]int64
			if err := rows.Scan(&k, &v[0], &v[1], &v[2], &v[3]); err != nil {
				rows.Close()
				return nil, internal("统计（分组计数）", err)
			}
			key := k.String
			if !k.Valid {
				key = "unknown"
			}
			old := m[key]
			for i := range v {
				old[i] += v[i]
			}
			m[key] = old
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, internal("统计（分组计数）", err)
		}
		out[t.key] = m
	}
	return out, nil
}

// plainTables are the GROUP BY expressions of the plain counts: one per standard table.
var plainTables = []struct{ key, expr string }{
	{"type", "'total'"},
	{"division_residence", "substr(res_code, 1, 6)"},
	{"division_hukou", "substr(hukou_code, 1, 6)"},
	{"sex", "sex"},
	{"age", "CAST(age AS TEXT)"},
	{"ethnicity", "ethnicity"},
	{"origin_province", "substr(hukou_code, 1, 2)"},
	{"parent_work_province", "coalesce(father_work_province, '') || '|' || coalesce(mother_work_province, '')"},
	{"school_stage", "school_stage"},
	{"study_status", "study_status"},
	{"residence_registration", "residence_registration"},
	{"health_mgmt_0_6", "health_mgmt_0_6"},
	{"tcm_0_36m", "tcm_mgmt_0_36m"},
	{"medical_insurance", "medical_insurance"},
	{"disability", "coalesce(disability_types, '') || '|' || coalesce(disability_grade, '')"},
	{"guardianship_quality", "guardianship_quality"},
	{"guardianship_issue", "guardianship_issue"},
	{"family_hardship", "family_hardship"},
	{"assistance", "assistance"},
	{"key_care_reason", "key_care_reasons"},
}

// PlainTableKeys lists the keys of PlainCounts.
func PlainTableKeys() []string {
	out := make([]string, len(plainTables))
	for i, t := range plainTables {
		out[i] = t.key
	}
	return out
}
