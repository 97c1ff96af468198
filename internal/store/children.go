package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

// Record statuses (记录状态) of DATA.md's workflow.
const (
	StatusDraft     = "draft"     // 草稿
	StatusSubmitted = "submitted" // 已提交
	StatusApproved  = "approved"  // 已审核
	StatusUploaded  = "uploaded"  // 已上报
	StatusReturned  = "returned"  // 退回
	StatusArchived  = "archived"  // 已归档
)

// Source kinds: where a version's values came from.
const (
	SourceEntry  = "entry"  // typed in by a person (UI, API)
	SourceImport = "import" // an Excel/CSV import of registration forms
	SourceRoster = "roster" // a department's roster (education, police, health, insurance, disability)
)

// Source says where a write comes from and why; it is kept with the version and as the
// provenance of every field it changes.
type Source struct {
	Kind       string     // SourceEntry (default), SourceImport or SourceRoster
	Department string     // for rosters: education, police, health, insurance, disability
	Roster     string     // file or roster name
	Row        int        // row in the file
	RosterDate child.Date // date of the roster
	// Note says why (更正原因 …); free text, so it is stored sealed.
	Note string
	// AllowDuplicate lets a person register a child whose ID number a record that is not
	// archived already holds, after checking: both records then show in Duplicates.
	AllowDuplicate bool
	// Synthetic marks a created record as demonstration data (演示数据); it stays so.
	Synthetic bool

	batchID int64
}

func (s Source) kind() string {
	if s.Kind == "" {
		return SourceEntry
	}
	return s.Kind
}

// Child is a stored record: the record itself (decrypted), its workflow status, its version for
// optimistic concurrency and its stored classification.
type Child struct {
	UID            string // stable public id (UUIDv7 text)
	Version        int    // 1 at creation, +1 for every change of the record
	Status         string
	Synthetic      bool
	Record         child.Record
	Classification Classification
	// Duplicates are the uids of the other records that are not archived and hold the same ID
	// number (filled by Get).
	Duplicates []string
	CreatedAt  time.Time
	CreatedBy  string
	UpdatedAt  time.Time
	UpdatedBy  string

	id int64
}

// newUID returns a UUIDv7: 48 bits of milliseconds, then random bits. Time order keeps the
// B-tree of children.uid growing at its right edge.
func newUID(now time.Time) string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic("store: crypto/rand: " + err.Error())
	}
	ms := uint64(now.UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// validUID reports whether s looks like a uid, so that junk never reaches a query.
func validUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// ownCopy returns a deep copy of r: validation normalises in place, and the caller's record
// (whose pointers the copy would otherwise share) must stay as it was.
func ownCopy(r child.Record) (child.Record, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return child.Record{}, errInvalid("记录无法读取：" + err.Error())
	}
	var out child.Record
	if err := json.Unmarshal(b, &out); err != nil {
		return child.Record{}, errInvalid("记录无法读取：" + err.Error())
	}
	return out, nil
}

// validate checks a record typed in by a person (or, with imported true, coming from a file)
// and returns an invalid error listing every field error.
func (s *Store) validate(r *child.Record, imported bool) error {
	var is child.Issues
	child.Validate(r, &is, child.Options{Today: s.Today(), Import: imported})
	if is.Valid() {
		return nil
	}
	return errInvalid("记录有 "+strconv.Itoa(len(is.Errors))+" 处错误，请修改后再保存", is.Errors...)
}

func checkActor(actor string) error {
	if strings.TrimSpace(actor) == "" {
		return errInvalid("缺少操作人")
	}
	return nil
}

// perms are the permissions a write from src needs: entry's own (create or edit) for a person
// typing, the import's for a file of registration forms, the roster import's for a department's
// facts.
func (s Source) perms(entry string) []string {
	switch s.kind() {
	case SourceImport:
		return []string{auth.PermChildrenImport}
	case SourceRoster:
		return []string{auth.PermRostersImport}
	}
	return []string{entry}
}

func checkSource(src Source) error {
	switch src.kind() {
	case SourceEntry, SourceImport, SourceRoster:
		return nil
	}
	return errInvalid("未知的数据来源：" + src.Kind)
}

// Create registers a child as a draft. The record is validated as entry (errors refuse it),
// classified as of today and stored sealed, with version 1 and its provenance. A record whose ID
// number another record that is not archived already holds is refused with a conflict naming
// that record, unless src.AllowDuplicate.
func (s *Store) Create(ctx context.Context, actor string, rec child.Record, src Source) (*Child, error) {
	if _, err := gate(ctx, "您的角色不能登记儿童", src.perms(auth.PermChildrenCreate)...); err != nil {
		return nil, err
	}
	actor = actorFor(ctx, actor)
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if err := checkSource(src); err != nil {
		return nil, err
	}
	rec, err := ownCopy(rec)
	if err != nil {
		return nil, err
	}
	if err := s.validate(&rec, src.kind() != SourceEntry); err != nil {
		return nil, err
	}
	if err := checkRecordScope(ctx, &rec); err != nil {
		return nil, err
	}
	now := s.instant()
	c := &Child{UID: newUID(now), Version: 1, Status: StatusDraft, Synthetic: src.Synthetic, Record: rec,
		CreatedAt: now, CreatedBy: actor, UpdatedAt: now, UpdatedBy: actor}
	c.Classification = s.classify(&c.Record, s.Today())
	w := &write{c: c, isNew: true, dirty: true}
	plain, sealed, err := s.sealRecord(c.UID, &c.Record)
	if err != nil {
		return nil, internal("加密记录", err)
	}
	w.sealed = sealed
	if w.brief, err = s.sealBrief(c.UID, &c.Record); err != nil {
		return nil, internal("加密记录", err)
	}
	w.setKeys(recordKeys{}, s.keysOf(&c.Record))
	if err := s.addVersion(w, plain, nil, actor, now, src); err != nil {
		return nil, internal("加密记录", err)
	}
	err = s.inTx(ctx, "登记儿童", func(t *tx) error {
		if !src.AllowDuplicate {
			if err := s.checkDuplicate(t, w.keys.id, 0); err != nil {
				return err
			}
		}
		if err := s.flush(t, []*write{w}); err != nil {
			return err
		}
		return s.appendAudit(t, audit.ChildCreate, "child:"+c.UID, map[string]any{"version": 1, "source": src.kind()})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// checkDuplicate refuses an ID number held by another record that is not archived.
func (s *Store) checkDuplicate(t *tx, idBidx string, self int64) error {
	if idBidx == "" {
		return nil
	}
	if err := s.d.lockKey(t, idBidx); err != nil {
		return err
	}
	rows, err := t.query("SELECT uid, res_code, hukou_code FROM children WHERE id_bidx = ? AND status <> 'archived' AND id <> ?", idBidx, self)
	if err != nil {
		return err
	}
	defer rows.Close()
	// A record outside the principal's jurisdiction is counted but not named: that the child
	// is registered elsewhere must be known to avoid a second registration, which record it is
	// need not.
	p := auth.PrincipalFrom(t.ctx)
	var uids []string
	elsewhere, holding := 0, ""
	for rows.Next() {
		var u string
		var res, huk sql.NullString
		if err := rows.Scan(&u, &res, &huk); err != nil {
			return err
		}
		if !p.InScope(res.String) && !p.InScope(huk.String) {
			elsewhere++
			if holding == "" {
				holding = maskedPlace(res.String)
			}
			continue
		}
		uids = append(uids, u)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(uids) > 0 || elsewhere > 0 {
		msg := "该公民身份号码已登记（记录 " + strings.Join(uids, "、") + "）"
		switch {
		case len(uids) == 0:
			// The holding community, masked, so that the collector can ask for the hand-over
			// (申请迁入, handover.go) without learning more.
			msg = "该公民身份号码已由其他辖区登记"
			if holding != "" {
				msg = "该公民身份号码已由其他辖区（" + holding + "）登记；儿童已迁入本辖区的，可申请迁入"
			}
		case elsewhere > 0:
			msg += "，另有 " + strconv.Itoa(elsewhere) + " 条在其他辖区"
		}
		return &Error{Code: CodeConflict, Existing: uids, Fields: []child.Issue{{Field: "id_number", Code: "duplicate", Message: msg}},
			Message: "该儿童的公民身份号码已有登记记录，请先核对已有记录；确认不是同一儿童时可仍然登记"}
	}
	return nil
}

// childSelect reads what Child holds from a children row.
const childSelect = `SELECT id, uid, status, version, synthetic, record, id_bidx,
 migrant_monitoring, migrant_statistics, left_behind, key_care, key_care_reasons, age, reasons, missing,
 warnings, rule_version, classified_on, next_check, created_at, created_by, updated_at, updated_by
 FROM children`

// scanChild reads a row of childSelect and opens the record.
func (s *Store) scanChild(scan func(...any) error) (*Child, string, error) {
	var (
		c                                  Child
		sealed                             []byte
		idBidx, reasons, missing, warnings sql.NullString
		keyCareReasons                     string
		age, classifiedOn, next            sql.NullInt64
		synthetic                          sql.NullBool
	)
	cl := &c.Classification
	err := scan(&c.id, &c.UID, &c.Status, &c.Version, &synthetic, &sealed, &idBidx,
		&cl.MigrantMonitoring, &cl.MigrantStatistics, &cl.LeftBehind, &cl.KeyCare, &keyCareReasons, &age,
		&reasons, &missing, &warnings, &cl.RuleVersion, &classifiedOn, &next,
		scanTime{&c.CreatedAt}, &c.CreatedBy, scanTime{&c.UpdatedAt}, &c.UpdatedBy)
	if err != nil {
		return nil, "", err
	}
	c.Synthetic = synthetic.Bool
	cl.Age = -1
	if age.Valid {
		cl.Age = int(age.Int64)
	}
	cl.AsOf = child.Date(classifiedOn.Int64)
	cl.nextCheck = child.Date(next.Int64)
	cl.KeyCareReasons = splitSet(keyCareReasons)
	if err := unmarshalText(reasons.String, &cl.Reasons); err != nil {
		return nil, "", err
	}
	if err := unmarshalText(missing.String, &cl.Missing); err != nil {
		return nil, "", err
	}
	if err := unmarshalText(warnings.String, &cl.Warnings); err != nil {
		return nil, "", err
	}
	if c.Record, err = s.openRecord(c.UID, sealed, aadRecord(c.UID)); err != nil {
		return nil, "", err
	}
	return &c, idBidx.String, nil
}

func unmarshalText(s string, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

// Get returns the record with uid, with the uids of other records holding the same ID number.
func (s *Store) Get(ctx context.Context, uid string) (*Child, error) {
	if !validUID(uid) {
		return nil, errNotFound(uid)
	}
	cond, cargs, err := scope(ctx, "", auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	where, args := andWhere(" WHERE uid = ?", []any{uid}, cond, cargs)
	c, idBidx, err := s.scanChild(s.queryRow(ctx, childSelect+where, args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound(uid)
	}
	if err != nil {
		return nil, internal("读取儿童记录", err)
	}
	if idBidx != "" {
		dups, err := s.uidsByIDIndex(ctx, idBidx, c.id, cond, cargs)
		if err != nil {
			return nil, internal("查找重复登记", err)
		}
		c.Duplicates = dups
	}
	if err := s.Audit(ctx, audit.ChildRead, "child:"+uid, map[string]any{"version": c.Version}); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Store) uidsByIDIndex(ctx context.Context, idBidx string, except int64, cond string, cargs []any) ([]string, error) {
	where, args := andWhere(" WHERE id_bidx = ? AND status <> 'archived' AND id <> ?", []any{idBidx, except}, cond, cargs)
	rows, err := s.query(ctx, "SELECT uid FROM children"+where+" ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// loadForUpdate reads and locks the row of uid inside a write transaction.
func (s *Store) loadForUpdate(t *tx, uid string) (*Child, error) {
	if !validUID(uid) {
		return nil, errNotFound(uid)
	}
	cond, cargs, err := scope(t.ctx, "", auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	where, args := andWhere(" WHERE uid = ?", []any{uid}, cond, cargs)
	c, _, err := s.scanChild(t.queryRow(childSelect+where+s.d.forUpdate(), args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound(uid)
	}
	return c, err
}

// versionRecord reads the record as it was at version v.
func (s *Store) versionRecord(t *tx, c *Child, v int) (child.Record, error) {
	var sealed []byte
	err := t.queryRow("SELECT record FROM child_versions WHERE child_id = ? AND version = ?", c.id, v).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return child.Record{}, &Error{Code: CodeConflict, Message: "找不到记录的第 " + strconv.Itoa(v) + " 版，请刷新后重新编辑"}
	}
	if err != nil {
		return child.Record{}, err
	}
	return s.openRecord(c.UID, sealed, aadVersion(c.UID, v))
}

// Update replaces the record of uid with rec, edited from baseVersion. When others saved in the
// meantime (baseVersion is older than the stored version), the edits are merged field by field:
// the changes base → stored and base → rec must not touch the same field with different values,
// otherwise a conflict error names the fields. A save that changes nothing returns the stored
// child without a new version. Archived records cannot be changed.
func (s *Store) Update(ctx context.Context, actor, uid string, baseVersion int, rec child.Record, src Source) (*Child, error) {
	if _, err := gate(ctx, "您的角色不能修改儿童记录", src.perms(auth.PermChildrenEdit)...); err != nil {
		return nil, err
	}
	actor = actorFor(ctx, actor)
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if err := checkSource(src); err != nil {
		return nil, err
	}
	rec, err := ownCopy(rec)
	if err != nil {
		return nil, err
	}
	if err := s.validate(&rec, src.kind() != SourceEntry); err != nil {
		return nil, err
	}
	var out *Child
	err = s.inTx(ctx, "保存儿童记录", func(t *tx) error {
		cur, err := s.loadForUpdate(t, uid)
		if err != nil {
			return err
		}
		// After the look-up, so that a record outside the jurisdiction is not_found whatever
		// was sent.
		if err := checkRecordScope(ctx, &rec); err != nil {
			return err
		}
		if cur.Status == StatusArchived {
			return errForbidden("记录已归档，不能修改")
		}
		curLeaves, err := flatten(&cur.Record)
		if err != nil {
			return err
		}
		newLeaves, err := flatten(&rec)
		if err != nil {
			return err
		}
		switch {
		case baseVersion == cur.Version:
		case baseVersion < 1 || baseVersion > cur.Version:
			return &Error{Code: CodeConflict, Message: "记录版本 " + strconv.Itoa(baseVersion) + " 无效（当前为第 " + strconv.Itoa(cur.Version) + " 版），请刷新后重新编辑"}
		default:
			base, err := s.versionRecord(t, cur, baseVersion)
			if err != nil {
				return err
			}
			baseLeaves, err := flatten(&base)
			if err != nil {
				return err
			}
			merged, conflicts := mergeChanges(curLeaves, diffLeaves(baseLeaves, curLeaves), diffLeaves(baseLeaves, newLeaves))
			if len(conflicts) > 0 {
				return conflictFields(conflicts)
			}
			if rec, err = merged.record(); err != nil {
				return err
			}
			if err := s.validate(&rec, src.kind() != SourceEntry); err != nil {
				e := err.(*Error)
				e.Message = "与他人的修改合并后，" + e.Message
				return e
			}
			if newLeaves, err = flatten(&rec); err != nil {
				return err
			}
		}
		changes := diffLeaves(curLeaves, newLeaves)
		if len(changes) == 0 {
			out = cur
			return nil
		}
		w, err := s.change(cur, rec, changes, actor, src)
		if err != nil {
			return err
		}
		if !src.AllowDuplicate && w.keys.id != "" {
			old := s.idIndex(cur.Record.IDNumber)
			if old != w.keys.id {
				if err := s.checkDuplicate(t, w.keys.id, cur.id); err != nil {
					return err
				}
			}
		}
		if err := s.flush(t, []*write{w}); err != nil {
			return err
		}
		out = w.c
		fields := make([]string, len(changes))
		for i, ch := range changes {
			fields[i] = ch.Path
		}
		return s.appendAudit(t, audit.ChildUpdate, "child:"+uid, map[string]any{"version": w.c.Version, "fields": fields, "source": src.kind()})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// change builds the write that turns cur into a new version holding rec.
func (s *Store) change(cur *Child, rec child.Record, changes []change, actor string, src Source) (*write, error) {
	now := s.instant()
	before := cur.Classification
	oldKeys := s.keysOf(&cur.Record)
	c := *cur
	c.Record = rec
	c.Version = cur.Version + 1
	c.UpdatedAt, c.UpdatedBy = now, actor
	c.Duplicates = nil
	c.Classification = s.classify(&c.Record, s.Today())
	w := &write{c: &c, dirty: true}
	plain, sealed, err := s.sealRecord(c.UID, &c.Record)
	if err != nil {
		return nil, err
	}
	w.sealed = sealed
	if w.brief, err = s.sealBrief(c.UID, &c.Record); err != nil {
		return nil, err
	}
	w.setKeys(oldKeys, s.keysOf(&c.Record))
	if err := s.addVersion(w, plain, changes, actor, now, src); err != nil {
		return nil, err
	}
	w.queueIfScopeChanged(&before, &c.Classification, now)
	return w, nil
}
