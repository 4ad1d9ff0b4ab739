//go:build !race

package zerologsentry_test

const raceEnabled = false
