package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"guanai/internal/child"
)

// Import speed against the database's own bulk load of the same rows (docs/BENCHMARKS.md):
//
//	go test -run '^$' -bench 'Import|BulkLoad' -benchtime 1x ./internal/store/
//
// GUANAI_BENCH_ROWS sets the number of rows (default 100000).

func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("GUANAI_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 100000
}

// importRows turns synthetic children into import rows, as the import command would hand them.
func importRows(recs []child.Record) []ImportRow {
	rows := make([]ImportRow, len(recs))
	for i, r := range recs {
		rows[i] = ImportRow{Row: i + 2, Record: r, Cells: []string{r.Name, r.IDNumber}}
	}
	return rows
}

func benchBackends(b *testing.B) []struct {
	name string
	open func(b *testing.B) *env
} {
	out := []struct {
		name string
		open func(b *testing.B) *env
	}{{"sqlite", func(b *testing.B) *env {
		dir := b.TempDir()
		return openEnv(b, "sqlite://"+filepath.Join(dir, "guanai.db"), dir)
	}}}
	if pg.url != "" {
		out = append(out, struct {
			name string
			open func(b *testing.B) *env
		}{"postgres", func(b *testing.B) *env { return openBenchPostgres(b) }})
	}
	return out
}

func openBenchPostgres(b *testing.B) *env {
	schema := fmt.Sprintf("bench%d_%d", pg.n.Add(1), time.Now().UnixNano()%1e6)
	db, err := openAdmin()
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA "` + schema + `"`); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		db, err := openAdmin()
		if err == nil {
			db.Exec(`DROP SCHEMA "` + schema + `" CASCADE`)
			db.Close()
		}
	})
	return openEnv(b, schemaURL(schema), b.TempDir())
}

func BenchmarkImport(b *testing.B) {
	n := benchRows()
	recs := demoChildren(11, n)
	for _, be := range benchBackends(b) {
		b.Run(be.name, func(b *testing.B) {
			var elapsed, cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				e := be.open(b)
				rows := importRows(recs)
				steps := map[string]time.Duration{}
				var mu sync.Mutex
				e.tracer = func(step string, d time.Duration) { mu.Lock(); steps[step] += d; mu.Unlock() }
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				res, _, err := e.ImportRows(opCtx(), "bench", ImportOptions{Roster: "bench.xlsx", BatchSize: benchBatch()}, rows)
				elapsed += time.Since(start)
				cpu += cpuTime() - cpu0
				if err != nil {
					b.Fatal(err)
				}
				mu.Lock()
				b.Logf("%s import steps: %v", be.name, steps)
				clear(steps)
				mu.Unlock()
				if res.Imported+res.Updated+res.Rejected != n || res.Rejected > n/1000 {
					b.Fatalf("imported %d, updated %d, rejected %d of %d", res.Imported, res.Updated, res.Rejected, n)
				}
				b.StopTimer()
				// The second import of the same rows changes nothing.
				start = time.Now()
				res, _, err = e.ImportRows(opCtx(), "bench", ImportOptions{Roster: "bench.xlsx"}, importRows(recs))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "reimport-rows/s")
				mu.Lock()
				b.Logf("%s: %+v; re-import steps: %v", be.name, res, steps)
				mu.Unlock()
				if res.Imported != 0 || res.Updated != 0 {
					b.Fatalf("re-import: imported %d, updated %d", res.Imported, res.Updated)
				}
			}
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "rows/s")
			b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "rows/cpu-s")
		})
	}
}

// cpuTime is the CPU time (user + system) of this process: with SQLite every cost of a load is
// in it, which makes it a steadier measure than wall time on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBulkLoad loads the same rows, already encrypted and classified, straight into the
// children table with the database's own bulk path: one transaction of multi-row INSERTs on
// SQLite, COPY on PostgreSQL. It is the yardstick of BenchmarkImport.
func BenchmarkBulkLoad(b *testing.B) {
	n := benchRows()
	recs := demoChildren(11, n)
	for _, be := range benchBackends(b) {
		b.Run(be.name, func(b *testing.B) {
			var elapsed, cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				e := be.open(b)
				rows := make([][]any, n)
				now := e.instant()
				for j := range recs {
					r := recs[j]
					c := &Child{UID: newUID(now), Version: 1, Status: StatusDraft, Record: r, CreatedAt: now, CreatedBy: "bench", UpdatedAt: now, UpdatedBy: "bench"}
					c.Classification = e.classify(&c.Record, testDay)
					w := &write{c: c, isNew: true, keys: e.keysOf(&c.Record)}
					_, sealed, err := e.sealRecord(c.UID, &c.Record)
					if err != nil {
						b.Fatal(err)
					}
					w.sealed = sealed
					rows[j] = e.childValues(w)
				}
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				if e.d.postgres {
					copyChildren(b, e, rows)
				} else {
					err := e.inTx(opCtx(), "bulk", func(t *tx) error {
						return e.insertMany(t, "children", childColumns, rows)
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				elapsed += time.Since(start)
				cpu += cpuTime() - cpu0
			}
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "rows/s")
			b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "rows/cpu-s")
		})
	}
}

func copyChildren(b *testing.B, e *env, rows [][]any) {
	ctx := opCtx()
	conn, err := pgx.Connect(ctx, e.url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// COPY takes time.Time for TIMESTAMPTZ and nil for NULL, as the INSERT does.
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"children"}, childColumns, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
}

// TestRecordSize reports the size of a synthetic record, sealed, for the storage estimates of
// docs/storage.md.
func TestRecordSize(t *testing.T) {
	recs := demoChildren(3, 200)
	total := 0
	for _, r := range recs {
		b, _ := json.Marshal(r)
		total += len(b)
	}
	avg := total / len(recs)
	if avg < 300 || avg > 4000 {
		t.Errorf("average record %d bytes; the storage estimates assume 0.3–4 kB", avg)
	}
	t.Logf("average canonical JSON record: %d bytes", avg)
}

func benchBatch() int {
	n, _ := strconv.Atoi(os.Getenv("GUANAI_BENCH_BATCH"))
	return n
}
