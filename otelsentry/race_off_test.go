//go:build !race

package otelsentry_test

const raceEnabled = false
