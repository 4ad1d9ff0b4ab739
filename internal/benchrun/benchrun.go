// Package benchrun holds what the benchmarks that compare sentrylog with
// its peers share (modules bench and bench/zapbench): the matrix cell with
// its CPU metrics, and the loops that report the captures sentrylog's
// worker dropped.
package benchrun

import (
	"context"
	"runtime"
	"testing"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/cputime"
)

// Cell runs one cell of the matrix as the sub-benchmark
// "path=<path>/impl=<impl>", so that `benchstat -row /path -col /impl` lays
// the results out as the tables do. Beside allocations it reports cpu-ns/op,
// the process's CPU time, and caller-cpu-ns/op, the benchmark goroutine's:
// the goroutine keeps its thread, so the thread's CPU time is what the
// logging call costs where it is made, without a worker's share or the time
// the process waited for a core.
func Cell(b *testing.B, path, impl string, f func(b *testing.B)) {
	b.Run("path="+path+"/impl="+impl, func(b *testing.B) {
		b.ReportAllocs()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cpu0, caller0 := cputime.Process(), cputime.Thread()
		f(b)
		if b.N > 0 {
			b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(cputime.Thread()-caller0)/float64(b.N), "caller-cpu-ns/op")
		}
	})
}

// Loop runs log on the benchmark's goroutine until b.Loop ends. With c (nil
// for a peer) it then flushes c and reports drop/op, the share of captures
// c dropped: ns/op is the caller's cost, and should the worker fall so far
// behind that its queue fills, captures are dropped (queue_overflow).
func Loop(b *testing.B, c *core.Client, log func()) {
	if c == nil {
		for b.Loop() {
			log()
		}
		return
	}
	before := Dropped(c)
	n := 0
	for b.Loop() {
		log()
		n++
	}
	c.Flush(context.Background())
	b.ReportMetric(float64(Dropped(c)-before)/float64(n), "drop/op")
}

// Drained measures the whole pipeline per event: b.N captures and then the
// wait until c's worker has handed every one to the transport, all timed,
// and reports drop/op as Loop does. For a peer (c nil), which does all its
// work on the caller's goroutine, it is a plain loop.
func Drained(b *testing.B, c *core.Client, log func()) {
	if c == nil {
		for range b.N {
			log()
		}
		return
	}
	before := Dropped(c)
	b.ResetTimer()
	for range b.N {
		log()
	}
	c.Flush(context.Background())
	b.StopTimer()
	b.ReportMetric(float64(Dropped(c)-before)/float64(b.N), "drop/op")
}

// Dropped returns the number of captures c dropped so far, for any reason.
func Dropped(c *core.Client) int64 {
	var n int64
	for _, v := range c.Stats().Dropped {
		n += v
	}
	return n
}
