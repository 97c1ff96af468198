package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
)

// Key rotation (guanai keys rotate, docs/keys.md): RotateKey adds a new active data key to the
// key file; Reseal then re-encrypts, in batches, every sealed value still under an older key.
// Each batch is read and written in one write transaction, so that a value the server changes
// meanwhile is never overwritten with an older one; the server keeps running and opens values
// of either key (the keyring re-reads the key file when it meets a new key id).

// resealTarget is one table with sealed columns.
type resealTarget struct {
	name string
	// sel selects, after "WHERE <key> > <last key>", the key (one or two integers), the
	// ingredients of the aad and the sealed columns, in key order.
	sel string
	two bool // the key has two columns
	// scan reads a row: its key, the sealed values and their aad.
	scan func(rows *sql.Rows) (k [2]int64, vals [][]byte, aads []string, err error)
	// update writes the resealed values (nil: unchanged) of the sealed columns, in order.
	update []string
}

func resealTargets() []resealTarget {
	return []resealTarget{
		{name: "children", sel: "SELECT id, uid, record, brief FROM children WHERE id > ? ORDER BY id",
			scan: func(rows *sql.Rows) (k [2]int64, vals [][]byte, aads []string, err error) {
				var uid string
				var rec, br []byte
				err = rows.Scan(&k[0], &uid, &rec, &br)
				return k, [][]byte{rec, br}, []string{aadRecord(uid), aadBrief(uid)}, err
			},
			update: []string{"UPDATE children SET record = ? WHERE id = ?", "UPDATE children SET brief = ? WHERE id = ?"}},
		{name: "child_versions", two: true,
			sel: "SELECT v.child_id, v.version, c.uid, v.record, v.diff, v.note FROM child_versions v JOIN children c ON c.id = v.child_id WHERE (v.child_id, v.version) > (?, ?) ORDER BY v.child_id, v.version",
			scan: func(rows *sql.Rows) (k [2]int64, vals [][]byte, aads []string, err error) {
				var uid string
				var rec, diff, note []byte
				err = rows.Scan(&k[0], &k[1], &uid, &rec, &diff, &note)
				v := int(k[1])
				return k, [][]byte{rec, diff, note}, []string{aadVersion(uid, v), aadDiff(uid, v), aadNote(uid, v)}, err
			},
			update: []string{"UPDATE child_versions SET record = ? WHERE child_id = ? AND version = ?",
				"UPDATE child_versions SET diff = ? WHERE child_id = ? AND version = ?",
				"UPDATE child_versions SET note = ? WHERE child_id = ? AND version = ?"}},
		{name: "child_transitions", sel: "SELECT t.id, c.uid, t.at, t.reason FROM child_transitions t JOIN children c ON c.id = t.child_id WHERE t.id > ? ORDER BY t.id",
			scan: func(rows *sql.Rows) (k [2]int64, vals [][]byte, aads []string, err error) {
				var uid string
				var at time.Time
				var reason []byte
				err = rows.Scan(&k[0], &uid, scanTime{&at}, &reason)
				return k, [][]byte{reason}, []string{aadTransition(uid, at)}, err
			},
			update: []string{"UPDATE child_transitions SET reason = ? WHERE id = ?"}},
		{name: "import_rows", two: true,
			sel: "SELECT r.batch_id, r.seq, b.uid, r.cells, r.issues FROM import_rows r JOIN import_batches b ON b.id = r.batch_id WHERE (r.batch_id, r.seq) > (?, ?) ORDER BY r.batch_id, r.seq",
			scan: func(rows *sql.Rows) (k [2]int64, vals [][]byte, aads []string, err error) {
				var uid string
				var cells, issues []byte
				err = rows.Scan(&k[0], &k[1], &uid, &cells, &issues)
				return k, [][]byte{cells, issues}, []string{aadCells(uid, int(k[1])), aadIssues(uid, int(k[1]))}, err
			},
			update: []string{"UPDATE import_rows SET cells = ? WHERE batch_id = ? AND seq = ?", "UPDATE import_rows SET issues = ? WHERE batch_id = ? AND seq = ?"}},
		{name: "review_queue", sel: "SELECT id, resolution FROM review_queue WHERE id > ? ORDER BY id",
			scan: func(rows *sql.Rows) (k [2]int64, vals [][]byte, aads []string, err error) {
				var res []byte
				err = rows.Scan(&k[0], &res)
				return k, [][]byte{res}, []string{aadResolution(k[0])}, err
			},
			update: []string{"UPDATE review_queue SET resolution = ? WHERE id = ?"}},
		{name: "users", sel: "SELECT id, totp_secret, totp_pending FROM users WHERE id > ? ORDER BY id",
			scan: func(rows *sql.Rows) (k [2]int64, vals [][]byte, aads []string, err error) {
				var sec, pend []byte
				err = rows.Scan(&k[0], &sec, &pend)
				return k, [][]byte{sec, pend}, []string{aadTOTP(k[0]), aadTOTPPending(k[0])}, err
			},
			update: []string{"UPDATE users SET totp_secret = ? WHERE id = ?", "UPDATE users SET totp_pending = ? WHERE id = ?"}},
		// Department rosters (0004): the rows as read, the cells and issues of rejected rows, the
		// discrepancies' values and notes, the leads' notes; the verification lists' notes (0009).
		{name: "roster_rows", sel: "SELECT r.id, b.uid, r.row_no, r.data, r.cells, r.issues FROM roster_rows r JOIN import_batches b ON b.id = r.batch_id WHERE r.id > ? ORDER BY r.id",
			scan: func(rows *sql.Rows) (k [2]int64, vals [][]byte, aads []string, err error) {
				var batch string
				var row int
				var data, cells, issues []byte
				err = rows.Scan(&k[0], &batch, &row, &data, &cells, &issues)
				return k, [][]byte{data, cells, issues}, []string{aadRosterData(batch, row), aadRosterCells(batch, row), aadRosterIssues(batch, row)}, err
			},
			update: []string{"UPDATE roster_rows SET data = ? WHERE id = ?", "UPDATE roster_rows SET cells = ? WHERE id = ?", "UPDATE roster_rows SET issues = ? WHERE id = ?"}},
		{name: "discrepancies", sel: "SELECT id, uid, detail, resolution FROM discrepancies WHERE id > ? ORDER BY id",
			scan: func(rows *sql.Rows) (k [2]int64, vals [][]byte, aads []string, err error) {
				var uid string
				var detail, res []byte
				err = rows.Scan(&k[0], &uid, &detail, &res)
				return k, [][]byte{detail, res}, []string{aadDiscDetail(uid), aadDiscResolution(uid)}, err
			},
			update: []string{"UPDATE discrepancies SET detail = ? WHERE id = ?", "UPDATE discrepancies SET resolution = ? WHERE id = ?"}},
		{name: "leads", sel: "SELECT id, uid, note FROM leads WHERE id > ? ORDER BY id",
			scan: func(rows *sql.Rows) (k [2]int64, vals [][]byte, aads []string, err error) {
				var uid string
				var note []byte
				err = rows.Scan(&k[0], &uid, &note)
				return k, [][]byte{note}, []string{aadLeadNote(uid)}, err
			},
			update: []string{"UPDATE leads SET note = ? WHERE id = ?"}},
		{name: "verifications", sel: "SELECT id, uid, note FROM verifications WHERE id > ? ORDER BY id",
			scan: func(rows *sql.Rows) (k [2]int64, vals [][]byte, aads []string, err error) {
				var uid string
				var note []byte
				err = rows.Scan(&k[0], &uid, &note)
				return k, [][]byte{note}, []string{aadVerifyNote(uid)}, err
			},
			update: []string{"UPDATE verifications SET note = ? WHERE id = ?"}},
	}
}

// RotateKey adds a new data key to the key file and makes it the active one; it returns its id.
// The rotation is audited.
func (s *Store) RotateKey(ctx context.Context) (string, error) {
	if _, err := gate(ctx, "只有安全管理员可以更换密钥", auth.PermKeysManage); err != nil {
		return "", err
	}
	id, err := s.keys.Rotate()
	if err != nil {
		return "", err
	}
	return id, s.Audit(ctx, audit.KeyRotate, "key:"+id, map[string]any{"step": "rotate", "active": id})
}

// ReloadKeys re-reads the key file, so that a server picks up a key rotated by another process
// and seals with it.
func (s *Store) ReloadKeys() error { return s.keys.Reload() }

// ResealResult counts what Reseal did.
type ResealResult struct {
	Checked  int // sealed values looked at
	Resealed int // of them re-encrypted under the active key
}

// Reseal re-encrypts every sealed value not under the active key, batch rows per transaction
// (default 500), calling progress after each batch. Run again after an interruption: values
// already under the active key are left alone.
func (s *Store) Reseal(ctx context.Context, batch int, progress func(table string, res ResealResult)) (ResealResult, error) {
	if _, err := gate(ctx, "只有安全管理员可以重新加密数据", auth.PermKeysManage); err != nil {
		return ResealResult{}, err
	}
	if batch <= 0 {
		batch = 500
	}
	var total ResealResult
	for _, tg := range resealTargets() {
		var last [2]int64
		for {
			n := 0
			err := s.inTx(ctx, "重新加密", func(t *tx) error {
				args := []any{last[0]}
				if tg.two {
					args = append(args, last[1])
				}
				rows, err := t.query(tg.sel+" LIMIT "+strconv.Itoa(batch)+s.d.forUpdate(), args...)
				if err != nil {
					return err
				}
				type upd struct {
					col int
					val []byte
					k   [2]int64
				}
				var updates []upd
				for rows.Next() {
					k, vals, aads, err := tg.scan(rows)
					if err != nil {
						rows.Close()
						return err
					}
					n++
					last = k
					for i, v := range vals {
						if len(v) == 0 {
							continue
						}
						total.Checked++
						if !s.keys.NeedsReseal(v) {
							continue
						}
						nv, err := s.keys.Reseal(v, []byte(aads[i]))
						if err != nil {
							rows.Close()
							return err
						}
						updates = append(updates, upd{i, nv, k})
					}
				}
				if err := rows.Close(); err != nil {
					return err
				}
				for _, u := range updates {
					args := []any{u.val, u.k[0]}
					if tg.two {
						args = append(args, u.k[1])
					}
					if _, err := t.exec(tg.update[u.col], args...); err != nil {
						return err
					}
				}
				total.Resealed += len(updates)
				return nil
			})
			if err != nil {
				return total, err
			}
			if progress != nil {
				progress(tg.name, total)
			}
			if n < batch {
				break
			}
		}
	}
	err := s.Audit(ctx, audit.KeyRotate, "key:"+s.keys.ActiveKeyID(), map[string]any{"step": "reseal",
		"checked": total.Checked, "resealed": total.Resealed})
	return total, err
}
