package store

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/seal"
)

// Latency of the registry's reads on a large database (docs/BENCHMARKS.md):
//
//	GUANAI_BENCH_RECORDS=1000000 go test -run '^$' -bench Registry -benchtime 1x -timeout 3h ./internal/store/
//
// The database is built once through the import path (synthetic Wuhai children, ID numbers
// made unique) and cached: the SQLite file and its key file under $TMPDIR/guanai-bench, the
// PostgreSQL database guanai_bench_<records> with its key file there too (drop it with
// DROP DATABASE when done). Each query kind runs with 1 client and with 50 concurrent clients;
// the p50 and p99 latencies are reported.

func benchRecords() int {
	if n, err := strconv.Atoi(os.Getenv("GUANAI_BENCH_RECORDS")); err == nil && n > 0 {
		return n
	}
	return 100000
}

// benchCache is where the benchmark databases and their key files live between runs.
func benchCache(b *testing.B) string {
	dir := filepath.Join(os.TempDir(), "guanai-bench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	return dir
}

// uniqueChildren yields n synthetic children whose ID numbers are all different (the
// generator draws the sequence digits at random, so large sets repeat some).
func uniqueChildren(seed uint64, n int, yield func(child.Record) error) error {
	g := demo.New(seed, testDay)
	seen := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		r := g.Child()
		for k := 0; seen[r.IDNumber]; k++ {
			r.IDNumber = makeID(r.IDNumber[:6], r.BirthDate, r.Sex == "1", k*7+i)
		}
		seen[r.IDNumber] = true
		if err := yield(r); err != nil {
			return err
		}
	}
	return nil
}

// buildRegistry fills an empty store with n children through the import path.
func buildRegistry(b *testing.B, s *Store, n int) {
	ctx := opCtx()
	start := time.Now()
	im, err := s.BeginImport(ctx, "bench", ImportOptions{Roster: "bench", Synthetic: true})
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]ImportRow, 0, 10000)
	flush := func() error {
		if _, err := im.Add(ctx, rows); err != nil {
			return err
		}
		rows = rows[:0]
		if r := im.Result(); r.Rows%100000 == 0 {
			b.Logf("built %d of %d records in %v", r.Rows, n, time.Since(start).Round(time.Second))
		}
		return nil
	}
	err = uniqueChildren(99, n, func(r child.Record) error {
		rows = append(rows, ImportRow{Row: len(rows) + 2, Record: r})
		if len(rows) == cap(rows) {
			return flush()
		}
		return nil
	})
	if err == nil && len(rows) > 0 {
		err = flush()
	}
	if err != nil {
		b.Fatal(err)
	}
	res, err := im.Finish(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if res.Imported != n {
		b.Fatalf("built %+v, want %d imported", res, n)
	}
	b.Logf("built %d records in %v (%.0f rows/s)", n, time.Since(start).Round(time.Second), float64(n)/time.Since(start).Seconds())
}

// openBenchRegistry opens (building it the first time) the cached database of n records.
func openBenchRegistry(b *testing.B, dialect string, n int) *Store {
	ctx := opCtx()
	dir := benchCache(b)
	base := fmt.Sprintf("%s-%d", dialect, n)
	keys, _, err := seal.OpenOrCreate(dir, filepath.Join(dir, base+".key"))
	if err != nil {
		b.Fatal(err)
	}
	var url string
	switch dialect {
	case "sqlite":
		url = "sqlite://" + filepath.Join(dir, base+".db")
	case "postgres":
		name := fmt.Sprintf("guanai_bench_%d", n)
		admin, err := sql.Open("pgx", pg.admin)
		if err != nil {
			b.Fatal(err)
		}
		var exists bool
		admin.QueryRow("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
		if !exists {
			if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
				b.Fatal(err)
			}
		}
		admin.Close()
		u, err := neturl.Parse(pg.admin)
		if err != nil {
			b.Fatal(err)
		}
		u.Path = "/" + name
		url = u.String()
	}
	readers, _ := strconv.Atoi(os.Getenv("GUANAI_BENCH_READERS"))
	s, err := Open(ctx, url, Options{Keyring: keys, Now: func() time.Time { return noonOf(testDay) }, Readers: readers})
	if err != nil {
		b.Fatalf("open %s: %v (delete %s to rebuild)", url, err, dir)
	}
	var have int
	s.read.QueryRow("SELECT count(*) FROM children").Scan(&have)
	switch have {
	case n:
	case 0:
		buildRegistry(b, s, n)
	default:
		s.Close()
		b.Fatalf("%s holds %d records, want %d; delete it to rebuild", url, have, n)
	}
	return s
}

// latencies runs op ops times on clients goroutines and returns the sorted latencies.
func latencies(b *testing.B, clients, ops int, op func(i int) error) []time.Duration {
	out := make([]time.Duration, ops)
	var wg sync.WaitGroup
	var next int64
	var mu sync.Mutex
	var firstErr error
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := int(next)
				next++
				mu.Unlock()
				if i >= ops {
					return
				}
				start := time.Now()
				err := op(i)
				out[i] = time.Since(start)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	slices.Sort(out)
	return out
}

// loadAvg is the machine's one-minute load average, to read the latencies by: the benchmark
// machine is shared.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

func pct(ds []time.Duration, p float64) float64 {
	i := int(float64(len(ds)-1) * p)
	return float64(ds[i].Microseconds()) / 1000
}

func BenchmarkRegistry(b *testing.B) {
	n := benchRecords()
	dialects := []string{"sqlite"}
	if pg.url != "" {
		dialects = append(dialects, "postgres")
	}
	for _, dialect := range dialects {
		b.Run(fmt.Sprintf("%s/%d", dialect, n), func(b *testing.B) {
			s := openBenchRegistry(b, dialect, n)
			defer s.Close()
			ctx := opCtx()
			// Samples: uids, ID numbers and townships of stored children.
			rng := rand.New(rand.NewPCG(1, 2))
			var uids, townships []string
			rows, err := s.read.Query(s.d.bind("SELECT uid, res_township FROM children WHERE id % ? = 0 AND res_township IS NOT NULL"), max(1, n/5000))
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var u, t string
				rows.Scan(&u, &t)
				uids = append(uids, u)
				townships = append(townships, t)
			}
			rows.Close()
			var ids []string
			_ = uniqueChildren(99, min(n, 20000), func(r child.Record) error { ids = append(ids, r.IDNumber); return nil })
			rng.Shuffle(len(uids), func(i, j int) { uids[i], uids[j] = uids[j], uids[i] })

			type query struct {
				name string
				op   func(i int) error
			}
			queries := []query{
				{"get", func(i int) error {
					_, err := s.Get(ctx, uids[i%len(uids)])
					return err
				}},
				{"id-search", func(i int) error {
					p, err := s.Search(ctx, Query{IDNumber: ids[(i*7919)%len(ids)]})
					if err == nil && p.Total != 1 {
						err = fmt.Errorf("ID search found %d", p.Total)
					}
					return err
				}},
				{"filtered-township", func(i int) error {
					_, err := s.Search(ctx, Query{Region: townships[(i*31)%len(townships)], KeyCare: "yes", Limit: 20})
					return err
				}},
				{"filtered-county", func(i int) error {
					_, err := s.Search(ctx, Query{Region: []string{"150302", "150303", "150304"}[i%3], MigrantMonitoring: "yes",
						Status: []string{StatusDraft}, Limit: 20, Offset: 20 * (i % 5)})
					return err
				}},
				{"list-township", func(i int) error {
					_, err := s.List(ctx, Query{Region: townships[(i*31)%len(townships)], KeyCare: "yes", Limit: 20})
					return err
				}},
				{"list-county", func(i int) error {
					_, err := s.List(ctx, Query{Region: []string{"150302", "150303", "150304"}[i%3], MigrantMonitoring: "yes",
						Status: []string{StatusDraft}, Limit: 20, Offset: 20 * (i % 5)})
					return err
				}},
				{"name-pinyin", func(i int) error {
					_, err := s.Search(ctx, Query{Name: []string{"zhangyu", "wxm", "liuhao", "lijing"}[i%4], Region: "1503", RegionOf: RegionEither, Limit: 20})
					return err
				}},
			}
			only := os.Getenv("GUANAI_BENCH_QUERIES")
			for _, q := range queries {
				if only != "" && !slices.Contains(strings.Split(only, ","), q.name) {
					continue
				}
				for _, clients := range []int{1, 50} {
					ops := 2000
					if clients == 1 {
						ops = 500
					}
					cpu0, wall0 := cpuTime(), time.Now()
					ds := latencies(b, clients, ops, q.op)
					cpu, wall := cpuTime()-cpu0, time.Since(wall0)
					b.Logf("%s %s, %d clients: p50 %.2f ms, p99 %.2f ms, max %.2f ms; %.0f ops/s; this process %.2f cpu-ms/op; load %s",
						dialect, q.name, clients, pct(ds, 0.5), pct(ds, 0.99), pct(ds, 1), float64(ops)/wall.Seconds(),
						float64(cpu.Microseconds())/1000/float64(ops), loadAvg())
					b.ReportMetric(pct(ds, 0.99), fmt.Sprintf("%s-%dc-p99-ms", q.name, clients))
				}
			}
		})
	}
}
