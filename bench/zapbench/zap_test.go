package zapbench

import (
	"context"
	"io"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"

	tzs "github.com/TheZeroSlave/zapsentry"
	"github.com/getsentry/sentry-go"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// jsonCore is the program's own output: zap's JSON encoder on io.Discard at
// Info, so Debug is below every threshold.
func jsonCore() zapcore.Core {
	return zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		zapcore.AddSync(io.Discard), zapcore.InfoLevel)
}

// nopCore accepts every entry and does nothing with it.
type nopCore struct{}

func (nopCore) Enabled(zapcore.Level) bool                 { return true }
func (c nopCore) With([]zapcore.Field) zapcore.Core        { return c }
func (nopCore) Write(zapcore.Entry, []zapcore.Field) error { return nil }
func (nopCore) Sync() error                                { return nil }
func (c nopCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, c)
}

// zapImpl is one logger under test. The Sentry cores run alone, not teed
// with the JSON core: a program tees them with its own output, whose cost is
// the baseline's column, so each Sentry column is what the bridge adds.
type zapImpl struct {
	name string
	// logger returns the logger; queue is our client's QueueSize.
	logger func(b *testing.B, queue int) (*zap.Logger, *core.Client)
	// req returns the field that gives a logger the scope of one request.
	req func() zap.Field
}

func zapImpls() []zapImpl {
	return []zapImpl{
		{
			name: "baseline",
			logger: func(*testing.B, int) (*zap.Logger, *core.Client) {
				return zap.New(jsonCore()), nil
			},
		},
		{
			// zap's own cost of an entry a core accepts: a core enabled at
			// every level whose Write does nothing. No bridge costs less
			// per accepted entry; the tables leave it out.
			name: "floor-nop",
			logger: func(*testing.B, int) (*zap.Logger, *core.Client) {
				return zap.New(nopCore{}), nil
			},
			// zap's own cost of a logger made for the request (With): a
			// field that adds nothing.
			req: zap.Skip,
		},
		{
			name: "sentrylog",
			logger: func(b *testing.B, queue int) (*zap.Logger, *core.Client) {
				c, err := newClient(queue)
				require.NoError(b, err)
				b.Cleanup(func() { c.Close(context.Background()) })
				return zap.New(zapsentry.NewCore(zapsentry.Options{Client: c})), c
			},
			req: func() zap.Field { return zapsentry.Context(core.NewIsolationScope(context.Background())) },
		},
		{
			// TheZeroSlave/zapsentry with breadcrumbs on; its per-request
			// scope is a field carrying a new sentry.Scope.
			name: "zapsentry",
			logger: func(b *testing.B, _ int) (*zap.Logger, *core.Client) {
				client, err := newSentryClient(&sentryDiscard{})
				require.NoError(b, err)
				b.Cleanup(client.Close)
				c, err := tzs.NewCore(tzs.Configuration{
					Level:             zapcore.ErrorLevel,
					EnableBreadcrumbs: true,
					BreadcrumbLevel:   zapcore.InfoLevel,
					Hub:               sentry.NewHub(client, sentry.NewScope()),
				}, tzs.NewSentryClientFromClient(client))
				require.NoError(b, err)
				return zap.New(c), nil
			},
			req: tzs.NewScope,
		},
	}
}

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

// loop runs log on the caller's goroutine; for our client it also reports
// the share of captures its worker dropped (see package bench).
func loop(b *testing.B, c *core.Client, log func()) {
	if c == nil {
		for b.Loop() {
			log()
		}
		return
	}
	before := dropped(c)
	n := 0
	for b.Loop() {
		log()
		n++
	}
	c.Flush(context.Background())
	b.ReportMetric(float64(dropped(c)-before)/float64(n), "drop/op")
}

// drained times b.N captures and the wait until the worker has handed them
// all to the transport (see package bench).
func drained(b *testing.B, c *core.Client, log func()) {
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

func dropped(c *core.Client) int64 {
	var n int64
	for _, v := range c.Stats().Dropped {
		n += v
	}
	return n
}

func BenchmarkZap(b *testing.B) {
	zapLogs(b)
	for _, im := range zapImpls() {
		run(b, "Disabled", im.name, func(b *testing.B) {
			log, _ := im.logger(b, 0)
			for b.Loop() {
				log.Debug(msgDisabled, zap.String(keyMethod, valMethod), zap.Int(keyStatus, valStatus))
			}
		})
		run(b, "Breadcrumb", im.name, func(b *testing.B) {
			log, _ := im.logger(b, 0)
			log = log.With(zap.String(keyService, valService), zap.Int(keyShard, valShard))
			for b.Loop() {
				log.Info(msgBreadcrumb, zap.String(keyMethod, valMethod), zap.Int(keyStatus, valStatus),
					zap.Duration(keyElapsed, valElapsed))
			}
		})
		run(b, "Event", im.name, func(b *testing.B) {
			log, c := im.logger(b, eventQueue)
			loop(b, c, func() {
				log.Error(msgEvent, zap.Error(errEvent), zap.String(keyRoute, valRoute), zap.Int(keyUserID, valUserID))
			})
		})
		run(b, "EventDrained", im.name, func(b *testing.B) {
			log, c := im.logger(b, drainedQueue)
			drained(b, c, func() {
				log.Error(msgEvent, zap.Error(errEvent), zap.String(keyRoute, valRoute), zap.Int(keyUserID, valUserID))
			})
		})
		if im.req == nil {
			continue
		}
		run(b, "ReqBreadcrumb", im.name, func(b *testing.B) {
			log, _ := im.logger(b, 0)
			log = log.With(zap.String(keyService, valService), zap.Int(keyShard, valShard))
			for b.Loop() {
				log.With(im.req()).Info(msgBreadcrumb, zap.String(keyMethod, valMethod),
					zap.Int(keyStatus, valStatus), zap.Duration(keyElapsed, valElapsed))
			}
		})
		run(b, "ReqEvent", im.name, func(b *testing.B) {
			log, c := im.logger(b, eventQueue)
			loop(b, c, func() {
				log.With(im.req()).Error(msgEvent, zap.Error(errEvent), zap.String(keyRoute, valRoute),
					zap.Int(keyUserID, valUserID))
			})
		})
	}
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
