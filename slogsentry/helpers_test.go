package slogsentry_test

import "time"

// testTime is a fixed record time.
var testTime = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
