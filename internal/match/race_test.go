//go:build race

package match_test

// raceEnabled shrinks the synthetic quality check under the race detector, which is ten times
// slower.
const raceEnabled = true
