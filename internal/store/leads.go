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

// Home-visit leads (入户走访线索, issue 6 part 6): a roster row of a child under 16 whom the
// registry does not hold and whose data suggest a migrant or left-behind child. A lead is
// assigned to the division of the address (the village or community whose child director
// visits) and closed with an outcome; when the child is registered, the new record is linked.

// Lead statuses and outcomes.
const (
	LeadOpen   = "open"
	LeadClosed = "closed"

	LeadRegistered  = "registered"   // 已登记: the child was registered (the record is linked)
	LeadNotEligible = "not_eligible" // 不符合条件: visited, not a migrant or left-behind child
	LeadNotFound    = "not_found"    // 查无此人: not found at the address
)

var leadOutcomeLabels = map[string]string{LeadRegistered: "已登记", LeadNotEligible: "不符合条件", LeadNotFound: "查无此人"}

// LeadOutcomeLabel gives the Chinese name of a lead outcome.
func LeadOutcomeLabel(o string) string {
	if l, ok := leadOutcomeLabels[o]; ok {
		return l
	}
	return o
}

// Lead is one home-visit lead.
type Lead struct {
	UID        string
	Department string
	Batch      string
	Row        int
	RegionCode string   // the division it is assigned to
	Reasons    []string // roster.Lead… codes
	BirthDate  child.Date
	Sex        string
	Status     string
	Outcome    string
	Child      string // the uid of the record registered from it
	Created    time.Time
	OutcomeAt  time.Time
	OutcomeBy  string
	Note       string
	// Record is the roster row (opened; the caller masks it).
	Record roster.Record
}

const kindLeadPerson = "lead.person"

// leadKey is the key of a child across rosters: the ID number, else name, birth date and sex.
func (s *Store) leadKey(r *roster.Record) string {
	if r.IDNumber != "" {
		return s.keys.BlindIndex(kindLeadPerson, "id:"+r.IDNumber)
	}
	return s.keys.BlindIndex(kindLeadPerson, "p:"+child.NormalizeName(r.Name)+"|"+r.BirthDate.String()+"|"+r.Sex)
}

func aadLeadNote(uid string) string { return "leads.note:" + uid }

// leadTx makes an unmatched roster row a lead when the child is under 16 and something in the
// row suggests a migrant or left-behind child, unless a lead for the same child exists already
// (from any roster). It returns the new lead's uid, or "".
func (s *Store) leadTx(t *tx, dept string, rowID int64, r *roster.Record, asOf child.Date) (string, error) {
	reasons := roster.LeadReasons(r, asOf)
	if len(reasons) == 0 {
		return "", nil
	}
	key := s.leadKey(r)
	var n int
	if err := t.queryRow("SELECT count(*) FROM leads WHERE person_key = ?", key).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		return "", nil
	}
	uid := newUID(s.instant())
	_, err := t.exec(`INSERT INTO leads (uid, person_key, row_id, department, region_code, reasons, birth_date, sex, status, created_at)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`, uid, key, rowID, dept, text(roster.LeadRegion(r)), set(reasons), date(r.BirthDate), text(r.Sex),
		s.d.timeArg(s.instant()))
	if err != nil {
		return "", err
	}
	return uid, nil
}

// LeadQuery selects leads.
type LeadQuery struct {
	// Region is a division code prefix of the division the lead is assigned to.
	Region     string
	Status     string // open, closed or "" for both
	Department string
	Limit      int
	Offset     int
}

// leadWhere is the WHERE condition of q over leads l for the principal of ctx, with its
// arguments: leads assigned to a division in its jurisdiction, from its department's rosters for
// a department officer. A region filter outside the jurisdiction is refused.
func leadWhere(ctx context.Context, q LeadQuery) (string, []any, error) {
	p, err := gate(ctx, "您的角色不能查看走访线索", auth.PermLeadsRead)
	if err != nil {
		return "", nil, err
	}
	prefix := ""
	if q.Region != "" {
		pr, ok := normalizeRegion(q.Region)
		if !ok {
			return "", nil, errInvalid("行政区划代码“" + q.Region + "”格式不正确")
		}
		if !p.Covers(pr) && !p.InScope(pr) {
			return "", nil, errForbidden("区划 " + q.Region + " 不在您的辖区内")
		}
		prefix = pr
	}
	if q.Status != "" && q.Status != LeadOpen && q.Status != LeadClosed {
		return "", nil, errInvalid("线索状态只能是 open（待走访）或 closed（已办结）")
	}
	where := "(? = '' OR l.region_code LIKE ?) AND (? = '' OR l.status = ?) AND (? = '' OR l.department = ?)"
	args := []any{prefix, likeEscape(prefix) + "%", q.Status, q.Status, q.Department, q.Department}
	cond, cargs, err := regionCond(p, "l.region_code")
	if err != nil {
		return "", nil, err
	}
	if cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	if dc, dargs := deptCond(p, "l.department"); dc != "" {
		where, args = where+" AND "+dc, append(args, dargs...)
	}
	return where, args, nil
}

// LeadCount counts the leads of q (Limit and Offset aside) the principal may see.
func (s *Store) LeadCount(ctx context.Context, q LeadQuery) (int, error) {
	where, args, err := leadWhere(ctx, q)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.queryRow(ctx, "SELECT count(*) FROM leads l WHERE "+where, args...).Scan(&n); err != nil {
		return 0, internal("统计走访线索", err)
	}
	return n, nil
}

// Leads lists the leads of q the principal may see, oldest first within their division; the
// reading is audited (the criteria and the leads listed).
func (s *Store) Leads(ctx context.Context, q LeadQuery) ([]Lead, error) {
	where, args, err := leadWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT l.uid FROM leads l WHERE "+where+" ORDER BY l.region_code, l.id LIMIT ? OFFSET ?",
		append(args, clampLimit(q.Limit, 50, 500), max(q.Offset, 0))...)
	if err != nil {
		return nil, internal("读取走访线索", err)
	}
	var uids []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return nil, internal("读取走访线索", err)
		}
		uids = append(uids, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("读取走访线索", err)
	}
	out := make([]Lead, 0, len(uids))
	for _, u := range uids {
		l, err := s.lead(ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, *l)
	}
	if len(uids) > 0 {
		if err := s.Audit(ctx, audit.LeadList, "leads", map[string]any{"region": q.Region, "status": q.Status, "department": q.Department,
			"offset": q.Offset, "leads": uids}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Lead returns one lead the principal may see (leadWhere), with its roster row, audited; any
// other lead does not exist for it.
func (s *Store) Lead(ctx context.Context, uid string) (*Lead, error) {
	if err := s.leadVisible(ctx, uid, auth.PermLeadsRead); err != nil {
		return nil, err
	}
	l, err := s.lead(ctx, uid)
	if err != nil {
		return nil, err
	}
	if err := s.Audit(ctx, audit.LeadList, "lead:"+uid, map[string]any{"leads": []string{uid}}); err != nil {
		return nil, err
	}
	return l, nil
}

// leadVisible answers not_found for a lead the principal may not see; perm is the permission the
// action needs besides.
func (s *Store) leadVisible(ctx context.Context, uid, perm string) error {
	if _, err := gate(ctx, "您的角色不能处理走访线索", perm); err != nil {
		return err
	}
	where, args, err := leadWhere(ctx, LeadQuery{})
	if err != nil {
		return err
	}
	var n int
	if err := s.queryRow(ctx, "SELECT count(*) FROM leads l WHERE l.uid = ? AND "+where, append([]any{uid}, args...)...).Scan(&n); err != nil {
		return internal("读取走访线索", err)
	}
	if n == 0 {
		return errNoLead(uid)
	}
	return nil
}

func errNoLead(uid string) *Error {
	return &Error{Code: CodeNotFound, Message: "没有编号为 " + uid + " 的走访线索"}
}

// lead reads one lead; the caller has checked that the principal may see it.
func (s *Store) lead(ctx context.Context, uid string) (*Lead, error) {
	var l Lead
	var region, reasons, sex, outcome, by, childUID, batch sql.NullString
	var bd sql.NullInt64
	var note, data []byte
	err := s.queryRow(ctx, `SELECT l.uid, l.department, b.uid, r.row_no, l.region_code, l.reasons, l.birth_date, l.sex, l.status, l.outcome, c.uid,
 l.created_at, l.outcome_at, l.outcome_by, l.note, r.data FROM leads l JOIN roster_rows r ON r.id = l.row_id JOIN import_batches b ON b.id = r.batch_id
 LEFT JOIN children c ON c.id = l.child_id WHERE l.uid = ?`, uid).Scan(&l.UID, &l.Department, &batch, &l.Row, &region, &reasons, &bd, &sex,
		&l.Status, &outcome, &childUID, scanTime{&l.Created}, scanTime{&l.OutcomeAt}, &by, &note, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoLead(uid)
	}
	if err != nil {
		return nil, internal("读取走访线索", err)
	}
	l.Batch, l.RegionCode, l.Reasons, l.BirthDate, l.Sex = batch.String, region.String, splitSet(reasons.String), child.Date(bd.Int64), sex.String
	l.Outcome, l.Child, l.OutcomeBy = outcome.String, childUID.String, by.String
	if len(note) > 0 {
		b, err := s.keys.Open(note, []byte(aadLeadNote(uid)))
		if err != nil {
			return nil, internal("解密走访线索", err)
		}
		l.Note = string(b)
	}
	if len(data) > 0 {
		b, err := s.keys.Open(data, []byte(aadRosterData(l.Batch, l.Row)))
		if err != nil {
			return nil, internal("解密走访线索", err)
		}
		if err := json.Unmarshal(b, &l.Record); err != nil {
			return nil, internal("读取走访线索", err)
		}
	}
	return &l, nil
}

// CloseLead records the outcome of a home visit: registered (childUID names the record
// registered from the lead), not_eligible or not_found, with an optional note. A closed lead
// cannot be closed again.
func (s *Store) CloseLead(ctx context.Context, actor, uid, outcome, childUID, note string) (*Lead, error) {
	actor = actorFor(ctx, actor)
	if err := s.leadVisible(ctx, uid, auth.PermLeadsWork); err != nil {
		return nil, err
	}
	if _, ok := leadOutcomeLabels[outcome]; !ok {
		return nil, errInvalid("走访结果只能是 registered（已登记）、not_eligible（不符合条件）或 not_found（查无此人）")
	}
	var childID any
	switch {
	case outcome == LeadRegistered && childUID == "":
		return nil, errInvalid("走访结果为“已登记”时，请给出新登记的儿童记录编号")
	case outcome != LeadRegistered && childUID != "":
		return nil, errInvalid("只有走访结果为“已登记”时才关联儿童记录")
	case childUID != "":
		id, err := s.childID(ctx, childUID)
		if err != nil {
			return nil, err
		}
		childID = id
	}
	var sealed []byte
	if strings.TrimSpace(note) != "" {
		var err error
		if sealed, err = s.keys.Seal([]byte(note), []byte(aadLeadNote(uid))); err != nil {
			return nil, internal("加密走访记录", err)
		}
	}
	err := s.inTx(ctx, "记录走访结果", func(t *tx) error {
		var status string
		err := t.queryRow("SELECT status FROM leads WHERE uid = ?"+s.d.forUpdate(), uid).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return &Error{Code: CodeNotFound, Message: "没有编号为 " + uid + " 的走访线索"}
		}
		if err != nil {
			return err
		}
		if status != LeadOpen {
			return &Error{Code: CodeConflict, Message: "该走访线索已办结"}
		}
		_, err = t.exec("UPDATE leads SET status = 'closed', outcome = ?, child_id = ?, outcome_at = ?, outcome_by = ?, note = ? WHERE uid = ?",
			outcome, childID, s.d.timeArg(s.instant()), actor, sealed, uid)
		if err != nil {
			return err
		}
		return s.appendAudit(t, audit.LeadClose, "lead:"+uid, map[string]any{"outcome": outcome, "child": childUID, "note": note != ""})
	})
	if err != nil {
		return nil, err
	}
	return s.lead(ctx, uid)
}
