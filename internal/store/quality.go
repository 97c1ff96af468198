package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"strings"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/region"
)

// Data quality (数据质量) of the registry, from the plain columns (nothing is decrypted):
// completeness of each item by township, the rules' warnings by kind, the facts whose absence
// leaves an answer 待确定, and the work waiting on duplicates and reviews.

// QualityItems are the items whose completeness is measured: column, field path, Chinese name.
var QualityItems = []struct{ Column, Field, Label string }{
	{"sex", "sex", "性别"},
	{"birth_date", "birth_date", "出生日期"},
	{"ethnicity", "ethnicity", "民族"},
	{"hukou_code", "hukou_address.region_code", "户籍地"},
	{"res_code", "residence_address.region_code", "现居住地"},
	{"co_residents", "co_residents", "共同居住情况"},
	{"housing", "housing", "住房情况"},
	{"father_migrant_worker", "father.migrant_worker", "父亲是否外出务工"},
	{"mother_migrant_worker", "mother.migrant_worker", "母亲是否外出务工"},
	{"guardianship_quality", "guardianship_quality", "监护情况"},
	{"school_stage", "school_stage", "就学情况"},
	{"study_status", "study_status", "学业状况"},
	{"health", "health", "健康状况"},
	{"medical_insurance", "medical_insurance", "医保"},
	{"family_hardship", "family_hardship", "家庭困难情况"},
	{"assistance", "assistance", "生活保障情况"},
	{"collection_method", "collection_method", "采集方式"},
	{"reporting_unit", "reporting_unit", "填报单位"},
}

// QualityRow is the completeness of one division: how many records have each item (percent,
// two decimals). Residence is complete only when given down to the village (12 digits).
type QualityRow struct {
	Region       string             `json:"region_code"`
	RegionName   string             `json:"region_name"`
	Records      int64              `json:"records"`
	Filled       map[string]int64   `json:"filled"`
	Completeness map[string]float64 `json:"completeness"`
	// Overall is the share of all items filled over all records.
	Overall float64 `json:"overall"`
}

// CountByKind is a count of one kind of finding.
type CountByKind struct {
	Kind  string `json:"kind"`
	Field string `json:"field,omitempty"`
	Label string `json:"label"`
	Count int64  `json:"count"`
}

// Quality is the data-quality report of a region.
type Quality struct {
	Region     string            `json:"region"`
	RegionName string            `json:"region_name"`
	Items      []QualityItemInfo `json:"items"`
	Total      QualityRow        `json:"total"`
	Townships  []QualityRow      `json:"townships"`
	// Warnings of the rules (child.Issue codes, date- and cross-item checks) by kind and field.
	Warnings []CountByKind `json:"warnings"`
	// Undetermined: records with an answer 待确定, by the missing fact.
	Missing []CountByKind `json:"missing"`
	// Work waiting: groups of records sharing an ID number (duplicates), sharing name, birth date
	// and sex (possible duplicates), open items of the review queue by kind, roster pairs waiting
	// for a reviewer.
	DuplicateIDGroups     int64         `json:"duplicate_id_groups"`
	DuplicatePersonGroups int64         `json:"duplicate_person_groups"`
	ReviewsOpen           []CountByKind `json:"reviews_open"`
	RosterPairsPending    *int64        `json:"roster_pairs_pending"`
}

// QualityItemInfo names a measured item.
type QualityItemInfo struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// DataQuality reports the data quality of the non-archived records with an address in the region
// ("" = all), as the principal of ctx may see them; rows by township (placed at the residence
// when it lies in the region, else at the hukou).
func (s *Store) DataQuality(ctx context.Context, regionCode string) (*Quality, error) {
	tbl := region.Default()
	nat := ""
	if regionCode != "" {
		d, ok := tbl.Lookup(regionCode)
		if !ok {
			return nil, errInvalid("区划代码“" + regionCode + "”不在全国行政区划代码表中")
		}
		nat = d.Code
	}
	cond, cargs, err := ScopeCondition(ctx, "", auth.PermStatsRead, auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	if err := s.Audit(ctx, "stats.read", "quality", map[string]any{"region": nat}); err != nil {
		return nil, err
	}
	lo, hi := nat, nat+"~"
	where := " WHERE status <> 'archived'"
	var args []any
	place := "coalesce(res_code, hukou_code, '')"
	var pargs []any
	if nat != "" {
		where += " AND ((res_code >= ? AND res_code < ?) OR (hukou_code >= ? AND hukou_code < ?))"
		args = append(args, lo, hi, lo, hi)
		place = "CASE WHEN res_code >= ? AND res_code < ? THEN res_code ELSE hukou_code END"
		pargs = []any{lo, hi}
	}
	if cond != "" {
		where += " AND " + cond
		args = append(args, cargs...)
	}
	out := &Quality{Region: nat, RegionName: "全部地区", Townships: []QualityRow{}, Warnings: []CountByKind{},
		Missing: []CountByKind{}, ReviewsOpen: []CountByKind{}}
	if nat != "" {
		out.RegionName = tbl.FullName(nat)
	}
	for _, it := range QualityItems {
		out.Items = append(out.Items, QualityItemInfo{Key: it.Field, Label: it.Label})
	}
	cols := make([]string, 0, len(QualityItems))
	for _, it := range QualityItems {
		if it.Column == "res_code" {
			cols = append(cols, "sum(CASE WHEN length(res_code) = 12 THEN 1 ELSE 0 END)")
		} else {
			cols = append(cols, "count("+it.Column+")")
		}
	}
	q := "SELECT substr(" + place + ", 1, 9), count(*), " + strings.Join(cols, ", ") + " FROM children" + where + " GROUP BY 1"
	rows, err := s.query(ctx, q, append(pargs, args...)...)
	if err != nil {
		return nil, internal("统计数据质量", err)
	}
	byTown := map[string]*QualityRow{}
	newRow := func(code string) *QualityRow {
		r := &QualityRow{Region: code, Filled: map[string]int64{}, Completeness: map[string]float64{}}
		if d, ok := tbl.Lookup(code); ok && code != "" {
			r.RegionName = d.Name
		} else {
			r.RegionName = "地区不详"
		}
		return r
	}
	out.Total = *newRow(nat)
	out.Total.RegionName = out.RegionName
	for rows.Next() {
		var code sql.NullString
		var n int64
		vals := make([]int64, len(QualityItems))
		dest := []any{&code, &n}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, internal("统计数据质量", err)
		}
		key := code.String
		if len(key) < 9 {
			key = "" // known only above township level
		}
		r := byTown[key]
		if r == nil {
			r = newRow(key)
			byTown[key] = r
		}
		for _, t := range []*QualityRow{r, &out.Total} {
			t.Records += n
			for i, it := range QualityItems {
				t.Filled[it.Field] += vals[i]
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("统计数据质量", err)
	}
	finish := func(r *QualityRow) {
		var filled int64
		for _, it := range QualityItems {
			f := r.Filled[it.Field]
			filled += f
			if r.Records > 0 {
				r.Completeness[it.Field] = *percentOf(f, r.Records)
			}
		}
		if r.Records > 0 {
			r.Overall = *percentOf(filled, r.Records*int64(len(QualityItems)))
		}
	}
	for _, r := range byTown {
		finish(r)
		out.Townships = append(out.Townships, *r)
	}
	sort.Slice(out.Townships, func(i, j int) bool {
		a, b := out.Townships[i].Region, out.Townships[j].Region
		if (a == "") != (b == "") {
			return b == "" // 地区不详 last
		}
		return a < b
	})
	finish(&out.Total)

	// Warnings and missing facts: few distinct lists, each decoded once.
	rows, err = s.query(ctx, "SELECT warnings, missing, count(*) FROM children"+where+" GROUP BY 1, 2", args...)
	if err != nil {
		return nil, internal("统计数据质量", err)
	}
	warn := map[[2]string]*CountByKind{}
	miss := map[string]*CountByKind{}
	for rows.Next() {
		var w, m string
		var n int64
		if err := rows.Scan(&w, &m, &n); err != nil {
			rows.Close()
			return nil, internal("统计数据质量", err)
		}
		var ws []child.Issue
		var ms []string
		_ = json.Unmarshal([]byte(w), &ws)
		_ = json.Unmarshal([]byte(m), &ms)
		for _, is := range ws {
			k := [2]string{is.Code, is.Field}
			if warn[k] == nil {
				warn[k] = &CountByKind{Kind: is.Code, Field: is.Field, Label: is.Message}
			}
			warn[k].Count += n
		}
		for _, f := range ms {
			if miss[f] == nil {
				miss[f] = &CountByKind{Kind: "missing", Field: f, Label: f}
			}
			miss[f].Count += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("统计数据质量", err)
	}
	for _, c := range warn {
		out.Warnings = append(out.Warnings, *c)
	}
	for _, c := range miss {
		out.Missing = append(out.Missing, *c)
	}
	byCount := func(s []CountByKind) {
		sort.Slice(s, func(i, j int) bool {
			if s[i].Count != s[j].Count {
				return s[i].Count > s[j].Count
			}
			return s[i].Kind+s[i].Field < s[j].Kind+s[j].Field
		})
	}
	byCount(out.Warnings)
	byCount(out.Missing)

	// Duplicates waiting.
	for _, d := range []struct {
		col string
		n   *int64
	}{{"id_bidx", &out.DuplicateIDGroups}, {"person_bidx", &out.DuplicatePersonGroups}} {
		err := s.queryRow(ctx, "SELECT count(*) FROM (SELECT "+d.col+" FROM children"+where+" AND "+d.col+
			" IS NOT NULL GROUP BY "+d.col+" HAVING count(*) > 1) g", args...).Scan(d.n)
		if err != nil {
			return nil, internal("统计重复登记", err)
		}
	}
	rq := "SELECT r.kind, count(*) FROM review_queue r JOIN children c ON c.id = r.child_id WHERE r.resolved_at IS NULL"
	var rargs []any
	if nat != "" {
		rq += " AND ((c.res_code >= ? AND c.res_code < ?) OR (c.hukou_code >= ? AND c.hukou_code < ?))"
		rargs = append(rargs, lo, hi, lo, hi)
	}
	if ccond, ccargs, _ := ScopeCondition(ctx, "c.", auth.PermStatsRead, auth.PermChildrenRead); ccond != "" {
		rq += " AND " + ccond
		rargs = append(rargs, ccargs...)
	}
	rows, err = s.query(ctx, rq+" GROUP BY r.kind ORDER BY r.kind", rargs...)
	if err != nil {
		return nil, internal("统计复核队列", err)
	}
	for rows.Next() {
		var c CountByKind
		if err := rows.Scan(&c.Kind, &c.Count); err != nil {
			rows.Close()
			return nil, internal("统计复核队列", err)
		}
		c.Label = ReviewKindLabel(c.Kind)
		out.ReviewsOpen = append(out.ReviewsOpen, c)
	}
	rows.Close()
	var pending int64
	pq := "SELECT count(*) FROM roster_rows WHERE review = 'pending'"
	var pqa []any
	if nat != "" {
		pq += " AND res_code >= ? AND res_code < ?"
		pqa = append(pqa, lo, hi)
	}
	if err := s.queryRow(ctx, pq, pqa...).Scan(&pending); err == nil {
		out.RosterPairsPending = &pending
	}
	return out, nil
}
