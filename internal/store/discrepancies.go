package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/roster"
)

// Discrepancy kinds (差异, issue 6 part 5). The first is kept (a roster fact that contradicts the
// record, found when a row is applied); the others are computed on request from the records and
// the roster links, by division.
const (
	DiscContradiction        = "contradiction"         // 名册信息与登记信息不一致
	DiscNoSchool             = "no_school"             // 义务教育年龄儿童不在任何学生名册中
	DiscDropout              = "dropout"               // 辍学
	DiscNoResidencePermit    = "no_residence_permit"   // 流动儿童没有居住证或暂住登记记录
	DiscNoInsurance          = "no_insurance"          // 不在任何参保名册中
	DiscNoHealthMgmt         = "no_health_mgmt"        // 0-6 岁儿童没有健康管理记录
	DiscDisabilityUnrecorded = "disability_unrecorded" // 残联名册中的残疾儿童，登记信息中没有残疾
	DiscDisabilityUnlisted   = "disability_unlisted"   // 登记为残疾，但不在残联名册中
	DiscPermitExpiring       = "permit_expiring"       // 居住证已过期或即将到期
)

// PermitWarnDays is how far ahead a residence permit about to expire is reported.
const PermitWarnDays = 60

// DiscrepancyKinds lists the kinds in report order.
var DiscrepancyKinds = []string{DiscContradiction, DiscNoSchool, DiscDropout, DiscNoResidencePermit, DiscPermitExpiring, DiscNoInsurance,
	DiscNoHealthMgmt, DiscDisabilityUnrecorded, DiscDisabilityUnlisted}

var discLabels = map[string]string{
	DiscContradiction:        "名册信息与登记信息不一致",
	DiscNoSchool:             "义务教育年龄（6-15 周岁）儿童不在任何学生名册中",
	DiscDropout:              "辍学",
	DiscNoResidencePermit:    "流动儿童没有居住证或暂住登记记录",
	DiscNoInsurance:          "不在任何医保参保名册中",
	DiscNoHealthMgmt:         "0-6 岁儿童没有健康管理服务记录",
	DiscDisabilityUnrecorded: "残联名册中的持证残疾儿童，登记信息中没有残疾",
	DiscDisabilityUnlisted:   "登记为残疾，但不在残联持证名册中",
	DiscPermitExpiring:       "流动儿童的居住证已过期或 60 日内到期",
}

// discDepartment is the department whose rosters a kind looks at: without any roster of it the
// kind cannot be reported (every child would be "in no roster").
var discDepartment = map[string]string{
	DiscNoSchool: roster.Education, DiscNoResidencePermit: roster.Police, DiscPermitExpiring: roster.Police, DiscNoInsurance: roster.Insurance,
	DiscNoHealthMgmt: roster.Health, DiscDisabilityUnrecorded: roster.Disability, DiscDisabilityUnlisted: roster.Disability,
}

// DiscrepancyKindLabel gives the Chinese name of a discrepancy kind.
func DiscrepancyKindLabel(kind string) string {
	if l, ok := discLabels[kind]; ok {
		return l
	}
	return kind
}

const kindDiscrepancy = "roster.discrepancy"

func aadDiscDetail(uid string) string     { return "discrepancies.detail:" + uid }
func aadDiscResolution(uid string) string { return "discrepancies.resolution:" + uid }

// addDiscrepancies keeps the contradictions of a roster row; one already kept (the same item, the
// same two values, the same department) is not repeated. It returns the number added.
func (s *Store) addDiscrepancies(t *tx, childID int64, dept string, rowID int64, cs []roster.Contradiction) (int, error) {
	n := 0
	for _, c := range cs {
		uid := newUID(s.instant())
		b, err := json.Marshal(c)
		if err != nil {
			return n, err
		}
		sealed, err := s.keys.Seal(b, []byte(aadDiscDetail(uid)))
		if err != nil {
			return n, err
		}
		vb := s.keys.BlindIndex(kindDiscrepancy, c.Field+"\x00"+c.Record+"\x00"+c.Roster)
		res, err := t.exec(`INSERT INTO discrepancies (uid, child_id, department, field, value_bidx, row_id, detail, status, created_at)
 VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?) ON CONFLICT (child_id, department, field, value_bidx) DO NOTHING`,
			uid, childID, dept, c.Field, vb, rowID, sealed, s.d.timeArg(s.instant()))
		if err != nil {
			return n, err
		}
		if k, err := res.RowsAffected(); err == nil && k > 0 {
			n++
		}
	}
	return n, nil
}

// DiscrepancyQuery selects one kind of discrepancy.
type DiscrepancyQuery struct {
	Kind string
	// Region is a division code (2–12 digits): children whose residence (or, without one, hukou)
	// lies in it. "" is the whole database.
	Region string
	// AsOf is the date ages are counted on; default today.
	AsOf child.Date
	// Status for contradictions: open (default), resolved or all.
	Status string
	Limit  int
	Offset int
	// NoCounts leaves out the totals by division (a caller paging through the items has them);
	// NoItems leaves out the items (a summary of every kind).
	NoCounts, NoItems bool
}

// DiscrepancyItem is one child in a discrepancy report. Record and Roster hold the two values of
// a contradiction as people read them (the caller masks sensitive items).
type DiscrepancyItem struct {
	UID           string // the discrepancy (contradictions only)
	Kind          string
	Child         string // the child's uid
	Name          string // the child's name and ID number (the caller masks them)
	IDNumber      string
	Department    string
	Field         string
	Label         string
	Record        string
	Roster        string
	Status        string
	Created       time.Time
	ResidenceCode string
	HukouCode     string
	Age           int
}

// RegionCount is the number of children of a report in one division.
type RegionCount struct {
	Code  string `json:"region_code"`
	Count int    `json:"count"`
}

// DiscrepancyReport is one kind of discrepancy over a region: the total, the counts by division
// one level below the region, and one page of items.
type DiscrepancyReport struct {
	Kind     string
	Label    string
	AsOf     child.Date
	Region   string
	NoRoster bool // no roster of the department has been imported: the kind cannot be reported
	Total    int
	ByRegion []RegionCount
	Items    []DiscrepancyItem
}

// Discrepancies computes one kind of discrepancy report (see the Disc constants).
//
// Only what the principal may see is counted and listed: children in its jurisdiction; for a
// department officer, only its department's contradictions and the kinds about its department's
// rosters. A region outside the jurisdiction is refused; no region is the whole jurisdiction.
// Items (masked by the caller) are audited; counts alone are not personal data.
func (s *Store) Discrepancies(ctx context.Context, q DiscrepancyQuery) (DiscrepancyReport, error) {
	p, err := gate(ctx, "您的角色不能查看差异核查", auth.PermLeadsRead)
	if err != nil {
		return DiscrepancyReport{}, err
	}
	if _, ok := discLabels[q.Kind]; !ok {
		return DiscrepancyReport{}, errInvalid("未知的差异类型“" + q.Kind + "”：应为 " + strings.Join(DiscrepancyKinds, "、"))
	}
	if d := kindDepartment(q.Kind); d != "" && !p.ActsFor(d) {
		return DiscrepancyReport{}, errForbidden("“" + discLabels[q.Kind] + "”不是您部门的核查事项")
	}
	if q.AsOf == 0 {
		q.AsOf = s.Today()
	}
	rep := DiscrepancyReport{Kind: q.Kind, Label: discLabels[q.Kind], AsOf: q.AsOf, Region: q.Region, ByRegion: []RegionCount{}, Items: []DiscrepancyItem{}}
	prefix := ""
	if q.Region != "" {
		pr, ok := normalizeRegion(q.Region)
		if !ok {
			return rep, errInvalid("行政区划代码“" + q.Region + "”格式不正确")
		}
		if !p.Covers(pr) && !p.InScope(pr) {
			return rep, errForbidden("区划 " + q.Region + " 不在您的辖区内")
		}
		prefix = pr
	} else if !p.Whole() {
		prefix, rep.Region = p.Scope, p.Scope
	}
	if dept, ok := discDepartment[q.Kind]; ok {
		var n int
		if err := s.queryRow(ctx, "SELECT count(*) FROM import_batches WHERE kind = 'roster' AND department = ? AND status = 'done'", dept).Scan(&n); err != nil {
			return rep, internal("读取名册批次", err)
		}
		if n == 0 {
			rep.NoRoster = true
			return rep, nil
		}
	}
	cond, args := s.discCondition(q)
	regionCol := "coalesce(c.res_code, c.hukou_code)"
	where := "c.status <> 'archived' AND " + cond
	if cc, cargs, err := childCond(p, "c."); err != nil {
		return rep, err
	} else if cc != "" {
		where, args = where+" AND "+cc, append(args, cargs...)
	}
	if q.Kind == DiscContradiction {
		if dc, dargs := deptCond(p, "d.department"); dc != "" {
			where, args = where+" AND "+dc, append(args, dargs...)
		}
	}
	if prefix != "" {
		where += " AND " + regionCol + " LIKE ?"
		args = append(args, likeEscape(prefix)+"%")
	}
	from := "children c"
	if q.Kind == DiscContradiction {
		from = "discrepancies d JOIN children c ON c.id = d.child_id"
	}
	if !q.NoCounts {
		if err := s.discCounts(ctx, &rep, from, where, regionCol, len(prefix), args); err != nil {
			return rep, err
		}
	}
	if q.NoItems {
		return rep, nil
	}
	cols := "c.uid, c.res_code, c.hukou_code, c.birth_date, c.brief, CASE WHEN c.brief IS NULL THEN c.record END"
	switch q.Kind {
	case DiscContradiction:
		cols += ", d.uid, d.department, d.field, d.detail, d.status, d.created_at"
	case DiscPermitExpiring:
		cols += ", " + permitExpiry
	}
	rows, err := s.query(ctx, "SELECT "+cols+" FROM "+from+" WHERE "+where+" ORDER BY c.id LIMIT ? OFFSET ?",
		append(args, clampLimit(q.Limit, 50, 500), max(q.Offset, 0))...)
	if err != nil {
		return rep, internal("读取差异", err)
	}
	defer rows.Close()
	for rows.Next() {
		it := DiscrepancyItem{Kind: q.Kind, Age: -1}
		var res, hukou sql.NullString
		var bd sql.NullInt64
		var brief, record []byte
		dest := []any{&it.Child, &res, &hukou, &bd, &brief, &record}
		var detail []byte
		var expires sql.NullInt64
		switch q.Kind {
		case DiscContradiction:
			dest = append(dest, &it.UID, &it.Department, &it.Field, &detail, &it.Status, scanTime{&it.Created})
		case DiscPermitExpiring:
			dest = append(dest, &expires)
		}
		if err := rows.Scan(dest...); err != nil {
			return rep, internal("读取差异", err)
		}
		it.ResidenceCode, it.HukouCode = res.String, hukou.String
		if it.Name, it.IDNumber, err = s.openBrief(it.Child, brief, record); err != nil {
			return rep, internal("解密差异", err)
		}
		if bd.Valid {
			it.Age = child.Date(bd.Int64).FullYears(q.AsOf)
		}
		if detail != nil {
			b, err := s.keys.Open(detail, []byte(aadDiscDetail(it.UID)))
			if err != nil {
				return rep, internal("解密差异", err)
			}
			var c roster.Contradiction
			if err := json.Unmarshal(b, &c); err != nil {
				return rep, internal("读取差异", err)
			}
			it.Label, it.Record, it.Roster = c.Label, c.Record, c.Roster
		} else {
			it.Department = discDepartment[q.Kind]
		}
		if expires.Valid {
			it.Field, it.Label, it.Roster = "permit_expires", "居住证有效期至", child.Date(expires.Int64).String()
		}
		rep.Items = append(rep.Items, it)
	}
	if err := rows.Err(); err != nil {
		return rep, internal("读取差异", err)
	}
	if len(rep.Items) > 0 {
		kids := make([]string, len(rep.Items))
		for i, it := range rep.Items {
			kids[i] = it.Child
		}
		if err := s.Audit(ctx, audit.DiscrepancyList, "discrepancies", map[string]any{"kind": q.Kind, "region": q.Region, "status": q.Status,
			"offset": q.Offset, "children": kids}); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// kindDepartment is the roster department a kind of discrepancy is about ("" for one that any
// department may see of its own: contradictions, filtered by department).
func kindDepartment(kind string) string {
	if d, ok := discDepartment[kind]; ok {
		return d
	}
	if kind == DiscDropout {
		return roster.Education
	}
	return ""
}

// discCounts fills the total and the counts by division one level below the region (n digits).
func (s *Store) discCounts(ctx context.Context, rep *DiscrepancyReport, from, where, regionCol string, n int, args []any) error {
	next := map[int]int{0: 2, 2: 4, 4: 6, 6: 9, 9: 12, 12: 12}[n]
	rows, err := s.query(ctx, "SELECT substr("+regionCol+", 1, ?) AS r, count(*) FROM "+from+" WHERE "+where+" GROUP BY 1 ORDER BY 1",
		append([]any{next}, args...)...)
	if err != nil {
		return internal("统计差异", err)
	}
	for rows.Next() {
		var code sql.NullString
		var cnt int
		if err := rows.Scan(&code, &cnt); err != nil {
			rows.Close()
			return internal("统计差异", err)
		}
		rep.Total += cnt
		rep.ByRegion = append(rep.ByRegion, RegionCount{Code: code.String, Count: cnt})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return internal("统计差异", err)
	}
	return nil
}

// permitExpiry is the 有效期至 of the residence permit in the latest police roster row linked to
// child c (NULL without one).
const permitExpiry = "(SELECT r.permit_expires FROM roster_links l JOIN roster_rows r ON r.id = l.row_id WHERE l.child_id = c.id AND l.department = 'police')"

// discCondition is the WHERE condition of a kind over children c (and discrepancies d).
func (s *Store) discCondition(q DiscrepancyQuery) (string, []any) {
	linked := func(dept string) string {
		return "EXISTS (SELECT 1 FROM roster_links l WHERE l.child_id = c.id AND l.department = '" + dept + "')"
	}
	switch q.Kind {
	case DiscContradiction:
		switch q.Status {
		case "all":
			return "1 = 1", nil
		case "resolved":
			return "d.status = 'resolved'", nil
		}
		return "d.status = 'open'", nil
	case DiscNoSchool:
		return "c.birth_date BETWEEN ? AND ? AND NOT " + linked(roster.Education),
			[]any{int64(earliestBirth(q.AsOf, 15)), int64(latestBirth(q.AsOf, 6))}
	case DiscDropout:
		return "(c.study_status = 'dropped_out' OR c.school_stage = 'out_of_school' OR EXISTS (SELECT 1 FROM discrepancies d2 WHERE d2.child_id = c.id" +
			" AND d2.field = 'study_status' AND d2.status = 'open'))", nil
	case DiscNoResidencePermit:
		return "(c.migrant_monitoring = 'yes' OR c.migrant_statistics = 'yes') AND NOT " + linked(roster.Police), nil
	case DiscPermitExpiring:
		// The latest police roster row naming the child says when its permit runs out.
		return "(c.migrant_monitoring = 'yes' OR c.migrant_statistics = 'yes') AND " + permitExpiry + " <= ?",
			[]any{int64(q.AsOf.AddDays(PermitWarnDays))}
	case DiscNoInsurance:
		return "NOT " + linked(roster.Insurance), nil
	case DiscNoHealthMgmt:
		return "c.birth_date >= ? AND (c.health_mgmt_0_6 IS NULL OR c.health_mgmt_0_6 = 'not_received') AND NOT " + linked(roster.Health),
			[]any{int64(earliestBirth(q.AsOf, 6))}
	case DiscDisabilityUnrecorded:
		return linked(roster.Disability) + " AND (c.disability_types IS NULL OR c.disability_types = '')", nil
	case DiscDisabilityUnlisted:
		return "c.disability_types IS NOT NULL AND c.disability_types <> '' AND NOT " + linked(roster.Disability), nil
	}
	return "1 = 0", nil
}

// DiscrepancySummary counts every kind the principal works over a region (a department officer:
// contradictions and its department's kinds).
func (s *Store) DiscrepancySummary(ctx context.Context, region string, asOf child.Date) ([]DiscrepancyReport, error) {
	p, err := gate(ctx, "您的角色不能查看差异核查", auth.PermLeadsRead)
	if err != nil {
		return nil, err
	}
	out := make([]DiscrepancyReport, 0, len(DiscrepancyKinds))
	for _, k := range DiscrepancyKinds {
		if d := kindDepartment(k); d != "" && !p.ActsFor(d) {
			continue
		}
		rep, err := s.Discrepancies(ctx, DiscrepancyQuery{Kind: k, Region: region, AsOf: asOf, NoItems: true})
		if err != nil {
			return nil, err
		}
		rep.Items = nil
		out = append(out, rep)
	}
	return out, nil
}

// ResolveDiscrepancy closes a contradiction with a note (核实结果): the record is corrected
// through Update by the person who checked, or stays as it is.
//
// The discrepancy must be one the principal may see (its child in the jurisdiction; its
// department's for a department officer); the closing is audited with it.
func (s *Store) ResolveDiscrepancy(ctx context.Context, actor, uid, note string) error {
	p, err := gate(ctx, "您的角色不能处理差异", auth.PermLeadsWork)
	if err != nil {
		return err
	}
	actor = p.Actor()
	if strings.TrimSpace(note) == "" {
		return errInvalid("请填写核实结果")
	}
	where, args := "d.uid = ?", []any{uid}
	if cc, cargs, err := childCond(p, "c."); err != nil {
		return err
	} else if cc != "" {
		where, args = where+" AND "+cc, append(args, cargs...)
	}
	if dc, dargs := deptCond(p, "d.department"); dc != "" {
		where, args = where+" AND "+dc, append(args, dargs...)
	}
	sealed, err := s.keys.Seal([]byte(note), []byte(aadDiscResolution(uid)))
	if err != nil {
		return internal("加密核实结果", err)
	}
	return s.inTx(ctx, "处理差异", func(t *tx) error {
		var status, childUID, field, dept string
		err := t.queryRow("SELECT d.status, c.uid, d.field, d.department FROM discrepancies d JOIN children c ON c.id = d.child_id WHERE "+where+
			s.d.forUpdate(), args...).Scan(&status, &childUID, &field, &dept)
		if errors.Is(err, sql.ErrNoRows) {
			return &Error{Code: CodeNotFound, Message: "没有编号为 " + uid + " 的差异"}
		}
		if err != nil {
			return err
		}
		if status != "open" {
			return &Error{Code: CodeConflict, Message: "该差异已处理"}
		}
		_, err = t.exec("UPDATE discrepancies SET status = 'resolved', resolved_at = ?, resolved_by = ?, resolution = ? WHERE uid = ?",
			s.d.timeArg(s.instant()), actor, sealed, uid)
		if err != nil {
			return err
		}
		return s.appendAudit(t, audit.DiscrepancyResolve, "discrepancy:"+uid, map[string]any{"child": childUID, "field": field, "department": dept})
	})
}
