//go:build unix

package sheet

import (
	"syscall"
	"time"
)

// cpuTime returns the processor time used by this process so far (user and system), which
// benchmarks report beside the wall time: on a shared machine it is the steadier figure.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
