package store

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/seal"
)

// The audit trail must not dominate (issue 4, docs/BENCHMARKS.md):
//
//	GUANAI_BENCH_ROWS=100000 GUANAI_BENCH_AUDIT=1000000 go test -run '^$' -bench AuditTrail -benchtime 2000x ./internal/store/
//
// GUANAI_BENCH_ROWS children (default 100000) and GUANAI_BENCH_AUDIT earlier audit entries
// (default 1000000) on SQLite; then every Get reads the record and appends its audit entry, keyed,
// with the anchor file following.

func benchAudit() int {
	if n, err := strconv.Atoi(os.Getenv("GUANAI_BENCH_AUDIT")); err == nil && n > 0 {
		return n
	}
	return 1000000
}

// fillAudit appends n chained entries quickly: many per statement and per transaction.
func fillAudit(b *testing.B, e *env, n int) {
	ctx := opCtx()
	prev := ""
	seq := int64(0)
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const perStmt, perTx = 200, 20000
	for seq < int64(n) {
		err := e.inTx(ctx, "bench", func(t *tx) error {
			for k := 0; k < perTx/perStmt && seq < int64(n); k++ {
				var q strings.Builder
				q.WriteString("INSERT INTO audit_log (seq, at, actor, action, object, detail, ip, key_id, prev_hash, hash) VALUES ")
				var args []any
				for j := 0; j < perStmt && seq < int64(n); j++ {
					seq++
					en := audit.Entry{Seq: seq, At: at.Add(time.Duration(seq) * time.Millisecond), Actor: "user:collector" + strconv.Itoa(int(seq%500)),
						Action: audit.ChildRead, Object: "child:0197befd-e60c-7735-979c-" + strconv.FormatInt(100000000000+seq, 10),
						Detail: audit.Detail(map[string]any{"version": seq % 7}), IP: "10.1.2.3"}
					if err := audit.Seal(e.keys, prev, &en); err != nil {
						return err
					}
					prev = en.Hash
					if j > 0 {
						q.WriteByte(',')
					}
					q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
					args = append(args, en.Seq, e.d.timeArg(en.At), en.Actor, en.Action, en.Object, string(en.Detail), en.IP, en.KeyID, en.Prev, en.Hash)
					if seq%audit.CheckpointEvery == 0 {
						defer func(s int64, h string, a time.Time) {
							_, _ = t.exec("INSERT INTO audit_checkpoints (seq, hash, at) VALUES (?, ?, ?)", s, h, e.d.timeArg(a))
						}(en.Seq, en.Hash, en.At)
					}
				}
				if _, err := t.exec(q.String(), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuditTrail fills one SQLite registry with children and a long audit trail, then
// measures a record read with its audit entry (get: p50 and p99 latency) and guanai audit
// verify over the whole trail (verify: entries per second).
func BenchmarkAuditTrail(b *testing.B) {
	dir := b.TempDir()
	e := openEnv(b, "sqlite://"+filepath.Join(dir, "guanai.db"), dir)
	t0 := time.Now()
	fillAudit(b, e, benchAudit())
	t1 := time.Now()
	if _, _, err := e.ImportRows(opCtx(), "bench", ImportOptions{}, importRows(demoChildren(7, benchRows()))); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d audit entries in %v, %d children in %v", benchAudit(), t1.Sub(t0).Round(time.Second), benchRows(), time.Since(t1).Round(time.Second))
	// The command line and the server always anchor the chain outside the database: measure
	// reads and verify with the anchor.
	s, err := Open(context.Background(), e.url, Options{Keyring: e.keys, Now: e.clock.Now,
		AuditAnchor: audit.AnchorPath(filepath.Join(dir, seal.DefaultKeyFileName))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	e.Store = s
	if _, err := s.AuditAnchor(context.Background()); err != nil {
		b.Fatal(err)
	}
	var uids []string
	rows, err := e.read.Query("SELECT uid FROM children")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var u string
		rows.Scan(&u)
		uids = append(uids, u)
	}
	rows.Close()

	b.Run("get", func(b *testing.B) {
		ctx := auth.WithPrincipal(opCtx(), principal(auth.RoleReviewer, "1503"))
		lat := make([]time.Duration, 0, b.N)
		cpu0 := cpuTime()
		for range b.N {
			t0 := time.Now()
			if _, err := e.Get(ctx, uids[rand.IntN(len(uids))]); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		b.ReportMetric(loadAvgFloat(), "load")
	})
	b.Run("verify", func(b *testing.B) {
		// An op is one entry verified: whole passes over the trail until b.N entries are done.
		var n int64
		cpu0 := cpuTime()
		for n < int64(b.N) {
			res, err := e.VerifyAudit(opCtx())
			if err != nil {
				b.Fatal(err)
			}
			n += res.Entries
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
		b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "entries/cpu-s")
		b.ReportMetric(loadAvgFloat(), "load")
	})
}

func loadAvgFloat() float64 {
	f, _ := strconv.ParseFloat(loadAvg(), 64)
	return f
}
