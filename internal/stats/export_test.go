package stats

// CPUTime is cpuTime for the external tests (registry_test.go, which needs the store and so
// lives in package stats_test: the store implements stats.Registry and imports this package).
var CPUTime = cpuTime
