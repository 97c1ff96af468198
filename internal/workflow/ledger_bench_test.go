package workflow

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/seal"
	"guanai/internal/sheet"
	"guanai/internal/store"
)

// BenchmarkLedgerExport writes the city's 台账 (guanai ledger export --region 150300) of a
// registry of GUANAI_BENCH_LEDGER_CHILDREN generated children (default 20,000), every one of a
// 低保 family so that every migrant or left-behind child is key care and the ledger is large, and
// reports the rows, the time and the peak resident memory of the process during the export
// (MB-rss-peak, VmHWM reset before it). Run with:
//
//	GUANAI_BENCH_LEDGER_CHILDREN=100000 go test ./internal/workflow/ -run '^$' -bench LedgerExport -benchtime 1x -timeout 1h
func BenchmarkLedgerExport(b *testing.B) {
	n := envInt("GUANAI_BENCH_LEDGER_CHILDREN", 20_000)
	dir := b.TempDir()
	keys, _, err := seal.OpenOrCreate(dir, "")
	if err != nil {
		b.Fatal(err)
	}
	today := child.NewDate(2025, 6, 30)
	now := func() time.Time { return time.Date(2025, 6, 30, 12, 0, 0, 0, chinaTime) }
	ctx := auth.WithPrincipal(context.Background(), auth.Operator("bench"))
	s, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "g.db"), store.Options{Keyring: keys, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	g := demo.New(14, today)
	var in []store.ImportRow
	for i := 0; i < n; i++ {
		r := g.Child()
		r.FamilyHardship = []string{"dibao"}
		in = append(in, store.ImportRow{Row: i + 2, Record: r})
		if len(in) == 5000 || i == n-1 {
			if _, _, err := s.ImportRows(ctx, "", store.ImportOptions{Synthetic: true}, in); err != nil {
				b.Fatal(err)
			}
			in = in[:0]
		}
	}
	// GUANAI_BENCH_LEDGER_FORMAT=csv writes CSV: the reading alone, without the workbook.
	out, format := filepath.Join(dir, "台账.xlsx"), sheet.XLSX
	if os.Getenv("GUANAI_BENCH_LEDGER_FORMAT") == "csv" {
		out, format = filepath.Join(dir, "台账.csv"), sheet.CSV
	}
	var rows int
	var rss float64
	var took time.Duration
	var cpu time.Duration
	var base, anon float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The import's garbage handed back first, so that the peak is the export's.
		runtime.GC()
		debug.FreeOSMemory()
		resetPeakRSS()
		base = max(base, currentRSS())
		cpu0 := processCPU()
		stop := make(chan struct{})
		anonDone := make(chan float64)
		go func() { // the anonymous (heap and SQLite's own) part of the resident set, sampled
			peak := 0.0
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				peak = max(peak, statusMB("RssAnon:"))
				select {
				case <-stop:
					anonDone <- peak
					return
				case <-t.C:
				}
			}
		}()
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		rows, err = WriteLedger(ctx, s, f, "150300", today, sheet.WriteOptions{Format: format})
		took = time.Since(start)
		cpu = processCPU() - cpu0
		close(stop)
		anon = max(anon, <-anonDone)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		rss = max(rss, peakRSS())
	}
	st, _ := os.Stat(out)
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(took.Seconds(), "s-export")
	b.ReportMetric(rss, "MB-rss-peak")
	b.ReportMetric(cpu.Seconds(), "s-cpu")
	b.ReportMetric(base, "MB-rss-before")
	b.ReportMetric(anon, "MB-anon-peak")
	b.ReportMetric(float64(st.Size())/(1<<20), "MB-file")
}

// processCPU is the user and system CPU time of the process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// currentRSS is the resident set now, in MB.
func currentRSS() float64 { return statusMB("VmRSS:") }

// statusMB reads a line of /proc/self/status in MB.
func statusMB(key string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}
