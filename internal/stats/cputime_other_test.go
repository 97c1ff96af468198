//go:build !unix

package stats

import "time"

// cpuTime is not measured here; the cpu-ns/record metric reads 0.
func cpuTime() time.Duration { return 0 }
