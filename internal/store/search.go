package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/region"
)

// Which address a division filter applies to. Migrant children belong to the place they live,
// left-behind children to their hukou place (RULES.md), so a jurisdiction usually looks at both.
const (
	RegionResidence = "residence" // 现居住地 (default)
	RegionHukou     = "hukou"     // 户籍地
	RegionEither    = "either"    // either of the two
)

// Query selects children. Zero fields do not filter. Every filter is on a plain column or a
// blind index; nothing is decrypted to search.
type Query struct {
	// Name is the child's name, matched exactly (after normalisation), or — when it is made of
	// Latin letters only — its pinyin, full ("zhangxiaoming") or initials ("zxm"), in any
	// reading of a heteronym.
	Name string
	// IDNumber is the child's ID number, exact.
	IDNumber string
	// ParentIDNumber is the ID number of a parent, the other guardian or the caregiver.
	ParentIDNumber string
	// Region is a division code of 2, 4, 6, 9 or 12 digits (trailing zeros of a level are
	// ignored: 150300 = 乌海市): the children whose address lies in it. RegionOf says which
	// address.
	Region   string
	RegionOf string
	// Status lists the statuses wanted; empty means every status but archived, unless
	// IncludeArchived.
	Status          []string
	IncludeArchived bool
	// Classification answers: "yes", "no" or "undetermined".
	MigrantMonitoring, MigrantStatistics, LeftBehind, KeyCare string
	// KeyCareReason is one reason code (family_hardship, disability …).
	KeyCareReason string
	// AgeMin and AgeMax bound the age in full years on AsOf (default today), inclusive; nil
	// does not filter.
	AgeMin, AgeMax *int
	AsOf           child.Date
	Sex            string
	SchoolStage    string
	// MedicalInsurance is a code of 纳入医保情况.
	MedicalInsurance string
	// Disability is "yes" (any disability type, or 残疾 in the health status), "no", or one
	// disability type code (visual, hearing …).
	Disability string
	// Synthetic filters demonstration data when not nil.
	Synthetic *bool
	// Sort is "" (most recently registered first), "updated" (most recently changed first) or
	// "oldest" (first registered first: a review queue is worked in the order it was filled).
	Sort string
	// Limit is the page size (default 20, at most 500); Offset the number of rows skipped.
	Limit, Offset int
	// After is a keyset cursor: the uid of the last record of the previous page (Page.Next).
	// The page then starts after it in the order of Sort, whatever the depth, and Offset counts
	// from there. A uid that does not exist gives an empty page.
	After string
}

// Page is one page of a search with the exact number of all matching records (the cursor does
// not change it).
type Page struct {
	Total  int
	Limit  int
	Offset int
	// Next is the cursor of the following page (Query.After), "" on the last page.
	Next  string
	Items []*Child
}

// normalizeRegion checks a division code and drops the trailing zeros of its level.
func normalizeRegion(code string) (string, bool) {
	c, ok := region.Normalize(strings.TrimSpace(code))
	if !ok || c == "" {
		return "", false
	}
	switch len(c) {
	case 2, 4, 6, 9, 12:
		return c, true
	}
	return "", false
}

// where builds the WHERE clause of q.
func (s *Store) where(q *Query) (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if n := strings.TrimSpace(q.Name); n != "" {
		if py, ok := normalizePinyinQuery(n); ok {
			add("id IN (SELECT child_id FROM child_keys WHERE bidx IN (?, ?))",
				s.keys.BlindIndex(kindPinyin, py), s.keys.BlindIndex(kindInitials, py))
		} else {
			add("id IN (SELECT child_id FROM child_keys WHERE bidx = ?)", s.keys.BlindIndex(kindName, child.NormalizeName(n)))
		}
	}
	if id := idcard.Normalize(q.IDNumber); id != "" {
		add("id_bidx = ?", s.keys.BlindIndex(kindChildID, id))
	}
	if id := idcard.Normalize(q.ParentIDNumber); id != "" {
		add("id IN (SELECT child_id FROM child_keys WHERE bidx = ?)", s.keys.BlindIndex(kindParentID, id))
	}
	if q.Region != "" {
		code, ok := normalizeRegion(q.Region)
		if !ok {
			return "", nil, errInvalid("区划代码“"+q.Region+"”无效", child.Issue{Field: "region", Code: "invalid", Message: "区划代码应为 2、4、6、9 或 12 位数字"})
		}
		switch q.RegionOf {
		case "", RegionResidence:
			add("res_code >= ? AND res_code < ?", code, code+"~")
		case RegionHukou:
			add("hukou_code >= ? AND hukou_code < ?", code, code+"~")
		case RegionEither:
			add("((res_code >= ? AND res_code < ?) OR (hukou_code >= ? AND hukou_code < ?))", code, code+"~", code, code+"~")
		default:
			return "", nil, errInvalid("区划条件应为 residence、hukou 或 either")
		}
	}
	switch {
	case len(q.Status) > 0:
		ph := make([]string, len(q.Status))
		for i, st := range q.Status {
			if _, ok := transitions[st]; !ok {
				return "", nil, errInvalid("未知的记录状态：" + st)
			}
			ph[i] = "?"
			args = append(args, st)
		}
		conds = append(conds, "status IN ("+strings.Join(ph, ", ")+")")
	case !q.IncludeArchived:
		add("status <> 'archived'")
	}
	for _, a := range [...]struct{ col, v string }{
		{"migrant_monitoring", q.MigrantMonitoring}, {"migrant_statistics", q.MigrantStatistics},
		{"left_behind", q.LeftBehind}, {"key_care", q.KeyCare},
	} {
		if a.v == "" {
			continue
		}
		if a.v != "yes" && a.v != "no" && a.v != "undetermined" {
			return "", nil, errInvalid("判定结果应为 yes、no 或 undetermined")
		}
		add(a.col+" = ?", a.v)
	}
	if q.KeyCareReason != "" {
		add("key_care_reasons LIKE ?", "%,"+likeEscape(q.KeyCareReason)+",%")
	}
	if q.AgeMin != nil || q.AgeMax != nil {
		asOf := q.AsOf
		if asOf == 0 {
			asOf = s.Today()
		}
		if q.AgeMin != nil {
			add("birth_date <= ?", int64(latestBirth(asOf, *q.AgeMin)))
		}
		if q.AgeMax != nil {
			add("birth_date >= ?", int64(earliestBirth(asOf, *q.AgeMax)))
		}
	}
	if q.Sex != "" {
		add("sex = ?", q.Sex)
	}
	if q.SchoolStage != "" {
		add("school_stage = ?", q.SchoolStage)
	}
	if q.MedicalInsurance != "" {
		add("medical_insurance = ?", q.MedicalInsurance)
	}
	switch q.Disability {
	case "":
	case "yes":
		add("(disability_types LIKE '%,%' OR health LIKE '%,disabled,%')")
	case "no":
		add("(disability_types = '' AND (health IS NULL OR health NOT LIKE '%,disabled,%'))")
	default:
		add("disability_types LIKE ?", "%,"+likeEscape(q.Disability)+",%")
	}
	if q.Synthetic != nil {
		add("synthetic = ?", *q.Synthetic)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// likeEscape keeps a code from acting as a LIKE pattern: codes are letters, digits and _, and _
// is a wildcard, which can only widen a match to another code of the same length at that place;
// the commas around every code keep that from happening for the fixed code lists.
func likeEscape(s string) string {
	return strings.NewReplacer("%", "", ",", "").Replace(s)
}

// latestBirth returns the latest birth date of a child who is at least age full years old on
// asOf; earliestBirth the earliest birth date of one who is at most age. Age in full years falls
// as the birth date moves later, so each is a bound on birth_date.
func latestBirth(asOf child.Date, age int) child.Date {
	b := asOf.AddYears(-age)
	for b.FullYears(asOf) < age {
		b = b.AddDays(-1)
	}
	for b.AddDays(1).FullYears(asOf) >= age {
		b = b.AddDays(1)
	}
	return b
}

func earliestBirth(asOf child.Date, age int) child.Date {
	b := asOf.AddYears(-(age + 1))
	for b.FullYears(asOf) > age {
		b = b.AddDays(1)
	}
	for b.AddDays(-1).FullYears(asOf) <= age && b.AddDays(-1) != 0 {
		b = b.AddDays(-1)
	}
	return b
}

// broadFilter is the number of matches above which SQLite finds a page by walking children_scan
// in id order rather than sorting the matches of the filter's index (see pageIDs).
const broadFilter = 1000

// Sort orders of Query.Sort.
const (
	SortNewest  = ""
	SortUpdated = "updated"
	SortOldest  = "oldest"
)

// pageIDs counts the matches of q — exactly: every record of a jurisdiction can be reached, and
// a count read from covering indexes (children_scan holds the answers and division codes) costs
// a few milliseconds per hundred thousand records — and finds the ids of the requested page,
// newest first (or most recently updated, or oldest first), after the keyset cursor q.After.
//
// SQLite's planner, without statistics, likes to walk the table in id order to avoid a sort —
// right for a broad filter, whose first matches come soon, and ruinous for a narrow one, whose
// few matches may lie anywhere. The count says which filter this is: up to broadFilter matches
// are read from the filter's index and sorted (the id is in every index entry), more are found
// walking children_scan — the answers and division codes in id order, about 50 entries a page.
// PostgreSQL's planner weighs selectivity against order by itself.
func (s *Store) pageIDs(ctx context.Context, q *Query) (Page, []any, error) {
	switch q.Sort {
	case SortNewest, SortUpdated, SortOldest:
	default:
		return Page{}, nil, errInvalid("排序应为 updated 或 oldest")
	}
	where, args, err := s.scopedWhere(ctx, q, auth.PermChildrenRead)
	if err != nil {
		return Page{}, nil, err
	}
	if err := s.Audit(ctx, audit.ChildSearch, "", q.criteria()); err != nil {
		return Page{}, nil, err
	}
	p := Page{Limit: q.Limit, Offset: max(0, q.Offset), Items: []*Child{}}
	if p.Limit <= 0 {
		p.Limit = 20
	}
	p.Limit = min(p.Limit, 500)
	broad := s.broadAt
	if broad == 0 {
		broad = broadFilter
	}
	if err := s.queryRow(ctx, "SELECT count(*) FROM children"+where, args...).Scan(&p.Total); err != nil {
		return Page{}, nil, internal("查询儿童记录", err)
	}
	if p.Total == 0 || p.Offset >= p.Total {
		return p, nil, nil
	}
	if q.After != "" {
		var cur string
		switch q.Sort {
		case SortUpdated:
			cur = "(updated_at < (SELECT updated_at FROM children WHERE uid = ?) OR updated_at = (SELECT updated_at FROM children WHERE uid = ?) AND id < (SELECT id FROM children WHERE uid = ?))"
			args = append(args, q.After, q.After, q.After)
		case SortOldest:
			cur = "id > (SELECT id FROM children WHERE uid = ?)"
			args = append(args, q.After)
		default:
			cur = "id < (SELECT id FROM children WHERE uid = ?)"
			args = append(args, q.After)
		}
		if where == "" {
			where = " WHERE " + cur
		} else {
			where += " AND " + cur
		}
	}
	// One more than the page says whether there is a next one.
	page := " LIMIT " + strconv.Itoa(p.Limit+1) + " OFFSET " + strconv.Itoa(p.Offset)
	dir := "DESC"
	if q.Sort == SortOldest {
		dir = "ASC"
	}
	var sel string
	switch {
	case q.Sort == SortUpdated:
		sel = "SELECT id, uid FROM children" + where + " ORDER BY updated_at DESC, id DESC" + page
	case s.d.postgres:
		sel = "SELECT id, uid FROM children" + where + " ORDER BY id " + dir + page
	case p.Total > broad:
		sel = "SELECT id, uid FROM children INDEXED BY children_scan" + where + " ORDER BY id " + dir + page
	default:
		sel = "SELECT id, uid FROM children" + where + " ORDER BY +id " + dir + page
	}
	rows, err := s.query(ctx, sel, args...)
	if err != nil {
		return Page{}, nil, internal("查询儿童记录", err)
	}
	defer rows.Close()
	var ids []any
	var last string
	for rows.Next() {
		var id int64
		var uid string
		if err := rows.Scan(&id, &uid); err != nil {
			return Page{}, nil, internal("查询儿童记录", err)
		}
		if len(ids) == p.Limit {
			p.Next = last
			break
		}
		ids, last = append(ids, id), uid
	}
	if err := rows.Err(); err != nil {
		return Page{}, nil, internal("查询儿童记录", err)
	}
	return p, ids, nil
}

// byIDs is the WHERE clause selecting ids, in the order of the page.
func byIDs(ids []any, sort string) string {
	order := " ORDER BY id DESC"
	switch sort {
	case SortUpdated:
		order = " ORDER BY updated_at DESC, id DESC"
	case SortOldest:
		order = " ORDER BY id"
	}
	return " WHERE id IN (" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")" + order
}

// Search returns one page of the children matching q, whole records decrypted, most recently
// registered first, and the exact number of all matches. For list screens List is cheaper.
func (s *Store) Search(ctx context.Context, q Query) (Page, error) {
	p, ids, err := s.pageIDs(ctx, &q)
	if err != nil || len(ids) == 0 {
		return p, err
	}
	rows, err := s.query(ctx, childSelect+byIDs(ids, q.Sort), ids...)
	if err != nil {
		return Page{}, internal("查询儿童记录", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, _, err := s.scanChild(rows.Scan)
		if err != nil {
			return Page{}, internal("读取儿童记录", err)
		}
		p.Items = append(p.Items, c)
	}
	if err := rows.Err(); err != nil {
		return Page{}, internal("查询儿童记录", err)
	}
	return p, nil
}

// ListItem is a child as a list screen shows it: the name and ID number (opened from a small
// sealed column, not the whole record; the caller masks them), the plain items and the stored
// answers. It is not a record and cannot be saved back.
type ListItem struct {
	UID       string
	Version   int
	Status    string
	Synthetic bool
	Name      string
	IDNumber  string
	Sex       string
	BirthDate child.Date
	// ResidenceCode and HukouCode are the division codes as given.
	ResidenceCode, HukouCode string
	// Classification holds the answers, age, key-care reasons and missing items (not the
	// reasons' text nor the warnings: Get has them).
	Classification Classification
	CreatedAt      time.Time
	UpdatedAt      time.Time
	UpdatedBy      string
}

// ListPage is one page of List.
type ListPage struct {
	Total  int
	Limit  int
	Offset int
	Next   string
	Items  []ListItem
}

const listSelect = `SELECT id, uid, version, status, synthetic, brief, record, sex, birth_date, res_code, hukou_code,
 migrant_monitoring, migrant_statistics, left_behind, key_care, key_care_reasons, age, missing, rule_version,
 classified_on, created_at, updated_at, updated_by FROM children`

// List is Search for list screens: the same filters, order, paging and count, but each item
// opens only the sealed name and ID number instead of the whole record.
func (s *Store) List(ctx context.Context, q Query) (ListPage, error) {
	p, ids, err := s.pageIDs(ctx, &q)
	lp := ListPage{Total: p.Total, Limit: p.Limit, Offset: p.Offset, Next: p.Next, Items: []ListItem{}}
	if err != nil || len(ids) == 0 {
		return lp, err
	}
	rows, err := s.query(ctx, listSelect+byIDs(ids, q.Sort), ids...)
	if err != nil {
		return ListPage{}, internal("查询儿童记录", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			it                     ListItem
			id                     int64
			synthetic              sql.NullBool
			brief, record          []byte
			sex, res, huk, missing sql.NullString
			birth, age, classified sql.NullInt64
			reasons                string
		)
		cl := &it.Classification
		if err := rows.Scan(&id, &it.UID, &it.Version, &it.Status, &synthetic, &brief, &record, &sex, &birth, &res, &huk,
			&cl.MigrantMonitoring, &cl.MigrantStatistics, &cl.LeftBehind, &cl.KeyCare, &reasons, &age, &missing,
			&cl.RuleVersion, &classified, scanTime{&it.CreatedAt}, scanTime{&it.UpdatedAt}, &it.UpdatedBy); err != nil {
			return ListPage{}, internal("读取儿童记录", err)
		}
		it.Synthetic, it.Sex, it.ResidenceCode, it.HukouCode = synthetic.Bool, sex.String, res.String, huk.String
		it.BirthDate, cl.AsOf = child.Date(birth.Int64), child.Date(classified.Int64)
		cl.Age = -1
		if age.Valid {
			cl.Age = int(age.Int64)
		}
		cl.KeyCareReasons = splitSet(reasons)
		if err := unmarshalText(missing.String, &cl.Missing); err != nil {
			return ListPage{}, internal("读取儿童记录", err)
		}
		if it.Name, it.IDNumber, err = s.openBrief(it.UID, brief, record); err != nil {
			return ListPage{}, internal("解密儿童记录", err)
		}
		lp.Items = append(lp.Items, it)
	}
	if err := rows.Err(); err != nil {
		return ListPage{}, internal("查询儿童记录", err)
	}
	return lp, nil
}

// brief is what the brief column seals: what a list shows of a person.
type brief struct {
	Name     string `json:"name,omitempty"`
	IDNumber string `json:"id_number,omitempty"`
}

func (s *Store) sealBrief(uid string, r *child.Record) ([]byte, error) {
	b, err := json.Marshal(brief{Name: r.Name, IDNumber: r.IDNumber})
	if err != nil {
		return nil, err
	}
	return s.keys.Seal(b, []byte(aadBrief(uid)))
}

// openBrief opens the brief column, or the whole record of a row written before it existed.
func (s *Store) openBrief(uid string, sealed, record []byte) (name, id string, err error) {
	if len(sealed) == 0 {
		r, err := s.openRecord(uid, record, aadRecord(uid))
		return r.Name, r.IDNumber, err
	}
	b, err := s.keys.Open(sealed, []byte(aadBrief(uid)))
	if err != nil {
		return "", "", fmt.Errorf("open brief %s: %w", uid, err)
	}
	var v brief
	if err := json.Unmarshal(b, &v); err != nil {
		return "", "", fmt.Errorf("decode brief %s: %w", uid, err)
	}
	return v.Name, v.IDNumber, nil
}

// FindByIDNumber returns every record, archived ones included, that holds the child ID number
// id, oldest first.
func (s *Store) FindByIDNumber(ctx context.Context, id string) ([]*Child, error) {
	n := idcard.Normalize(id)
	if n == "" {
		return nil, errInvalid("请填写公民身份号码")
	}
	cond, cargs, err := scope(ctx, "", auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	where, args := andWhere(" WHERE id_bidx = ?", []any{s.keys.BlindIndex(kindChildID, n)}, cond, cargs)
	if err := s.Audit(ctx, audit.ChildSearch, "", map[string]any{"id_number": idcard.Mask(n), "include_archived": true}); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, childSelect+where+" ORDER BY id", args...)
	if err != nil {
		return nil, internal("按公民身份号码查找", err)
	}
	defer rows.Close()
	out := []*Child{}
	for rows.Next() {
		c, _, err := s.scanChild(rows.Scan)
		if err != nil {
			return nil, internal("读取儿童记录", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("按公民身份号码查找", err)
	}
	return out, nil
}

// Duplicate kinds of DuplicateGroups.
const (
	DuplicateByID     = "id"     // the same child ID number
	DuplicateByPerson = "person" // the same name, birth date and sex
)

// DuplicateGroups returns the groups of records that are not archived and share a child ID number
// (by DuplicateByID) or a name, birth date and sex (DuplicateByPerson: possibly one child
// registered with and without, or with a mistyped, ID number); each group lists uids, oldest
// first.
func (s *Store) DuplicateGroups(ctx context.Context, by string, limit, offset int) ([][]string, error) {
	col := "id_bidx"
	switch by {
	case DuplicateByID, "":
	case DuplicateByPerson:
		col = "person_bidx"
	default:
		return nil, errInvalid("重复类型应为 id 或 person")
	}
	if limit <= 0 {
		limit = 100
	}
	// Within a jurisdiction: the groups of its own records.
	inner, innerArgs, err := scope(ctx, "", auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	outer, outerArgs, _ := scope(ctx, "c.", auth.PermChildrenRead)
	if inner != "" {
		inner, outer = " AND "+inner, " AND "+outer
	}
	rows, err := s.query(ctx, `SELECT c.`+col+`, c.uid FROM children c JOIN (
 SELECT `+col+` AS k FROM children WHERE `+col+` IS NOT NULL AND status <> 'archived'`+inner+`
 GROUP BY `+col+` HAVING count(*) > 1 ORDER BY min(id) LIMIT `+strconv.Itoa(min(limit, 1000))+` OFFSET `+strconv.Itoa(max(0, offset))+`
 ) d ON d.k = c.`+col+` WHERE c.status <> 'archived'`+outer+` ORDER BY c.`+col+`, c.id`, append(innerArgs, outerArgs...)...)
	if err != nil {
		return nil, internal("查找重复登记", err)
	}
	defer rows.Close()
	var out [][]string
	last := ""
	for rows.Next() {
		var k, uid string
		if err := rows.Scan(&k, &uid); err != nil {
			return nil, internal("查找重复登记", err)
		}
		if k != last || len(out) == 0 {
			out = append(out, nil)
			last = k
		}
		out[len(out)-1] = append(out[len(out)-1], uid)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("查找重复登记", err)
	}
	return out, nil
}
