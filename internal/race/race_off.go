//go:build !race

package race

// Enabled reports whether the binary is built with -race.
const Enabled = false
