package core

import (
	"time"

	"github.com/sentrylog/sentrylog/internal/race"
)

// raceEnabled tells the internal tests whether the race detector is on,
// and RaceEnabled the external ones (race.Enabled is the same).
const (
	raceEnabled = race.Enabled
	RaceEnabled = raceEnabled
)

// SetLogFlushAfter sets how long buffered logs wait, for clients made
// afterwards, and returns a function that restores it.
func SetLogFlushAfter(d time.Duration) func() {
	old := logFlushAfter
	logFlushAfter = d
	return func() { logFlushAfter = old }
}
