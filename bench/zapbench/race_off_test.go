//go:build !race

package zapbench

const raceEnabled = false
