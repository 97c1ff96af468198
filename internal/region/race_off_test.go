//go:build !race

package region

// raceEnabled reports whether the tests run under the race detector, under
// which the sweeps over all 665,276 divisions take a sample instead.
const raceEnabled = false
