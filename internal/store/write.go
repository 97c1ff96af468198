package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"guanai/internal/child"
)

// Every write of the registry — a registration, an edit, an import row, a re-classification —
// is turned into a write: the child's new state and the rows that go with it (a version, the
// provenance of the fields, blind-index changes, a review item). flush writes many of them with
// the database's bulk path, so that the one-record operations and the bulk import share one path.

// write is the pending change of one child.
type write struct {
	c     *Child
	isNew bool
	// dirty: the children row is written (UPDATE for an existing child); sealed is the record
	// sealed for the children row.
	dirty  bool
	sealed []byte
	brief  []byte // the sealed name and ID number, for List
	keys   recordKeys
	// keysAdd and keysDel are the changes of child_keys.
	keysAdd, keysDel []blindKey
	versions         []versionRow
	provenance       []provenanceRow
	queue            []queueRow
}

type versionRow struct {
	version int
	status  string
	record  []byte // sealed
	diff    []byte // sealed, nil for version 1
	fields  string
	actor   string
	at      time.Time
	src     Source
	note    []byte // sealed
}

type provenanceRow struct {
	version int
	field   string
	src     Source
	at      time.Time
}

type queueRow struct {
	kind   string
	detail string
	cause  string // why, in Chinese (queueCause)
	asOf   child.Date
	at     time.Time
}

// childColumns are the columns of a children row written by flush, in order; childInsertColumns
// adds the id in front.
var (
	childColumns = append(append(append([]string{"uid", "status", "version", "synthetic", "record", "brief", "id_bidx", "person_bidx"},
		plainColumns...), classificationColumns...), "created_at", "created_by", "updated_at", "updated_by")
	childInsertColumns = append([]string{"id"}, childColumns...)
)

func (s *Store) childValues(w *write) []any {
	c := w.c
	out := make([]any, 0, len(childColumns))
	out = append(out, c.UID, c.Status, int64(c.Version), c.Synthetic, w.sealed, w.brief, text(w.keys.id), text(w.keys.person))
	out = plainValues(&c.Record, out)
	out = s.classificationValues(&c.Classification, out)
	return append(out, s.d.timeArg(c.CreatedAt), c.CreatedBy, s.d.timeArg(c.UpdatedAt), c.UpdatedBy)
}

// seal seals w's record and brief for the children row.
func (s *Store) seal(w *write) error {
	var err error
	if _, w.sealed, err = s.sealRecord(w.c.UID, &w.c.Record); err != nil {
		return err
	}
	w.brief, err = s.sealBrief(w.c.UID, &w.c.Record)
	return err
}

// sealRecord seals the canonical JSON of r for the children row of uid.
func (s *Store) sealRecord(uid string, r *child.Record) ([]byte, []byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, nil, fmt.Errorf("marshal record: %w", err)
	}
	sealed, err := s.keys.Seal(b, []byte(aadRecord(uid)))
	if err != nil {
		return nil, nil, err
	}
	return b, sealed, nil
}

// openRecord opens a sealed record of the children row of uid.
func (s *Store) openRecord(uid string, sealed []byte, aad string) (child.Record, error) {
	b, err := s.keys.Open(sealed, []byte(aad))
	if err != nil {
		return child.Record{}, fmt.Errorf("open record %s: %w", uid, err)
	}
	var r child.Record
	if err := json.Unmarshal(b, &r); err != nil {
		return child.Record{}, fmt.Errorf("decode record %s: %w", uid, err)
	}
	clear(b)
	return r, nil
}

// newVersion seals a version of c: the record as it now is (plain is its canonical JSON) and the
// changes from the previous version.
func (s *Store) newVersion(c *Child, plain []byte, changes []change, actor string, at time.Time, src Source) (versionRow, error) {
	rec, err := s.keys.Seal(plain, []byte(aadVersion(c.UID, c.Version)))
	if err != nil {
		return versionRow{}, err
	}
	v := versionRow{version: c.Version, status: c.Status, record: rec, actor: actor, at: at, src: src}
	if len(changes) > 0 {
		b, err := json.Marshal(changes)
		if err != nil {
			return versionRow{}, fmt.Errorf("marshal changes: %w", err)
		}
		if v.diff, err = s.keys.Seal(b, []byte(aadDiff(c.UID, c.Version))); err != nil {
			return versionRow{}, err
		}
		v.fields = strings.Join(changedPaths(changes), ",")
	}
	if src.Note != "" {
		if v.note, err = s.keys.Seal([]byte(src.Note), []byte(aadNote(c.UID, c.Version))); err != nil {
			return versionRow{}, err
		}
	}
	return v, nil
}

// addVersion records a version of w's child, and the provenance of every item it changes. (The
// provenance of a record's creation is its version 1, which carries the same source.)
func (w *write) addVersion(v versionRow, changes []change) {
	w.versions = append(w.versions, v)
	for _, ch := range changes {
		w.provenance = append(w.provenance, provenanceRow{version: v.version, field: ch.Path, src: v.src, at: v.at})
	}
}

// addVersion seals and records a new version of w's child.
func (s *Store) addVersion(w *write, plain []byte, changes []change, actor string, at time.Time, src Source) error {
	v, err := s.newVersion(w.c, plain, changes, actor, at, src)
	if err != nil {
		return err
	}
	w.addVersion(v, changes)
	return nil
}

// setKeys records the blind-index changes from old to the keys of the new record.
func (w *write) setKeys(old, k recordKeys) {
	w.keys = k
	w.keysAdd, w.keysDel = nil, nil
	have := make(map[string]bool, len(old.others))
	for _, o := range old.others {
		have[o.bidx] = true
	}
	want := make(map[string]bool, len(k.others))
	for _, n := range k.others {
		want[n.bidx] = true
		if !have[n.bidx] {
			w.keysAdd = append(w.keysAdd, n)
		}
	}
	for _, o := range old.others {
		if !want[o.bidx] {
			w.keysDel = append(w.keysDel, o)
		}
	}
}

// queueIfScopeChanged queues the child for review when it enters or leaves the scope of the
// work (RULES.md, re-evaluation).
func (w *write) queueIfScopeChanged(before, after *Classification, at time.Time) {
	was, is := before.InScope(), after.InScope()
	if was == is {
		return
	}
	kind := ReviewNewlyQualifies
	if was {
		kind = ReviewNoLongerQualifies
	}
	detail := map[string][2]string{}
	for _, a := range [...]struct {
		k    string
		b, n string
	}{
		{"migrant_monitoring", before.MigrantMonitoring, after.MigrantMonitoring},
		{"migrant_statistics", before.MigrantStatistics, after.MigrantStatistics},
		{"left_behind", before.LeftBehind, after.LeftBehind},
		{"key_care", before.KeyCare, after.KeyCare},
	} {
		if a.b != a.n {
			detail[a.k] = [2]string{a.b, a.n}
		}
	}
	w.queue = append(w.queue, queueRow{kind: kind, detail: jsonText(detail), cause: queueCause(before, after), asOf: after.AsOf, at: at})
}

// insertSQL caches the text of multi-row INSERT statements by table, columns and row count.
type insertSQL struct{ m sync.Map }

func (s *Store) insertStatement(table string, cols []string, rows int) string {
	key := table + "|" + strings.Join(cols, ",") + "|" + strconv.Itoa(rows)
	if v, ok := s.inserts.m.Load(key); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(32 + rows*len(cols)*2)
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(") VALUES ")
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('?')
		}
		b.WriteByte(')')
	}
	q := b.String()
	s.inserts.m.Store(key, q)
	return q
}

// insertMany inserts rows (each len(cols) values) with the database's bulk path: COPY on
// PostgreSQL; on SQLite one single-row INSERT prepared once per transaction and run per row.
//
// Multi-row INSERTs are slower on SQLite, not faster: a statement that writes several rows
// inside a transaction opens a statement journal (so that a failing row can be undone alone),
// and modernc.org/sqlite frees that journal's memory chunk by chunk after every statement, each
// free an madvise system call. Measured on 30,000 children (BenchmarkBulkLoad/sqlite, see
// docs/BENCHMARKS.md): 100 rows per statement 16.6 s, one row per statement 4.0–4.5 s.
func (s *Store) insertMany(t *tx, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if s.d.postgres {
		return t.copyFrom(table, cols, rows)
	}
	// modernc.org/sqlite compiles a statement on every call: reuse it within the transaction.
	st, err := t.prepared(s.insertStatement(table, cols, 1))
	if err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	for _, r := range rows {
		if _, err := st.ExecContext(t.ctx, r...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// newChildIDs reserves n ids of children rows: from the identity's sequence on PostgreSQL; on
// SQLite, whose single writer holds the write lock for the whole transaction, after the largest.
func (s *Store) newChildIDs(t *tx, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if !s.d.postgres {
		var last int64
		if err := t.queryRow("SELECT coalesce(max(id), 0) FROM children").Scan(&last); err != nil {
			return nil, err
		}
		for i := 1; i <= n; i++ {
			ids = append(ids, last+int64(i))
		}
		return ids, nil
	}
	rows, err := t.query("SELECT nextval(pg_get_serial_sequence('children', 'id')) FROM generate_series(1, ?)", n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("reserved %d of %d child ids", len(ids), n)
	}
	return ids, nil
}

// updateChildSQL is the UPDATE of a children row by flush.
func (s *Store) updateChildSQL() string {
	s.updateOnce.Do(func() {
		var b strings.Builder
		b.WriteString("UPDATE children SET ")
		for i, c := range childColumns[1:] { // never the uid
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c)
			b.WriteString(" = ?")
		}
		b.WriteString(" WHERE id = ?")
		s.updateSQL = s.d.bind(b.String())
	})
	return s.updateSQL
}

// flush writes the pending writes in the transaction: new children first (their ids come back),
// then updated rows, versions, provenance, blind indexes and review items.
func (s *Store) flush(t *tx, ws []*write) error {
	var fresh []*write
	for _, w := range ws {
		if w.isNew {
			fresh = append(fresh, w)
		}
	}
	if len(fresh) > 0 {
		ids, err := s.newChildIDs(t, len(fresh))
		if err != nil {
			return fmt.Errorf("reserve child ids: %w", err)
		}
		rows := make([][]any, len(fresh))
		for i, w := range fresh {
			w.c.id = ids[i]
			rows[i] = append([]any{ids[i]}, s.childValues(w)...)
		}
		t0 := time.Now()
		if err := s.insertMany(t, "children", childInsertColumns, rows); err != nil {
			return err
		}
		s.trace("flush.children", t0)
		facts := make([][]any, len(fresh))
		for i, w := range fresh {
			facts[i] = factsValues(w.c)
		}
		if err := s.insertMany(t, "child_facts", factsColumns, facts); err != nil {
			return err
		}
	}
	upd := s.updateChildSQL()
	for _, w := range ws {
		if w.isNew || !w.dirty {
			continue
		}
		args := s.childValues(w)[1:]
		args = append(args, w.c.id)
		if _, err := t.Tx.ExecContext(t.ctx, upd, args...); err != nil {
			return fmt.Errorf("update child %s: %w", w.c.UID, err)
		}
		if _, err := t.exec(upsertFacts, factsValues(w.c)...); err != nil {
			return fmt.Errorf("update the facts of child %s: %w", w.c.UID, err)
		}
	}

	var versions, prov, keys, queue [][]any
	var dels []*write
	for _, w := range ws {
		id := w.c.id
		for _, v := range w.versions {
			versions = append(versions, []any{id, int64(v.version), v.status, v.record, v.diff, v.fields, v.actor,
				s.d.timeArg(v.at), v.src.kind(), text(v.src.Department), text(v.src.Roster), intOrNil(v.src.Row),
				date(v.src.RosterDate), idOrNil(v.src.batchID), v.note})
		}
		for _, p := range w.provenance {
			prov = append(prov, []any{id, int64(p.version), p.field, p.src.kind(), text(p.src.Department),
				text(p.src.Roster), intOrNil(p.src.Row), date(p.src.RosterDate), idOrNil(p.src.batchID), s.d.timeArg(p.at)})
		}
		for _, k := range w.keysAdd {
			keys = append(keys, []any{k.bidx, id, k.kind})
		}
		if len(w.keysDel) > 0 {
			dels = append(dels, w)
		}
		for _, q := range w.queue {
			queue = append(queue, []any{id, q.kind, q.detail, int64(q.asOf), s.d.timeArg(q.at)})
		}
	}
	for _, w := range dels {
		for _, k := range w.keysDel {
			if _, err := t.exec("DELETE FROM child_keys WHERE bidx = ? AND child_id = ?", k.bidx, w.c.id); err != nil {
				return fmt.Errorf("delete blind index: %w", err)
			}
		}
	}
	t0 := time.Now()
	if err := s.insertMany(t, "child_versions", versionColumns, versions); err != nil {
		return err
	}
	s.trace("flush.versions", t0)
	if err := s.insertMany(t, "provenance", provenanceColumns, prov); err != nil {
		return err
	}
	if len(keys) > 0 {
		// Sorted, so that concurrent PostgreSQL writers touch the index in the same order.
		sort.Slice(keys, func(i, j int) bool { return keys[i][0].(string) < keys[j][0].(string) })
		t0 := time.Now()
		if err := s.insertMany(t, "child_keys", []string{"bidx", "child_id", "kind"}, keys); err != nil {
			return err
		}
		s.trace("flush.keys", t0)
	}
	if len(queue) > 0 {
		if err := s.enqueue(t, ws); err != nil {
			return err
		}
	}
	return s.syncLedger(t, writeIDs(ws))
}

var versionColumns = []string{"child_id", "version", "status", "record", "diff", "fields", "actor", "at",
	"source_kind", "department", "roster", "row_no", "roster_date", "batch_id", "note"}

var provenanceColumns = []string{"child_id", "version", "field", "source_kind", "department", "roster",
	"row_no", "roster_date", "batch_id", "at"}

func intOrNil(n int) any {
	if n == 0 {
		return nil
	}
	return int64(n)
}

func idOrNil(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}
