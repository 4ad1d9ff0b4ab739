//go:build race

package slogsentry_test

const raceEnabled = true
