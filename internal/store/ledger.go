package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

// The key-care ledger (重点关爱服务对象信息台账, issue 14). A child has at most one entry, addressed
// by the child's uid. The entry follows the classification, never retyped: every write of the
// children table (registration, edit, import, re-evaluation, archiving) calls syncLedger in its
// transaction, which opens an entry when key care becomes yes, flags it for the reviewer when
// key care stops being yes (or the record is archived), and reopens a closed entry when the child
// qualifies again. An entry lies in the township of the responsible jurisdiction (RULES.md):
// where the child lives for a migrant child, its hukou place otherwise — the place where
// statistics count the child's key care, so that the open entries of a region number exactly the
// key-care count of `guanai stats` for it.
//
// Open entries are those not closed and not flagged. Status: 待评估 (assess) → 帮扶中 (active,
// after the reviewer's assessment) → 待结案 (closing, asked for) → 已结案 (closed, approved by the
// reviewer, only once the child no longer qualifies).

// Ledger statuses.
const (
	LedgerAssessing = "assess"
	LedgerActive    = "active"
	LedgerClosing   = "closing"
	LedgerClosed    = "closed"
)

// LedgerStatusLabels are the Chinese names of the statuses.
var LedgerStatusLabels = map[string]string{LedgerAssessing: "待评估", LedgerActive: "帮扶中", LedgerClosing: "待结案", LedgerClosed: "已结案"}

// RiskLabels are the risk levels set at assessment.
var RiskLabels = map[string]string{"general": "一般", "elevated": "较高", "high": "高"}

// NeedLabels are the needs an assessment names.
var NeedLabels = map[string]string{"living": "生活", "guardianship": "监护", "education": "教育", "medical": "医疗康复",
	"psych": "心理", "safety": "安全", "other": "其他"}

// VisitModeLabels are the ways a visit is made.
var VisitModeLabels = map[string]string{"home": "入户", "phone": "电话", "video": "视频", "school": "学校"}

// CloseReasonLabels are the reasons of a closure.
var CloseReasonLabels = map[string]string{"resolved": "情形消除", "age": "年满16周岁", "moved": "迁出本地（随档移交）", "other": "其他"}

// ReferralStatusLabels are the states of a referral.
var ReferralStatusLabels = map[string]string{"waiting": "待受理", "accepted": "已受理", "returned": "已退回"}

// Measure is a 帮扶措施 of the seed's departments.
type Measure struct {
	Code, Label, Group, Department string
}

// Measures are the measures a care plan chooses from, with the department providing each.
var Measures = []Measure{
	{"dibao", "低保", "救助", "minzheng"}, {"tekun", "特困供养", "救助", "minzheng"}, {"linshi", "临时救助", "救助", "minzheng"},
	{"edu_aid", "教育资助", "教育", "jiaoyu"}, {"kongchuo", "控辍保学", "教育", "jiaoyu"},
	{"insurance", "医保参保", "医疗", "yibao"}, {"medical_aid", "医疗救助", "医疗", "yibao"}, {"rehab", "康复救助", "医疗", "canlian"},
	{"guidance", "监护指导", "监护", "minzheng"}, {"entrusted", "委托照护", "监护", "minzheng"},
	{"counseling", "心理辅导", "心理", "weijian"}, {"safety", "安全保护", "安全", "gongan"}, {"other", "其他", "其他", ""},
}

// MeasureByCode returns the measure with code.
func MeasureByCode(code string) (Measure, bool) {
	for _, m := range Measures {
		if m.Code == code {
			return m, true
		}
	}
	return Measure{}, false
}

// DefaultVisitMonths is the visit frequency by risk level (高: monthly; 较高: every two months;
// 一般: quarterly); "first" is the first visit of an entry not yet assessed, due a month after it
// opened. Options.VisitMonths overrides any of them.
var DefaultVisitMonths = map[string]int{"high": 1, "elevated": 2, "general": 3, "first": 1}

// visitInterval is the number of months between visits at risk level risk ("" = not assessed).
func (s *Store) visitInterval(risk string) int {
	if risk == "" {
		risk = "first"
	}
	if n := s.visitMonths[risk]; n > 0 {
		return n
	}
	return DefaultVisitMonths[risk]
}

// LedgerDueDays is the window of "due" visits: due within this many days from today, or overdue.
const LedgerDueDays = 7

// LedgerEntry is one entry of the ledger as lists show it. Name and IDNumber are clear: the
// caller masks them.
type LedgerEntry struct {
	Child      string     `json:"uid"`
	Name       string     `json:"child"`
	IDNumber   string     `json:"id_number,omitempty"`
	Sex        string     `json:"sex,omitempty"`
	BirthDate  child.Date `json:"birth_date,omitempty"`
	RegionCode string     `json:"region_code"`
	Reasons    []string   `json:"reasons"`
	Status     string     `json:"status"`
	Flagged    bool       `json:"flagged"`
	FlaggedOn  child.Date `json:"flagged_on,omitempty"`
	OpenedOn   child.Date `json:"opened_on"`
	Reopened   int        `json:"reopened"`
	Risk       string     `json:"risk,omitempty"`
	Needs      []string   `json:"needs"`
	Director   string     `json:"director,omitempty"`
	Cadre      string     `json:"cadre,omitempty"`
	NextVisit  child.Date `json:"next_visit,omitempty"`
	LastVisit  child.Date `json:"last_visit,omitempty"`
	FirstVisit child.Date `json:"first_visit,omitempty"`
	// Closure: asked for with a reason, approved by the reviewer.
	CloseReason      string    `json:"close_reason,omitempty"`
	CloseRequestedBy string    `json:"close_requested_by,omitempty"`
	ClosedBy         string    `json:"closed_by,omitempty"`
	ClosedAt         time.Time `json:"closed_at,omitempty"`
	// Measures are the codes of the care plan's measures (lists and the export).
	Measures []string `json:"measures"`
	// Record is the child's record (filled when the query asks for it: the export, the case).
	Record *child.Record `json:"-"`

	id, childID int64
}

// LedgerQuery selects entries.
type LedgerQuery struct {
	// Region is a division code: entries whose responsible division lies in it.
	Region string
	// Status: "" or "open" (not closed, not flagged), "flagged", "closed", "all", or one status.
	Status string
	// Due keeps entries whose next visit is due within LedgerDueDays of AsOf, or overdue.
	Due bool
	// AsOf is the day "due" is counted from; 0 = today.
	AsOf   child.Date
	Limit  int
	Offset int
	// Records opens each child's record into LedgerEntry.Record.
	Records bool
}

// ledgerWhere is the condition over entries e for the principal of ctx: entries whose
// responsible division lies in its jurisdiction, and q's filters. perms: any of them allows it.
func (s *Store) ledgerWhere(ctx context.Context, q *LedgerQuery, perms ...string) (*auth.Principal, string, []any, error) {
	p, err := gate(ctx, "您的角色不能查看重点关爱台账", perms...)
	if err != nil {
		return nil, "", nil, err
	}
	where, args := "1 = 1", []any{}
	if q.Region != "" {
		pr, ok := normalizeRegion(q.Region)
		if !ok {
			return nil, "", nil, errInvalid("行政区划代码“" + q.Region + "”格式不正确")
		}
		if !p.Covers(pr) && !p.InScope(pr) {
			return nil, "", nil, errForbidden("区划 " + q.Region + " 不在您的辖区内")
		}
		where, args = where+" AND e.region_code >= ? AND e.region_code < ?", append(args, pr, pr+"~")
	}
	switch q.Status {
	case "", "open":
		where += " AND e.status <> 'closed' AND e.flagged = 0"
	case "flagged":
		where += " AND e.status <> 'closed' AND e.flagged = 1"
	case "all":
	case LedgerAssessing, LedgerActive, LedgerClosing, LedgerClosed:
		where, args = where+" AND e.status = ?", append(args, q.Status)
	default:
		return nil, "", nil, errInvalid("台账状态只能是 open、flagged、closed、all、assess、active 或 closing")
	}
	if q.Due {
		asOf := q.AsOf
		if asOf == 0 {
			asOf = s.Today()
		}
		where, args = where+" AND e.status <> 'closed' AND e.next_visit <= ?", append(args, int64(asOf.AddDays(LedgerDueDays)))
	}
	cond, cargs, err := regionCond(p, "e.region_code")
	if err != nil {
		return nil, "", nil, err
	}
	if cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	return p, where, args, nil
}

// ledgerFrom selects the entries of where (over ledger_entries e) in order, limit and offset
// first, and only then joins their children: a plan that scanned the children table (large, its
// records sealed in every row) for the entries of a district took a second at 50,000 children.
func ledgerFrom(where, order string) string {
	return "FROM (SELECT e.* FROM ledger_entries e WHERE " + where + " ORDER BY " + order + " LIMIT ? OFFSET ?) e JOIN children c ON c.id = e.child_id ORDER BY " + order
}

const ledgerColumns = `e.id, c.id, c.uid, c.brief, c.sex, c.birth_date, c.key_care_reasons, e.region_code, e.status, e.flagged, e.flagged_on,
 e.opened_on, e.reopened, e.risk, e.needs, e.director, e.cadre, e.next_visit, e.last_visit, e.first_visit, e.close_reason,
 e.close_requested_by, e.closed_by, e.closed_at`

// scanLedger reads a row of ledgerColumns (and the record when withRecord).
func (s *Store) scanLedger(scan func(...any) error, withRecord bool) (*LedgerEntry, error) {
	var e LedgerEntry
	var brief, record []byte
	var sex, reasons, region, risk, needs, director, cadre, reason, reqBy, closedBy sql.NullString
	var bd, flaggedOn, next, last, first sql.NullInt64
	var flagged int64
	dest := []any{&e.id, &e.childID, &e.Child, &brief, &sex, &bd, &reasons, &region, &e.Status, &flagged, &flaggedOn,
		&e.OpenedOn, &e.Reopened, &risk, &needs, &director, &cadre, &next, &last, &first, &reason, &reqBy, &closedBy, scanTime{&e.ClosedAt}}
	if withRecord {
		dest = append(dest, &record)
	}
	if err := scan(dest...); err != nil {
		return nil, err
	}
	e.Sex, e.BirthDate, e.Reasons, e.RegionCode = sex.String, child.Date(bd.Int64), splitSet(reasons.String), region.String
	e.Flagged, e.FlaggedOn = flagged != 0, child.Date(flaggedOn.Int64)
	e.Risk, e.Needs, e.Director, e.Cadre = risk.String, splitSet(needs.String), director.String, cadre.String
	e.NextVisit, e.LastVisit, e.FirstVisit = child.Date(next.Int64), child.Date(last.Int64), child.Date(first.Int64)
	e.CloseReason, e.CloseRequestedBy, e.ClosedBy = reason.String, reqBy.String, closedBy.String
	e.Measures = []string{}
	if withRecord {
		r, err := s.openRecord(e.Child, record, aadRecord(e.Child))
		if err != nil {
			return nil, err
		}
		e.Record = &r
		e.Name, e.IDNumber = r.Name, r.IDNumber
		return &e, nil
	}
	var err error
	e.Name, e.IDNumber, err = s.openBrief(e.Child, brief, nil)
	return &e, err
}

// EachLedgerEntry calls fn for every entry of q the principal may see (Limit and Offset aside),
// in the order of the responsible division and the entry date; the reading is audited first
// (the criteria, not the entries: a city export names tens of thousands).
func (s *Store) EachLedgerEntry(ctx context.Context, q LedgerQuery, fn func(*LedgerEntry) error) error {
	_, where, args, err := s.ledgerWhere(ctx, &q, auth.PermLedgerRead)
	if err != nil {
		return err
	}
	if err := s.Audit(ctx, audit.LedgerList, "ledger", map[string]any{"region": q.Region, "status": q.Status, "due": q.Due, "all": true}); err != nil {
		return err
	}
	return s.eachLedger(ctx, where, args, q.Records, fn)
}

func (s *Store) eachLedger(ctx context.Context, where string, args []any, withRecord bool, fn func(*LedgerEntry) error) error {
	cols := ledgerColumns
	if withRecord {
		cols += ", c.record"
	}
	// Pages by entry id, so that a long export holds no read transaction open.
	var last int64
	for {
		rows, err := s.query(ctx, "SELECT "+cols+" "+ledgerFrom(where+" AND e.id > ?", "e.id"), append(slices.Clone(args), last, 1000, 0)...)
		if err != nil {
			return internal("读取重点关爱台账", err)
		}
		var page []*LedgerEntry
		for rows.Next() {
			e, err := s.scanLedger(rows.Scan, withRecord)
			if err != nil {
				rows.Close()
				return internal("读取重点关爱台账", err)
			}
			page = append(page, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return internal("读取重点关爱台账", err)
		}
		if err := s.fillMeasures(ctx, page); err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
			last = e.id
		}
		if len(page) < 1000 {
			return nil
		}
	}
}

// fillMeasures sets the measures of the entries of a page.
func (s *Store) fillMeasures(ctx context.Context, page []*LedgerEntry) error {
	if len(page) == 0 {
		return nil
	}
	byID := make(map[int64]*LedgerEntry, len(page))
	args := make([]any, len(page))
	for i, e := range page {
		byID[e.id] = e
		args[i] = e.id
	}
	rows, err := s.query(ctx, "SELECT entry_id, measure FROM ledger_measures WHERE entry_id IN (?"+strings.Repeat(", ?", len(page)-1)+") ORDER BY id", args...)
	if err != nil {
		return internal("读取帮扶措施", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var m string
		if err := rows.Scan(&id, &m); err != nil {
			return internal("读取帮扶措施", err)
		}
		if e := byID[id]; e != nil && !slices.Contains(e.Measures, m) {
			e.Measures = append(e.Measures, m)
		}
	}
	return rows.Err()
}

// LedgerEntries lists a page of the entries of q the principal may see, the most urgent visit
// first; the reading is audited with the entries listed.
func (s *Store) LedgerEntries(ctx context.Context, q LedgerQuery) ([]LedgerEntry, error) {
	_, where, args, err := s.ledgerWhere(ctx, &q, auth.PermLedgerRead)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT "+ledgerColumns+" "+ledgerFrom(where, "coalesce(e.next_visit, 99999999), e.id"),
		append(args, clampLimit(q.Limit, 50, 500), max(q.Offset, 0))...)
	if err != nil {
		return nil, internal("读取重点关爱台账", err)
	}
	var page []*LedgerEntry
	for rows.Next() {
		e, err := s.scanLedger(rows.Scan, false)
		if err != nil {
			rows.Close()
			return nil, internal("读取重点关爱台账", err)
		}
		page = append(page, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("读取重点关爱台账", err)
	}
	if err := s.fillMeasures(ctx, page); err != nil {
		return nil, err
	}
	out := make([]LedgerEntry, len(page))
	uids := make([]string, len(page))
	for i, e := range page {
		out[i], uids[i] = *e, e.Child
	}
	if len(out) > 0 {
		if err := s.Audit(ctx, audit.LedgerList, "ledger", map[string]any{"region": q.Region, "status": q.Status, "due": q.Due,
			"offset": q.Offset, "children": uids}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LedgerCount counts the entries of q (Limit and Offset aside) the principal may see.
func (s *Store) LedgerCount(ctx context.Context, q LedgerQuery) (int, error) {
	_, where, args, err := s.ledgerWhere(ctx, &q, auth.PermLedgerRead)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.queryRow(ctx, "SELECT count(*) FROM ledger_entries e WHERE "+where, args...).Scan(&n); err != nil {
		return 0, internal("统计重点关爱台账", err)
	}
	return n, nil
}

// syncLedger brings the entries of the children ids in line with their stored classification and
// status, inside the transaction that wrote them (the hook of flush, Reclassify and Transition):
// a child whose key care is yes and whose record is not archived has an entry that is not closed
// and not flagged, in its responsible division; any other child's entry is flagged (or stays
// closed). The changes are recorded in the entries' history and in one audit entry.
func (s *Store) syncLedger(t *tx, ids []int64) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		if err := s.syncLedgerChunk(t, ids[:n]); err != nil {
			return fmt.Errorf("sync ledger: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}

func (s *Store) syncLedgerChunk(t *tx, ids []int64) error {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := t.query(`SELECT c.id, c.uid, c.status, c.key_care, CASE WHEN c.migrant_statistics = 'yes' OR c.migrant_monitoring = 'yes'
 THEN c.res_code ELSE c.hukou_code END, e.id, e.status, e.flagged, e.region_code
 FROM children c LEFT JOIN ledger_entries e ON e.child_id = c.id WHERE c.id IN (?`+strings.Repeat(", ?", len(ids)-1)+")", args...)
	if err != nil {
		return err
	}
	type state struct {
		childID          int64
		uid, status, kc  string
		region           sql.NullString
		entry            sql.NullInt64
		eStatus, eRegion sql.NullString
		flagged          sql.NullInt64
	}
	var sts []state
	for rows.Next() {
		var st state
		if err := rows.Scan(&st.childID, &st.uid, &st.status, &st.kc, &st.region, &st.entry, &st.eStatus, &st.flagged, &st.eRegion); err != nil {
			rows.Close()
			return err
		}
		sts = append(sts, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	today := s.Today()
	now := s.d.timeArg(s.instant())
	first := int64(today.AddMonths(s.visitInterval("")))
	var opened, reopened, flagged, unflagged []string
	for _, st := range sts {
		qualifies := st.kc == "yes" && st.status != StatusArchived
		switch {
		case !st.entry.Valid && qualifies:
			var id int64
			if err := t.queryRow(`INSERT INTO ledger_entries (child_id, region_code, status, opened_on, next_visit, created_at, updated_at)
 VALUES (?, ?, 'assess', ?, ?, ?, ?) RETURNING id`, st.childID, st.region, int64(today), first, now, now).Scan(&id); err != nil {
				return err
			}
			if err := s.ledgerEvent(t, id, "open", map[string]any{"region": st.region.String}); err != nil {
				return err
			}
			opened = append(opened, st.uid)
		case !st.entry.Valid:
		case qualifies && st.eStatus.String == LedgerClosed:
			if _, err := t.exec(`UPDATE ledger_entries SET status = 'assess', flagged = 0, flagged_on = NULL, reopened = reopened + 1, region_code = ?,
 risk = NULL, next_visit = ?, close_reason = NULL, close_note = NULL, close_requested_by = NULL, close_requested_at = NULL, closed_by = NULL,
 closed_at = NULL, updated_at = ? WHERE id = ?`, st.region, first, now, st.entry.Int64); err != nil {
				return err
			}
			if err := s.ledgerEvent(t, st.entry.Int64, "reopen", map[string]any{"region": st.region.String}); err != nil {
				return err
			}
			reopened = append(reopened, st.uid)
		case qualifies:
			if st.flagged.Int64 == 0 && st.eRegion == st.region {
				continue
			}
			if _, err := t.exec("UPDATE ledger_entries SET flagged = 0, flagged_on = NULL, region_code = ?, updated_at = ? WHERE id = ?",
				st.region, now, st.entry.Int64); err != nil {
				return err
			}
			if st.flagged.Int64 != 0 {
				if err := s.ledgerEvent(t, st.entry.Int64, "requalify", map[string]any{"region": st.region.String}); err != nil {
					return err
				}
				unflagged = append(unflagged, st.uid)
			} else if err := s.ledgerEvent(t, st.entry.Int64, "move", map[string]any{"from": st.eRegion.String, "region": st.region.String}); err != nil {
				return err
			}
		case st.eStatus.String != LedgerClosed && st.flagged.Int64 == 0:
			if _, err := t.exec("UPDATE ledger_entries SET flagged = 1, flagged_on = ?, updated_at = ? WHERE id = ?", int64(today), now, st.entry.Int64); err != nil {
				return err
			}
			why := "key_care_" + st.kc
			if st.status == StatusArchived {
				why = "archived"
			}
			if err := s.ledgerEvent(t, st.entry.Int64, "flag", map[string]any{"why": why}); err != nil {
				return err
			}
			flagged = append(flagged, st.uid)
		}
	}
	if len(opened)+len(reopened)+len(flagged)+len(unflagged) == 0 {
		return nil
	}
	detail := map[string]any{}
	for k, v := range map[string][]string{"opened": opened, "reopened": reopened, "flagged": flagged, "requalified": unflagged} {
		if len(v) > 0 {
			detail[k] = v
		}
	}
	return s.appendAudit(t, audit.LedgerSync, "ledger", detail)
}

// ledgerEvent appends to an entry's history; detail holds codes, never personal data.
func (s *Store) ledgerEvent(t *tx, entryID int64, action string, detail map[string]any) error {
	_, err := t.exec("INSERT INTO ledger_events (entry_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
		entryID, s.d.timeArg(s.instant()), auth.ActorOf(t.ctx), action, jsonText(detail))
	return err
}

// SyncLedger brings every entry in line with the classification (the operator's repair, and the
// check of the daily job): it returns how many children it looked at.
func (s *Store) SyncLedger(ctx context.Context) (int, error) {
	if err := wholeOnly(ctx, "只有系统任务可以重建重点关爱台账"); err != nil {
		return 0, err
	}
	var last int64
	total := 0
	for {
		var ids []int64
		err := s.inTx(ctx, "同步重点关爱台账", func(t *tx) error {
			ids = ids[:0]
			rows, err := t.query(`SELECT c.id FROM children c LEFT JOIN ledger_entries e ON e.child_id = c.id WHERE c.id > ?
 AND (c.key_care = 'yes' OR e.id IS NOT NULL) ORDER BY c.id LIMIT 500`, last)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			return s.syncLedger(t, ids)
		})
		if err != nil {
			return total, err
		}
		total += len(ids)
		if len(ids) < 500 {
			return total, nil
		}
		last = ids[len(ids)-1]
	}
}

// ledgerTarget locks and returns the entry of the child uid inside t, when the principal may see
// it (its responsible division in the jurisdiction); any other is not found.
func (s *Store) ledgerTarget(t *tx, p *auth.Principal, uid string) (*LedgerEntry, error) {
	if !validUID(uid) {
		return nil, errNoLedger(uid)
	}
	where, args := "c.uid = ?", []any{uid}
	cond, cargs, err := regionCond(p, "e.region_code")
	if err != nil {
		return nil, err
	}
	if cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	e, err := s.scanLedger(t.queryRow("SELECT "+ledgerColumns+" FROM ledger_entries e JOIN children c ON c.id = e.child_id WHERE "+where+
		s.d.forUpdate(), args...).Scan, false)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoLedger(uid)
	}
	return e, err
}

func errNoLedger(uid string) *Error {
	return &Error{Code: CodeNotFound, Message: "台账中没有编号为 " + uid + " 的儿童"}
}

// ledgerChange runs fn on the entry of uid in one transaction, for a principal holding perm.
func (s *Store) ledgerChange(ctx context.Context, what, uid, perm, deny string, fn func(t *tx, e *LedgerEntry) error) error {
	p, err := gate(ctx, deny, perm)
	if err != nil {
		return err
	}
	return s.inTx(ctx, what, func(t *tx) error {
		e, err := s.ledgerTarget(t, p, uid)
		if err != nil {
			return err
		}
		return fn(t, e)
	})
}

// LedgerAssessment is what the reviewer's assessment sets.
type LedgerAssessment struct {
	Risk     string   `json:"risk"`
	Needs    []string `json:"needs"`
	Director string   `json:"director"`
	Cadre    string   `json:"cadre"`
	Note     string   `json:"note"`
}

func aadLedger(kind string, id int64) string {
	return "ledger." + kind + ":" + strconv.FormatInt(id, 10)
}

// AssessLedger records the reviewer's assessment of the entry of the child uid: risk level,
// needs, 责任人 and 包联干部. An entry awaiting assessment becomes 帮扶中; the next visit follows
// the risk level from the last visit (or keeps the first visit's date when none was made).
func (s *Store) AssessLedger(ctx context.Context, uid string, a LedgerAssessment) error {
	if _, ok := RiskLabels[a.Risk]; !ok {
		return errInvalid("请选择风险等级：一般、较高或高", child.Issue{Field: "risk", Code: "required", Message: "请选择风险等级"})
	}
	if len(a.Needs) == 0 {
		return errInvalid("请至少选择一项需求", child.Issue{Field: "needs", Code: "required", Message: "请至少选择一项需求"})
	}
	for _, n := range a.Needs {
		if _, ok := NeedLabels[n]; !ok {
			return errInvalid("未知的需求：“"+n+"”", child.Issue{Field: "needs", Code: "invalid", Message: "未知的需求"})
		}
	}
	a.Director, a.Cadre = strings.TrimSpace(a.Director), strings.TrimSpace(a.Cadre)
	if a.Director == "" {
		return errInvalid("请填写责任人（儿童主任）", child.Issue{Field: "director", Code: "required", Message: "请填写责任人"})
	}
	if len([]rune(a.Director)) > 50 || len([]rune(a.Cadre)) > 50 || len([]rune(a.Note)) > 2000 {
		return errInvalid("责任人、包联干部不超过50字，评估意见不超过2000字")
	}
	return s.ledgerChange(ctx, "评估重点关爱对象", uid, auth.PermLedgerReview, "只有民政审核员可以评估", func(t *tx, e *LedgerEntry) error {
		if e.Status == LedgerClosed || e.Status == LedgerClosing {
			return &Error{Code: CodeConflict, Message: "该台账已结案或待结案，不能再评估"}
		}
		var note []byte
		if strings.TrimSpace(a.Note) != "" {
			var err error
			if note, err = s.keys.Seal([]byte(a.Note), []byte(aadLedger("assessment", e.id))); err != nil {
				return err
			}
		}
		next := e.NextVisit
		if e.LastVisit != 0 {
			next = e.LastVisit.AddMonths(s.visitInterval(a.Risk))
		} else if next == 0 {
			next = s.Today().AddMonths(s.visitInterval(a.Risk))
		}
		_, err := t.exec(`UPDATE ledger_entries SET status = 'active', risk = ?, needs = ?, director = ?, cadre = ?, assessment = ?,
 assessed_at = ?, assessed_by = ?, next_visit = ?, updated_at = ? WHERE id = ?`, a.Risk, set(a.Needs), a.Director, text(a.Cadre), note,
			s.d.timeArg(s.instant()), auth.ActorOf(t.ctx), int64(next), s.d.timeArg(s.instant()), e.id)
		if err != nil {
			return err
		}
		if err := s.ledgerEvent(t, e.id, "assess", map[string]any{"risk": a.Risk, "needs": a.Needs}); err != nil {
			return err
		}
		return s.appendAudit(t, audit.LedgerAssess, "child:"+uid, map[string]any{"risk": a.Risk, "needs": a.Needs, "next_visit": next.String()})
	})
}

// LedgerMeasure is a measure of the care plan (帮扶措施) and the assistance given.
type LedgerMeasure struct {
	ID         int64      `json:"id"`
	Measure    string     `json:"measure"`
	Department string     `json:"department"`
	Start      child.Date `json:"start,omitempty"`
	End        child.Date `json:"end,omitempty"`
	Amount     *float64   `json:"amount,omitempty"` // yuan
	Given      string     `json:"given,omitempty"`  // the assistance or service actually given
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
}

// AddLedgerMeasure adds a measure to the care plan of the entry of the child uid (the reviewer's
// plan). The department defaults to the measure's provider.
func (s *Store) AddLedgerMeasure(ctx context.Context, uid string, m LedgerMeasure) (int64, error) {
	def, ok := MeasureByCode(m.Measure)
	if !ok {
		return 0, errInvalid("请选择帮扶措施", child.Issue{Field: "measure", Code: "required", Message: "请选择帮扶措施"})
	}
	if m.Department == "" {
		m.Department = def.Department
	}
	if m.Department == "" || auth.DepartmentLabel(m.Department) == "" {
		return 0, errInvalid("请选择提供帮扶的部门", child.Issue{Field: "department", Code: "required", Message: "请选择部门"})
	}
	if m.Start != 0 && m.End != 0 && m.End < m.Start {
		return 0, errInvalid("结束日期不能早于开始日期", child.Issue{Field: "end", Code: "order", Message: "结束日期不能早于开始日期"})
	}
	if m.Amount != nil && (*m.Amount < 0 || *m.Amount > 1e7 || math.IsNaN(*m.Amount)) {
		return 0, errInvalid("帮扶金额应在 0 至 10000000 元之间", child.Issue{Field: "amount", Code: "range", Message: "金额无效"})
	}
	if len([]rune(m.Given)) > 1000 {
		return 0, errInvalid("帮扶内容不超过1000字")
	}
	var id int64
	err := s.ledgerChange(ctx, "添加帮扶措施", uid, auth.PermLedgerReview, "只有民政审核员可以制定帮扶计划", func(t *tx, e *LedgerEntry) error {
		if e.Status == LedgerClosed {
			return &Error{Code: CodeConflict, Message: "该台账已结案"}
		}
		var amount any
		if m.Amount != nil {
			amount = *m.Amount
		}
		if err := t.queryRow(`INSERT INTO ledger_measures (entry_id, measure, department, start_on, end_on, amount, created_at, created_by)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.id, m.Measure, m.Department, date(m.Start), date(m.End), amount,
			s.d.timeArg(s.instant()), auth.ActorOf(t.ctx)).Scan(&id); err != nil {
			return err
		}
		if strings.TrimSpace(m.Given) != "" {
			g, err := s.keys.Seal([]byte(m.Given), []byte(aadLedger("measure", id)))
			if err != nil {
				return err
			}
			if _, err := t.exec("UPDATE ledger_measures SET given = ? WHERE id = ?", g, id); err != nil {
				return err
			}
		}
		if err := s.ledgerEvent(t, e.id, "measure", map[string]any{"measure": m.Measure, "department": m.Department}); err != nil {
			return err
		}
		return s.appendAudit(t, audit.LedgerMeasure, "child:"+uid, map[string]any{"measure": m.Measure, "department": m.Department, "id": id})
	})
	return id, err
}

// LedgerVisit is a visit (探访).
type LedgerVisit struct {
	ID        int64      `json:"id"`
	Date      child.Date `json:"date"`
	Mode      string     `json:"mode"`
	Visitor   string     `json:"visitor"`
	Findings  string     `json:"findings"`
	Situation string     `json:"situation"`
	NextDue   child.Date `json:"next_due,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by"`
}

type visitDetail struct {
	Findings  string `json:"findings,omitempty"`
	Situation string `json:"situation,omitempty"`
}

// RecordLedgerVisit records a visit to the child of the entry uid. The next visit is the one the
// visitor gives, else the visit date plus the risk level's interval (an entry not yet assessed:
// the "first" interval). It returns the visit's id and the next visit's date.
func (s *Store) RecordLedgerVisit(ctx context.Context, uid string, v LedgerVisit) (int64, child.Date, error) {
	today := s.Today()
	if v.Date == 0 {
		return 0, 0, errInvalid("请填写探访日期", child.Issue{Field: "date", Code: "required", Message: "请填写探访日期"})
	}
	if v.Date > today {
		return 0, 0, errInvalid("探访日期不能晚于今天", child.Issue{Field: "date", Code: "future", Message: "探访日期不能晚于今天"})
	}
	if _, ok := VisitModeLabels[v.Mode]; !ok {
		return 0, 0, errInvalid("请选择探访方式：入户、电话、视频或学校", child.Issue{Field: "mode", Code: "required", Message: "请选择探访方式"})
	}
	v.Visitor = strings.TrimSpace(v.Visitor)
	if v.Visitor == "" {
		return 0, 0, errInvalid("请填写探访人", child.Issue{Field: "visitor", Code: "required", Message: "请填写探访人"})
	}
	if strings.TrimSpace(v.Findings) == "" {
		return 0, 0, errInvalid("请填写探访发现", child.Issue{Field: "findings", Code: "required", Message: "请填写探访发现"})
	}
	if len([]rune(v.Visitor)) > 50 || len([]rune(v.Findings)) > 2000 || len([]rune(v.Situation)) > 2000 {
		return 0, 0, errInvalid("探访人不超过50字，探访发现和儿童状况各不超过2000字")
	}
	if v.NextDue != 0 && v.NextDue <= v.Date {
		return 0, 0, errInvalid("下次探访日期应晚于本次探访日期", child.Issue{Field: "next_due", Code: "order", Message: "下次探访日期应晚于本次探访日期"})
	}
	var id int64
	var next child.Date
	err := s.ledgerChange(ctx, "记录探访", uid, auth.PermLedgerWork, "您的角色不能记录探访", func(t *tx, e *LedgerEntry) error {
		if e.Status == LedgerClosed {
			return &Error{Code: CodeConflict, Message: "该台账已结案，不能再记录探访"}
		}
		next = v.NextDue
		if next == 0 {
			next = v.Date.AddMonths(s.visitInterval(e.Risk))
		}
		if err := t.queryRow(`INSERT INTO ledger_visits (entry_id, visited_on, mode, visitor, next_due, created_at, created_by)
 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.id, int64(v.Date), v.Mode, v.Visitor, int64(next), s.d.timeArg(s.instant()),
			auth.ActorOf(t.ctx)).Scan(&id); err != nil {
			return err
		}
		b, _ := json.Marshal(visitDetail{Findings: v.Findings, Situation: v.Situation})
		sealed, err := s.keys.Seal(b, []byte(aadLedger("visit", id)))
		if err != nil {
			return err
		}
		if _, err := t.exec("UPDATE ledger_visits SET detail = ? WHERE id = ?", sealed, id); err != nil {
			return err
		}
		// The latest visit sets the next one; an older visit entered late does not move it back.
		if e.LastVisit == 0 || v.Date >= e.LastVisit {
			if _, err := t.exec("UPDATE ledger_entries SET last_visit = ?, next_visit = ?, first_visit = coalesce(first_visit, ?), updated_at = ? WHERE id = ?",
				int64(v.Date), int64(next), int64(v.Date), s.d.timeArg(s.instant()), e.id); err != nil {
				return err
			}
		} else if _, err := t.exec("UPDATE ledger_entries SET first_visit = CASE WHEN first_visit IS NULL OR first_visit > ? THEN ? ELSE first_visit END WHERE id = ?",
			int64(v.Date), int64(v.Date), e.id); err != nil {
			return err
		}
		if err := s.ledgerEvent(t, e.id, "visit", map[string]any{"visit": id, "date": v.Date.String(), "mode": v.Mode, "next": next.String()}); err != nil {
			return err
		}
		return s.appendAudit(t, audit.LedgerVisit, "child:"+uid, map[string]any{"visit": id, "date": v.Date.String(), "mode": v.Mode})
	})
	return id, next, err
}

// LedgerReferral is a referral (转介) of a case to a department.
type LedgerReferral struct {
	ID         int64      `json:"id"`
	Child      string     `json:"uid"`
	Name       string     `json:"child,omitempty"` // clear: the caller masks it
	RegionCode string     `json:"region_code,omitempty"`
	Department string     `json:"department"`
	Request    string     `json:"request"`
	Deadline   child.Date `json:"deadline"`
	Status     string     `json:"status"`
	Overdue    bool       `json:"overdue"`
	Answer     string     `json:"answer,omitempty"`
	AnsweredAt time.Time  `json:"answered_at,omitempty"`
	AnsweredBy string     `json:"answered_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
}

// ReferLedger sends the case of the child uid to a department (教育, 公安 …) with what is asked
// and a deadline; the department's officers of the jurisdiction see it in their queue.
func (s *Store) ReferLedger(ctx context.Context, uid string, r LedgerReferral) (int64, error) {
	if !slices.Contains(auth.ReferralDepartments, r.Department) {
		return 0, errInvalid("请选择转介部门", child.Issue{Field: "department", Code: "required", Message: "请选择转介部门"})
	}
	r.Request = strings.TrimSpace(r.Request)
	if r.Request == "" || len([]rune(r.Request)) > 2000 {
		return 0, errInvalid("请填写转介事项（不超过2000字）", child.Issue{Field: "request", Code: "required", Message: "请填写转介事项"})
	}
	if r.Deadline == 0 || r.Deadline < s.Today() {
		return 0, errInvalid("请填写办理期限（不早于今天）", child.Issue{Field: "deadline", Code: "required", Message: "请填写办理期限"})
	}
	var id int64
	err := s.ledgerChange(ctx, "转介", uid, auth.PermLedgerWork, "您的角色不能转介", func(t *tx, e *LedgerEntry) error {
		if e.Status == LedgerClosed {
			return &Error{Code: CodeConflict, Message: "该台账已结案，不能再转介"}
		}
		if err := t.queryRow(`INSERT INTO ledger_referrals (entry_id, department, request, deadline, status, created_at, created_by)
 VALUES (?, ?, ?, ?, 'waiting', ?, ?) RETURNING id`, e.id, r.Department, []byte{0}, int64(r.Deadline), s.d.timeArg(s.instant()),
			auth.ActorOf(t.ctx)).Scan(&id); err != nil {
			return err
		}
		sealed, err := s.keys.Seal([]byte(r.Request), []byte(aadLedger("referral", id)))
		if err != nil {
			return err
		}
		if _, err := t.exec("UPDATE ledger_referrals SET request = ? WHERE id = ?", sealed, id); err != nil {
			return err
		}
		if err := s.ledgerEvent(t, e.id, "refer", map[string]any{"referral": id, "department": r.Department, "deadline": r.Deadline.String()}); err != nil {
			return err
		}
		return s.appendAudit(t, audit.LedgerRefer, "child:"+uid, map[string]any{"referral": id, "department": r.Department})
	})
	return id, err
}

// ReferralQuery selects referrals.
type ReferralQuery struct {
	Status  string // waiting, accepted, returned or "" for all
	Overdue bool   // waiting past the deadline
	Limit   int
	Offset  int
}

// referralWhere bounds referrals r (of entries e) for the principal: a department officer sees
// those sent to its own department for children of its jurisdiction; the ledger's readers (民政)
// every referral of the jurisdiction.
func (s *Store) referralWhere(ctx context.Context, q ReferralQuery) (string, []any, error) {
	p, err := gate(ctx, "您的角色不能查看转介", auth.PermReferralWork, auth.PermLedgerRead)
	if err != nil {
		return "", nil, err
	}
	where, args := "1 = 1", []any{}
	switch q.Status {
	case "":
	case "waiting", "accepted", "returned":
		where, args = where+" AND r.status = ?", append(args, q.Status)
	default:
		return "", nil, errInvalid("转介状态只能是 waiting（待受理）、accepted（已受理）或 returned（已退回）")
	}
	if q.Overdue {
		where, args = where+" AND r.status = 'waiting' AND r.deadline < ?", append(args, int64(s.Today()))
	}
	cond, cargs, err := regionCond(p, "e.region_code")
	if err != nil {
		return "", nil, err
	}
	if cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	if !p.Whole() && !p.Can(auth.PermLedgerRead) {
		where, args = where+" AND r.department = ?", append(args, p.Department)
	}
	return where, args, nil
}

const referralColumns = `r.id, c.uid, c.brief, e.region_code, r.department, r.request, r.deadline, r.status, r.answer, r.answered_at, r.answered_by,
 r.created_at, r.created_by`

func (s *Store) scanReferral(scan func(...any) error) (*LedgerReferral, error) {
	var r LedgerReferral
	var brief, request, answer []byte
	var region, by sql.NullString
	var deadline int64
	if err := scan(&r.ID, &r.Child, &brief, &region, &r.Department, &request, &deadline, &r.Status, &answer, scanTime{&r.AnsweredAt}, &by,
		scanTime{&r.CreatedAt}, &r.CreatedBy); err != nil {
		return nil, err
	}
	r.RegionCode, r.Deadline, r.AnsweredBy = region.String, child.Date(deadline), by.String
	r.Overdue = r.Status == "waiting" && r.Deadline < s.Today()
	var err error
	if r.Name, _, err = s.openBrief(r.Child, brief, nil); err != nil {
		return nil, err
	}
	b, err := s.keys.Open(request, []byte(aadLedger("referral", r.ID)))
	if err != nil {
		return nil, fmt.Errorf("open referral %d: %w", r.ID, err)
	}
	r.Request = string(b)
	if len(answer) > 0 {
		b, err := s.keys.Open(answer, []byte(aadLedger("answer", r.ID)))
		if err != nil {
			return nil, fmt.Errorf("open answer %d: %w", r.ID, err)
		}
		r.Answer = string(b)
	}
	return &r, nil
}

// Referrals lists the referrals of q the principal may see, the earliest deadline first; the
// reading is audited.
func (s *Store) Referrals(ctx context.Context, q ReferralQuery) ([]LedgerReferral, error) {
	where, args, err := s.referralWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT "+referralColumns+` FROM ledger_referrals r JOIN ledger_entries e ON e.id = r.entry_id
 JOIN children c ON c.id = e.child_id WHERE `+where+" ORDER BY CASE WHEN r.status = 'waiting' THEN 0 ELSE 1 END, r.deadline, r.id LIMIT ? OFFSET ?",
		append(args, clampLimit(q.Limit, 50, 500), max(q.Offset, 0))...)
	if err != nil {
		return nil, internal("读取转介", err)
	}
	out := []LedgerReferral{}
	for rows.Next() {
		r, err := s.scanReferral(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, internal("读取转介", err)
		}
		out = append(out, *r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("读取转介", err)
	}
	if len(out) > 0 {
		ids := make([]int64, len(out))
		for i, r := range out {
			ids[i] = r.ID
		}
		if err := s.Audit(ctx, audit.LedgerList, "referrals", map[string]any{"status": q.Status, "overdue": q.Overdue, "referrals": ids}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AnswerReferral records the department's answer to a referral sent to it: accepted (已受理, what
// it does) or returned (已退回, why). Only an officer of the department the referral names (or the
// operator) answers, once.
func (s *Store) AnswerReferral(ctx context.Context, id int64, accept bool, answer string) error {
	p, err := gate(ctx, "只有被转介部门的业务员可以受理或退回转介", auth.PermReferralWork)
	if err != nil {
		return err
	}
	answer = strings.TrimSpace(answer)
	if answer == "" || len([]rune(answer)) > 2000 {
		return errInvalid("请填写答复意见（不超过2000字）", child.Issue{Field: "answer", Code: "required", Message: "请填写答复意见"})
	}
	where, args, err := s.referralWhere(ctx, ReferralQuery{})
	if err != nil {
		return err
	}
	return s.inTx(ctx, "答复转介", func(t *tx) error {
		var entryID int64
		var status, dept, uid string
		err := t.queryRow(`SELECT r.entry_id, r.status, r.department, c.uid FROM ledger_referrals r JOIN ledger_entries e ON e.id = r.entry_id
 JOIN children c ON c.id = e.child_id WHERE r.id = ? AND `+where+s.d.forUpdate(), append([]any{id}, args...)...).Scan(&entryID, &status, &dept, &uid)
		if errors.Is(err, sql.ErrNoRows) {
			return &Error{Code: CodeNotFound, Message: "没有编号为 " + strconv.FormatInt(id, 10) + " 的转介"}
		}
		if err != nil {
			return err
		}
		if !p.Whole() && dept != p.Department {
			return errForbidden("该转介发往" + auth.DepartmentLabel(dept) + "，只能由其业务员答复")
		}
		if status != "waiting" {
			return &Error{Code: CodeConflict, Message: "该转介已" + ReferralStatusLabels[status]}
		}
		to := "returned"
		if accept {
			to = "accepted"
		}
		sealed, err := s.keys.Seal([]byte(answer), []byte(aadLedger("answer", id)))
		if err != nil {
			return err
		}
		if _, err := t.exec("UPDATE ledger_referrals SET status = ?, answer = ?, answered_at = ?, answered_by = ? WHERE id = ?",
			to, sealed, s.d.timeArg(s.instant()), auth.ActorOf(t.ctx), id); err != nil {
			return err
		}
		if err := s.ledgerEvent(t, entryID, "answer", map[string]any{"referral": id, "department": dept, "status": to}); err != nil {
			return err
		}
		return s.appendAudit(t, audit.LedgerAnswer, "child:"+uid, map[string]any{"referral": id, "department": dept, "status": to})
	})
}

// RequestLedgerClosure asks for the closure of the entry of the child uid, with a reason
// (情形消除, 年满16周岁, 迁出本地, 其他) and a note; the reviewer approves it (DecideLedgerClosure).
func (s *Store) RequestLedgerClosure(ctx context.Context, uid, reason, note string) error {
	if _, ok := CloseReasonLabels[reason]; !ok {
		return errInvalid("请选择结案原因", child.Issue{Field: "reason", Code: "required", Message: "请选择结案原因"})
	}
	if reason == "other" && strings.TrimSpace(note) == "" {
		return errInvalid("结案原因为“其他”时请填写说明", child.Issue{Field: "note", Code: "required", Message: "请填写说明"})
	}
	if len([]rune(note)) > 2000 {
		return errInvalid("结案说明不超过2000字")
	}
	return s.ledgerChange(ctx, "申请结案", uid, auth.PermLedgerWork, "您的角色不能申请结案", func(t *tx, e *LedgerEntry) error {
		if e.Status == LedgerClosed || e.Status == LedgerClosing {
			return &Error{Code: CodeConflict, Message: "该台账已" + LedgerStatusLabels[e.Status]}
		}
		var sealed []byte
		if strings.TrimSpace(note) != "" {
			var err error
			if sealed, err = s.keys.Seal([]byte(note), []byte(aadLedger("close", e.id))); err != nil {
				return err
			}
		}
		if _, err := t.exec(`UPDATE ledger_entries SET status = 'closing', close_reason = ?, close_note = ?, close_requested_by = ?,
 close_requested_at = ?, updated_at = ? WHERE id = ?`, reason, sealed, auth.ActorOf(t.ctx), s.d.timeArg(s.instant()), s.d.timeArg(s.instant()), e.id); err != nil {
			return err
		}
		if err := s.ledgerEvent(t, e.id, "close_request", map[string]any{"reason": reason, "from": e.Status}); err != nil {
			return err
		}
		return s.appendAudit(t, audit.LedgerClose, "child:"+uid, map[string]any{"step": "request", "reason": reason})
	})
}

// DecideLedgerClosure is the reviewer's decision on a closure asked for: approved, the entry is
// closed (已结案) — only when the child no longer qualifies for key care (or its record is
// archived): a child who still qualifies stays in the ledger, so that the ledger and the
// statistics agree; refused, the entry goes back to 帮扶中 (or 待评估 when never assessed).
func (s *Store) DecideLedgerClosure(ctx context.Context, uid string, approve bool, note string) error {
	if len([]rune(note)) > 2000 {
		return errInvalid("审核意见不超过2000字")
	}
	return s.ledgerChange(ctx, "审核结案", uid, auth.PermLedgerReview, "只有民政审核员可以审核结案", func(t *tx, e *LedgerEntry) error {
		if e.Status != LedgerClosing {
			return &Error{Code: CodeConflict, Message: "该台账没有待审核的结案申请"}
		}
		now := s.d.timeArg(s.instant())
		if approve {
			if !e.Flagged {
				return &Error{Code: CodeConflict, Message: "该儿童仍符合重点关爱条件，不能结案：请先更新儿童记录（困境情形消除后记录会自动标记）"}
			}
			if _, err := t.exec("UPDATE ledger_entries SET status = 'closed', flagged = 0, flagged_on = NULL, closed_by = ?, closed_at = ?, updated_at = ? WHERE id = ?",
				auth.ActorOf(t.ctx), now, now, e.id); err != nil {
				return err
			}
		} else {
			back := LedgerActive
			if e.Risk == "" {
				back = LedgerAssessing
			}
			if _, err := t.exec("UPDATE ledger_entries SET status = ?, close_reason = NULL, close_note = NULL, close_requested_by = NULL, close_requested_at = NULL, updated_at = ? WHERE id = ?",
				back, now, e.id); err != nil {
				return err
			}
		}
		step := "refuse"
		if approve {
			step = "approve"
		}
		if err := s.ledgerEvent(t, e.id, "close_"+step, map[string]any{"reason": e.CloseReason}); err != nil {
			return err
		}
		return s.appendAudit(t, audit.LedgerClose, "child:"+uid, map[string]any{"step": step, "reason": e.CloseReason})
	})
}

// LedgerEvent is a step of an entry's history.
type LedgerEvent struct {
	At     time.Time      `json:"at"`
	Actor  string         `json:"actor"`
	Action string         `json:"action"`
	Detail map[string]any `json:"detail"`
}

// LedgerCase is one entry with everything about it: the record, the assessment, the plan, the
// visits, the referrals, the closure and the history.
type LedgerCase struct {
	Entry       LedgerEntry            `json:"entry"`
	Record      child.Record           `json:"-"`
	Assessment  string                 `json:"assessment,omitempty"`
	AssessedBy  string                 `json:"assessed_by,omitempty"`
	CloseNote   string                 `json:"close_note,omitempty"`
	Measures    []LedgerMeasure        `json:"measures"`
	Visits      []LedgerVisit          `json:"visits"`
	Referrals   []LedgerReferral       `json:"referrals"`
	Events      []LedgerEvent          `json:"events"`
	Attachments []LedgerAttachmentInfo `json:"attachments"`
}

// LedgerCase returns the case of the child uid, audited; a case outside the jurisdiction does
// not exist for the principal.
func (s *Store) LedgerCase(ctx context.Context, uid string) (*LedgerCase, error) {
	p, err := gate(ctx, "您的角色不能查看重点关爱台账", auth.PermLedgerRead)
	if err != nil {
		return nil, err
	}
	if !validUID(uid) {
		return nil, errNoLedger(uid)
	}
	where, args := "c.uid = ?", []any{uid}
	cond, cargs, err := regionCond(p, "e.region_code")
	if err != nil {
		return nil, err
	}
	if cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	var lc LedgerCase
	var assessment, closeNote []byte
	var assessedBy sql.NullString
	e, err := s.scanLedger(func(dest ...any) error {
		return s.queryRow(ctx, "SELECT "+ledgerColumns+", c.record, e.assessment, e.assessed_by, e.close_note FROM ledger_entries e JOIN children c ON c.id = e.child_id WHERE "+
			where, args...).Scan(append(dest, &assessment, &assessedBy, &closeNote)...)
	}, true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoLedger(uid)
	}
	if err != nil {
		return nil, internal("读取重点关爱台账", err)
	}
	lc.Record, lc.AssessedBy = *e.Record, assessedBy.String
	if len(assessment) > 0 {
		b, err := s.keys.Open(assessment, []byte(aadLedger("assessment", e.id)))
		if err != nil {
			return nil, internal("解密评估意见", err)
		}
		lc.Assessment = string(b)
	}
	if len(closeNote) > 0 {
		b, err := s.keys.Open(closeNote, []byte(aadLedger("close", e.id)))
		if err != nil {
			return nil, internal("解密结案说明", err)
		}
		lc.CloseNote = string(b)
	}
	if lc.Measures, err = s.caseMeasures(ctx, e.id); err != nil {
		return nil, err
	}
	if err := s.fillMeasures(ctx, []*LedgerEntry{e}); err != nil {
		return nil, err
	}
	if lc.Visits, err = s.caseVisits(ctx, e.id); err != nil {
		return nil, err
	}
	if lc.Referrals, err = s.caseReferrals(ctx, e.id); err != nil {
		return nil, err
	}
	if lc.Events, err = s.caseEvents(ctx, e.id); err != nil {
		return nil, err
	}
	if lc.Attachments, err = s.caseAttachments(ctx, e.id); err != nil {
		return nil, err
	}
	lc.Entry = *e
	if err := s.Audit(ctx, audit.LedgerRead, "child:"+uid, map[string]any{"visits": len(lc.Visits), "referrals": len(lc.Referrals)}); err != nil {
		return nil, err
	}
	return &lc, nil
}

func (s *Store) caseMeasures(ctx context.Context, entryID int64) ([]LedgerMeasure, error) {
	rows, err := s.query(ctx, "SELECT id, measure, department, start_on, end_on, amount, given, created_at, created_by FROM ledger_measures WHERE entry_id = ? ORDER BY id", entryID)
	if err != nil {
		return nil, internal("读取帮扶措施", err)
	}
	defer rows.Close()
	out := []LedgerMeasure{}
	for rows.Next() {
		var m LedgerMeasure
		var start, end sql.NullInt64
		var amount sql.NullFloat64
		var given []byte
		if err := rows.Scan(&m.ID, &m.Measure, &m.Department, &start, &end, &amount, &given, scanTime{&m.CreatedAt}, &m.CreatedBy); err != nil {
			return nil, internal("读取帮扶措施", err)
		}
		m.Start, m.End = child.Date(start.Int64), child.Date(end.Int64)
		if amount.Valid {
			a := amount.Float64
			m.Amount = &a
		}
		if len(given) > 0 {
			b, err := s.keys.Open(given, []byte(aadLedger("measure", m.ID)))
			if err != nil {
				return nil, internal("解密帮扶措施", err)
			}
			m.Given = string(b)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) caseVisits(ctx context.Context, entryID int64) ([]LedgerVisit, error) {
	rows, err := s.query(ctx, "SELECT id, visited_on, mode, visitor, detail, next_due, created_at, created_by FROM ledger_visits WHERE entry_id = ? ORDER BY visited_on DESC, id DESC", entryID)
	if err != nil {
		return nil, internal("读取探访记录", err)
	}
	defer rows.Close()
	out := []LedgerVisit{}
	for rows.Next() {
		var v LedgerVisit
		var on int64
		var next sql.NullInt64
		var detail []byte
		if err := rows.Scan(&v.ID, &on, &v.Mode, &v.Visitor, &detail, &next, scanTime{&v.CreatedAt}, &v.CreatedBy); err != nil {
			return nil, internal("读取探访记录", err)
		}
		v.Date, v.NextDue = child.Date(on), child.Date(next.Int64)
		if len(detail) > 0 {
			b, err := s.keys.Open(detail, []byte(aadLedger("visit", v.ID)))
			if err != nil {
				return nil, internal("解密探访记录", err)
			}
			var d visitDetail
			if err := json.Unmarshal(b, &d); err != nil {
				return nil, internal("读取探访记录", err)
			}
			v.Findings, v.Situation = d.Findings, d.Situation
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *Store) caseReferrals(ctx context.Context, entryID int64) ([]LedgerReferral, error) {
	rows, err := s.query(ctx, "SELECT "+referralColumns+` FROM ledger_referrals r JOIN ledger_entries e ON e.id = r.entry_id
 JOIN children c ON c.id = e.child_id WHERE r.entry_id = ? ORDER BY r.id`, entryID)
	if err != nil {
		return nil, internal("读取转介", err)
	}
	defer rows.Close()
	out := []LedgerReferral{}
	for rows.Next() {
		r, err := s.scanReferral(rows.Scan)
		if err != nil {
			return nil, internal("读取转介", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

func (s *Store) caseEvents(ctx context.Context, entryID int64) ([]LedgerEvent, error) {
	rows, err := s.query(ctx, "SELECT at, actor, action, detail FROM ledger_events WHERE entry_id = ? ORDER BY id", entryID)
	if err != nil {
		return nil, internal("读取台账历史", err)
	}
	defer rows.Close()
	out := []LedgerEvent{}
	for rows.Next() {
		var ev LedgerEvent
		var d string
		if err := rows.Scan(scanTime{&ev.At}, &ev.Actor, &ev.Action, &d); err != nil {
			return nil, internal("读取台账历史", err)
		}
		if err := json.Unmarshal([]byte(d), &ev.Detail); err != nil {
			return nil, internal("读取台账历史", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// LedgerWork is a principal's work list: what the home page shows.
type LedgerWork struct {
	AsOf             child.Date       `json:"as_of"`
	VisitsOverdue    int              `json:"visits_overdue"`
	VisitsDue        int              `json:"visits_due"` // due within LedgerDueDays, not overdue
	AwaitingAssess   int              `json:"awaiting_assessment"`
	AwaitingClosure  int              `json:"awaiting_closure"` // asked for, or flagged: no longer key care
	ReferralsWaiting int              `json:"referrals_waiting"`
	ReferralsOverdue int              `json:"referrals_overdue"`
	Visits           []LedgerEntry    `json:"visits"`    // the most urgent visits (masked by the caller)
	Review           []LedgerEntry    `json:"review"`    // entries awaiting assessment or closure
	Referrals        []LedgerReferral `json:"referrals"` // referrals waiting for the principal's department
}

// LedgerWorkList returns the principal's work list as of today: visits due and overdue (who
// visits), entries awaiting assessment or closure (the reviewer), referrals waiting (a
// department officer, or civil affairs for all departments). Counts cover the jurisdiction;
// the lists hold the ten most urgent of each.
func (s *Store) LedgerWorkList(ctx context.Context) (*LedgerWork, error) {
	p, err := gate(ctx, "您的角色没有重点关爱工作清单", auth.PermLedgerRead, auth.PermReferralWork)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	w := &LedgerWork{AsOf: today, Visits: []LedgerEntry{}, Review: []LedgerEntry{}, Referrals: []LedgerReferral{}}
	count := func(q string, args ...any) (int, error) {
		var n int
		err := s.queryRow(ctx, q, args...).Scan(&n)
		return n, err
	}
	if p.Can(auth.PermLedgerRead) {
		_, where, args, err := s.ledgerWhere(ctx, &LedgerQuery{Status: "open"}, auth.PermLedgerRead)
		if err != nil {
			return nil, err
		}
		if w.VisitsOverdue, err = count("SELECT count(*) FROM ledger_entries e WHERE "+where+" AND e.next_visit < ?", append(slices.Clone(args), int64(today))...); err != nil {
			return nil, internal("读取工作清单", err)
		}
		if w.VisitsDue, err = count("SELECT count(*) FROM ledger_entries e WHERE "+where+" AND e.next_visit >= ? AND e.next_visit <= ?",
			append(slices.Clone(args), int64(today), int64(today.AddDays(LedgerDueDays)))...); err != nil {
			return nil, internal("读取工作清单", err)
		}
		if w.Visits, err = s.workEntries(ctx, where+" AND e.next_visit <= ?", append(slices.Clone(args), int64(today.AddDays(LedgerDueDays))), "e.next_visit, e.id"); err != nil {
			return nil, err
		}
		if p.Can(auth.PermLedgerReview) {
			_, all, aargs, err := s.ledgerWhere(ctx, &LedgerQuery{Status: "all"}, auth.PermLedgerRead)
			if err != nil {
				return nil, err
			}
			if w.AwaitingAssess, err = count("SELECT count(*) FROM ledger_entries e WHERE "+all+" AND e.status = 'assess' AND e.flagged = 0", aargs...); err != nil {
				return nil, internal("读取工作清单", err)
			}
			if w.AwaitingClosure, err = count("SELECT count(*) FROM ledger_entries e WHERE "+all+" AND e.status <> 'closed' AND (e.status = 'closing' OR e.flagged = 1)", aargs...); err != nil {
				return nil, internal("读取工作清单", err)
			}
			if w.Review, err = s.workEntries(ctx, all+" AND e.status <> 'closed' AND (e.status IN ('assess', 'closing') OR e.flagged = 1)", aargs, "e.opened_on, e.id"); err != nil {
				return nil, err
			}
		}
	}
	if p.Can(auth.PermReferralWork) || p.Can(auth.PermLedgerReview) {
		where, args, err := s.referralWhere(ctx, ReferralQuery{Status: "waiting"})
		if err != nil {
			return nil, err
		}
		from := " FROM ledger_referrals r JOIN ledger_entries e ON e.id = r.entry_id JOIN children c ON c.id = e.child_id WHERE "
		if w.ReferralsWaiting, err = count("SELECT count(*)"+from+where, args...); err != nil {
			return nil, internal("读取工作清单", err)
		}
		if w.ReferralsOverdue, err = count("SELECT count(*)"+from+where+" AND r.deadline < ?", append(slices.Clone(args), int64(today))...); err != nil {
			return nil, internal("读取工作清单", err)
		}
		rows, err := s.query(ctx, "SELECT "+referralColumns+from+where+" ORDER BY r.deadline, r.id LIMIT 10", args...)
		if err != nil {
			return nil, internal("读取工作清单", err)
		}
		for rows.Next() {
			r, err := s.scanReferral(rows.Scan)
			if err != nil {
				rows.Close()
				return nil, internal("读取工作清单", err)
			}
			w.Referrals = append(w.Referrals, *r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, internal("读取工作清单", err)
		}
	}
	uids := []string{}
	for _, l := range [][]LedgerEntry{w.Visits, w.Review} {
		for _, e := range l {
			uids = append(uids, e.Child)
		}
	}
	for _, r := range w.Referrals {
		uids = append(uids, r.Child)
	}
	if len(uids) > 0 {
		if err := s.Audit(ctx, audit.LedgerList, "ledger.work", map[string]any{"children": uids}); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (s *Store) workEntries(ctx context.Context, where string, args []any, order string) ([]LedgerEntry, error) {
	rows, err := s.query(ctx, "SELECT "+ledgerColumns+" "+ledgerFrom(where, order), append(slices.Clone(args), 10, 0)...)
	if err != nil {
		return nil, internal("读取工作清单", err)
	}
	defer rows.Close()
	out := []LedgerEntry{}
	for rows.Next() {
		e, err := s.scanLedger(rows.Scan, false)
		if err != nil {
			return nil, internal("读取工作清单", err)
		}
		out = append(out, *e)
	}
	return out, rows.Err()
}

// writeIDs are the children ids of ws, for syncLedger.
func writeIDs(ws []*write) []int64 {
	ids := make([]int64, len(ws))
	for i, w := range ws {
		ids[i] = w.c.id
	}
	return ids
}

// childIDs are the ids of cs, for syncLedger.
func childIDs(cs []*Child) []int64 {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.id
	}
	return ids
}

// LedgerRegionCount counts the open entries of a division and those whose visit is overdue.
type LedgerRegionCount struct {
	Code    string `json:"region_code"`
	Open    int    `json:"open"`
	Overdue int    `json:"overdue"`
}

// LedgerReferralCount counts a department's referrals by answer.
type LedgerReferralCount struct {
	Department string `json:"department"`
	Waiting    int    `json:"waiting"`
	Accepted   int    `json:"accepted"`
	Returned   int    `json:"returned"`
	Overdue    int    `json:"overdue"`
}

// LedgerStatistics are the ledger's figures for a region: entries by division and reason,
// visits done against due, referrals by department and their answers, time to first visit.
type LedgerStatistics struct {
	Region    string                `json:"region"`
	AsOf      child.Date            `json:"as_of"`
	Open      int                   `json:"open"`
	Flagged   int                   `json:"flagged"`
	Closed    int                   `json:"closed"`
	ByRegion  []LedgerRegionCount   `json:"by_region"`
	ByReason  map[string]int        `json:"by_reason"`
	ByStatus  map[string]int        `json:"by_status"`
	ByRisk    map[string]int        `json:"by_risk"`
	Visits    int                   `json:"visits"`         // visits recorded for open entries
	Overdue   int                   `json:"visits_overdue"` // open entries whose visit is overdue
	Referrals []LedgerReferralCount `json:"referrals"`
	// FirstVisitDays is the mean number of days from the entry date to the first visit, over
	// the entries visited; FirstVisited how many those are.
	FirstVisitDays float64 `json:"first_visit_days"`
	FirstVisited   int     `json:"first_visited"`
}

// LedgerStats computes the ledger's statistics of region (a division code in the principal's
// jurisdiction; "" = the whole jurisdiction), by township (the level below the region).
func (s *Store) LedgerStats(ctx context.Context, regionCode string) (*LedgerStatistics, error) {
	q := LedgerQuery{Region: regionCode, Status: "all"}
	_, where, args, err := s.ledgerWhere(ctx, &q, auth.PermLedgerRead)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	out := &LedgerStatistics{Region: regionCode, AsOf: today, ByReason: map[string]int{}, ByStatus: map[string]int{}, ByRisk: map[string]int{},
		ByRegion: []LedgerRegionCount{}, Referrals: []LedgerReferralCount{}}
	fail := func(err error) (*LedgerStatistics, error) { return nil, internal("统计重点关爱台账", err) }
	rows, err := s.query(ctx, `SELECT e.status, e.flagged, e.region_code, e.risk, e.next_visit, e.opened_on, e.first_visit, c.key_care_reasons
 FROM (SELECT e.* FROM ledger_entries e WHERE `+where+`) e JOIN children c ON c.id = e.child_id`, args...)
	if err != nil {
		return fail(err)
	}
	level := len(regionCode)
	switch {
	case level <= 4:
		level = 6
	case level <= 6:
		level = 9
	default:
		level = 12
	}
	byRegion := map[string]int{}
	var firstDays, firstN int
	for rows.Next() {
		var status string
		var flagged int64
		var code, risk, reasons sql.NullString
		var next, first sql.NullInt64
		var opened int64
		if err := rows.Scan(&status, &flagged, &code, &risk, &next, &opened, &first, &reasons); err != nil {
			rows.Close()
			return fail(err)
		}
		if first.Valid {
			firstDays += int(child.Date(first.Int64).Time().Sub(child.Date(opened).Time()).Hours() / 24)
			firstN++
		}
		switch {
		case status == LedgerClosed:
			out.Closed++
			continue
		case flagged != 0:
			out.Flagged++
			continue
		}
		out.Open++
		out.ByStatus[status]++
		if risk.Valid {
			out.ByRisk[risk.String]++
		}
		for _, r := range splitSet(reasons.String) {
			out.ByReason[r]++
		}
		k := code.String
		if len(k) > level {
			k = k[:level]
		}
		i, ok := byRegion[k]
		if !ok {
			i = len(out.ByRegion)
			byRegion[k] = i
			out.ByRegion = append(out.ByRegion, LedgerRegionCount{Code: k})
		}
		out.ByRegion[i].Open++
		if next.Valid && child.Date(next.Int64) < today {
			out.ByRegion[i].Overdue++
			out.Overdue++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	slices.SortFunc(out.ByRegion, func(a, b LedgerRegionCount) int {
		return strings.Compare(a.Code, b.Code)
	})
	if firstN > 0 {
		out.FirstVisitDays, out.FirstVisited = float64(firstDays)/float64(firstN), firstN
	}
	if err := s.queryRow(ctx, "SELECT count(*) FROM ledger_visits v JOIN ledger_entries e ON e.id = v.entry_id WHERE "+where+
		" AND e.status <> 'closed'", args...).Scan(&out.Visits); err != nil {
		return fail(err)
	}
	rrows, err := s.query(ctx, `SELECT r.department, r.status, r.deadline FROM ledger_referrals r JOIN ledger_entries e ON e.id = r.entry_id WHERE `+where, args...)
	if err != nil {
		return fail(err)
	}
	depts := map[string]int{}
	for rrows.Next() {
		var dept, status string
		var deadline int64
		if err := rrows.Scan(&dept, &status, &deadline); err != nil {
			rrows.Close()
			return fail(err)
		}
		i, ok := depts[dept]
		if !ok {
			i = len(out.Referrals)
			depts[dept] = i
			out.Referrals = append(out.Referrals, LedgerReferralCount{Department: dept})
		}
		r := &out.Referrals[i]
		switch status {
		case "waiting":
			r.Waiting++
			if child.Date(deadline) < today {
				r.Overdue++
			}
		case "accepted":
			r.Accepted++
		case "returned":
			r.Returned++
		}
	}
	rrows.Close()
	if err := rrows.Err(); err != nil {
		return fail(err)
	}
	if err := s.Audit(ctx, audit.LedgerStats, "ledger", map[string]any{"region": regionCode}); err != nil {
		return nil, err
	}
	return out, nil
}
