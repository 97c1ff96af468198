package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

// Import kinds.
const (
	ImportChildren = "children" // registration forms (guanai import children)
	ImportRoster   = "roster"   // a department's roster (guanai import roster --dept)
)

// Row outcomes of an import.
const (
	OutcomeImported  = "imported"  // a new record was created
	OutcomeUpdated   = "updated"   // an existing record got the row's differing items (a new version)
	OutcomeUnchanged = "unchanged" // the record already held everything the row says
	OutcomeRejected  = "rejected"  // the row has errors; kept with its cells for download
	OutcomeUnmatched = "unmatched" // OnlyExisting and no record matches; kept, nothing created
)

// ImportOptions describe one import.
type ImportOptions struct {
	Kind       string     // ImportChildren (default) or ImportRoster
	Department string     // for rosters: education, police, health, insurance, disability
	Roster     string     // the file or roster name
	RosterDate child.Date // the date of the roster, when known
	FileSHA256 string     // hex digest of the file, for the record
	Headers    []string   // the file's column headers, in the order of ImportRow.Cells
	// Status is the status of created records: StatusDraft (default) or StatusSubmitted.
	Status string
	// OnlyExisting keeps rows that match no record as unmatched instead of creating records
	// (a department roster lists many children who are not in the registry).
	OnlyExisting bool
	// Synthetic marks created records as demonstration data.
	Synthetic bool
	// BatchSize is the number of rows per transaction; default 500 on SQLite, 2000 on
	// PostgreSQL.
	BatchSize int
}

// ImportRow is one parsed row: the record, the issues found reading and validating it (any error
// rejects the row), and the cells as they were in the file.
type ImportRow struct {
	Row    int // row number in the file, as the user sees it
	Record child.Record
	Issues child.Issues
	Cells  []string
}

// RowOutcome is what became of one row.
type RowOutcome struct {
	Row     int
	Outcome string
	UID     string        // the record created, updated or matched
	Version int           // its version after the row
	Errors  []child.Issue // why a row was rejected
}

// ImportResult counts the rows of an import by outcome.
type ImportResult struct {
	Batch     string // the batch uid, for downloading the rejected rows
	Rows      int
	Imported  int
	Updated   int
	Unchanged int
	Rejected  int
	Unmatched int
}

// Import is an import in progress. Rows are added in chunks (Add) and applied in transactions
// of BatchSize rows; Finish closes it. An Import is not safe for concurrent use.
type Import struct {
	s     *Store
	actor string
	opt   ImportOptions
	id    int64
	uid   string
	seq   int
	res   ImportResult
	src   Source
	// claims remembers, per child, the items set by the rows applied so far, so that a later
	// row of the same file about the same child that contradicts them is rejected: applying
	// both would make a second import of the file change the record back and forth.
	claims map[string]*claim
	paths  pathIndex
	// analyzed is the number of imported rows at which PostgreSQL last analysed the tables.
	analyzed int
	// principal is who imports; rows and matches outside the principal's jurisdiction are
	// refused (scope.go).
	principal *auth.Principal
	// seqDone counts the chunks committed (each one audited).
	seqDone int
}

// pathIndex numbers the leaf paths seen in an import, for the claim bitsets.
type pathIndex map[string]int

func (pi pathIndex) of(path string) int {
	i, ok := pi[path]
	if !ok {
		i = len(pi)
		pi[path] = i
	}
	return i
}

// claim is the first row about a child in an import and the items set by that child's rows.
type claim struct {
	row  int
	bits []uint64
}

func (c *claim) has(i int) bool { return i/64 < len(c.bits) && c.bits[i/64]&(1<<(i%64)) != 0 }

// conflicts lists the paths a row sets that earlier rows of the file set to another value
// (which the record now holds).
func (c *claim) conflicts(pi pathIndex, row, current leaves) []string {
	var out []string
	for p, v := range row {
		if c.has(pi.of(p)) && !bytes.Equal(current[p], v) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// chunkClaims are the claims while a chunk is applied: copied on write from the import's, and
// kept only when the chunk's transaction commits.
type chunkClaims struct {
	base map[string]*claim
	own  map[string]*claim
}

func (cc *chunkClaims) get(key string) *claim {
	if c, ok := cc.own[key]; ok {
		return c
	}
	return cc.base[key]
}

func (cc *chunkClaims) claim(key string, row int, pi pathIndex, l leaves) {
	c, ok := cc.own[key]
	if !ok {
		c = &claim{row: row}
		if b := cc.base[key]; b != nil {
			c.row, c.bits = b.row, append([]uint64(nil), b.bits...)
		}
		cc.own[key] = c
	}
	for p := range l {
		i := pi.of(p)
		for i/64 >= len(c.bits) {
			c.bits = append(c.bits, 0)
		}
		c.bits[i/64] |= 1 << (i % 64)
	}
}

// BeginImport records a new import batch.
func (s *Store) BeginImport(ctx context.Context, actor string, opt ImportOptions) (*Import, error) {
	if _, err := gate(ctx, ""); err != nil {
		return nil, err
	}
	actor = actorFor(ctx, actor)
	if opt.Kind == "" {
		opt.Kind = ImportChildren
	}
	if opt.Kind != ImportChildren && opt.Kind != ImportRoster {
		return nil, errInvalid("未知的导入类型：" + opt.Kind)
	}
	if opt.Status == "" {
		opt.Status = StatusDraft
	}
	if opt.Status != StatusDraft && opt.Status != StatusSubmitted {
		return nil, errInvalid("导入的新记录只能是“草稿”或“已提交”状态")
	}
	if opt.BatchSize <= 0 {
		// SQLite's one writer blocks every other write while a transaction runs: keep them
		// short. PostgreSQL locks rows only, and each commit waits for the disk: fewer, larger.
		opt.BatchSize = 500
		if s.d.postgres {
			opt.BatchSize = 2000
		}
	}
	perms := []string{auth.PermChildrenImport}
	if opt.Kind == ImportRoster {
		perms = append(perms, auth.PermRostersImport)
	}
	p, err := gate(ctx, "您的角色不能导入登记表", perms...)
	if err != nil {
		return nil, err
	}
	if _, _, err := jurisdiction(p); err != nil {
		return nil, err
	}
	now := s.instant()
	im := &Import{s: s, actor: actor, opt: opt, uid: newUID(now), claims: make(map[string]*claim), paths: make(pathIndex), principal: p}
	im.res.Batch = im.uid
	im.src = Source{Kind: SourceImport, Department: opt.Department, Roster: opt.Roster, RosterDate: opt.RosterDate, Synthetic: opt.Synthetic}
	if opt.Kind == ImportRoster {
		im.src.Kind = SourceRoster
	}
	headers := opt.Headers
	if headers == nil {
		headers = []string{}
	}
	err = s.inTx(ctx, "开始导入", func(t *tx) error {
		err := t.queryRow(`INSERT INTO import_batches (uid, kind, department, roster, roster_date, file_sha256, headers, status, actor, started_at,
 org_code, org_department, alive_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?) RETURNING id`, im.uid, opt.Kind, text(opt.Department),
			text(opt.Roster), date(opt.RosterDate), text(opt.FileSHA256), jsonText(headers), actor, s.d.timeArg(now), text(p.Scope),
			text(p.Department), s.d.timeArg(now)).Scan(&im.id)
		if err != nil {
			return err
		}
		return s.appendAudit(t, audit.ImportBegin, "import:"+im.uid, map[string]any{"kind": opt.Kind, "department": opt.Department,
			"file_sha256": opt.FileSHA256, "status": opt.Status})
	})
	if err != nil {
		return nil, err
	}
	im.src.batchID = im.id
	return im, nil
}

// UID returns the batch uid.
func (im *Import) UID() string { return im.uid }

// Result returns the counts so far.
func (im *Import) Result() ImportResult { return im.res }

// Add applies rows, BatchSize rows per transaction, and returns their outcomes in order. A row
// with errors is rejected and stored with its cells; a valid row whose child (by ID number, or
// by name, birth date and sex when it has none) is registered gets the items that differ, as a
// new version with their provenance; an identical row changes nothing; other rows create
// records. When a transaction fails, the rows of the earlier transactions stay applied and the
// error is returned; importing the file again is safe.
//
// The work that needs no database (flattening, blind indexes, classification and sealing of
// each row as a new record) is done for the next chunk while the database applies the current
// one, on another core.
func (im *Import) Add(ctx context.Context, rows []ImportRow) ([]RowOutcome, error) {
	out := make([]RowOutcome, 0, len(rows))
	type prepResult struct {
		ps  []*prepared
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	next := make(chan prepResult, 1)
	defer func() {
		// Stop the preparing goroutine and wait for it: it owns im.seq until it is done.
		cancel()
		for range next {
		}
	}()
	go func() {
		defer close(next)
		for rest := rows; len(rest) > 0; {
			n := min(len(rest), im.opt.BatchSize)
			ps, err := im.prepare(rest[:n])
			select {
			case next <- prepResult{ps, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			rest = rest[n:]
		}
	}()
	for pr := range next {
		if pr.err != nil {
			return out, internal("导入", pr.err)
		}
		res, err := im.apply(ctx, pr.ps)
		if err != nil {
			return out, err
		}
		out = append(out, res...)
		im.analyze(ctx)
	}
	return out, ctx.Err()
}

// analyze gives PostgreSQL's planner statistics while a large import fills the tables: without
// them it takes the look-up of a chunk's 500 ID numbers for a match of the whole table and scans
// it, chunk after chunk. Once at a thousand new rows (the ID numbers' distinctness is then
// known and carries over as the table grows) and once at a hundred thousand.
func (im *Import) analyze(ctx context.Context) {
	s := im.s
	if !s.d.postgres {
		return
	}
	for _, at := range [...]int{1000, 100000} {
		if im.res.Imported >= at && im.analyzed < at {
			im.analyzed = at
			_, _ = s.write.ExecContext(ctx, "ANALYZE children, child_keys")
		}
	}
}

// importState is a matched or created child while a chunk is applied. A loaded record is kept
// as its canonical JSON (plain) and decoded only when a row would change it: a row identical to
// the stored record — every row of a file imported twice — is recognised by comparing bytes.
type importState struct {
	c       *Child
	plain   []byte
	decoded bool
	leaves  leaves
	w       *write
	orig    *child.Record // the record as loaded (nil for a created one)
	before  Classification
}

// decode fills the record and its leaves from plain.
func (st *importState) decode() error {
	if st.decoded {
		return nil
	}
	if err := json.Unmarshal(st.plain, &st.c.Record); err != nil {
		return fmt.Errorf("decode record %s: %w", st.c.UID, err)
	}
	l, err := flatten(&st.c.Record)
	if err != nil {
		return err
	}
	orig := st.c.Record
	st.leaves, st.orig, st.decoded = l, &orig, true
	return nil
}

// prepared is a row after the work that needs no database.
type prepared struct {
	row    *ImportRow
	seq    int
	reject []child.Issue
	leaves leaves
	match  string // the key it matches by: "i" + ID number index, or "p" + person index
	// stored with the row
	cells, issues []byte
	codes         string
	// the row as a new record, in case it matches none
	fresh   *Child
	plain   []byte // canonical JSON of the row's record
	sealed  []byte
	brief   []byte
	version versionRow
	keys    recordKeys
	// outcome
	outcome   string
	state     *importState
	atVersion int
}

// prepare does the work on rows that needs no database. It runs on its own goroutine; it owns
// im.seq and im.s's pure helpers only.
func (im *Import) prepare(rows []ImportRow) ([]*prepared, error) {
	s := im.s
	today := s.Today()
	ps := make([]*prepared, len(rows))
	for i := range rows {
		im.seq++
		p := &prepared{row: &rows[i], seq: im.seq}
		ps[i] = p
		r := &rows[i]
		if len(r.Issues.Errors) == 0 && (strings.TrimSpace(r.Record.Name) == "" || r.Record.BirthDate == 0) {
			// Guard: a row without name or birth date cannot be matched or registered.
			r.Issues.Error("name", "required", "姓名和出生日期为必填项")
		}
		if len(r.Issues.Errors) == 0 && !im.opt.OnlyExisting && !recordInScope(im.principal, &r.Record) {
			r.Issues.Error("residence_address.region_code", "out_of_scope", "现居住地和户籍地都不在您的辖区内，不能由您导入")
		}
		if len(r.Issues.Errors) > 0 {
			p.reject = r.Issues.Errors
		} else if err := im.prepareFresh(p, today); err != nil {
			return nil, err
		}
		if len(r.Issues.Errors)+len(r.Issues.Warnings) > 0 {
			b, _ := json.Marshal(map[string][]child.Issue{"errors": r.Issues.Errors, "warnings": r.Issues.Warnings})
			var err error
			if p.issues, err = s.keys.Seal(b, []byte(aadIssues(im.uid, p.seq))); err != nil {
				return nil, err
			}
			codes := make([]string, 0, len(r.Issues.Errors))
			for _, e := range r.Issues.Errors {
				codes = append(codes, e.Field+":"+e.Code)
			}
			p.codes = strings.Join(codes, ",")
		}
		if p.reject != nil {
			if err := im.sealCells(p); err != nil {
				return nil, err
			}
		}
	}
	return ps, nil
}

// prepareFresh makes the row's record ready to be created: leaves, keys, classification,
// sealed record and version 1.
func (im *Import) prepareFresh(p *prepared, today child.Date) error {
	s := im.s
	r := &p.row.Record
	l, err := flatten(r)
	if err != nil {
		return err
	}
	p.leaves = l
	p.keys = s.keysOf(r)
	if p.keys.id != "" {
		p.match = "i" + p.keys.id
	} else if p.keys.person != "" {
		p.match = "p" + p.keys.person
	}
	now := s.instant()
	c := &Child{UID: newUID(now), Version: 1, Status: im.opt.Status, Synthetic: im.opt.Synthetic, Record: *r,
		CreatedAt: now, CreatedBy: im.actor, UpdatedAt: now, UpdatedBy: im.actor}
	if c.Status == StatusSubmitted && len(child.IDMismatches(&c.Record)) > 0 {
		c.Status = StatusDraft // kept, not submitted, until the ID number is corrected (DATA.md)
	}
	c.Classification = s.classify(&c.Record, today)
	plain, sealed, err := s.sealRecord(c.UID, &c.Record)
	if err != nil {
		return err
	}
	src := im.src
	src.Row = p.row.Row
	if p.version, err = s.newVersion(c, plain, nil, im.actor, now, src); err != nil {
		return err
	}
	if p.brief, err = s.sealBrief(c.UID, &c.Record); err != nil {
		return err
	}
	p.fresh, p.sealed, p.plain = c, sealed, plain
	return nil
}

func (im *Import) sealCells(p *prepared) error {
	cells := p.row.Cells
	if cells == nil {
		cells = []string{}
	}
	b, _ := json.Marshal(cells)
	var err error
	p.cells, err = im.s.keys.Seal(b, []byte(aadCells(im.uid, p.seq)))
	return err
}

// apply applies prepared rows in one transaction.
func (im *Import) apply(ctx context.Context, ps []*prepared) ([]RowOutcome, error) {
	s := im.s
	today := s.Today()
	var counts ImportResult
	var claims chunkClaims
	err := s.inTx(ctx, "导入", func(t *tx) error {
		counts = ImportResult{}
		claims = chunkClaims{base: im.claims, own: make(map[string]*claim)}
		t0 := time.Now()
		states, err := im.existing(t, ps)
		if err != nil {
			return err
		}
		s.trace("import.existing", t0)
		t0 = time.Now()
		var writes []*write
		for _, p := range ps {
			if p.reject != nil {
				p.outcome = OutcomeRejected
				continue
			}
			matches := states[p.match]
			if len(matches) > 0 {
				in, err := matchesInScope(im.principal, matches)
				if err != nil {
					return err
				}
				if !in && im.opt.OnlyExisting {
					matches = nil
				} else if !in {
					p.outcome = OutcomeRejected
					p.reject = []child.Issue{{Field: "id_number", Code: "out_of_scope",
						Message: "该儿童已由其他辖区登记，不能由您导入或修改；请联系上级民政部门核实"}}
					if err := im.sealReject(p); err != nil {
						return err
					}
					continue
				}
			}
			switch {
			case p.match != "" && len(matches) > 1:
				p.outcome = OutcomeRejected
				p.reject = []child.Issue{{Field: "id_number", Code: "ambiguous",
					Message: "该儿童在系统中有 " + strconv.Itoa(len(matches)) + " 条未归档的记录，无法确定更新哪一条，请先处理重复登记"}}
				if err := im.sealReject(p); err != nil {
					return err
				}
				continue
			case len(matches) == 0 && im.opt.OnlyExisting:
				p.outcome = OutcomeUnmatched
			case len(matches) == 0:
				st := &importState{c: p.fresh, leaves: p.leaves, plain: p.plain, decoded: true,
					w: &write{c: p.fresh, isNew: true, dirty: true, sealed: p.sealed, brief: p.brief}}
				st.w.setKeys(recordKeys{}, p.keys)
				st.w.addVersion(p.version, nil)
				writes = append(writes, st.w)
				if p.match != "" {
					states[p.match] = []*importState{st}
				}
				p.outcome, p.state, p.atVersion = OutcomeImported, st, 1
			default:
				st := matches[0]
				if cl := claims.get(p.match); cl != nil {
					if err := st.decode(); err != nil {
						return err
					}
					if fields := cl.conflicts(im.paths, p.leaves, st.leaves); len(fields) > 0 {
						p.outcome = OutcomeRejected
						labels := make([]string, len(fields))
						for i, f := range fields {
							labels[i] = FieldLabel(f)
						}
						p.reject = []child.Issue{{Field: fields[0], Code: "duplicate_row",
							Message: "本文件第 " + strconv.Itoa(cl.row) + " 行已登记同一儿童，本行的" + strings.Join(labels, "、") + "与之不一致，请核对后保留正确的一行"}}
						if err := im.sealReject(p); err != nil {
							return err
						}
						continue
					}
				}
				changed, err := im.update(st, p, today, &writes)
				if err != nil {
					return err
				}
				p.outcome, p.state, p.atVersion = OutcomeUnchanged, st, st.c.Version
				if changed {
					p.outcome = OutcomeUpdated
				}
			}
			if p.match != "" && p.state != nil {
				claims.claim(p.match, p.row.Row, im.paths, p.leaves)
			}
		}
		now := s.instant()
		for _, st := range uniqueStates(ps) {
			w := st.w
			if w == nil || w.isNew && st.c.Version == 1 {
				continue // unchanged, or created and sealed in prepare
			}
			if err := s.seal(w); err != nil {
				return err
			}
			old := recordKeys{}
			if st.orig != nil {
				old = s.keysOf(st.orig)
			}
			w.setKeys(old, s.keysOf(&st.c.Record))
			if !w.isNew {
				w.queueIfScopeChanged(&st.before, &st.c.Classification, now)
			}
		}
		s.trace("import.decide", t0)
		t0 = time.Now()
		if err := s.flush(t, writes); err != nil {
			return err
		}
		s.trace("import.flush", t0)
		t0 = time.Now()
		rowsOut := make([][]any, 0, len(ps))
		for _, p := range ps {
			var childID, version any
			if p.state != nil {
				childID, version = p.state.c.id, int64(p.atVersion)
			}
			rowsOut = append(rowsOut, []any{im.id, int64(p.seq), int64(p.row.Row), p.outcome, childID, version, p.codes, p.issues, p.cells})
			switch p.outcome {
			case OutcomeImported:
				counts.Imported++
			case OutcomeUpdated:
				counts.Updated++
			case OutcomeUnchanged:
				counts.Unchanged++
			case OutcomeRejected:
				counts.Rejected++
			case OutcomeUnmatched:
				counts.Unmatched++
			}
		}
		counts.Rows = len(ps)
		if err := s.insertMany(t, "import_rows", importRowColumns, rowsOut); err != nil {
			return err
		}
		_, err = t.exec(`UPDATE import_batches SET rows_total = rows_total + ?, imported = imported + ?, updated = updated + ?,
 unchanged = unchanged + ?, rejected = rejected + ?, unmatched = unmatched + ?, alive_at = ? WHERE id = ?`,
			counts.Rows, counts.Imported, counts.Updated, counts.Unchanged, counts.Rejected, counts.Unmatched, s.d.timeArg(s.instant()), im.id)
		if err != nil {
			return err
		}
		s.trace("import.rows", t0)
		// The chunk's records are in the trail with the chunk: a process killed after this commit
		// leaves no change unaudited.
		return s.appendAudit(t, audit.ImportChunk, "import:"+im.uid, chunkDetail(im.seqDone+1, ps, counts))
	})
	if err != nil {
		return nil, err
	}
	im.seqDone++
	for k, cl := range claims.own {
		im.claims[k] = cl
	}
	im.res.Rows += counts.Rows
	im.res.Imported += counts.Imported
	im.res.Updated += counts.Updated
	im.res.Unchanged += counts.Unchanged
	im.res.Rejected += counts.Rejected
	im.res.Unmatched += counts.Unmatched
	out := make([]RowOutcome, len(ps))
	for i, p := range ps {
		out[i] = RowOutcome{Row: p.row.Row, Outcome: p.outcome, Version: p.atVersion, Errors: p.reject}
		if p.state != nil {
			out[i].UID = p.state.c.UID
		}
	}
	return out, nil
}

// chunkDetail is the audit detail of a committed chunk: its number, the rows it covered, the
// counts and the records created and changed (by uid; never a value).
func chunkDetail(n int, ps []*prepared, counts ImportResult) map[string]any {
	var created, updated []string
	for _, p := range ps {
		switch {
		case p.state == nil:
		case p.outcome == OutcomeImported:
			created = append(created, p.state.c.UID)
		case p.outcome == OutcomeUpdated:
			updated = append(updated, p.state.c.UID)
		}
	}
	d := map[string]any{"chunk": n, "rows": counts.Rows, "imported": counts.Imported, "updated": counts.Updated,
		"unchanged": counts.Unchanged, "rejected": counts.Rejected, "unmatched": counts.Unmatched}
	if len(ps) > 0 {
		d["first_row"], d["last_row"] = ps[0].row.Row, ps[len(ps)-1].row.Row
	}
	if created != nil {
		d["created"] = created
	}
	if updated != nil {
		d["changed"] = updated
	}
	return d
}

var importRowColumns = []string{"batch_id", "seq", "row_no", "outcome", "child_id", "version", "codes", "issues", "cells"}

func uniqueStates(ps []*prepared) []*importState {
	seen := make(map[*importState]bool)
	var out []*importState
	for _, p := range ps {
		if p.state != nil && !seen[p.state] {
			seen[p.state] = true
			out = append(out, p.state)
		}
	}
	return out
}

// sealReject stores the cells and the errors of a row rejected in the transaction.
func (im *Import) sealReject(p *prepared) error {
	s := im.s
	b, _ := json.Marshal(map[string][]child.Issue{"errors": p.reject, "warnings": p.row.Issues.Warnings})
	var err error
	if p.issues, err = s.keys.Seal(b, []byte(aadIssues(im.uid, p.seq))); err != nil {
		return err
	}
	p.codes = p.reject[0].Field + ":" + p.reject[0].Code
	return im.sealCells(p)
}

// existing reads the records that the chunk's rows match: by ID number among the records that
// are not archived, and by name, birth date and sex among those without an ID number.
func (im *Import) existing(t *tx, ps []*prepared) (map[string][]*importState, error) {
	s := im.s
	var ids, persons []string
	seen := make(map[string]bool)
	for _, p := range ps {
		if p.match == "" || seen[p.match] {
			continue
		}
		seen[p.match] = true
		if p.match[0] == 'i' {
			ids = append(ids, p.match[1:])
		} else {
			persons = append(persons, p.match[1:])
		}
	}
	if s.d.postgres {
		// Lock the keys, in order, so that two imports (or an import and a registration) of the
		// same child cannot both create a record.
		keys := append(append([]string(nil), ids...), persons...)
		sort.Strings(keys)
		if err := s.d.lockKeys(t, keys); err != nil {
			return nil, err
		}
	}
	states := make(map[string][]*importState, len(ps))
	load := func(col, prefix string, keys []string, extra string) error {
		for len(keys) > 0 {
			n := min(len(keys), 500)
			ph := strings.TrimSuffix(strings.Repeat("?,", n), ",")
			args := make([]any, n)
			for i, k := range keys[:n] {
				args[i] = k
			}
			rows, err := t.query(`SELECT id, uid, status, version, synthetic, record, id_bidx, person_bidx, migrant_monitoring,
 migrant_statistics, left_behind, key_care, created_at, created_by FROM children WHERE `+col+" IN ("+ph+") AND status <> 'archived'"+extra+" ORDER BY id"+s.d.forUpdate(), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				c := &Child{}
				var sealed []byte
				var idBidx, personBidx sql.NullString
				var synthetic sql.NullBool
				cl := &c.Classification
				if err := rows.Scan(&c.id, &c.UID, &c.Status, &c.Version, &synthetic, &sealed, &idBidx, &personBidx,
					&cl.MigrantMonitoring, &cl.MigrantStatistics, &cl.LeftBehind, &cl.KeyCare, scanTime{&c.CreatedAt}, &c.CreatedBy); err != nil {
					rows.Close()
					return err
				}
				c.Synthetic = synthetic.Bool
				plain, err := s.keys.Open(sealed, []byte(aadRecord(c.UID)))
				if err != nil {
					rows.Close()
					return fmt.Errorf("open record %s: %w", c.UID, err)
				}
				key := "i" + idBidx.String
				if prefix == "p" {
					key = "p" + personBidx.String
				}
				states[key] = append(states[key], &importState{c: c, plain: plain, before: c.Classification})
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			keys = keys[n:]
		}
		return nil
	}
	if err := load("id_bidx", "i", ids, ""); err != nil {
		return nil, err
	}
	if err := load("person_bidx", "p", persons, " AND id_bidx IS NULL"); err != nil {
		return nil, err
	}
	return states, nil
}

// update gives a matched record the items of the row that differ; it reports whether anything
// changed.
func (im *Import) update(st *importState, p *prepared, today child.Date, writes *[]*write) (bool, error) {
	s := im.s
	if bytes.Equal(st.plain, p.plain) {
		return false, nil
	}
	if err := st.decode(); err != nil {
		return false, err
	}
	merged := overlay(st.leaves, p.leaves)
	changes := diffLeaves(st.leaves, merged)
	if len(changes) == 0 {
		return false, nil
	}
	rec, err := merged.record()
	if err != nil {
		return false, err
	}
	now := s.instant()
	if st.w == nil {
		st.w = &write{c: st.c, dirty: true}
		*writes = append(*writes, st.w)
	}
	c := st.c
	c.Record = rec
	c.Version++
	c.UpdatedAt, c.UpdatedBy = now, im.actor
	c.Classification = s.classify(&c.Record, today)
	plain, err := json.Marshal(&c.Record)
	if err != nil {
		return false, err
	}
	src := im.src
	src.Row = p.row.Row
	if err := s.addVersion(st.w, plain, changes, im.actor, now, src); err != nil {
		return false, err
	}
	st.leaves, st.plain = merged, plain
	return true, nil
}

// Finish closes the import and returns its counts.
func (im *Import) Finish(ctx context.Context) (ImportResult, error) {
	s := im.s
	err := s.inTx(ctx, "结束导入", func(t *tx) error {
		_, err := t.exec("UPDATE import_batches SET status = 'done', finished_at = ? WHERE id = ?", s.d.timeArg(s.instant()), im.id)
		if err != nil {
			return err
		}
		return s.appendAudit(t, audit.Import, "import:"+im.uid, map[string]any{"kind": im.opt.Kind, "department": im.opt.Department,
			"file_sha256": im.opt.FileSHA256, "rows": im.res.Rows, "imported": im.res.Imported, "updated": im.res.Updated,
			"unchanged": im.res.Unchanged, "rejected": im.res.Rejected, "unmatched": im.res.Unmatched})
	})
	if err != nil {
		return im.res, err
	}
	if im.res.Imported > 1000 {
		// Many new rows change the shape of the tables: refresh the planner's statistics now
		// rather than when the database gets round to it.
		if s.d.postgres {
			_, _ = s.write.ExecContext(ctx, "ANALYZE children, child_keys, child_versions")
		} else if s.path != "" {
			_, _ = s.write.ExecContext(ctx, "PRAGMA optimize")
		}
	}
	return im.res, nil
}

// Fail marks the import as failed; the rows applied so far stay.
func (im *Import) Fail(ctx context.Context) error {
	s := im.s
	return s.inTx(ctx, "结束导入", func(t *tx) error {
		_, err := t.exec("UPDATE import_batches SET status = 'failed', finished_at = ? WHERE id = ?", s.d.timeArg(s.instant()), im.id)
		if err != nil {
			return err
		}
		return s.appendAudit(t, audit.Import, "import:"+im.uid, map[string]any{"kind": im.opt.Kind, "failed": true,
			"imported": im.res.Imported, "updated": im.res.Updated, "rejected": im.res.Rejected})
	})
}

// ImportRows runs a whole import: BeginImport, Add, Finish.
func (s *Store) ImportRows(ctx context.Context, actor string, opt ImportOptions, rows []ImportRow) (ImportResult, []RowOutcome, error) {
	im, err := s.BeginImport(ctx, actor, opt)
	if err != nil {
		return ImportResult{}, nil, err
	}
	out, err := im.Add(ctx, rows)
	if err != nil {
		_ = im.Fail(context.WithoutCancel(ctx))
		return im.res, out, err
	}
	res, err := im.Finish(ctx)
	return res, out, err
}

// Batch describes a stored import batch.
type Batch struct {
	UID        string
	Kind       string
	Department string
	Roster     string
	RosterDate child.Date
	FileSHA256 string
	Headers    []string
	Status     string // running, done, failed
	Actor      string
	Started    time.Time
	Finished   time.Time
	Result     ImportResult
	// OrgCode and OrgDepartment are the org unit and department of the account that uploaded
	// the file ("" for a batch of the command line or from before they were kept).
	OrgCode       string
	OrgDepartment string
}

// ImportBatch returns the import batch uid when the principal may see it (batchCond: its own
// uploads, and those of org units in its jurisdiction — of its department's rosters for a
// department officer); any other batch does not exist for it.
func (s *Store) ImportBatch(ctx context.Context, uid string) (*Batch, error) {
	p, err := gate(ctx, "您的角色不能查看导入批次", auth.PermChildrenImport, auth.PermRostersImport)
	if err != nil {
		return nil, err
	}
	cond, cargs, err := batchCond(p, "b")
	if err != nil {
		return nil, err
	}
	where := "b.uid = ?"
	if cond != "" {
		where += " AND " + cond
	}
	rows, err := s.batches(ctx, where, append([]any{uid}, cargs...), "", 1, 0)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errNoBatch(uid)
	}
	return &rows[0], nil
}

func errNoBatch(uid string) *Error {
	return &Error{Code: CodeNotFound, Message: "没有编号为 " + uid + " 的导入批次"}
}

// batches reads the batches of import_batches b matching where, in order, one page.
func (s *Store) batches(ctx context.Context, where string, args []any, order string, limit, offset int) ([]Batch, error) {
	if order == "" {
		order = "b.id DESC"
	}
	rows, err := s.query(ctx, `SELECT b.uid, b.kind, b.department, b.roster, b.roster_date, b.file_sha256, b.headers, b.status, b.actor, b.started_at,
 b.finished_at, b.rows_total, b.imported, b.updated, b.unchanged, b.rejected, b.unmatched, b.org_code, b.org_department FROM import_batches b
 WHERE `+where+" ORDER BY "+order+" LIMIT ? OFFSET ?", append(args, limit, max(offset, 0))...)
	if err != nil {
		return nil, internal("读取导入批次", err)
	}
	defer rows.Close()
	var out []Batch
	for rows.Next() {
		var b Batch
		var dept, roster, sha, org, orgDept sql.NullString
		var rd sql.NullInt64
		var headers string
		if err := rows.Scan(&b.UID, &b.Kind, &dept, &roster, &rd, &sha, &headers, &b.Status, &b.Actor, scanTime{&b.Started}, scanTime{&b.Finished},
			&b.Result.Rows, &b.Result.Imported, &b.Result.Updated, &b.Result.Unchanged, &b.Result.Rejected, &b.Result.Unmatched, &org, &orgDept); err != nil {
			return nil, internal("读取导入批次", err)
		}
		b.Department, b.Roster, b.FileSHA256, b.RosterDate = dept.String, roster.String, sha.String, child.Date(rd.Int64)
		b.OrgCode, b.OrgDepartment = org.String, orgDept.String
		b.Result.Batch = b.UID
		if err := unmarshalText(headers, &b.Headers); err != nil {
			return nil, internal("读取导入批次", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// rejectsBatch returns the id of batch uid of kind when the principal may download its rejected
// rows: they hold the file's cells as typed — of children in any jurisdiction, which is why the
// row was refused — so only the account that uploaded the file (and the command line) gets them
// back. Any other batch does not exist for it.
func (s *Store) rejectsBatch(ctx context.Context, uid, kind string) (int64, error) {
	p, err := gate(ctx, "您的角色不能下载未导入的行", auth.PermChildrenImport, auth.PermRostersImport)
	if err != nil {
		return 0, err
	}
	var id int64
	var actor string
	err = s.queryRow(ctx, "SELECT id, actor FROM import_batches WHERE uid = ? AND kind = ?", uid, kind).Scan(&id, &actor)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !p.Whole() && actor != p.Actor() {
		return 0, errNoBatch(uid)
	}
	if err != nil {
		return 0, internal("读取导入批次", err)
	}
	return id, nil
}

// RejectedRow is a rejected row as it was in the file, with why.
type RejectedRow struct {
	Row      int
	Cells    []string
	Errors   []child.Issue
	Warnings []child.Issue
}

// ImportRejects returns the rejected rows of a batch, in file order, with their original cells
// and errors, so that they can be downloaded, fixed and imported again.
func (s *Store) ImportRejects(ctx context.Context, batch string) ([]RejectedRow, error) {
	id, err := s.rejectsBatch(ctx, batch, ImportChildren)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT r.seq, r.row_no, r.issues, r.cells FROM import_rows r WHERE r.batch_id = ? AND r.outcome = 'rejected' ORDER BY r.seq`, id)
	if err != nil {
		return nil, internal("读取未导入的行", err)
	}
	defer rows.Close()
	out := []RejectedRow{}
	for rows.Next() {
		var seq int
		var rr RejectedRow
		var issues, cells []byte
		if err := rows.Scan(&seq, &rr.Row, &issues, &cells); err != nil {
			return nil, internal("读取未导入的行", err)
		}
		b, err := s.keys.Open(cells, []byte(aadCells(batch, seq)))
		if err != nil {
			return nil, internal("解密未导入的行", err)
		}
		if err := json.Unmarshal(b, &rr.Cells); err != nil {
			return nil, internal("读取未导入的行", err)
		}
		b, err = s.keys.Open(issues, []byte(aadIssues(batch, seq)))
		if err != nil {
			return nil, internal("解密未导入的行", err)
		}
		var is map[string][]child.Issue
		if err := json.Unmarshal(b, &is); err != nil {
			return nil, internal("读取未导入的行", err)
		}
		rr.Errors, rr.Warnings = is["errors"], is["warnings"]
		out = append(out, rr)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("读取未导入的行", err)
	}
	if err := s.Audit(ctx, audit.ImportRejectsRead, "import:"+batch, map[string]any{"kind": ImportChildren, "rows": len(out)}); err != nil {
		return nil, err
	}
	return out, nil
}

// batchStale is how long a running batch may go without a heartbeat before RecoverBatches takes
// its process for dead: imports beat at every chunk (a second or two) and, while they prepare,
// every keepAliveEvery.
const (
	batchStale     = 5 * time.Minute
	keepAliveEvery = 30 * time.Second
)

// keepAlive beats the heartbeat of batch id every keepAliveEvery until the returned stop is
// called: for the phases of an import that write nothing for a while (a roster's index of the
// registry is built before its first chunk).
func (s *Store) keepAlive(ctx context.Context, id int64) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(keepAliveEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_, _ = s.write.ExecContext(ctx, s.d.bind("UPDATE import_batches SET alive_at = ? WHERE id = ? AND status = 'running'"),
					s.d.timeArg(s.instant()), id)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// RecoverBatches marks failed, each with its audit entry, the batches left running by a process
// that died (kill -9, a power cut): running, and no heartbeat for batchStale. Their committed
// chunks stay, each already audited; importing the file again is safe. The server calls it at
// start and every minute; only the operator and the server's jobs may.
func (s *Store) RecoverBatches(ctx context.Context) (int, error) {
	p, err := gate(ctx, "")
	if err != nil {
		return 0, err
	}
	if !p.Whole() {
		return 0, errForbidden("只有系统任务可以结束中断的导入")
	}
	cutoff := s.d.timeArg(s.instant().Add(-batchStale))
	rows, err := s.query(ctx, "SELECT id, uid, kind, rows_total FROM import_batches WHERE status = 'running' AND coalesce(alive_at, started_at) < ?", cutoff)
	if err != nil {
		return 0, internal("查找中断的导入", err)
	}
	type stale struct {
		id        int64
		uid, kind string
		rows      int
	}
	var found []stale
	for rows.Next() {
		var b stale
		if err := rows.Scan(&b.id, &b.uid, &b.kind, &b.rows); err != nil {
			rows.Close()
			return 0, internal("查找中断的导入", err)
		}
		found = append(found, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, internal("查找中断的导入", err)
	}
	n := 0
	for _, b := range found {
		err := s.inTx(ctx, "结束中断的导入", func(t *tx) error {
			res, err := t.exec("UPDATE import_batches SET status = 'failed', finished_at = ? WHERE id = ? AND status = 'running' AND coalesce(alive_at, started_at) < ?",
				s.d.timeArg(s.instant()), b.id, cutoff)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // it beat meanwhile, or another server took it
			}
			n++
			return s.appendAudit(t, audit.ImportRecovered, "import:"+b.uid, map[string]any{"kind": b.kind, "rows": b.rows, "reason": "no_heartbeat"})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
