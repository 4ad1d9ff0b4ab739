//go:build !unix

package scrub_test

// processCPU is not available here; the cpu-ns/op metric reads 0.
func processCPU() int64 { return 0 }
