//go:build !race

package main

// raceEnabled reports whether the tests run under the race detector, which
// makes regenerating the real table about ten times slower.
const raceEnabled = false
