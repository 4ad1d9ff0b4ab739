package zerologsentry

import "runtime"

// stackGoid returns the running goroutine's id plus one, read from the
// first line of runtime.Stack ("goroutine 12 [running]:"): curg where
// there is no assembly version. It costs microseconds (runtime.Stack walks
// the whole stack), against nanoseconds for the assembly.
func stackGoid() uintptr {
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
