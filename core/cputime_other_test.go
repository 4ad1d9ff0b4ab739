//go:build !unix

package core_test

func processCPU() int64 { return 0 }
