//go:build race

package stats

// raceEnabled is true under the race detector, which makes the solver-heavy property tests
// about ten times slower: they then run on fewer random tables.
const raceEnabled = true
