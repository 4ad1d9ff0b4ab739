package core

import "time"

// RaceEnabled tells the external tests whether the race detector is on.
const RaceEnabled = raceEnabled

// SetLogFlushAfter sets how long buffered logs wait, for clients made
// afterwards, and returns a function that restores it.
func SetLogFlushAfter(d time.Duration) func() {
	old := logFlushAfter
	logFlushAfter = d
	return func() { logFlushAfter = old }
}
