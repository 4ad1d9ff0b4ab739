//go:build !race

package logrussentry_test

const raceEnabled = false
