package bench

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/getsentry/sentry-go"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
)

// run runs one cell of the matrix. The names carry benchstat keys, so that
// `benchstat -row /path -col /impl` lays the results out as the README table
// does: BenchmarkSlog/path=Event/impl=sentrylog.
func run(b *testing.B, path, impl string, f func(b *testing.B)) {
	b.Run("path="+path+"/impl="+impl, func(b *testing.B) {
		b.ReportAllocs()
		// The benchmark's goroutine keeps its thread, so the thread's CPU
		// time is the caller's: what the logging call costs on the
		// goroutine that logs, without a worker's share or the time the
		// process waited for a core.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cpu0, caller0 := cpuTime(), threadTime()
		f(b)
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(threadTime()-caller0)/float64(b.N), "caller-cpu-ns/op")
		}
	})
}

// ourClient returns a sentrylog client with a discarding transport, closed
// when the benchmark ends.
func ourClient(tb testing.TB) *core.Client {
	return ourClientQueue(tb, 0)
}

// drainedQueue is the queue of the clients of the EventDrained benchmarks:
// large enough for every capture of a run of a few hundred milliseconds.
const drainedQueue = 1 << 17

// eventQueue is the queue of the clients of the Event benchmarks: large
// enough that every capture is accepted, so the caller's cost is that of an
// accepted capture, not of one the full default queue (1000) turns away.
const eventQueue = drainedQueue

// ourClientQueue is ourClient with Options.QueueSize set.
func ourClientQueue(tb testing.TB, queue int) *core.Client {
	tb.Helper()
	c, closeFn, err := NewClient(queue)
	require.NoError(tb, err)
	tb.Cleanup(closeFn)
	return c
}

// sentryHub returns a sentry-go hub with a discarding transport, its client
// closed when the benchmark ends.
func sentryHub(tb testing.TB) (*sentry.Hub, *SentryDiscard) {
	tb.Helper()
	h, t, closeFn, err := NewSentryHub()
	require.NoError(tb, err)
	tb.Cleanup(closeFn)
	return h, t
}

// dropped is the number of captures the client dropped so far, whatever the
// reason.
func dropped(c *core.Client) int64 {
	var n int64
	for _, v := range c.Stats().Dropped {
		n += v
	}
	return n
}

// eventLoop runs log b.N times on the caller's goroutine and reports, beside
// the caller's cost, the share of the captures the client dropped. Our
// client builds and sends events on its worker, concurrently with the loop:
// ns/op is the caller's cost; should the worker fall so far behind that
// its queue (eventQueue) fills, captures are dropped (queue_overflow),
// which "drop/op" shows.
func eventLoop(b *testing.B, c *core.Client, log func()) {
	before := dropped(c)
	n := 0
	for b.Loop() {
		log()
		n++
	}
	c.Flush(context.Background())
	b.ReportMetric(float64(dropped(c)-before)/float64(n), "drop/op")
}

// drainedLoop measures the whole pipeline per event: b.N captures and then
// the wait until the worker has handed every one to the transport, all
// timed, with a queue large enough to take them. For peers, which do all
// their work on the caller's goroutine, it is the same as a plain loop.
func drainedLoop(b *testing.B, c *core.Client, log func()) {
	if c == nil {
		for range b.N {
			log()
		}
		return
	}
	before := dropped(c)
	b.ResetTimer()
	for range b.N {
		log()
	}
	c.Flush(context.Background())
	b.StopTimer()
	b.ReportMetric(float64(dropped(c)-before)/float64(b.N), "drop/op")
}

// cpuTime is the process's user and system CPU time so far, every
// goroutine included (a client's worker, the garbage collector). Per
// operation it is steadier than wall time on a shared machine, and it
// counts the work a worker does off the caller's goroutine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadTime is the CPU time of the calling thread so far
// (CLOCK_THREAD_CPUTIME_ID); 0 where it cannot be read.
func threadTime() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime,
		uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
