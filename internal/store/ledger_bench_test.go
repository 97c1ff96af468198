package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"guanai/internal/auth"
)

// BenchmarkLedgerWorkList is the work-list figure: GUANAI_BENCH_LEDGER_CHILDREN
// generated children (default 20,000; their key-care entries opened by the import),
// GUANAI_BENCH_LEDGER_VISITS visits per entry (default 14: 1,000,000 visits for 70,000 entries),
// next visits spread over overdue, due and later; then the home page's work list
// (LedgerWorkList, audit entry included) of the collector of the village with the most entries and
// of the district's reviewer, repeated, with the 50th and 99th percentiles of one call reported.
// On SQLite always, on PostgreSQL when GUANAI_TEST_PG is set:
//
//	go test ./internal/store/ -run '^$' -bench LedgerWorkList -benchtime 200x
func BenchmarkLedgerWorkList(b *testing.B) {
	n := benchEnvInt("GUANAI_BENCH_LEDGER_CHILDREN", 20_000)
	per := benchEnvInt("GUANAI_BENCH_LEDGER_VISITS", 14)
	dialects := []string{"sqlite"}
	if pg.url != "" {
		dialects = append(dialects, "postgres")
	}
	for _, dialect := range dialects {
		b.Run(fmt.Sprintf("%s/%d", dialect, n), func(b *testing.B) {
			e := ledgerBenchEnv(b, dialect, n, per)
			var village, district string
			if err := e.read.QueryRow(e.d.bind("SELECT region_code FROM ledger_entries GROUP BY region_code ORDER BY count(*) DESC, region_code LIMIT 1")).Scan(&village); err != nil {
				b.Fatal(err)
			}
			district = village[:6]
			var entries, visits int
			e.read.QueryRow("SELECT count(*) FROM ledger_entries").Scan(&entries)
			e.read.QueryRow("SELECT count(*) FROM ledger_visits").Scan(&visits)
			for _, who := range []struct {
				name string
				p    *auth.Principal
			}{{"collector", principal(auth.RoleCollector, village)}, {"reviewer", principal(auth.RoleReviewer, district)}} {
				b.Run(who.name, func(b *testing.B) {
					ctx := auth.WithPrincipal(context.Background(), who.p)
					took := make([]time.Duration, 0, b.N)
					cpu0 := cpuTime()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						t0 := time.Now()
						w, err := e.LedgerWorkList(ctx)
						took = append(took, time.Since(t0))
						if err != nil {
							b.Fatal(err)
						}
						if len(w.Visits) == 0 {
							b.Fatal("no visit due in the work list")
						}
					}
					cpu := cpuTime() - cpu0
					slices.Sort(took)
					pct := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000 }
					b.ReportMetric(pct(0.5), "ms-p50")
					b.ReportMetric(pct(0.99), "ms-p99")
					// CPU time of the process per call: what the call costs, whatever else the
					// machine runs (the wall-clock percentiles include waiting for a core).
					b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
					b.ReportMetric(float64(entries), "entries")
					b.ReportMetric(float64(visits), "visits")
				})
			}
		})
	}
}

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// ledgerBenchEnv imports n generated children and adds per visits to each ledger entry.
func ledgerBenchEnv(b *testing.B, dialect string, n, per int) *env {
	b.Helper()
	var e *env
	if dialect == "sqlite" {
		e = openEnv(b, "sqlite://"+b.TempDir()+"/g.db", b.TempDir())
	} else {
		schema := fmt.Sprintf("bench_ledger_%d", pg.n.Add(1))
		db, err := sql.Open("pgx", pg.url)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Exec(`CREATE SCHEMA "` + schema + `"`); err != nil {
			b.Fatal(err)
		}
		db.Close()
		e = openEnv(b, schemaURL(schema), b.TempDir())
	}
	op := opCtx()
	for i := 0; i < n; i += 5000 {
		if _, _, err := e.ImportRows(op, "", ImportOptions{Synthetic: true}, rowsOf(demoChildren(uint64(1000+i), min(5000, n-i)))); err != nil {
			b.Fatal(err)
		}
	}
	var ids []int64
	rows, err := e.read.Query("SELECT id FROM ledger_entries ORDER BY id")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	now := e.d.timeArg(e.instant())
	for start := 0; start < len(ids); start += 2000 {
		err := e.inTx(op, "bench visits", func(t *tx) error {
			var vs [][]any
			for k, id := range ids[start:min(start+2000, len(ids))] {
				for j := 0; j < per; j++ {
					on := testDay.AddDays(-30 * (per - j))
					vs = append(vs, []any{id, int64(on), "home", "李主任", int64(on.AddMonths(1)), now, "cli:bench"})
				}
				// A third overdue, a third due this week, a third later.
				next := []int{-10, 3, 40}[(start+k)%3]
				if _, err := t.exec("UPDATE ledger_entries SET next_visit = ?, last_visit = ? WHERE id = ?", int64(testDay.AddDays(next)), int64(testDay.AddDays(-30)), id); err != nil {
					return err
				}
			}
			return e.insertMany(t, "ledger_visits", []string{"entry_id", "visited_on", "mode", "visitor", "next_due", "created_at", "created_by"}, vs)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := e.write.Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return e
}
