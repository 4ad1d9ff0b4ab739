//go:build !gc || !(amd64 || arm64)

package zerologsentry

// curg returns a number that names the running goroutine (stackGoid).
func curg() uintptr { return stackGoid() }
