//go:build unix

package scrub_test

import "syscall"

// processCPU returns the user and system CPU time of the process in
// nanoseconds. Benchmarks report it per operation beside wall time: on a
// machine whose cores are shared, wall time also counts the time spent
// waiting for a core.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
