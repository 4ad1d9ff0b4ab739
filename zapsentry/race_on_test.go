//go:build race

package zapsentry_test

const raceEnabled = true
