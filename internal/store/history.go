package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

// Change is one item changed by a version, as a person reads it.
type Change struct {
	Field     string // JSON path, e.g. "father.phone"
	Label     string // Chinese name, e.g. 父亲联系方式
	Old, New  string // display values: labels for codes, 是/否, masked when Sensitive unless revealed
	Sensitive bool
}

// History entry kinds.
const (
	EntryVersion    = "version"    // the record changed
	EntryTransition = "transition" // the status changed
)

// HistoryEntry is one event in the life of a record: a version (with its changes) or a status
// transition (with its reason).
type HistoryEntry struct {
	Kind    string
	At      time.Time
	Actor   string
	Version int // the record version: the new one for EntryVersion, the current one for a transition
	// Version entries.
	Source  Source // kind, department, roster, row, roster date, note
	Batch   string // import batch uid, when the version came from an import
	Changes []Change
	// Transition entries.
	From, To, Reason string
}

// History returns the versions and transitions of the record of uid, oldest first, with
// readable changes; values of sensitive items (names, ID numbers, phones, detail addresses, free
// text) are masked.
func (s *Store) History(ctx context.Context, uid string) ([]HistoryEntry, error) {
	return s.history(ctx, uid, false)
}

// HistoryRevealed is History with sensitive values shown in full. The caller checks the
// permission and audits the reveal.
func (s *Store) HistoryRevealed(ctx context.Context, uid string) ([]HistoryEntry, error) {
	return s.history(ctx, uid, true)
}

func (s *Store) childID(ctx context.Context, uid string) (int64, error) {
	if !validUID(uid) {
		return 0, errNotFound(uid)
	}
	cond, cargs, err := scope(ctx, "", auth.PermChildrenRead)
	if err != nil {
		return 0, err
	}
	where, args := andWhere(" WHERE uid = ?", []any{uid}, cond, cargs)
	var id int64
	err = s.queryRow(ctx, "SELECT id FROM children"+where, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNotFound(uid)
	}
	if err != nil {
		return 0, internal("读取儿童记录", err)
	}
	return id, nil
}

func (s *Store) history(ctx context.Context, uid string, reveal bool) ([]HistoryEntry, error) {
	id, err := s.childID(ctx, uid)
	if err != nil {
		return nil, err
	}
	if err := s.Audit(ctx, audit.ChildHistory, "child:"+uid, map[string]any{"revealed": reveal}); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT v.version, v.diff, v.actor, v.at, v.source_kind, v.department, v.roster, v.row_no,
 v.roster_date, b.uid, v.note FROM child_versions v LEFT JOIN import_batches b ON b.id = v.batch_id
 WHERE v.child_id = ? ORDER BY v.version`, id)
	if err != nil {
		return nil, internal("读取修改历史", err)
	}
	var out []HistoryEntry
	for rows.Next() {
		e := HistoryEntry{Kind: EntryVersion}
		var diff, note []byte
		var dept, roster, batch sql.NullString
		var row, rosterDate sql.NullInt64
		if err := rows.Scan(&e.Version, &diff, &e.Actor, scanTime{&e.At}, &e.Source.Kind, &dept, &roster, &row,
			&rosterDate, &batch, &note); err != nil {
			rows.Close()
			return nil, internal("读取修改历史", err)
		}
		e.Source.Department, e.Source.Roster, e.Batch = dept.String, roster.String, batch.String
		e.Source.Row, e.Source.RosterDate = int(row.Int64), child.Date(rosterDate.Int64)
		if len(note) > 0 {
			b, err := s.keys.Open(note, []byte(aadNote(uid, e.Version)))
			if err != nil {
				rows.Close()
				return nil, internal("解密修改说明", err)
			}
			e.Source.Note = string(b)
		}
		if len(diff) > 0 {
			b, err := s.keys.Open(diff, []byte(aadDiff(uid, e.Version)))
			if err != nil {
				rows.Close()
				return nil, internal("解密修改内容", err)
			}
			var cs []change
			if err := json.Unmarshal(b, &cs); err != nil {
				rows.Close()
				return nil, internal("读取修改内容", err)
			}
			e.Changes = readableChanges(cs, reveal)
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("读取修改历史", err)
	}

	rows, err = s.query(ctx, `SELECT from_status, to_status, version, actor, at, reason FROM child_transitions
 WHERE child_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, internal("读取状态变更", err)
	}
	defer rows.Close()
	for rows.Next() {
		e := HistoryEntry{Kind: EntryTransition}
		var reason []byte
		if err := rows.Scan(&e.From, &e.To, &e.Version, &e.Actor, scanTime{&e.At}, &reason); err != nil {
			return nil, internal("读取状态变更", err)
		}
		if len(reason) > 0 {
			b, err := s.keys.Open(reason, []byte(aadTransition(uid, e.At)))
			if err != nil {
				return nil, internal("解密状态变更原因", err)
			}
			e.Reason = string(b)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("读取状态变更", err)
	}
	// Oldest first; at the same instant a version precedes the transition that follows it.
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].Kind == EntryVersion && out[j].Kind == EntryTransition
	})
	return out, nil
}

// readableChanges turns stored changes into labelled, display-ready ones.
func readableChanges(cs []change, reveal bool) []Change {
	out := make([]Change, len(cs))
	for i, c := range cs {
		out[i] = Change{Field: c.Path, Label: FieldLabel(c.Path), Sensitive: Sensitive(c.Path),
			Old: displayValue(c.Path, c.Old, reveal), New: displayValue(c.Path, c.New, reveal)}
	}
	return out
}

// GetVersion returns the record of uid as it was at version v.
func (s *Store) GetVersion(ctx context.Context, uid string, v int) (child.Record, error) {
	id, err := s.childID(ctx, uid)
	if err != nil {
		return child.Record{}, err
	}
	if err := s.Audit(ctx, audit.ChildRead, "child:"+uid, map[string]any{"version": v}); err != nil {
		return child.Record{}, err
	}
	var sealed []byte
	err = s.queryRow(ctx, "SELECT record FROM child_versions WHERE child_id = ? AND version = ?", id, v).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return child.Record{}, &Error{Code: CodeNotFound, Message: "记录没有第 " + strconv.Itoa(v) + " 版"}
	}
	if err != nil {
		return child.Record{}, internal("读取历史版本", err)
	}
	r, err := s.openRecord(uid, sealed, aadVersion(uid, v))
	if err != nil {
		return child.Record{}, internal("解密历史版本", err)
	}
	return r, nil
}

// ProvenanceEntry says where the value of one item (or, with Field "*", the whole record at its
// creation) came from.
type ProvenanceEntry struct {
	Field   string
	Label   string
	Version int
	Source  Source
	Batch   string
	At      time.Time
}

// Provenance returns the sources of the record's values, oldest first. The source of an item's
// current value is the last entry for that field, else the last "*" entry before it.
func (s *Store) Provenance(ctx context.Context, uid string) ([]ProvenanceEntry, error) {
	id, err := s.childID(ctx, uid)
	if err != nil {
		return nil, err
	}
	// The whole record at its creation comes from version 1; each later change of an item has a
	// provenance row.
	rows, err := s.query(ctx, `SELECT 0 AS k, '*', v.version, v.source_kind, v.department, v.roster, v.row_no, v.roster_date,
 b.uid, v.at FROM child_versions v LEFT JOIN import_batches b ON b.id = v.batch_id WHERE v.child_id = ? AND v.version = 1
 UNION ALL
 SELECT p.id, p.field, p.version, p.source_kind, p.department, p.roster, p.row_no, p.roster_date,
 b.uid, p.at FROM provenance p LEFT JOIN import_batches b ON b.id = p.batch_id WHERE p.child_id = ?
 ORDER BY 1`, id, id)
	if err != nil {
		return nil, internal("读取数据来源", err)
	}
	defer rows.Close()
	var out []ProvenanceEntry
	for rows.Next() {
		var e ProvenanceEntry
		var dept, roster, batch sql.NullString
		var row, rd sql.NullInt64
		var k int64
		if err := rows.Scan(&k, &e.Field, &e.Version, &e.Source.Kind, &dept, &roster, &row, &rd, &batch, scanTime{&e.At}); err != nil {
			return nil, internal("读取数据来源", err)
		}
		e.Source.Department, e.Source.Roster, e.Batch = dept.String, roster.String, batch.String
		e.Source.Row, e.Source.RosterDate = int(row.Int64), child.Date(rd.Int64)
		e.Label = FieldLabel(e.Field)
		if e.Field == "*" {
			e.Label = "整条记录"
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("读取数据来源", err)
	}
	return out, nil
}

// DescribeChanges renders changes as one line each: "父亲联系方式：138****5678 → 139****0000".
func DescribeChanges(cs []Change) string {
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = c.Label + "：" + c.Old + " → " + c.New
	}
	return strings.Join(lines, "\n")
}
