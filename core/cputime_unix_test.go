//go:build unix

package core_test

import "syscall"

// processCPU returns the user and system CPU time of the process in
// nanoseconds, every goroutine included.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
