package stats_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/idcard"
	"guanai/internal/seal"
	"guanai/internal/stats"
	"guanai/internal/store"
)

// The statistics of the registry: tests on SQLite and, when GUANAI_TEST_PG is set, on a fresh
// PostgreSQL database of their own; the benchmark of docs/BENCHMARKS.md (Statistics over the
// registry).

var regDay = child.NewDate(2025, 6, 30)

func regNow() time.Time { return time.Date(2025, 6, 30, 12, 0, 0, 0, time.FixedZone("CST", 8*3600)) }

// pgDatabase creates a fresh PostgreSQL database for the run (name) and returns its URL, ""
// without GUANAI_TEST_PG. The database is dropped when the test ends unless keep.
func pgDatabase(tb testing.TB, name string, keep bool) string {
	admin := os.Getenv("GUANAI_TEST_PG")
	if admin == "" {
		return ""
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRow("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		tb.Fatal(err)
	}
	if !exists {
		if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
			tb.Fatal(err)
		}
	}
	if !keep {
		tb.Cleanup(func() {
			db, err := sql.Open("pgx", admin)
			if err == nil {
				db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
				db.Close()
			}
		})
	}
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// backendURLs lists the databases to test: SQLite in dir, and PostgreSQL when configured.
func backendURLs(tb testing.TB, dir, pgName string, keep bool) map[string]string {
	out := map[string]string{"sqlite": "sqlite://" + filepath.Join(dir, "g.db")}
	if u := pgDatabase(tb, pgName, keep); u != "" {
		out["postgres"] = u
	}
	return out
}

// fillRegistry imports n synthetic children with distinct ID numbers through the import path.
func fillRegistry(tb testing.TB, s *store.Store, seed uint64, n int) {
	ctx := opCtx()
	im, err := s.BeginImport(ctx, "cli:test", store.ImportOptions{Roster: "demo", Synthetic: true})
	if err != nil {
		tb.Fatal(err)
	}
	g := demo.New(seed, regDay)
	seen := make(map[string]bool, n)
	rng := rand.New(rand.NewPCG(seed, 7))
	rows := make([]store.ImportRow, 0, 5000)
	start := time.Now()
	flush := func() {
		if _, err := im.Add(ctx, rows); err != nil {
			tb.Fatal(err)
		}
		rows = rows[:0]
		if r := im.Result(); r.Rows%200000 == 0 {
			tb.Logf("imported %d of %d in %v", r.Rows, n, time.Since(start).Round(time.Second))
		}
	}
	for i := 0; i < n; i++ {
		r := g.Child()
		for seen[r.IDNumber] && len(r.IDNumber) == 18 {
			first := r.IDNumber[:14] + fmt.Sprintf("%03d", rng.IntN(1000))
			r.IDNumber = first + string(idcard.CheckDigit(first))
		}
		seen[r.IDNumber] = true
		rows = append(rows, store.ImportRow{Row: i + 2, Record: r})
		if len(rows) == cap(rows) {
			flush()
		}
	}
	if len(rows) > 0 {
		flush()
	}
	res, err := im.Finish(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if res.Imported != n {
		tb.Fatalf("imported %+v, want %d", res, n)
	}
}

func openRegistry(tb testing.TB, u, keyDir string) *store.Store {
	keys, _, err := seal.OpenOrCreate(keyDir, filepath.Join(keyDir, "stats-bench.key"))
	if err != nil {
		tb.Fatal(err)
	}
	s, err := store.Open(opCtx(), u, store.Options{Keyring: keys, Now: regNow})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestRegistryStats: over a registry of 3,000 children, the report of the registry equals the
// report of the same records in memory; the plain GROUP BY counts (stored classification) agree
// with the engine's as of the classification date, table by table where they mean the same;
// the cache serves until a write and ComputeMany equals separate Computes.
func TestRegistryStats(t *testing.T) {
	var b [4]byte
	for i := range b {
		b[i] = byte(rand.IntN(256))
	}
	for name, u := range backendURLs(t, t.TempDir(), "guanai_stats_test_"+strconv.FormatUint(uint64(b[0])<<24|uint64(b[1])<<16|uint64(b[2])<<8|uint64(b[3]), 16), false) {
		t.Run(name, func(t *testing.T) {
			s := openRegistry(t, u, t.TempDir())
			defer s.Close()
			fillRegistry(t, s, 11, 3000)
			ctx := opCtx()
			var recs []child.Record
			if err := s.Each(ctx, store.Query{}, func(c *store.Child) error {
				recs = append(recs, c.Record)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			for _, region := range []string{"", "150300", "150303", "150302003"} {
				q := stats.Query{AsOf: regDay, Region: region}
				got, err := stats.Compute(stats.RegistrySource(ctx, s, region), q)
				if err != nil {
					t.Fatal(err)
				}
				want, err := stats.Compute(stats.Records(recs), q)
				if err != nil {
					t.Fatal(err)
				}
				if mustJSON(t, got) != mustJSON(t, want) {
					t.Errorf("region %q: the registry's report differs from the records'", region)
				}
			}
			// The plain counts and the engine, as of the classification date.
			rep, err := stats.Compute(stats.RegistrySource(ctx, s, "150300"), stats.Query{AsOf: regDay, Region: "150300"})
			if err != nil {
				t.Fatal(err)
			}
			plain, err := s.PlainCounts(ctx, "150300")
			if err != nil {
				t.Fatal(err)
			}
			tot := plain["type"]["total"]
			if tot[0] != rep.Totals.MigrantMonitoring || tot[1] != rep.Totals.MigrantStatistics || tot[2] != rep.Totals.LeftBehind {
				t.Errorf("GROUP BY totals %v, engine %+v", tot, rep.Totals)
			}
			sex := rep.Tables["sex"]
			for i, c := range sex.Rows.Categories {
				p := plain["sex"][c.Code]
				// type columns: monitoring, statistics only, left-behind, both.
				if sex.Cells[i][0] != p[0] || sex.Cells[i][0]+sex.Cells[i][1] != p[1] || sex.Cells[i][2] != p[2] || sex.Cells[i][3] != p[3] {
					t.Errorf("sex %s: engine %v, GROUP BY %v", c.Code, sex.Cells[i], p)
				}
			}
			var byCounty [3]int64
			for _, br := range rep.ByRegion {
				byCounty[0] += br.MigrantMonitoring
				if p := plain["division_residence"][br.RegionCode]; p[0] != br.MigrantMonitoring {
					t.Errorf("%s migrant: engine %d, GROUP BY %d", br.RegionCode, br.MigrantMonitoring, p[0])
				}
				if p := plain["division_hukou"][br.RegionCode]; p[2] != br.LeftBehind {
					t.Errorf("%s left-behind: engine %d, GROUP BY %d", br.RegionCode, br.LeftBehind, p[2])
				}
			}
			if byCounty[0] == 0 {
				t.Error("no migrant child counted")
			}

			// ComputeMany = separate Computes.
			qs := []stats.Query{{AsOf: regDay}, {AsOf: regDay, Region: "150302"}, {AsOf: child.NewDate(2024, 12, 31), Region: "150304"}}
			many, err := stats.ComputeMany(stats.RegistrySource(ctx, s, ""), qs)
			if err != nil {
				t.Fatal(err)
			}
			for i, q := range qs {
				one, err := stats.Compute(stats.RegistrySource(ctx, s, q.Region), q)
				if err != nil {
					t.Fatal(err)
				}
				if mustJSON(t, one) != mustJSON(t, many[i]) {
					t.Errorf("ComputeMany[%d] differs from Compute", i)
				}
			}

			// The cache: a hit until a write, then stale (served, recomputed behind) or fresh.
			sv := stats.NewService(s)
			r1, i1, err := sv.Report(ctx, stats.Query{AsOf: regDay, Region: "150300"})
			if err != nil || i1.Cached {
				t.Fatalf("first read: %v %+v", err, i1)
			}
			r2, i2, _ := sv.Report(ctx, stats.Query{AsOf: regDay, Region: "150300"})
			if r2 != r1 || !i2.Cached || i2.Version != i1.Version {
				t.Errorf("second read not a hit: %+v", i2)
			}
			v0, _ := s.StatsVersion(ctx)
			if _, err := s.Transition(ctx, "cli:test", firstUID(t, s), "submitted", ""); err != nil {
				t.Fatal(err)
			}
			v1, _ := s.StatsVersion(ctx)
			if v1 <= v0 {
				t.Fatalf("a write did not move the data version: %d → %d", v0, v1)
			}
			sv.MaxStale = -1 // never serve stale: recompute at once
			_, i3, err := sv.Report(ctx, stats.Query{AsOf: regDay, Region: "150300"})
			if err != nil || i3.Cached || i3.Version != v1 {
				t.Errorf("after a write: %+v %v", i3, err)
			}
			// Warm fills the cache for the city and its districts.
			if err := sv.Warm(ctx, regDay, stats.Districts("150300"), stats.Query{}); err != nil {
				t.Fatal(err)
			}
			for _, d := range append([]string{""}, stats.Districts("150300")...) {
				if _, info, err := sv.Report(ctx, stats.Query{AsOf: regDay, Region: d}); err != nil || !info.Cached {
					t.Errorf("after Warm, %q: %+v %v", d, info, err)
				}
			}
		})
	}
}

func firstUID(t *testing.T, s *store.Store) string {
	page, err := s.Search(opCtx(), store.Query{Limit: 1})
	if err != nil || len(page.Items) == 0 {
		t.Fatal(err)
	}
	return page.Items[0].UID
}

func mustJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// BenchmarkRegistry measures, on a registry of GUANAI_BENCH_RECORDS children (default 100,000;
// the figures of docs/BENCHMARKS.md are for 1,000,000), on SQLite and on PostgreSQL when
// GUANAI_TEST_PG is set:
//
//   - cold: every standard table of the city from the records (read, decrypt, classify, count);
//   - warm: the same report from the Service (data version checked, report kept), and as JSON;
//   - district: one table of one district from the Service, p50/p95 over 200 reads;
//   - groupby: the plain way, one SQL GROUP BY per table over the stored classification.
//
// The databases are kept in $TMPDIR/guanai-stats-bench (SQLite) and guanai_stats_bench_<n>
// (PostgreSQL) between runs: delete them to rebuild.
//
//	GUANAI_BENCH_RECORDS=1000000 GUANAI_TEST_PG=… go test -run '^$' -bench Registry -benchtime 1x -timeout 3h ./internal/stats/
func BenchmarkRegistry(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("GUANAI_BENCH_RECORDS")); err == nil && v > 0 {
		n = v
	}
	dir := filepath.Join(os.TempDir(), "guanai-stats-bench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	urls := map[string]string{"sqlite": "sqlite://" + filepath.Join(dir, fmt.Sprintf("stats-%d.db", n))}
	if u := pgDatabase(b, fmt.Sprintf("guanai_stats_bench_%d", n), true); u != "" {
		urls["postgres"] = u
	}
	only := os.Getenv("GUANAI_BENCH_DB")
	for _, name := range []string{"sqlite", "postgres"} {
		u, ok := urls[name]
		if !ok || only != "" && only != name {
			continue
		}
		b.Run(name, func(b *testing.B) {
			ctx := opCtx()
			s := openRegistry(b, u, dir)
			defer s.Close()
			var have int
			if err := s.Each(ctx, store.Query{Limit: 1}, func(*store.Child) error { have++; return errStopBench }); err != nil && err != errStopBench {
				b.Fatal(err)
			}
			if have == 0 {
				fillRegistry(b, s, 99, n)
			}
			q := stats.Query{AsOf: regDay, Region: "150300"}
			b.Run("cold_all_tables_city", func(b *testing.B) {
				for b.Loop() {
					c0, t0 := stats.CPUTime(), time.Now()
					rep, err := stats.Compute(stats.RegistrySource(ctx, s, "150300"), q)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(time.Since(t0).Milliseconds()), "wall-ms")
					b.ReportMetric(float64((stats.CPUTime() - c0).Milliseconds()), "cpu-ms")
					b.ReportMetric(float64(rep.Totals.Records), "records")
				}
			})
			sv := stats.NewService(s)
			if _, _, err := sv.Report(ctx, q); err != nil {
				b.Fatal(err)
			}
			b.Run("warm_all_tables_city_json", func(b *testing.B) {
				var lat []time.Duration
				for b.Loop() {
					t0 := time.Now()
					rep, info, err := sv.Report(ctx, q)
					if err != nil || !info.Cached {
						b.Fatal(err, info)
					}
					if _, err := json.Marshal(rep); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				reportLatencies(b, lat)
			})
			for _, d := range stats.Districts("150300") {
				if _, _, err := sv.Report(ctx, stats.Query{AsOf: regDay, Region: d}); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("warm_one_table_district", func(b *testing.B) {
				ds := stats.Districts("150300")
				var lat []time.Duration
				for i := 0; i < 200; i++ {
					t0 := time.Now()
					rep, _, err := sv.Report(ctx, stats.Query{AsOf: regDay, Region: ds[i%len(ds)]})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := json.Marshal(rep.Tables["age5"]); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				reportLatencies(b, lat)
			})
			b.Run("groupby_all_tables_city", func(b *testing.B) {
				for b.Loop() {
					c0, t0 := stats.CPUTime(), time.Now()
					if _, err := s.PlainCounts(ctx, "150300"); err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(time.Since(t0).Milliseconds()), "wall-ms")
					b.ReportMetric(float64((stats.CPUTime() - c0).Milliseconds()), "cpu-ms")
				}
			})
			b.Run("groupby_one_table_district", func(b *testing.B) {
				var lat []time.Duration
				for i := 0; i < 5; i++ {
					t0 := time.Now()
					if _, err := s.PlainCountsOf(ctx, stats.Districts("150300")[i%3], "sex"); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				reportLatencies(b, lat)
			})
		})
	}
}

var errStopBench = fmt.Errorf("stop")

func reportLatencies(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	p := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.95), "p95-ms")
	b.ReportMetric(float64(len(lat)), "reads")
}

// opCtx is the context of the command line's operator.
func opCtx() context.Context {
	return auth.WithPrincipal(context.Background(), auth.Operator("test"))
}
