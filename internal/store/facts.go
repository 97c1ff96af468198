package store

import (
	"context"
	"runtime"
	"strconv"
	"sync"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

// The statistics projection (migration 0020): each child has a child_facts row — its facts
// (child.Record.AppendFacts: the record without what identifies a person, in a compact binary
// form) and the columns that bound a read by status and jurisdiction — written with the record on
// every write (flush) and followed by a trigger when only the status changes. Statistics for an
// as-of date, a region or a cross-tab that no kept report answers classify the records again from
// these narrow rows, without decrypting a record or reading the wide children rows (EachRecord).
// Children written before the projection existed are read from their sealed record until
// BackfillFacts has given them their row.

// factsColumns are the columns of a child_facts row, in the order of factsValues.
var factsColumns = []string{"id", "status", "res_code", "hukou_code", "facts"}

// factsValues is the child_facts row of c (whose id is known): the columns that bound a read as
// the children row has them, and the facts.
func factsValues(c *Child) []any {
	return []any{c.id, c.Status, regionLevels(c.Record.ResidenceAddr.Region())[0], regionLevels(c.Record.HukouAddress.Region())[0],
		c.Record.AppendFacts(nil)}
}

// upsertFacts writes the child_facts row of a child that may have none yet (written before the
// projection existed and not yet backfilled).
const upsertFacts = `INSERT INTO child_facts (id, status, res_code, hukou_code, facts) VALUES (?, ?, ?, ?, ?)
 ON CONFLICT (id) DO UPDATE SET status = excluded.status, res_code = excluded.res_code, hukou_code = excluded.hukou_code, facts = excluded.facts`

// factsSelect reads what EachRecord needs of a child: its facts. The WHERE clause of the
// children's own queries applies to it: the columns it names (status, res_code, hukou_code) are
// the children row's.
const factsSelect = `SELECT '', status, facts, NULL FROM child_facts`

// factsOrRecordSelect is factsSelect while some children have no child_facts row yet: theirs is
// read from the sealed record.
const factsOrRecordSelect = `SELECT x.uid, x.status, x.facts, x.record FROM (
 SELECT f.id, '' AS uid, f.status, f.res_code, f.hukou_code, f.facts, NULL AS record FROM child_facts f
 UNION ALL
 SELECT c.id, c.uid, c.status, c.res_code, c.hukou_code, NULL, c.record FROM children c WHERE NOT EXISTS (SELECT 1 FROM child_facts f WHERE f.id = c.id)
) x`

// complete reports whether every child has its facts (meta facts_complete, set by the migration
// on an empty database and by BackfillFacts).
func (s *Store) complete(ctx context.Context) bool {
	if s.factsComplete.Load() {
		return true
	}
	var v string
	if err := s.read.QueryRowContext(ctx, s.d.bind("SELECT value FROM meta WHERE key = 'facts_complete'")).Scan(&v); err == nil && v == "1" {
		s.factsComplete.Store(true)
		return true
	}
	return false
}

// EachRecord implements stats.Registry: the records that are not archived with an address in
// region ("" = all), bounded by the principal's jurisdiction, as their facts — what the rules
// and the tables read, never what identifies a person. Decoding runs on every core while the
// scan goes on; fn is called from one goroutine at a time, in no particular order. Audited as a
// statistics read.
func (s *Store) EachRecord(ctx context.Context, region string, fn func(r *child.Record, status string) error) error {
	q := Query{Region: region, RegionOf: RegionEither}
	where, args, err := s.scopedWhere(ctx, &q, auth.PermChildrenRead, auth.PermStatsRead, auth.PermChildrenExport)
	if err != nil {
		return err
	}
	if err := s.Audit(ctx, audit.StatsRead, "", q.criteria()); err != nil {
		return err
	}
	sel := factsSelect
	if !s.complete(ctx) {
		sel = factsOrRecordSelect
	}
	rows, err := s.query(ctx, sel+where+" ORDER BY id", args...)
	if err != nil {
		return internal("读取统计数据", err)
	}
	defer rows.Close()

	// Rows go to the decoders in chunks; each decoder hands its records to fn under mu.
	type row struct {
		uid, status   string
		facts, sealed []byte
	}
	const chunk = 256
	workers := max(1, runtime.GOMAXPROCS(0))
	work := make(chan []row, workers*2)
	var (
		mu      sync.Mutex
		fnErr   error
		wg      sync.WaitGroup
		stopped = make(chan struct{})
		once    sync.Once
	)
	fail := func(err error) {
		mu.Lock()
		if fnErr == nil {
			fnErr = err
		}
		mu.Unlock()
		once.Do(func() { close(stopped) })
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dec child.FactsDecoder
			for batch := range work {
				// A new slice each time: fn may keep the record (the statistics classify in
				// parallel behind it).
				recs := make([]child.Record, len(batch))
				for i := range batch {
					if batch[i].facts != nil {
						if err := dec.Decode(batch[i].facts, &recs[i]); err != nil {
							fail(internal("读取统计数据", err))
							return
						}
						continue
					}
					r, err := s.openRecord(batch[i].uid, batch[i].sealed, aadRecord(batch[i].uid))
					if err != nil {
						fail(internal("读取统计数据", err))
						return
					}
					recs[i] = r.WithoutIdentity()
				}
				mu.Lock()
				for i := range batch {
					if fnErr != nil {
						break
					}
					if err := fn(&recs[i], batch[i].status); err != nil {
						fnErr = err
						once.Do(func() { close(stopped) })
					}
				}
				mu.Unlock()
			}
		}()
	}
	batch := make([]row, 0, chunk)
	var scanErr error
scan:
	for rows.Next() {
		var r row
		if scanErr = rows.Scan(&r.uid, &r.status, &r.facts, &r.sealed); scanErr != nil {
			break
		}
		batch = append(batch, r)
		if len(batch) == chunk {
			select {
			case work <- batch:
			case <-stopped:
				break scan
			}
			batch = make([]row, 0, chunk)
		}
	}
	if len(batch) > 0 && scanErr == nil {
		select {
		case work <- batch:
		case <-stopped:
		}
	}
	close(work)
	wg.Wait()
	if fnErr != nil {
		return fnErr
	}
	if scanErr != nil {
		return internal("读取统计数据", scanErr)
	}
	if err := rows.Err(); err != nil {
		return internal("读取统计数据", err)
	}
	return nil
}

// FactsResult says what BackfillFacts did.
type FactsResult struct {
	Filled int `json:"filled"` // children given their facts
}

// BackfillFacts gives every child written before the statistics projection its child_facts row,
// in batches of batch children (each read and written in one transaction, so that a record the
// server changes meanwhile is never given an older record's facts), then marks the projection
// complete. Only the operator and the server's own jobs run it: it reads every record. Audited
// once, in the transaction of its last batch, with the count.
func (s *Store) BackfillFacts(ctx context.Context, batch int) (FactsResult, error) {
	var res FactsResult
	if err := wholeOnly(ctx, "只有系统任务可以补全统计投影"); err != nil {
		return res, err
	}
	if s.complete(ctx) {
		return res, nil
	}
	if batch <= 0 {
		batch = 1000
	}
	var last int64
	for {
		n := 0
		err := s.inTx(ctx, "补全统计投影", func(t *tx) error {
			rows, err := t.query(`SELECT c.id, c.uid, c.status, c.record FROM children c
 WHERE c.id > ? AND NOT EXISTS (SELECT 1 FROM child_facts f WHERE f.id = c.id) ORDER BY c.id LIMIT `+strconv.Itoa(batch)+s.d.forUpdate(), last)
			if err != nil {
				return err
			}
			var fill [][]any
			for rows.Next() {
				c := &Child{}
				var sealed []byte
				if err := rows.Scan(&c.id, &c.UID, &c.Status, &sealed); err != nil {
					rows.Close()
					return err
				}
				if c.Record, err = s.openRecord(c.UID, sealed, aadRecord(c.UID)); err != nil {
					rows.Close()
					return err
				}
				n++
				last = c.id
				fill = append(fill, factsValues(c))
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, v := range fill {
				if _, err := t.exec(upsertFacts, v...); err != nil {
					return err
				}
			}
			if n < batch {
				// The last batch: nothing is left without facts, and every later write keeps them.
				// Audited in this transaction, with the count of the whole backfill.
				if _, err := t.exec("INSERT INTO meta (key, value) VALUES ('facts_complete', '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value"); err != nil {
					return err
				}
				return s.appendAudit(t, audit.FactsBackfill, "", map[string]any{"filled": res.Filled + n})
			}
			return nil
		})
		if err != nil {
			return res, internal("补全统计投影", err)
		}
		res.Filled += n
		if n < batch {
			break
		}
	}
	s.factsComplete.Store(true)
	return res, nil
}
