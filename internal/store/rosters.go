package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/match"
	"guanai/internal/roster"
)

// Department rosters (docs/rosters.md): every row is stored (its personal data sealed), matched
// to the registry with internal/match over the decrypted records that are not archived, and
// applied to its child through Update — only the department's items, only where they differ,
// never over a value the record holds (that is a discrepancy). Rows in the clerical-review band
// wait for a person; rows of children the registry does not hold may become home-visit leads.

// Roster row outcomes (roster_rows.outcome).
const (
	RosterUpdated   = "updated"   // linked; the child's record got the roster's facts (a new version)
	RosterUnchanged = "unchanged" // linked; the record already held everything (or only contradictions)
	RosterReview    = "review"    // the best candidate is in the clerical-review band: pending a person
	RosterUnmatched = "unmatched" // no child of the registry (may be a lead)
	RosterRejected  = "rejected"  // the row has errors; kept with its cells for download
	RosterFailed    = "failed"    // linked, but the record could not be saved (the reason is kept)
)

// Review states of a roster row in the clerical-review band.
const (
	ReviewPending  = "pending"
	ReviewAccepted = "accepted"
	ReviewRejected = "rejected"
)

// RosterOptions describe one roster import.
type RosterOptions struct {
	Department string     // education, police, health, insurance, disability
	Roster     string     // the file or roster name
	RosterDate child.Date // the date of the roster; default today
	FileSHA256 string
	Headers    []string // the file's header, in the order of RosterRow.Cells
	// Threshold and ReviewBand are the match probabilities from which a row is linked, and
	// from which it is kept for review (defaults 0.5 and 0.05, as internal/match).
	Threshold, ReviewBand float64
}

// RosterRow is one parsed row of a roster.
type RosterRow struct {
	Row    int
	Record roster.Record
	Issues child.Issues
	Cells  []string
}

// RosterResult counts the rows of a roster import. Imported counts the rows taken in that no
// earlier import of the department held (a re-import of the same file imports 0 and updates 0).
type RosterResult struct {
	Batch         string `json:"batch"`
	Rows          int    `json:"rows"`
	Imported      int    `json:"imported"`
	Updated       int    `json:"updated"`
	Unchanged     int    `json:"unchanged"`
	Rejected      int    `json:"rejected"`
	Review        int    `json:"review"`
	Unmatched     int    `json:"unmatched"`
	Failed        int    `json:"failed"`
	Leads         int    `json:"leads"`         // new home-visit leads
	Discrepancies int    `json:"discrepancies"` // new contradictions
	// Verification is the progress of the verification list whose tokens the rows carried
	// (verify.go), nil when they carried none.
	Verification *VerificationProgress `json:"verification,omitempty"`
}

// RosterOutcome is what became of one row.
type RosterOutcome struct {
	Row      int
	Outcome  string
	UID      string  // the child linked (or the candidate under review)
	Score    float64 // the match probability of the best candidate
	Method   string
	Filled   []string
	Contra   []roster.Contradiction
	Lead     string        // the uid of a new lead
	Errors   []child.Issue // why the row was rejected or failed
	Imported bool          // first seen
}

// rosterImport is one import in progress.
type rosterImport struct {
	s       *Store
	actor   string
	opt     RosterOptions
	dept    *roster.Department
	batchID int64
	uid     string
	ix      *match.Index
	prev    map[string]prevRow // earlier rows of the department by row_bidx
	// cache holds the registry's children as Each read them, by index position, while the
	// registry is small enough (rosterCacheMax): a row then needs no Get (a read and an audit
	// entry) before its merge. Update keeps the entry current.
	cache   []*Child
	noCache bool
	refs    []int64 // child ids by index position
	uids    []string
	people  []match.Person // what the matcher compares, by index position
	verify  *verifyImport  // the rows' verification tokens (verify.go), nil without any
	res     RosterResult
	chunks  int // chunks committed, each audited
}

// RosterSource yields the rows of a roster in file order; Next returns io.EOF after the last.
type RosterSource interface {
	Next() (RosterRow, error)
}

// rowsSource is a RosterSource over rows in memory.
type rowsSource struct{ rows []RosterRow }

func (r *rowsSource) Next() (RosterRow, error) {
	if len(r.rows) == 0 {
		return RosterRow{}, io.EOF
	}
	row := r.rows[0]
	r.rows = r.rows[1:]
	return row, nil
}

// ImportRoster is ImportRosterFrom over rows in memory, returning every outcome: for short lists
// and tests. A file is streamed with ImportRosterFrom.
func (s *Store) ImportRoster(ctx context.Context, actor string, opt RosterOptions, rows []RosterRow) (RosterResult, []RosterOutcome, error) {
	out := make([]RosterOutcome, 0, len(rows))
	res, err := s.ImportRosterFrom(ctx, actor, opt, &rowsSource{rows: rows}, func(o RosterOutcome) { out = append(out, o) })
	return res, out, err
}

// calibrationRows is how many rows of a roster are read ahead, before any is matched, to
// calibrate the matcher on the roster's own data (match.Index.Calibrate).
const calibrationRows = 20_000

// ImportRosterFrom imports the rows of one department's roster, streamed from src: each row is
// stored (sealed), matched to the children of the registry that are not archived (within the
// principal's jurisdiction), and applied (see the package comment above); each row's outcome is
// handed to each in file order once its chunk is committed. Memory does not grow with the
// roster: rows are read ahead only to calibrate the matcher, and the earlier imports of the
// department and the verification lists are looked up chunk by chunk. The import is recorded as a
// batch of kind roster. A row never stops the others; a database failure (or the end of ctx)
// stops the import, leaving the batch failed and the rows before it applied: importing the file
// again is safe.
func (s *Store) ImportRosterFrom(ctx context.Context, actor string, opt RosterOptions, src RosterSource, each func(RosterOutcome)) (RosterResult, error) {
	p, err := gate(ctx, "您的角色不能导入部门名册", auth.PermRostersImport)
	if err != nil {
		return RosterResult{}, err
	}
	actor = p.Actor()
	dept, ok := roster.Lookup(opt.Department)
	if !ok {
		return RosterResult{}, errInvalid("未知的部门“" + opt.Department + "”：应为 " + roster.Codes())
	}
	opt.Department = dept.Code
	// A roster is the uploader's department's: an education officer cannot change residence
	// permits. Civil affairs may upload a department's roster on its behalf, named in the trail.
	if !p.ActsFor(dept.Code) {
		return RosterResult{}, errForbidden("您是" + auth.DepartmentLabel(p.Department) + "的账号，只能导入本部门的名册，不能导入" + dept.Label + "名册")
	}
	if _, _, err := jurisdiction(p); err != nil {
		return RosterResult{}, err
	}
	if opt.RosterDate == 0 {
		opt.RosterDate = s.Today()
	}
	if each == nil {
		each = func(RosterOutcome) {}
	}
	ri := &rosterImport{s: s, actor: actor, opt: opt, dept: dept}
	now := s.instant()
	ri.uid = newUID(now)
	ri.res.Batch = ri.uid
	headers := opt.Headers
	if headers == nil {
		headers = []string{}
	}
	err = s.inTx(ctx, "开始导入名册", func(t *tx) error {
		err := t.queryRow(`INSERT INTO import_batches (uid, kind, department, roster, roster_date, file_sha256, headers, status, actor, started_at,
 org_code, org_department, alive_at) VALUES (?, 'roster', ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?) RETURNING id`, ri.uid, dept.Code, text(opt.Roster),
			date(opt.RosterDate), text(opt.FileSHA256), jsonText(headers), actor, s.d.timeArg(now), text(p.Scope), text(p.Department),
			s.d.timeArg(now)).Scan(&ri.batchID)
		if err != nil {
			return err
		}
		detail := map[string]any{"kind": ImportRoster, "department": dept.Code, "file_sha256": opt.FileSHA256}
		if p.IsUser() && p.RosterDepartments() == nil {
			detail["on_behalf_of"] = dept.Code // civil affairs uploading a department's roster
		}
		return s.appendAudit(t, audit.ImportBegin, "import:"+ri.uid, detail)
	})
	if err != nil {
		return RosterResult{}, err
	}
	stopBeat := s.keepAlive(ctx, ri.batchID)
	defer stopBeat()
	fail := func(err error) (RosterResult, error) {
		_ = s.inTx(context.WithoutCancel(ctx), "结束导入名册", func(t *tx) error {
			if _, e := t.exec("UPDATE import_batches SET status = 'failed', finished_at = ? WHERE id = ?", s.d.timeArg(s.instant()), ri.batchID); e != nil {
				return e
			}
			return s.appendAudit(t, audit.Import, "import:"+ri.uid, map[string]any{"kind": ImportRoster, "department": dept.Code, "failed": true,
				"rows": ri.res.Rows, "updated": ri.res.Updated, "rejected": ri.res.Rejected})
		})
		return ri.res, err
	}
	// Read ahead for the calibration, then match chunk by chunk.
	var head []RosterRow
	done := false
	for len(head) < calibrationRows {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			done = true
			break
		}
		if err != nil {
			return fail(err)
		}
		head = append(head, row)
	}
	if err := ri.buildIndex(ctx, head); err != nil {
		return fail(err)
	}
	ri.verify = newVerifyImport(ri.refs)
	chunk := make([]RosterRow, 0, rosterChunk)
	process := func() error {
		if len(chunk) == 0 {
			return nil
		}
		if err := ri.prefetch(ctx, chunk); err != nil {
			return err
		}
		out := make([]RosterOutcome, 0, len(chunk))
		pending := make([]*pendingRow, 0, len(chunk))
		for i := range chunk {
			if err := ctx.Err(); err != nil {
				return err
			}
			o, pr, err := ri.row(ctx, &chunk[i])
			if err != nil {
				return err
			}
			out = append(out, o)
			pr.out = len(out) - 1
			pending = append(pending, pr)
		}
		if err := ri.flush(ctx, pending, out); err != nil {
			return err
		}
		for _, o := range out {
			each(o)
		}
		chunk = chunk[:0]
		return nil
	}
	for _, row := range head {
		if chunk = append(chunk, row); len(chunk) == rosterChunk {
			if err := process(); err != nil {
				return fail(err)
			}
		}
	}
	head = nil
	for !done {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		if chunk = append(chunk, row); len(chunk) == rosterChunk {
			if err := process(); err != nil {
				return fail(err)
			}
		}
	}
	if err := process(); err != nil {
		return fail(err)
	}
	err = s.inTx(ctx, "结束导入名册", func(t *tx) error {
		r := ri.res
		_, err := t.exec(`UPDATE import_batches SET status = 'done', finished_at = ?, rows_total = ?, imported = ?, updated = ?, unchanged = ?,
 rejected = ?, unmatched = ? WHERE id = ?`, s.d.timeArg(s.instant()), r.Rows, r.Imported, r.Updated, r.Unchanged, r.Rejected, r.Unmatched+r.Review, ri.batchID)
		if err != nil {
			return err
		}
		return s.appendAudit(t, audit.Import, "import:"+ri.uid, map[string]any{"kind": ImportRoster, "department": dept.Code,
			"file_sha256": opt.FileSHA256, "rows": r.Rows, "imported": r.Imported, "updated": r.Updated, "unchanged": r.Unchanged,
			"rejected": r.Rejected, "review": r.Review, "unmatched": r.Unmatched, "leads": r.Leads, "discrepancies": r.Discrepancies})
	})
	if err != nil {
		return ri.res, err
	}
	if ri.res.Verification, err = ri.verificationProgress(ctx); err != nil {
		return ri.res, err
	}
	return ri.res, nil
}

// personOf is what the matcher compares of a registered child.
func personOf(ref string, r *child.Record) match.Person {
	p := match.Person{Ref: ref, Name: r.Name, Sex: r.Sex, IDNumber: r.IDNumber}
	if r.BirthDate != 0 {
		p.BirthDate = r.BirthDate.String()
	}
	if r.HukouAddress != nil {
		p.HukouRegion = r.HukouAddress.RegionCode
	}
	if r.ResidenceAddr != nil {
		p.ResidenceRegion = r.ResidenceAddr.RegionCode
	}
	if r.Father != nil {
		p.FatherName = r.Father.Name
	}
	if r.Mother != nil {
		p.MotherName = r.Mother.Name
	}
	switch {
	case r.OtherGuardian != nil && r.OtherGuardian.Name != "":
		p.GuardianName, p.GuardianID = r.OtherGuardian.Name, r.OtherGuardian.IDNumber
	case r.Caregiver != nil && r.Caregiver.Name != "":
		p.GuardianName, p.GuardianID = r.Caregiver.Name, r.Caregiver.IDNumber
	}
	return p
}

// rosterPerson is what the matcher compares of a roster row.
func rosterPerson(ref string, r *roster.Record) match.Person {
	p := match.Person{Ref: ref, Name: r.Name, Sex: r.Sex, IDNumber: r.IDNumber, HukouRegion: r.HukouCode(), ResidenceRegion: r.ResidenceCode(),
		FatherName: r.FatherName, MotherName: r.MotherName, GuardianName: r.GuardianName, GuardianID: r.GuardianID}
	if r.BirthDate != 0 {
		p.BirthDate = r.BirthDate.String()
	}
	return p
}

// buildIndex decrypts the registry (the children that are not archived) into the matcher's
// index, calibrated on the roster when it is large enough to estimate from.
func (ri *rosterImport) buildIndex(ctx context.Context, rows []RosterRow) error {
	var left []match.Person
	err := ri.s.Each(ctx, Query{}, func(c *Child) error {
		left = append(left, personOf(strconv.Itoa(len(left)), &c.Record))
		ri.refs = append(ri.refs, c.id)
		ri.uids = append(ri.uids, c.UID)
		switch {
		case ri.noCache:
		case len(ri.cache) < rosterCacheMax:
			ri.cache = append(ri.cache, c)
		default:
			ri.cache = nil // too many: read each child when its row comes
			ri.noCache = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	ri.people = left
	if len(left) == 0 {
		return nil
	}
	ri.ix = match.NewIndex(left, match.Options{Threshold: ri.opt.Threshold, ReviewBand: ri.opt.ReviewBand})
	if len(rows) >= 1000 && len(left) >= 1000 {
		sample := make([]match.Person, 0, min(len(rows), 20000))
		for i := range rows {
			if len(sample) == cap(sample) {
				break
			}
			if rows[i].Issues.Valid() {
				sample = append(sample, rosterPerson(strconv.Itoa(i), &rows[i].Record))
			}
		}
		ri.ix.Calibrate(sample)
	}
	return nil
}

// fieldWeight is a FieldWeight as stored (levels and weights, no values).
type fieldWeight struct {
	Field         string  `json:"field"`
	Level         string  `json:"level"`
	Weight        float64 `json:"weight"`
	SiblingWeight float64 `json:"sibling_weight"`
}

// storedRow is a roster_rows row being written.
type storedRow struct {
	outcome             string
	childID, candidate  int64
	score               float64
	method, decision    string
	weights             string
	review              string
	version             int
	fields              []string
	codes               string
	data, cells, issues []byte
	first               bool
	rowBidx             string
}

func aadRosterData(batch string, row int) string {
	return "roster_rows.data:" + batch + ":" + strconv.Itoa(row)
}
func aadRosterCells(batch string, row int) string {
	return "roster_rows.cells:" + batch + ":" + strconv.Itoa(row)
}
func aadRosterIssues(batch string, row int) string {
	return "roster_rows.issues:" + batch + ":" + strconv.Itoa(row)
}

const kindRosterRow = "roster.row"

// row matches and applies one row; what is left to write (the row itself, its link, its
// contradictions, a lead) is returned for the next chunk's transaction.
func (ri *rosterImport) row(ctx context.Context, r *RosterRow) (RosterOutcome, *pendingRow, error) {
	s := ri.s
	ri.res.Rows++
	o := RosterOutcome{Row: r.Row}
	sr := storedRow{}
	var err error
	var dec verifyDecision
	if r.Issues.Valid() {
		dec = ri.verifyRow(r) // before the issues are sealed: a token that cannot be used is a warning
	}
	issues := map[string][]child.Issue{"errors": r.Issues.Errors, "warnings": r.Issues.Warnings}
	if len(r.Issues.Errors) > 0 || len(r.Issues.Warnings) > 0 {
		b, _ := json.Marshal(issues)
		if sr.issues, err = s.keys.Seal(b, []byte(aadRosterIssues(ri.uid, r.Row))); err != nil {
			return o, nil, internal("加密名册行", err)
		}
	}
	if !r.Issues.Valid() {
		o.Outcome, o.Errors = RosterRejected, r.Issues.Errors
		ri.res.Rejected++
		sr.outcome = RosterRejected
		var cs []string
		for _, e := range r.Issues.Errors {
			cs = append(cs, e.Field+":"+e.Code)
		}
		sr.codes = strings.Join(cs, ",")
		b, _ := json.Marshal(r.Cells)
		if sr.cells, err = s.keys.Seal(b, []byte(aadRosterCells(ri.uid, r.Row))); err != nil {
			return o, nil, internal("加密名册行", err)
		}
		return o, &pendingRow{r: r, sr: sr}, nil
	}
	rec := r.Record
	rec.Department = ri.dept.Code
	data, err := json.Marshal(&rec)
	if err != nil {
		return o, nil, internal("名册行", err)
	}
	sr.rowBidx = s.keys.BlindIndex(kindRosterRow, ri.dept.Code+"\x00"+string(data))
	if sr.data, err = s.keys.Seal(data, []byte(aadRosterData(ri.uid, r.Row))); err != nil {
		return o, nil, internal("加密名册行", err)
	}
	// Seen before? Then it is not imported again, and an earlier review decision stands.
	prev, seen := ri.prev[sr.rowBidx]
	if !seen {
		sr.first = true
		ri.res.Imported++
	}
	o.Imported = sr.first

	// Match.
	idx := -1
	decision := match.DecisionNoMatch
	switch {
	case dec.link >= 0:
		// The row's token names its child and the identity agrees: no matching.
		idx, decision = dec.link, match.DecisionLink
		sr.score, sr.method, sr.decision, sr.candidate = 1, MethodVerification, match.DecisionLink, ri.refs[idx]
		o.Score, o.Method, o.UID = 1, MethodVerification, ri.uids[idx]
	case dec.notFound:
		// 查无此人: the department has no such child; nothing to match, apply or visit.
	case ri.ix != nil:
		m, _ := ri.ix.Match(rosterPerson("r", &rec))
		if m.Left >= 0 {
			idx = m.Left
			decision = m.Decision
			sr.score, sr.method, sr.decision = m.Score, m.Method, m.Decision
			sr.candidate = ri.refs[m.Left]
			o.Score, o.Method, o.UID = m.Score, m.Method, ri.uids[m.Left]
			ws := make([]fieldWeight, 0, len(m.Fields))
			for _, f := range m.Fields {
				ws = append(ws, fieldWeight{f.Field, f.Level, round2(f.Weight), round2(f.SiblingWeight)})
			}
			b, _ := json.Marshal(ws)
			sr.weights = string(b)
		}
	}
	if sr.decision == "" {
		sr.decision = "none"
	}
	if decision == match.DecisionReview {
		switch {
		case prev.review == ReviewAccepted && prev.child == sr.candidate:
			decision = match.DecisionLink
			sr.review = ReviewAccepted
		case prev.review == ReviewRejected:
			decision = match.DecisionNoMatch
			sr.review = ReviewRejected
		case prev.review == ReviewPending:
			// The same row waits for a person already (an earlier import): not listed twice.
		default:
			sr.review = ReviewPending
		}
	}
	switch decision {
	case match.DecisionLink:
		if err := ri.apply(ctx, r, &rec, idx, ri.uids[idx], &sr, &o); err != nil {
			return o, nil, err
		}
		return o, &pendingRow{r: r, sr: sr, linked: sr.outcome != RosterFailed, contra: o.Contra, token: dec.token, answer: dec.answered(&sr, sr.childID)}, nil
	case match.DecisionReview:
		o.Outcome = RosterReview
		sr.outcome = RosterReview
		ri.res.Review++
		return o, &pendingRow{r: r, sr: sr}, nil
	}
	o.Outcome, sr.outcome = RosterUnmatched, RosterUnmatched
	ri.res.Unmatched++
	if dec.notFound {
		return o, &pendingRow{r: r, sr: sr, token: dec.token, answer: dec.answered(&sr, 0)}, nil
	}
	return o, &pendingRow{r: r, sr: sr, lead: &r.Record}, nil
}

// rosterCacheMax bounds the children kept decrypted during a roster import (about 2 kB each);
// a variable so that a test can lower it.
var rosterCacheMax = 200_000

// rosterChunk is the number of roster rows written per transaction.
const rosterChunk = 500

// prevRow is what an earlier import of the department made of a row.
type prevRow struct {
	review string
	child  int64
}

// prefetch looks up, for a chunk of rows, what the department's earlier imports made of the
// same rows (their blind index, a review decision and the child linked), so that a row seen
// before is not imported again and an earlier decision stands — a decided review wins over later
// undecided rows — and loads the verification lists whose tokens the rows carry.
func (ri *rosterImport) prefetch(ctx context.Context, rows []RosterRow) error {
	ri.prev = make(map[string]prevRow, len(rows))
	keys := make([]any, 0, len(rows))
	for i := range rows {
		if k, ok := ri.rowKey(&rows[i]); ok {
			keys = append(keys, k)
		}
		if t := rows[i].Record.VerifyToken; t != "" {
			if err := ri.loadVerification(ctx, t); err != nil {
				return err
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	q := "SELECT row_bidx, review, child_id FROM roster_rows WHERE department = ? AND batch_id <> ? AND row_bidx IN (?" +
		strings.Repeat(", ?", len(keys)-1) + ") ORDER BY id"
	rs, err := ri.s.query(ctx, q, append([]any{ri.dept.Code, ri.batchID}, keys...)...)
	if err != nil {
		return internal("查找名册行", err)
	}
	defer rs.Close()
	decided := func(r string) bool { return r == ReviewAccepted || r == ReviewRejected }
	for rs.Next() {
		var key string
		var review sql.NullString
		var childID sql.NullInt64
		if err := rs.Scan(&key, &review, &childID); err != nil {
			return internal("查找名册行", err)
		}
		if old, ok := ri.prev[key]; ok && decided(old.review) && !decided(review.String) {
			continue
		}
		ri.prev[key] = prevRow{review: review.String, child: childID.Int64}
	}
	return internal("查找名册行", rs.Err())
}

// rowKey is the blind index of a valid row as stored (row_bidx): the department and the row as
// read.
func (ri *rosterImport) rowKey(r *RosterRow) (string, bool) {
	if !r.Issues.Valid() {
		return "", false
	}
	rec := r.Record
	rec.Department = ri.dept.Code
	data, err := json.Marshal(&rec)
	if err != nil {
		return "", false
	}
	return ri.s.keys.BlindIndex(kindRosterRow, ri.dept.Code+"\x00"+string(data)), true
}

// pendingRow is a processed row waiting to be written.
type pendingRow struct {
	r      *RosterRow
	sr     storedRow
	linked bool
	contra []roster.Contradiction
	lead   *roster.Record // an unmatched row: a lead when it qualifies
	out    int            // its outcome's position
	token  string         // the row's verification token, and the status it gives its item ("" none)
	answer string
}

// flush writes rows, their links, contradictions and leads in one transaction.
func (ri *rosterImport) flush(ctx context.Context, ps []*pendingRow, out []RosterOutcome) error {
	if len(ps) == 0 {
		return nil
	}
	s := ri.s
	leads := map[int]string{}
	newDisc := 0
	err := s.inTx(ctx, "保存名册行", func(t *tx) error {
		clear(leads)
		newDisc = 0
		for _, p := range ps {
			rowID, err := ri.insertTx(t, p.r, &p.sr)
			if err != nil {
				return err
			}
			if p.answer != "" {
				if err := ri.answerTx(t, p.token, p.answer, rowID); err != nil {
					return err
				}
			}
			if p.linked {
				if err := s.link(t, p.sr.childID, ri.dept.Code, rowID, ri.opt.RosterDate); err != nil {
					return err
				}
				n, err := s.addDiscrepancies(t, p.sr.childID, ri.dept.Code, rowID, p.contra)
				if err != nil {
					return err
				}
				newDisc += n
			}
			if p.lead != nil {
				uid, err := s.leadTx(t, ri.dept.Code, rowID, p.lead, ri.opt.RosterDate)
				if err != nil {
					return err
				}
				if uid != "" {
					leads[p.out] = uid
				}
			}
		}
		ri.chunks++
		return s.appendAudit(t, audit.ImportChunk, "import:"+ri.uid, rosterChunkDetail(ri.chunks, ps, out, leads))
	})
	if err != nil {
		return err
	}
	ri.res.Discrepancies += newDisc
	for i, uid := range leads {
		out[i].Lead = uid
		ri.res.Leads++
	}
	return nil
}

// rosterChunkDetail is the audit detail of a committed chunk of roster rows: its number, the
// rows, the outcomes counted, the children it linked and the leads it opened (by uid).
func rosterChunkDetail(n int, ps []*pendingRow, out []RosterOutcome, leads map[int]string) map[string]any {
	counts := map[string]int{}
	var linked, opened []string
	for _, p := range ps {
		o := out[p.out]
		counts[o.Outcome]++
		if p.linked && o.UID != "" {
			linked = append(linked, o.UID)
		}
		if uid := leads[p.out]; uid != "" {
			opened = append(opened, uid)
		}
	}
	d := map[string]any{"chunk": n, "rows": len(ps), "outcomes": counts, "first_row": ps[0].r.Row, "last_row": ps[len(ps)-1].r.Row}
	if linked != nil {
		d["linked"] = linked
	}
	if opened != nil {
		d["leads"] = opened
	}
	return d
}

func round2(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 2, 64), 64)
	return v
}

// apply merges the row's facts into the child uid and saves a new version when something was
// filled; contradictions are kept in o, to be written with the row.
func (ri *rosterImport) apply(ctx context.Context, r *RosterRow, rec *roster.Record, idx int, uid string, sr *storedRow, o *RosterOutcome) error {
	s := ri.s
	o.UID = uid
	for attempt := 0; ; attempt++ {
		var c *Child
		if idx >= 0 && attempt == 0 && !ri.noCache && idx < len(ri.cache) {
			c = ri.cache[idx]
		} else {
			var err error
			if c, err = s.Get(ctx, uid); err != nil {
				return err
			}
		}
		sr.childID = c.id
		res := roster.Merge(rec, c.Record)
		o.Contra = res.Contradictions
		sr.version = c.Version
		if len(res.Filled) == 0 {
			o.Outcome, sr.outcome = RosterUnchanged, RosterUnchanged
			ri.res.Unchanged++
			return nil
		}
		src := Source{Kind: SourceRoster, Department: ri.dept.Code, Roster: ri.opt.Roster, Row: r.Row, RosterDate: ri.opt.RosterDate,
			Note: ri.dept.Label + "名册《" + ri.opt.Roster + "》第 " + strconv.Itoa(r.Row) + " 行", batchID: ri.batchID}
		nc, err := s.Update(ctx, ri.actor, uid, c.Version, res.Record, src)
		switch {
		case ErrorCode(err) == CodeConflict && attempt < 2:
			continue // someone saved meanwhile: merge again onto the new version
		case err != nil && (ErrorCode(err) == CodeInvalid || ErrorCode(err) == CodeForbidden || ErrorCode(err) == CodeConflict):
			var e *Error
			errors.As(err, &e)
			o.Outcome, sr.outcome = RosterFailed, RosterFailed
			o.Errors = append([]child.Issue{{Field: "", Code: e.Code, Message: "无法更新儿童记录：" + e.Message}}, e.Fields...)
			ri.res.Failed++
			return nil
		case err != nil:
			return err
		}
		sr.version = nc.Version
		if idx >= 0 && idx < len(ri.cache) {
			ri.cache[idx] = nc
		}
		if nc.Version == c.Version {
			o.Outcome, sr.outcome = RosterUnchanged, RosterUnchanged
			ri.res.Unchanged++
			return nil
		}
		o.Outcome, sr.outcome = RosterUpdated, RosterUpdated
		o.Filled, sr.fields = res.Filled, res.Filled
		ri.res.Updated++
		return nil
	}
}

// link records that the department's roster names the child (the latest row).
func (s *Store) link(t *tx, childID int64, dept string, rowID int64, rosterDate child.Date) error {
	_, err := t.exec(`INSERT INTO roster_links (child_id, department, row_id, roster_date, linked_at) VALUES (?, ?, ?, ?, ?)
 ON CONFLICT (child_id, department) DO UPDATE SET row_id = excluded.row_id, roster_date = excluded.roster_date, linked_at = excluded.linked_at`,
		childID, dept, rowID, date(rosterDate), s.d.timeArg(s.instant()))
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullFloat(f float64, ok bool) any {
	if !ok {
		return nil
	}
	return f
}

func (ri *rosterImport) insertTx(t *tx, r *RosterRow, sr *storedRow) (int64, error) {
	s := ri.s
	rec := &r.Record
	var idb, pb, res, sex any
	var bd any
	if sr.outcome != RosterRejected {
		idb = text(s.idIndex(rec.IDNumber))
		pb = text(s.personIndex(&child.Record{Name: rec.Name, BirthDate: rec.BirthDate, Sex: rec.Sex}))
		res, sex, bd = text(rec.ResidenceCode()), text(rec.Sex), date(rec.BirthDate)
	}
	var version any
	if sr.version > 0 {
		version = sr.version
	}
	var id int64
	err := t.queryRow(`INSERT INTO roster_rows (batch_id, department, row_no, roster_date, row_bidx, first_seen, id_bidx, person_bidx, outcome,
 child_id, candidate_id, score, method, decision, weights, review, version, fields, res_code, birth_date, sex, codes, data, cells, issues, permit_expires)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ri.batchID, ri.dept.Code, r.Row, date(ri.opt.RosterDate), text(sr.rowBidx), sr.first, idb, pb, sr.outcome,
		nullID(sr.childID), nullID(sr.candidate), nullFloat(sr.score, sr.method != ""), text(sr.method), text(sr.decision), text(sr.weights),
		text(sr.review), version, strings.Join(sr.fields, ","), res, bd, sex, sr.codes, sr.data, sr.cells, sr.issues, date(r.Record.PermitExpires)).Scan(&id)
	return id, err
}

// RosterBatches lists the roster imports the principal may see (batchCond), newest first; dept
// "" lists every department it works.
func (s *Store) RosterBatches(ctx context.Context, dept string, limit, offset int) ([]Batch, error) {
	p, err := gate(ctx, "您的角色不能查看部门名册", auth.PermRostersImport)
	if err != nil {
		return nil, err
	}
	where, args := "b.kind = 'roster'", []any{}
	if dept != "" {
		where, args = where+" AND b.department = ?", append(args, dept)
	}
	cond, cargs, err := batchCond(p, "b")
	if err != nil {
		return nil, err
	}
	if cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	out, err := s.batches(ctx, where, args, "", clampLimit(limit, 50, 500), offset)
	if out == nil {
		out = []Batch{}
	}
	return out, err
}

func clampLimit(n, def, most int) int {
	if n <= 0 {
		return def
	}
	return min(n, most)
}

// RosterRejects returns the rejected rows of a roster batch, in file order, with their cells and
// errors, to download, fix and import again.
func (s *Store) RosterRejects(ctx context.Context, batch string) ([]RejectedRow, error) {
	id, err := s.rejectsBatch(ctx, batch, ImportRoster)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT r.row_no, r.issues, r.cells FROM roster_rows r WHERE r.batch_id = ? AND r.outcome = 'rejected' ORDER BY r.row_no`, id)
	if err != nil {
		return nil, internal("读取未导入的名册行", err)
	}
	defer rows.Close()
	out := []RejectedRow{}
	for rows.Next() {
		var rr RejectedRow
		var issues, cells []byte
		if err := rows.Scan(&rr.Row, &issues, &cells); err != nil {
			return nil, internal("读取未导入的名册行", err)
		}
		b, err := s.keys.Open(cells, []byte(aadRosterCells(batch, rr.Row)))
		if err != nil {
			return nil, internal("解密未导入的名册行", err)
		}
		if err := json.Unmarshal(b, &rr.Cells); err != nil {
			return nil, internal("读取未导入的名册行", err)
		}
		if b, err = s.keys.Open(issues, []byte(aadRosterIssues(batch, rr.Row))); err != nil {
			return nil, internal("解密未导入的名册行", err)
		}
		var is map[string][]child.Issue
		if err := json.Unmarshal(b, &is); err != nil {
			return nil, internal("读取未导入的名册行", err)
		}
		rr.Errors, rr.Warnings = is["errors"], is["warnings"]
		out = append(out, rr)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("读取未导入的名册行", err)
	}
	if err := s.Audit(ctx, audit.ImportRejectsRead, "import:"+batch, map[string]any{"kind": ImportRoster, "rows": len(out)}); err != nil {
		return nil, err
	}
	return out, nil
}

// RosterPair is a roster row in the clerical-review band next to its candidate: the reviewer
// sees both (the caller masks what the reviewer may not see) and the per-field breakdown.
type RosterPair struct {
	ID         int64 // the roster row
	Batch      string
	Department string
	Row        int
	Roster     string // file name
	RosterDate child.Date
	Score      float64
	Method     string
	Fields     []match.FieldWeight
	Review     string
	Record     roster.Record // the roster row, opened
	Candidate  *Child        // the registry's candidate
	Agreement  map[string]string
}

// RosterReviewQuery selects review pairs.
type RosterReviewQuery struct {
	Department string
	Batch      string
	Status     string // pending (default), accepted, rejected
	MinScore   float64
	Limit      int
	Offset     int
}

// RosterReviews lists the roster rows of the clerical-review band, highest score first.
func (s *Store) RosterReviews(ctx context.Context, q RosterReviewQuery) ([]RosterPair, error) {
	where, args, err := reviewWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT r.id"+reviewFrom+where+" ORDER BY r.score DESC, r.id LIMIT ? OFFSET ?",
		append(args, clampLimit(q.Limit, 50, 500), max(q.Offset, 0))...)
	if err != nil {
		return nil, internal("读取待复核的名册行", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, internal("读取待复核的名册行", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]RosterPair, 0, len(ids))
	for _, id := range ids {
		p, err := s.pair(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	if len(ids) > 0 {
		if err := s.Audit(ctx, audit.RosterPairsList, "roster-reviews", map[string]any{"pairs": ids, "department": q.Department,
			"batch": q.Batch, "status": q.Status}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RosterPair returns one review pair the principal may see (pairScope), with its candidate; any
// other row does not exist for it. The reading is audited.
func (s *Store) RosterPair(ctx context.Context, id int64) (*RosterPair, error) {
	p, err := s.visiblePair(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.Audit(ctx, audit.RosterPairsList, "roster-row:"+strconv.FormatInt(id, 10), map[string]any{"pairs": []int64{id}}); err != nil {
		return nil, err
	}
	return p, nil
}

// visiblePair is pair after checking that the principal may see the row.
func (s *Store) visiblePair(ctx context.Context, id int64) (*RosterPair, error) {
	p, err := gate(ctx, "您的角色不能复核名册比对结果", auth.PermRostersImport)
	if err != nil {
		return nil, err
	}
	where, args, err := pairScope(p, "r.id = ?", []any{id})
	if err != nil {
		return nil, err
	}
	var n int
	if err := s.queryRow(ctx, "SELECT count(*)"+reviewFrom+where, args...).Scan(&n); err != nil {
		return nil, internal("读取名册行", err)
	}
	if n == 0 {
		return nil, errNoRosterRow(id)
	}
	return s.pair(ctx, id)
}

func errNoRosterRow(id int64) *Error {
	return &Error{Code: CodeNotFound, Message: "没有编号为 " + strconv.FormatInt(id, 10) + " 的名册行"}
}

// pair reads one roster row with its candidate; the caller has checked that the principal may
// see it.
func (s *Store) pair(ctx context.Context, id int64) (*RosterPair, error) {
	var p RosterPair
	var batch, roster_ sql.NullString
	var rd sql.NullInt64
	var score sql.NullFloat64
	var method, weights, review, candUID sql.NullString
	var data []byte
	err := s.queryRow(ctx, `SELECT r.id, b.uid, r.department, r.row_no, b.roster, r.roster_date, r.score, r.method, r.weights, r.review, r.data, c.uid
 FROM roster_rows r JOIN import_batches b ON b.id = r.batch_id LEFT JOIN children c ON c.id = coalesce(r.child_id, r.candidate_id) WHERE r.id = ?`, id).Scan(
		&p.ID, &batch, &p.Department, &p.Row, &roster_, &rd, &score, &method, &weights, &review, &data, &candUID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoRosterRow(id)
	}
	if err != nil {
		return nil, internal("读取名册行", err)
	}
	p.Batch, p.Roster, p.RosterDate, p.Score, p.Method, p.Review = batch.String, roster_.String, child.Date(rd.Int64), score.Float64, method.String, review.String
	if len(data) > 0 {
		b, err := s.keys.Open(data, []byte(aadRosterData(p.Batch, p.Row)))
		if err != nil {
			return nil, internal("解密名册行", err)
		}
		if err := json.Unmarshal(b, &p.Record); err != nil {
			return nil, internal("读取名册行", err)
		}
	}
	if weights.String != "" {
		var ws []fieldWeight
		if err := json.Unmarshal([]byte(weights.String), &ws); err != nil {
			return nil, internal("读取名册行", err)
		}
		for _, w := range ws {
			p.Fields = append(p.Fields, match.FieldWeight{Field: w.Field, Level: w.Level, Weight: w.Weight, SiblingWeight: w.SiblingWeight})
		}
	}
	if candUID.Valid {
		c, err := s.Get(ctx, candUID.String)
		switch {
		case ErrorCode(err) == CodeNotFound:
			// Outside the caller's jurisdiction: the pair is shown without its candidate.
		case err != nil:
			return nil, err
		default:
			p.Candidate = c
			p.Agreement = agreement(&p.Record, &c.Record)
		}
	}
	return &p, nil
}

// agreement compares the identity items of a roster row and a record, item by item, as the
// matcher's levels name them (exact, pinyin, near, disagree, missing …).
func agreement(r *roster.Record, c *child.Record) map[string]string {
	pr, pc := rosterPerson("r", r), personOf("c", c)
	idLevel := "missing"
	switch {
	case pr.IDNumber == "" || pc.IDNumber == "":
	case pr.IDNumber == pc.IDNumber:
		idLevel = "exact"
	case match.IDTypo(pr.IDNumber, pc.IDNumber):
		idLevel = "typo"
	default:
		idLevel = "disagree"
	}
	sex := "missing"
	if pr.Sex != "" && pc.Sex != "" {
		sex = "disagree"
		if pr.Sex == pc.Sex {
			sex = "agree"
		}
	}
	return map[string]string{
		"name": match.NameLevel(pr.Name, pc.Name), "id_number": idLevel, "birth_date": match.DateLevel(pr.BirthDate, pc.BirthDate), "sex": sex,
		"father_name": match.NameLevel(pr.FatherName, pc.FatherName), "mother_name": match.NameLevel(pr.MotherName, pc.MotherName),
		"guardian_name": match.NameLevel(pr.GuardianName, pc.GuardianName),
	}
}

// ReviewRoster decides a pair of the review band: accept links the row to its candidate and
// applies it (as an automatic link would); reject leaves the row unmatched (it may become a
// home-visit lead). A decided pair cannot be decided again.
func (s *Store) ReviewRoster(ctx context.Context, actor string, id int64, accept bool) (RosterOutcome, error) {
	actor = actorFor(ctx, actor)
	p, err := s.visiblePair(ctx, id)
	if err != nil {
		return RosterOutcome{}, err
	}
	if p.Review != ReviewPending {
		return RosterOutcome{}, &Error{Code: CodeConflict, Message: "该名册行已复核（" + reviewLabel(p.Review) + "），不能重复操作"}
	}
	dept, ok := roster.Lookup(p.Department)
	if !ok || p.Candidate == nil {
		return RosterOutcome{}, errInvalid("该名册行没有可复核的候选记录")
	}
	var batchID int64
	if err := s.queryRow(ctx, "SELECT batch_id FROM roster_rows WHERE id = ?", id).Scan(&batchID); err != nil {
		return RosterOutcome{}, internal("读取名册行", err)
	}
	ri := &rosterImport{s: s, actor: actor, dept: dept, batchID: batchID, uid: p.Batch,
		opt: RosterOptions{Department: dept.Code, Roster: p.Roster, RosterDate: p.RosterDate}}
	o := RosterOutcome{Row: p.Row, Score: p.Score, Method: p.Method}
	now := s.d.timeArg(s.instant())
	decided := func(t *tx, sr *storedRow) error {
		d := map[string]any{"decision": "reject", "department": dept.Code, "batch": p.Batch, "row": p.Row, "candidate": p.Candidate.UID,
			"score": p.Score}
		if accept {
			d["decision"], d["outcome"], d["fields"] = "accept", sr.outcome, sr.fields
		}
		if o.Lead != "" {
			d["lead"] = o.Lead
		}
		return s.appendAudit(t, audit.RosterDecide, "roster-row:"+strconv.FormatInt(id, 10), d)
	}
	if !accept {
		o.Outcome = RosterUnmatched
		err := s.inTx(ctx, "复核名册行", func(t *tx) error {
			o.Lead = ""
			res, err := t.exec("UPDATE roster_rows SET review = 'rejected', reviewed_by = ?, reviewed_at = ?, outcome = 'unmatched' WHERE id = ? AND review = 'pending'", actor, now, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return &Error{Code: CodeConflict, Message: "该名册行已被他人复核，请刷新"}
			}
			if o.Lead, err = s.leadTx(t, dept.Code, id, &p.Record, p.RosterDate); err != nil {
				return err
			}
			return decided(t, nil)
		})
		return o, err
	}
	rr := &RosterRow{Row: p.Row, Record: p.Record}
	sr := storedRow{}
	if err := ri.apply(ctx, rr, &p.Record, -1, p.Candidate.UID, &sr, &o); err != nil {
		return o, err
	}
	err = s.inTx(ctx, "复核名册行", func(t *tx) error {
		var version any
		if sr.version > 0 {
			version = sr.version
		}
		_, err := t.exec(`UPDATE roster_rows SET review = 'accepted', reviewed_by = ?, reviewed_at = ?, outcome = ?, child_id = ?, version = ?, fields = ?
 WHERE id = ?`, actor, now, sr.outcome, sr.childID, version, strings.Join(sr.fields, ","), id)
		if err != nil {
			return err
		}
		if err := decided(t, &sr); err != nil || sr.outcome == RosterFailed {
			return err
		}
		if err := s.link(t, sr.childID, dept.Code, id, p.RosterDate); err != nil {
			return err
		}
		if _, err = s.addDiscrepancies(t, sr.childID, dept.Code, id, o.Contra); err != nil {
			return err
		}
		if p.Record.VerifyToken == "" {
			return nil
		}
		// A row of a verification list that went to review (its identity had changed): once a
		// person links it to the very child the list asked about, that item is answered.
		_, err = t.exec("UPDATE verification_items SET status = 'answered', roster_row_id = ?, answered_at = ? WHERE token = ? AND child_id = ? AND status = 'pending'",
			id, now, p.Record.VerifyToken, sr.childID)
		return err
	})
	return o, err
}

func reviewLabel(r string) string {
	switch r {
	case ReviewAccepted:
		return "已确认为同一人"
	case ReviewRejected:
		return "已确认不是同一人"
	}
	return "待复核"
}
