package match

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestDebugPhases prints wall and CPU time of each phase of a file link (debug aid).
func TestDebugPhases(t *testing.T) {
	dirs := os.Getenv("GUANAI_BENCH_DIRS")
	if dirs == "" || os.Getenv("DEBUG_PHASES") == "" {
		t.Skip()
	}
	dir := strings.Split(dirs, ",")[0]
	phase := func(name string, fn func()) {
		w0, c0 := time.Now(), cpuNow()
		fn()
		fmt.Printf("%-10s wall %6.2f s  cpu %6.2f s\n", name, time.Since(w0).Seconds(), (cpuNow() - c0).Seconds())
	}
	var lr, rr []rec
	var lrefs, rrefs refTable
	phase("read-left", func() {
		f, _ := os.Open(filepath.Join(dir, "left.csv"))
		lr, lrefs, _, _ = loadRecs(f, 2, 0)
		f.Close()
	})
	phase("read-right", func() {
		f, _ := os.Open(filepath.Join(dir, "right.csv"))
		rr, rrefs, _, _ = loadRecs(f, 2, 0)
		f.Close()
	})
	opts := Options{}.withDefaults()
	var ix *Index
	phase("tf", func() { ix = &Index{recs: lr, refs: lrefs, opts: opts}; ix.computeTF() })
	phase("blocks", func() { ix.buildBlocks() })
	phase("estimate", func() { ix.estimate(rr) })
	ix.opts.Params = &ix.params
	phase("match", func() { ix.linkRecs(rr, &rrefs) })
}
