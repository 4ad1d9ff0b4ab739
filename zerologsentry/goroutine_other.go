//go:build !gc || !(amd64 || arm64)

package zerologsentry

import "runtime"

// curg returns a number that names the running goroutine: its id, read
// from the first line of runtime.Stack ("goroutine 12 [running]:"). It
// costs microseconds, against nanoseconds for the assembly version on
// amd64 and arm64.
func curg() uintptr {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	var id uintptr
	for _, c := range buf[min(len("goroutine "), n):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uintptr(c-'0')
	}
	return id + 1 // never 0
}
