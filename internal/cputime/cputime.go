// Package cputime reads CPU time for the benchmarks' cpu-ns/op metrics: the
// whole process's, every goroutine and the runtime included, and the calling
// thread's. Where a clock cannot be read it reads 0, and so does the metric.
package cputime
