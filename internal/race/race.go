// Package race tells tests whether the race detector is on, so that the
// allocation tests, which the detector's instrumentation disturbs, can skip.
package race

import "testing"

// SkipAllocs skips t when the race detector is on, whose instrumentation
// changes allocation counts: for tests that count them.
func SkipAllocs(t testing.TB) {
	t.Helper()
	if Enabled {
		t.Skip("-race changes allocation counts")
	}
}
