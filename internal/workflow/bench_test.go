package workflow

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/idcard"
	"guanai/internal/roster"
	"guanai/internal/seal"
	"guanai/internal/store"
)

// BenchmarkRosterImportMemory imports a school roster of GUANAI_BENCH_ROSTER_ROWS rows (default
// 100,000; docs/BENCHMARKS.md records 1,000,000) into a registry of GUANAI_BENCH_REGISTRY
// children (default 20,000), every other row naming a registered child, through the path of
// guanai import roster and the upload route (workflow.Imports.Roster → store.ImportRosterFrom),
// and reports the peak resident memory of the process during the import (MB-rss-peak, Linux's
// VmHWM reset before it) and the peak growth of the heap in use (MB-heap-peak, sampled every
// 20 ms with GOGC=10). Memory must not grow with the roster: rows are matched and written as they
// are read. Run with:
//
//	GUANAI_BENCH_ROSTER_ROWS=1000000 go test ./internal/workflow/ -run '^$' -bench RosterImportMemory -benchtime 1x -timeout 2h
func BenchmarkRosterImportMemory(b *testing.B) {
	rows := envInt("GUANAI_BENCH_ROSTER_ROWS", 100_000)
	registry := envInt("GUANAI_BENCH_REGISTRY", 20_000)
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
	g := demo.New(7, today)
	kids := make([]child.Record, 0, registry)
	var in []store.ImportRow
	for i := 0; i < registry; i++ {
		r := g.Child()
		kids = append(kids, r)
		in = append(in, store.ImportRow{Row: i + 2, Record: r})
		if len(in) == 2000 || i == registry-1 {
			if _, _, err := s.ImportRows(ctx, "", store.ImportOptions{Synthetic: true}, in); err != nil {
				b.Fatal(err)
			}
			in = in[:0]
		}
	}
	path := filepath.Join(dir, "学生名册.csv")
	writeSchoolRoster(b, path, rows, kids)
	st, _ := os.Stat(path)
	d, _ := roster.Lookup(roster.Education)
	var rss, heap float64
	var took time.Duration
	for i := 0; i < b.N; i++ {
		resetPeakRSS()
		start := time.Now()
		heap = max(heap, peakHeap(func() {
			rd, err := roster.Open(path, d, roster.ReadOptions{Today: today, Context: ctx})
			if err != nil {
				b.Fatal(err)
			}
			defer rd.Close()
			im := &Imports{Store: s}
			sum, err := im.Roster(ctx, rd, RosterInput{File: "学生名册.csv", Department: d, RosterDate: today}, nil)
			if err != nil {
				b.Fatal(err)
			}
			if sum.Rows != rows || sum.Updated+sum.Unchanged+sum.Review < rows/4 {
				b.Fatalf("summary %+v: want %d rows, a half of them matched", sum.Summary, rows)
			}
		}))
		took = time.Since(start)
		rss = max(rss, peakRSS())
	}
	b.ReportMetric(rss, "MB-rss-peak")
	b.ReportMetric(heap, "MB-heap-peak")
	b.ReportMetric(float64(st.Size())/(1<<20), "MB-file")
	b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// writeSchoolRoster writes n rows of a school roster: every other row a registered child (its
// name and ID number), the others children nobody registered.
func writeSchoolRoster(b *testing.B, path string, n int, kids []child.Record) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "学生姓名,身份证号,学校名称,年级,在校状态")
	for i := 0; i < n; i++ {
		name, id := "", ""
		if i%2 == 0 && len(kids) > 0 {
			k := kids[(i/2)%len(kids)]
			name, id = k.Name, k.IDNumber
		} else {
			first17 := "150302" + strings.ReplaceAll(child.NewDate(2012+i%10, 1+i%12, 1+i%28).String(), "-", "") + fmt.Sprintf("%03d", i%1000)
			name, id = "学生"+strconv.Itoa(i), first17+string(idcard.CheckDigit(first17))
		}
		fmt.Fprintf(w, "%s,%s,乌海市第%d小学,%s,在校\n", name, id, 1+i%30, []string{"一年级", "三年级", "五年级"}[i%3])
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// resetPeakRSS resets Linux's record of the process's peak resident set (VmHWM).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is the peak resident set since the last reset, in MB (0 where /proc is missing).
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// peakHeap runs fn and returns the peak growth of the heap in use meanwhile, in MB, sampled every
// 20 ms with a low GOGC so that garbage waiting for a collection does not count.
func peakHeap(fn func()) float64 {
	old := debug.SetGCPercent(10)
	defer debug.SetGCPercent(old)
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapInuse
	var peak uint64
	var mu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				var s runtime.MemStats
				runtime.ReadMemStats(&s)
				mu.Lock()
				peak = max(peak, s.HeapInuse)
				mu.Unlock()
			}
		}
	}()
	fn()
	close(stop)
	<-done
	if peak < base {
		return 0
	}
	return float64(peak-base) / (1 << 20)
}
