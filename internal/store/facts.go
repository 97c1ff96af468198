package store

import (
	"context"
	"encoding/json"
	"runtime"
	"strconv"
	"sync"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

// The statistics projection (migration 0020): each children row keeps, beside the sealed record,
// its facts — the record without what identifies a person (child.Record.WithoutIdentity: codes,
// dates and division codes), as plain JSON. They are written with the record on every write
// (childValues), so they are always the record's. Statistics for an as-of date, a region or a
// cross-tab that no kept report answers classify the records again from the facts, without
// decrypting a record (EachRecord); a row written before the projection existed is read from
// its record until BackfillFacts has given it its facts.

// factsOf returns the facts of r for the children row.
func factsOf(r *child.Record) []byte {
	b, err := json.Marshal(r.WithoutIdentity())
	if err != nil {
		// A record always marshals (it is marshalled to be sealed a moment before); NULL
		// facts only make EachRecord read this row from its sealed record.
		return nil
	}
	return b
}

// factsSelect reads what EachRecord needs of a row: its facts, or its sealed record when it has
// none yet.
const factsSelect = `SELECT uid, status, facts, CASE WHEN facts IS NULL THEN record END FROM children`

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
	rows, err := s.query(ctx, factsSelect+where+" ORDER BY id", args...)
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
			for batch := range work {
				// A new slice each time: fn may keep the record (the statistics classify in
				// parallel behind it).
				recs := make([]child.Record, len(batch))
				for i := range batch {
					if batch[i].facts != nil {
						if err := json.Unmarshal(batch[i].facts, &recs[i]); err != nil {
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
	Filled int `json:"filled"` // rows given their facts
}

// BackfillFacts gives every children row written before the statistics projection its facts,
// in batches of batch rows (each read and written in one transaction, so that a record the
// server changes meanwhile is never given an older record's facts). Only the operator and the
// server's own jobs run it: it reads every record. Audited once with the count.
func (s *Store) BackfillFacts(ctx context.Context, batch int) (FactsResult, error) {
	var res FactsResult
	if err := wholeOnly(ctx, "只有系统任务可以补全统计投影"); err != nil {
		return res, err
	}
	if batch <= 0 {
		batch = 1000
	}
	var last int64
	for {
		n := 0
		err := s.inTx(ctx, "补全统计投影", func(t *tx) error {
			rows, err := t.query("SELECT id, uid, record FROM children WHERE facts IS NULL AND id > ? ORDER BY id LIMIT "+
				strconv.Itoa(batch)+s.d.forUpdate(), last)
			if err != nil {
				return err
			}
			type upd struct {
				id    int64
				facts []byte
			}
			var updates []upd
			for rows.Next() {
				var id int64
				var uid string
				var sealed []byte
				if err := rows.Scan(&id, &uid, &sealed); err != nil {
					rows.Close()
					return err
				}
				r, err := s.openRecord(uid, sealed, aadRecord(uid))
				if err != nil {
					rows.Close()
					return err
				}
				n++
				last = id
				updates = append(updates, upd{id, factsOf(&r)})
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, u := range updates {
				if _, err := t.exec("UPDATE children SET facts = ? WHERE id = ? AND facts IS NULL", u.facts, u.id); err != nil {
					return err
				}
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
	if res.Filled > 0 {
		if err := s.Audit(ctx, audit.FactsBackfill, "", map[string]any{"filled": res.Filled}); err != nil {
			return res, err
		}
	}
	return res, nil
}
