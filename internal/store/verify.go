package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/match"
	"guanai/internal/roster"
)

// Verification round trip (核查往返, docs/rosters.md, migration 0009): civil affairs makes a list
// of children for a department — the department's population or the children of one of its
// discrepancy reports, within the jurisdiction — each with a token (核查编号). The file
// (roster.WriteVerification) carries only what the department needs to find the children; it
// comes back as the department's roster, whose rows ImportRoster links by token to their child
// (method "verification", score 1) when the identity still agrees, and whose answers mark the
// items answered or not found.

// Statuses of a verification item.
const (
	VerifyItemPending  = "pending"
	VerifyItemAnswered = "answered"
	VerifyItemNotFound = "not_found"
)

// verificationMax caps the children of one list: a larger one is too much for one department
// clerk and too much personal data in one file; a variable so that a test can lower it.
var verificationMax = 20_000

// VerificationSpec says which children a list holds.
type VerificationSpec struct {
	Department string // education, police, health, insurance, disability
	// Region is a division code: children living or registered in it. "" is the principal's
	// jurisdiction (the whole registry for the command line).
	Region string
	// Kind "" is the department's population (see verificationKinds); else a discrepancy kind of
	// the department: the children of that report.
	Kind string
	Note string // what the list is for, shown in the file (sealed: it is free text)
}

// Verification is one list with its progress.
type Verification struct {
	UID        string
	Code       string // the list's part of its tokens
	Department string
	Region     string
	Kind       string
	Note       string
	CreatedBy  string
	CreatedAt  time.Time
	Count      int
	Answered   int
	NotFound   int
	Pending    int
}

// verificationKinds are the discrepancy kinds a department can be asked about.
var verificationKinds = map[string]string{
	DiscNoSchool: roster.Education, DiscDropout: roster.Education, DiscNoResidencePermit: roster.Police, DiscPermitExpiring: roster.Police,
	DiscNoHealthMgmt: roster.Health, DiscNoInsurance: roster.Insurance, DiscDisabilityUnlisted: roster.Disability,
}

// populationLabels name each department's population.
var populationLabels = map[string]string{
	roster.Education: "义务教育年龄（6-15 周岁）儿童", roster.Police: "流动儿童", roster.Health: "0-6 岁儿童",
	roster.Insurance: "全部儿童", roster.Disability: "登记有残疾的儿童",
}

// VerificationKindLabel names the selection of a list: the department's population, or the
// discrepancy report.
func VerificationKindLabel(dept, kind string) string {
	if kind == "" {
		return populationLabels[dept]
	}
	return DiscrepancyKindLabel(kind)
}

func aadVerifyNote(uid string) string { return "verifications.note:" + uid }

func errNoVerification(uid string) *Error {
	return &Error{Code: CodeNotFound, Message: "没有编号为 " + uid + " 的核查名单"}
}

// checkVerifyExport refuses a principal that may not send children's records to a department:
// it needs both the record-level export and the roster permission.
func checkVerifyExport(p *auth.Principal) error {
	if p == nil {
		return errNoPrincipal()
	}
	if !p.Can(auth.PermChildrenExport) || !p.Can(auth.PermRostersImport) {
		return errForbidden("您的角色不能生成或下载核查名单（需要导出儿童记录和导入部门名册两项权限）")
	}
	return checkVerifyScope(p)
}

func checkVerifyRead(p *auth.Principal) error {
	if p == nil {
		return errNoPrincipal()
	}
	if !p.Can(auth.PermRostersImport) {
		return errForbidden("您的角色不能查看核查名单")
	}
	return checkVerifyScope(p)
}

// checkVerifyScope refuses an account without an org unit: it has no jurisdiction, so no list
// is its own (as scope refuses it the children).
func checkVerifyScope(p *auth.Principal) error {
	if _, _, err := jurisdiction(p); err != nil {
		return errForbidden("您的账号没有所属单位，不能使用核查名单")
	}
	return nil
}

// CreateVerification makes a list for a department (see VerificationSpec): the children that
// are not archived, within the principal's jurisdiction, each with a token. The list is audited
// (no personal data: the count). Zero children, or more than verificationMax, is an error that
// says what to change.
func (s *Store) CreateVerification(ctx context.Context, actor string, spec VerificationSpec) (*Verification, error) {
	p := auth.PrincipalFrom(ctx)
	if err := checkVerifyExport(p); err != nil {
		return nil, err
	}
	actor = p.Actor()
	d, ok := roster.Lookup(spec.Department)
	if !ok {
		return nil, errInvalid("未知的部门“"+spec.Department+"”：应为 "+roster.Codes(), child.Issue{Field: "dept", Code: "code", Message: "请选择部门"})
	}
	if !p.ActsFor(d.Code) {
		return nil, errForbidden("您只能为本部门生成核查名单")
	}
	spec.Department = d.Code
	spec.Note = strings.TrimSpace(spec.Note)
	if len([]rune(spec.Note)) > 200 {
		return nil, errInvalid("说明最多 200 字", child.Issue{Field: "note", Code: "length", Message: "说明最多 200 字"})
	}
	if spec.Kind != "" {
		if verificationKinds[spec.Kind] != d.Code {
			return nil, errInvalid("“"+spec.Kind+"”不是可以请"+d.Label+"核查的差异类型：应为 "+strings.Join(kindsOf(d.Code), "、")+"，或不填（"+populationLabels[d.Code]+"）",
				child.Issue{Field: "kind", Code: "code", Message: "差异类型与部门不符"})
		}
		if dept, ok := discDepartment[spec.Kind]; ok {
			var n int
			if err := s.queryRow(ctx, "SELECT count(*) FROM import_batches WHERE kind = 'roster' AND department = ? AND status = 'done'", dept).Scan(&n); err != nil {
				return nil, internal("读取名册批次", err)
			}
			if n == 0 {
				return nil, errInvalid("尚未导入过" + d.Label + "名册，“" + DiscrepancyKindLabel(spec.Kind) + "”无从计算；请不选差异类型，按" + populationLabels[d.Code] + "生成名单")
			}
		}
	}
	region := ""
	if spec.Region != "" {
		r, ok := normalizeRegion(spec.Region)
		if !ok {
			return nil, errInvalid("行政区划代码“"+spec.Region+"”格式不正确", child.Issue{Field: "region", Code: "region_format", Message: "区划代码格式不正确"})
		}
		if !p.InScope(r) {
			return nil, errForbidden("区划 " + r + " 不在您的辖区内")
		}
		region = r
	}
	ids, err := s.verificationChildren(ctx, d.Code, spec.Kind, region)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, errInvalid("没有符合条件的儿童（" + VerificationKindLabel(d.Code, spec.Kind) + "）：请换一个区划或差异类型")
	}
	if len(ids) > verificationMax {
		return nil, errInvalid("符合条件的儿童超过 " + strconv.Itoa(verificationMax) + " 名，一份核查名单最多 " + strconv.Itoa(verificationMax) +
			" 名：请选择更小的区划（如按街道、乡镇）分批生成")
	}
	if region == "" {
		region = p.Scope // what the list covers, for who may see it
	}
	now := s.instant()
	v := &Verification{UID: newUID(now), Department: d.Code, Region: region, Kind: spec.Kind, Note: spec.Note, CreatedBy: actor, CreatedAt: now,
		Count: len(ids), Pending: len(ids)}
	var note []byte
	if spec.Note != "" {
		if note, err = s.keys.Seal([]byte(spec.Note), []byte(aadVerifyNote(v.UID))); err != nil {
			return nil, internal("加密说明", err)
		}
	}
	err = s.inTx(ctx, "生成核查名单", func(t *tx) error {
		var id int64
		for attempt := 0; ; attempt++ {
			var b [roster.TokenCodeLen]byte
			if _, err := rand.Read(b[:]); err != nil {
				return err
			}
			v.Code = roster.NewTokenCode(b[:])
			err := t.queryRow(`INSERT INTO verifications (uid, code, department, region, kind, note, created_by, created_at, count)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING RETURNING id`, v.UID, v.Code, v.Department, v.Region, v.Kind, note, actor,
				s.d.timeArg(now), v.Count).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) && attempt < 10 {
				continue // the code is taken: draw another
			}
			if err != nil {
				return err
			}
			break
		}
		if err := s.insertItems(t, id, v.Code, ids); err != nil {
			return err
		}
		return s.appendAudit(t, audit.VerifyExport, "verification:"+v.UID, map[string]any{"step": "create", "department": v.Department,
			"kind": v.Kind, "region": v.Region, "children": v.Count})
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func kindsOf(dept string) []string {
	var out []string
	for _, k := range DiscrepancyKinds {
		if verificationKinds[k] == dept {
			out = append(out, k)
		}
	}
	return out
}

// verificationItemChunk is the number of items per INSERT (4 arguments each).
const verificationItemChunk = 200

func (s *Store) insertItems(t *tx, id int64, code string, ids []int64) error {
	for start := 0; start < len(ids); start += verificationItemChunk {
		end := min(start+verificationItemChunk, len(ids))
		var q strings.Builder
		q.WriteString("INSERT INTO verification_items (verification_id, seq, child_id, token, status) VALUES ")
		args := make([]any, 0, 4*(end-start))
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, 'pending')")
			args = append(args, id, i+1, ids[i], roster.Token(code, i+1))
		}
		if _, err := t.exec(q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// verificationChildren selects the ids of a list's children, grouped by the division they live
// in (else are registered in), so that the department finds them place by place. One more
// than verificationMax is enough to refuse.
func (s *Store) verificationChildren(ctx context.Context, dept, kind, region string) ([]int64, error) {
	today := s.Today()
	var cond string
	var args []any
	if kind != "" {
		cond, args = s.discCondition(DiscrepancyQuery{Kind: kind, AsOf: today})
	} else {
		switch dept {
		case roster.Education:
			cond, args = "c.birth_date BETWEEN ? AND ?", []any{int64(earliestBirth(today, 15)), int64(latestBirth(today, 6))}
		case roster.Police:
			cond = "c.migrant_monitoring = 'yes'"
		case roster.Health:
			cond, args = "c.birth_date >= ?", []any{int64(earliestBirth(today, 6))}
		case roster.Insurance:
			cond = "1 = 1"
		case roster.Disability:
			cond, args = "((c.disability_types IS NOT NULL AND c.disability_types <> '') OR c.disability_certificate = ?)", []any{true}
		default:
			cond, args = rollVerification(dept)
		}
	}
	where := "c.status <> 'archived' AND " + cond
	if region != "" {
		where += " AND (c.res_code LIKE ? OR c.hukou_code LIKE ?)"
		args = append(args, likeEscape(region)+"%", likeEscape(region)+"%")
	}
	sc, sargs, err := scope(ctx, "c.", auth.PermChildrenExport)
	if err != nil {
		return nil, err
	}
	if sc != "" {
		where += " AND " + sc
		args = append(args, sargs...)
	}
	rows, err := s.query(ctx, "SELECT c.id FROM children c WHERE "+where+" ORDER BY coalesce(c.res_code, c.hukou_code), c.id LIMIT ?",
		append(args, verificationMax+1)...)
	if err != nil {
		return nil, internal("选取核查名单", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, internal("选取核查名单", err)
		}
		ids = append(ids, id)
	}
	return ids, internal("选取核查名单", rows.Err())
}

const verificationSelect = `SELECT v.id, v.uid, v.code, v.department, v.region, v.kind, v.note, v.created_by, v.created_at, v.count,
 (SELECT count(*) FROM verification_items i WHERE i.verification_id = v.id AND i.status = 'answered'),
 (SELECT count(*) FROM verification_items i WHERE i.verification_id = v.id AND i.status = 'not_found')
 FROM verifications v`

// verificationScope is the condition that keeps a principal to the lists of its jurisdiction
// and department: a list covers a region, and the principal sees it when the region lies in its
// own and the list is for a department it works.
func verificationScope(p *auth.Principal) (string, []any) {
	cond, args, _ := regionCond(p, "v.region")
	if cond != "" {
		cond = " AND " + cond
	}
	if dc, dargs := deptCond(p, "v.department"); dc != "" {
		cond, args = cond+" AND "+dc, append(args, dargs...)
	}
	return cond, args
}

func (s *Store) scanVerification(scan func(...any) error) (*Verification, int64, error) {
	var v Verification
	var id int64
	var note []byte
	if err := scan(&id, &v.UID, &v.Code, &v.Department, &v.Region, &v.Kind, &note, &v.CreatedBy, scanTime{&v.CreatedAt}, &v.Count,
		&v.Answered, &v.NotFound); err != nil {
		return nil, 0, err
	}
	if len(note) > 0 {
		b, err := s.keys.Open(note, []byte(aadVerifyNote(v.UID)))
		if err != nil {
			return nil, 0, err
		}
		v.Note = string(b)
	}
	v.Pending = v.Count - v.Answered - v.NotFound
	return &v, id, nil
}

// Verifications lists the lists of the principal's jurisdiction, newest first; dept "" lists
// every department's.
func (s *Store) Verifications(ctx context.Context, dept string) ([]*Verification, error) {
	p := auth.PrincipalFrom(ctx)
	if err := checkVerifyRead(p); err != nil {
		return nil, err
	}
	if dept != "" {
		d, ok := roster.Lookup(dept)
		if !ok {
			return nil, errInvalid("未知的部门“" + dept + "”：应为 " + roster.Codes())
		}
		dept = d.Code
	}
	sc, args := verificationScope(p)
	rows, err := s.query(ctx, verificationSelect+" WHERE (? = '' OR v.department = ?)"+sc+" ORDER BY v.id DESC LIMIT 200",
		append([]any{dept, dept}, args...)...)
	if err != nil {
		return nil, internal("读取核查名单", err)
	}
	defer rows.Close()
	out := []*Verification{}
	for rows.Next() {
		v, _, err := s.scanVerification(rows.Scan)
		if err != nil {
			return nil, internal("读取核查名单", err)
		}
		out = append(out, v)
	}
	return out, internal("读取核查名单", rows.Err())
}

// Verification returns one list with its progress; a list outside the principal's
// jurisdiction does not exist for it.
func (s *Store) Verification(ctx context.Context, uid string) (*Verification, error) {
	p := auth.PrincipalFrom(ctx)
	if err := checkVerifyRead(p); err != nil {
		return nil, err
	}
	v, _, err := s.verification(ctx, p, uid)
	return v, err
}

func (s *Store) verification(ctx context.Context, p *auth.Principal, uid string) (*Verification, int64, error) {
	sc, args := verificationScope(p)
	v, id, err := s.scanVerification(s.queryRow(ctx, verificationSelect+" WHERE v.uid = ?"+sc, append([]any{uid}, args...)...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, errNoVerification(uid)
	}
	if err != nil {
		return nil, 0, internal("读取核查名单", err)
	}
	return v, id, nil
}

// VerificationChild is one child of a list's file.
type VerificationChild struct {
	Token  string
	UID    string
	Record child.Record // opened: the caller writes only what the department needs
}

// VerificationSheet returns what a list's file needs: the list and its children (not archived
// since, within the principal's jurisdiction), records opened, in list order. The download is
// audited with the number of children, before anything is returned.
func (s *Store) VerificationSheet(ctx context.Context, uid string) (*Verification, []VerificationChild, error) {
	p := auth.PrincipalFrom(ctx)
	if err := checkVerifyExport(p); err != nil {
		return nil, nil, err
	}
	v, id, err := s.verification(ctx, p, uid)
	if err != nil {
		return nil, nil, err
	}
	sc, sargs, err := scope(ctx, "c.", auth.PermChildrenExport)
	if err != nil {
		return nil, nil, err
	}
	if sc != "" {
		sc = " AND " + sc
	}
	rows, err := s.query(ctx, `SELECT i.token, c.uid, c.record FROM verification_items i JOIN children c ON c.id = i.child_id
 WHERE i.verification_id = ? AND c.status <> 'archived'`+sc+` ORDER BY i.seq`, append([]any{id}, sargs...)...)
	if err != nil {
		return nil, nil, internal("读取核查名单", err)
	}
	defer rows.Close()
	out := make([]VerificationChild, 0, v.Count)
	for rows.Next() {
		var vc VerificationChild
		var sealed []byte
		if err := rows.Scan(&vc.Token, &vc.UID, &sealed); err != nil {
			return nil, nil, internal("读取核查名单", err)
		}
		if vc.Record, err = s.openRecord(vc.UID, sealed, aadRecord(vc.UID)); err != nil {
			return nil, nil, internal("读取核查名单", err)
		}
		out = append(out, vc)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, internal("读取核查名单", err)
	}
	if err := s.Audit(ctx, audit.VerifyExport, "verification:"+uid, map[string]any{"step": "download", "department": v.Department,
		"kind": v.Kind, "region": v.Region, "children": len(out)}); err != nil {
		return nil, nil, err
	}
	return v, out, nil
}

// The import side: rows of a roster that carry a token.

// VerificationProgress is what a roster import carrying tokens reports: the list's progress
// after the import (the list of the first known token; UID "" when none was known) and the
// rows whose token could not be used.
type VerificationProgress struct {
	UID      string          `json:"uid"`
	Answered int             `json:"answered"`
	NotFound int             `json:"not_found"`
	Pending  int             `json:"pending"`
	Warnings []VerifyWarning `json:"warnings,omitempty"`
}

// VerifyWarning is a row whose token was not used (the row was matched as any other).
type VerifyWarning struct {
	Row     int    `json:"row"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// verifyItem is an item of a list, as an import meets it.
type verifyItem struct {
	listID  int64
	dept    string
	childID int64
	status  string
}

// verifyImport is the verification part of a roster import.
type verifyImport struct {
	carried  bool                   // a row carried a token
	loaded   map[string]bool        // the lists (by code) whose items are in items
	items    map[string]*verifyItem // by token
	byChild  map[int64]int          // child id → index position
	first    int64                  // the list of the first known token
	warnings []VerifyWarning
}

// verifyDecision is what a row's token decides.
type verifyDecision struct {
	item     *verifyItem
	token    string
	link     int  // index position of the child to link to, -1 to match as usual
	notFound bool // 查无此人: store the row, apply nothing, no lead
}

// newVerifyImport starts the verification part of a roster import over the index's children
// (refs: child ids by index position).
func newVerifyImport(refs []int64) *verifyImport {
	v := &verifyImport{items: map[string]*verifyItem{}, byChild: make(map[int64]int, len(refs)), loaded: map[string]bool{}}
	for i, id := range refs {
		v.byChild[id] = i
	}
	return v
}

// loadVerification reads, the first time a row carries a token of it, the items of the list the
// token belongs to.
func (ri *rosterImport) loadVerification(ctx context.Context, token string) error {
	v := ri.verify
	v.carried = true
	_, code, _, ok := roster.ParseToken(token)
	if !ok || v.loaded[code] {
		return nil
	}
	v.loaded[code] = true
	rs, err := ri.s.query(ctx, `SELECT i.token, i.child_id, i.status, v.id, v.department FROM verification_items i
 JOIN verifications v ON v.id = i.verification_id WHERE v.code = ?`, code)
	if err != nil {
		return internal("读取核查名单", err)
	}
	defer rs.Close()
	for rs.Next() {
		var tok string
		it := &verifyItem{}
		if err := rs.Scan(&tok, &it.childID, &it.status, &it.listID, &it.dept); err != nil {
			return internal("读取核查名单", err)
		}
		v.items[tok] = it
	}
	return internal("读取核查名单", rs.Err())
}

// verifyRow decides what a valid row's token and answer do; a token that cannot be used is a
// warning (kept with the row and reported) and the row is matched as any other.
func (ri *rosterImport) verifyRow(r *RosterRow) verifyDecision {
	rec := &r.Record
	dec := verifyDecision{link: -1, notFound: rec.VerifyResult == roster.VerifyNotFound, token: rec.VerifyToken}
	if rec.VerifyToken == "" {
		return dec
	}
	v := ri.verify
	warn := func(code, msg string) {
		r.Issues.Warn("verification_token", code, msg)
		v.warnings = append(v.warnings, VerifyWarning{Row: r.Row, Code: code, Message: msg})
	}
	it, ok := v.items[rec.VerifyToken]
	switch {
	case !ok:
		warn("verify_unknown_token", "第 "+strconv.Itoa(r.Row)+" 行的核查编号 "+rec.VerifyToken+" 不属于任何核查名单，按姓名等与登记信息比对")
		return dec
	case it.dept != ri.dept.Code:
		other := it.dept
		if d, ok := roster.Lookup(it.dept); ok {
			other = d.Label
		}
		warn("verify_other_department", "第 "+strconv.Itoa(r.Row)+" 行的核查编号 "+rec.VerifyToken+" 属于发给"+other+"的核查名单，不是"+ri.dept.Label+
			"的，按姓名等与登记信息比对")
		return dec
	}
	if v.first == 0 {
		v.first = it.listID
	}
	dec.item = it
	if dec.notFound {
		return dec
	}
	idx, ok := v.byChild[it.childID]
	if !ok {
		warn("verify_child_unavailable", "第 "+strconv.Itoa(r.Row)+" 行核查编号 "+rec.VerifyToken+" 对应的儿童已注销或不在您的辖区内，按姓名等与登记信息比对")
		return dec
	}
	if !identityAgrees(rec, ri.people[idx]) {
		warn("verify_identity_changed", "第 "+strconv.Itoa(r.Row)+" 行的身份信息与核查编号 "+rec.VerifyToken+
			" 对应的儿童不一致（公民身份号码不同或未填，姓名、出生日期也不都相同），按姓名等与登记信息比对")
		return dec
	}
	dec.link = idx
	return dec
}

// identityAgrees reports whether a returned row still names the child of its token: the same
// ID number, or the same name and birth date.
func identityAgrees(r *roster.Record, p match.Person) bool {
	if r.IDNumber != "" && p.IDNumber != "" && idcard.Normalize(r.IDNumber) == idcard.Normalize(p.IDNumber) {
		return true
	}
	return r.Name != "" && r.BirthDate != 0 && child.NormalizeName(r.Name) == child.NormalizeName(p.Name) && r.BirthDate.String() == p.BirthDate
}

// MethodVerification is the method of a roster row linked by its verification token.
const MethodVerification = "verification"

// answered returns the status the row gives its item, "" for none: the item is answered by a row
// linked to its child (by token or, after a warning, by the matcher), not found by 查无此人. An
// item already answered changes only with a row not seen before, so that importing the same
// file again changes nothing.
func (dec *verifyDecision) answered(sr *storedRow, childID int64) string {
	it := dec.item
	if it == nil || (it.status != VerifyItemPending && !sr.first) {
		return ""
	}
	status := ""
	switch {
	case dec.notFound:
		status = VerifyItemNotFound
	case (sr.outcome == RosterUpdated || sr.outcome == RosterUnchanged) && childID == it.childID:
		status = VerifyItemAnswered
	}
	if status != "" {
		it.status = status
	}
	return status
}

// answerTx records a row's answer to its item.
func (ri *rosterImport) answerTx(t *tx, token, status string, rowID int64) error {
	_, err := t.exec("UPDATE verification_items SET status = ?, roster_row_id = ?, answered_at = ? WHERE token = ?",
		status, rowID, ri.s.d.timeArg(ri.s.instant()), token)
	return err
}

// verificationProgress is the summary of the import's tokens, nil when the rows carried none.
func (ri *rosterImport) verificationProgress(ctx context.Context) (*VerificationProgress, error) {
	v := ri.verify
	if v == nil || !v.carried {
		return nil, nil
	}
	out := &VerificationProgress{Warnings: v.warnings}
	if v.first == 0 {
		return out, nil
	}
	var count int
	err := ri.s.queryRow(ctx, `SELECT v.uid, v.count,
 (SELECT count(*) FROM verification_items i WHERE i.verification_id = v.id AND i.status = 'answered'),
 (SELECT count(*) FROM verification_items i WHERE i.verification_id = v.id AND i.status = 'not_found')
 FROM verifications v WHERE v.id = ?`, v.first).Scan(&out.UID, &count, &out.Answered, &out.NotFound)
	if err != nil {
		return nil, internal("读取核查名单", err)
	}
	out.Pending = count - out.Answered - out.NotFound
	return out, nil
}

// VerificationView is a list as the command line and the API show it (the same keys in both).
type VerificationView struct {
	UID        string `json:"uid"`
	Department string `json:"department"`
	DeptLabel  string `json:"department_label"`
	Region     string `json:"region"`
	Kind       string `json:"kind"`
	KindLabel  string `json:"kind_label"`
	Note       string `json:"note"`
	Count      int    `json:"count"`
	Answered   int    `json:"answered"`
	NotFound   int    `json:"not_found"`
	Pending    int    `json:"pending"`
	CreatedBy  string `json:"created_by"`
	CreatedAt  string `json:"created_at"` // China time, 2006-01-02 15:04:05
	File       string `json:"file,omitempty"`
}

// View returns v as people read it: labels for codes, the time in China time.
func (v *Verification) View() VerificationView {
	j := VerificationView{UID: v.UID, Department: v.Department, Region: v.Region, Kind: v.Kind, KindLabel: VerificationKindLabel(v.Department, v.Kind),
		Note: v.Note, Count: v.Count, Answered: v.Answered, NotFound: v.NotFound, Pending: v.Pending, CreatedBy: v.CreatedBy,
		CreatedAt: v.CreatedAt.In(chinaTime).Format("2006-01-02 15:04:05")}
	if d, ok := roster.Lookup(v.Department); ok {
		j.DeptLabel = d.Label
	}
	return j
}
