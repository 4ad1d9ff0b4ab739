package slogsentry_test

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/benchrun"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// The benchmarks share one workload: a logger with two attributes added by
// With, and records with three attributes of their own (the event: an error
// and one more). The client drops events after building them
// (core.DiscardTransport) and has storm control off, so every record takes
// the full path.
//
//	go test -run='^$' -bench=. -benchmem -benchtime=200ms ./slogsentry/

// benchClient returns a client for benchmarks and allocation tests.
func benchClient(tb testing.TB) *core.Client { return testclient.Discarding(tb) }

// benchLogger is the workload's logger over h.
func benchLogger(h slog.Handler) *slog.Logger {
	return slog.New(h).With("service", "checkout", "attempt", 3)
}

var benchErr = fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))

func logDisabled(l *slog.Logger, ctx context.Context) {
	l.DebugContext(ctx, "cache lookup", "key", "user:42", "hit", true, "size", 128)
}

func logBreadcrumb(l *slog.Logger, ctx context.Context) {
	l.InfoContext(ctx, "cache lookup", "key", "user:42", "hit", true, "size", 128)
}

func logEvent(l *slog.Logger, ctx context.Context) {
	l.ErrorContext(ctx, "request failed", "err", benchErr, "route", "/orders/{id}")
}

func BenchmarkDisabled(b *testing.B) {
	ctx := context.Background()
	b.Run("slogsentry", func(b *testing.B) {
		l := benchLogger(slogsentry.NewHandler(slogsentry.Options{Client: benchClient(b)}))
		b.ReportAllocs()
		for b.Loop() {
			logDisabled(l, ctx)
		}
	})
	b.Run("slog.DiscardHandler", func(b *testing.B) {
		l := benchLogger(slog.DiscardHandler)
		b.ReportAllocs()
		for b.Loop() {
			logDisabled(l, ctx)
		}
	})
}

// BenchmarkBreadcrumb also runs the workload through slog's JSON handler
// writing to io.Discard, the cost of slog itself plus formatting, to read
// the numbers against on a given machine; and the handler alone, on a
// prepared record, without the Logger's work (arguments to attributes,
// the call site's PC).
func BenchmarkBreadcrumb(b *testing.B) {
	ctx := core.NewIsolationScope(context.Background())
	b.Run("slogsentry", func(b *testing.B) {
		l := benchLogger(slogsentry.NewHandler(slogsentry.Options{Client: benchClient(b)}))
		b.ReportAllocs()
		for b.Loop() {
			logBreadcrumb(l, ctx)
		}
	})
	b.Run("slog.JSONHandler", func(b *testing.B) {
		l := benchLogger(slog.NewJSONHandler(io.Discard, nil))
		b.ReportAllocs()
		for b.Loop() {
			logBreadcrumb(l, ctx)
		}
	})
	// The floor for any handler: the Logger's own work before Handle.
	b.Run("slog-floor", func(b *testing.B) {
		l := benchLogger(nopHandler{})
		b.ReportAllocs()
		for b.Loop() {
			logBreadcrumb(l, ctx)
		}
	})
	b.Run("handler-only", func(b *testing.B) {
		h := benchLogger(slogsentry.NewHandler(slogsentry.Options{Client: benchClient(b)})).Handler()
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "cache lookup", 0)
		r.AddAttrs(slog.String("key", "user:42"), slog.Bool("hit", true), slog.Int("size", 128))
		b.ReportAllocs()
		for b.Loop() {
			_ = h.Handle(ctx, r)
		}
	})
	// The core's part of a breadcrumb: the record as the handler hands it over.
	b.Run("core-only", func(b *testing.B) {
		c := benchClient(b)
		attrs := []slog.Attr{slog.String("key", "user:42"), slog.Bool("hit", true), slog.Int("size", 128)}
		rec := bridge.Record{
			Time: time.Now(), Level: core.LevelInfo, Message: "cache lookup", Context: ctx,
			Pre:   []slog.Attr{slog.String("service", "checkout"), slog.Int("attempt", 3)},
			Attrs: attrs, Origin: "auto.log.slog",
		}
		b.ReportAllocs()
		for b.Loop() {
			bridge.AddRecordBreadcrumb(c, &rec)
		}
	})
}

// BenchmarkEvent measures the logging goroutine: the event is built and
// dropped by the client's worker meanwhile. Events the worker cannot keep up
// with overflow the queue (reported as drop/op); the caller's work is the
// same either way. BenchmarkEvent/flushed waits for the worker every 100
// events, so its time per event includes building it.
func BenchmarkEvent(b *testing.B) {
	ctx := core.NewIsolationScope(context.Background())
	b.Run("caller", func(b *testing.B) {
		c := benchClient(b)
		l := benchLogger(slogsentry.NewHandler(slogsentry.Options{Client: c}))
		b.ReportAllocs()
		benchrun.Loop(b, c, func() { logEvent(l, ctx) })
	})
	// The worker parked (testclient.Parked): every capture does all of the
	// logging goroutine's work and is dropped at the queue, so time and
	// allocations are the caller's alone, without a worker to compete with.
	b.Run("caller-only", func(b *testing.B) {
		l := benchLogger(slogsentry.NewHandler(slogsentry.Options{Client: testclient.Parked(b)}))
		b.ReportAllocs()
		for b.Loop() {
			logEvent(l, ctx)
		}
	})
	// The same with storm control on, as it is by default (bursts too
	// large to throttle): the cost of grouping the event.
	b.Run("caller-only-storm", func(b *testing.B) {
		c := testclient.ParkedWith(b, core.StormOptions{GroupBurst: 1 << 30, GlobalBurst: 1 << 30})
		l := benchLogger(slogsentry.NewHandler(slogsentry.Options{Client: c}))
		b.ReportAllocs()
		for b.Loop() {
			logEvent(l, ctx)
		}
	})
	b.Run("flushed", func(b *testing.B) {
		c := benchClient(b)
		l := benchLogger(slogsentry.NewHandler(slogsentry.Options{Client: c}))
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			logEvent(l, ctx)
			if i++; i%100 == 0 {
				c.Flush(ctx)
			}
		}
		c.Flush(ctx)
	})
}

// nopHandler is enabled for everything and does nothing.
type nopHandler struct{}

func (nopHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (nopHandler) Handle(context.Context, slog.Record) error { return nil }
func (h nopHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h nopHandler) WithGroup(string) slog.Handler           { return h }

// BenchmarkLog measures a record sent only as a Sentry log, on the
// logging goroutine:
//
//   - caller: the log worker converts and sends meanwhile (on the other
//     core, where there is one); caller-cpu-ns/op is the benchmark
//     goroutine's thread CPU time, the cost where the log is made.
//   - handler-only: the same, Handle on a prepared record, without the
//     Logger's work (arguments to attributes, the call site's PC).
//   - dropped: the worker parked and the buffer full: the handler's work
//     and the core's up to the queue, without the copy into it.
func BenchmarkLog(b *testing.B) {
	ctx := core.NewIsolationScope(context.Background())
	opts := func(c *core.Client) slogsentry.Options {
		return slogsentry.Options{Client: c, LogsLevel: slog.LevelInfo, BreadcrumbLevel: slogsentry.LevelOff}
	}
	b.Run("caller", func(b *testing.B) {
		c := logsClient(b)
		l := benchLogger(slogsentry.NewHandler(opts(c)))
		benchrun.Cell(b, "Log", "slogsentry", func(b *testing.B) {
			for b.Loop() {
				logBreadcrumb(l, ctx)
			}
			reportLogDrops(b, c)
		})
	})
	b.Run("handler-only", func(b *testing.B) {
		c := logsClient(b)
		h := benchLogger(slogsentry.NewHandler(opts(c))).Handler()
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "cache lookup", 1)
		r.AddAttrs(slog.String("key", "user:42"), slog.Bool("hit", true), slog.Int("size", 128))
		benchrun.Cell(b, "Log", "slogsentry", func(b *testing.B) {
			for b.Loop() {
				_ = h.Handle(ctx, r)
			}
			reportLogDrops(b, c)
		})
	})
	b.Run("dropped", func(b *testing.B) {
		h := benchLogger(slogsentry.NewHandler(opts(testclient.ParkedLogs(b)))).Handler()
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "cache lookup", 1)
		r.AddAttrs(slog.String("key", "user:42"), slog.Bool("hit", true), slog.Int("size", 128))
		b.ReportAllocs()
		for b.Loop() {
			_ = h.Handle(ctx, r)
		}
	})
}

// reportLogDrops flushes c and reports drop/op, the share of the logs that
// the buffer could not take (the cost of a dropped log differs).
func reportLogDrops(b *testing.B, c *core.Client) {
	c.Flush(context.Background())
	b.ReportMetric(float64(c.Stats().Dropped["queue_overflow:log_item"])/float64(b.N), "drop/op")
}

// logsClient is a client that sends logs to a discarding transport, with
// a buffer large enough that a benchmark's logs are accepted while the
// worker keeps up, and no storm control (the workload is one call site).
func logsClient(tb testing.TB) *core.Client {
	tb.Helper()
	return testclient.Open(tb, core.Options{
		Transport: &core.DiscardTransport{}, ServerName: "bench", LogsBuffer: 1 << 16,
		Storm: core.StormOptions{Disabled: true}, LogStorm: core.StormOptions{Disabled: true},
	}, 10*time.Second)
}
