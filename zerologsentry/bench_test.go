//go:build !binary_log

package zerologsentry_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/benchrun"
	"github.com/sentrylog/sentrylog/internal/cputime"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// The benchmarks share the other bridges' workload (see ../bench): a logger
// with two fields added by With, a breadcrumb record with three fields of
// its own, an event record with an error wrapped twice and two fields,
// logged with the request's context. The client drops events after
// building them (core.DiscardTransport) and has storm control off; the
// program's own output is io.Discard.
//
//	go test -run='^$' -bench=. -benchmem -benchtime=200ms ./zerologsentry/

// benchClient returns a client for benchmarks and allocation tests.
func benchClient(tb testing.TB) *core.Client { return testclient.Discarding(tb) }

// benchLogger is the workload's logger: zerolog's defaults (a timestamp),
// through a Writer bound to c, or straight to io.Discard when c is nil.
func benchLogger(c *core.Client) zerolog.Logger {
	var l zerolog.Logger
	if c == nil {
		l = zerolog.New(io.Discard)
	} else {
		w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{Client: c})
		l = zerolog.New(w).Hook(w)
	}
	return l.With().Timestamp().Str("service", "checkout").Int("shard", 7).Logger()
}

var benchErr = fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))

func logDisabled(l *zerolog.Logger, ctx context.Context) {
	l.Debug().Ctx(ctx).Str("method", "GET").Int("status", 200).Msg("cache probe")
}

func logBreadcrumb(l *zerolog.Logger, ctx context.Context) {
	l.Info().Ctx(ctx).Str("method", "GET").Int("status", 200).Dur("elapsed", 3*time.Millisecond).Msg("request served")
}

func logEvent(l *zerolog.Logger, ctx context.Context) {
	l.Error().Ctx(ctx).Err(benchErr).Str("route", "/orders/{id}").Int("user_id", 42).Msg("request failed")
}

// reportCPU starts measuring the process's CPU time; the function it
// returns reports it per operation as cpu-ns/op (all goroutines: in the
// event benchmarks, the client's worker too).
func reportCPU(b *testing.B) func() {
	start := cputime.Process()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cputime.Process()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// BenchmarkDisabled: a Debug record, written to the output but below the
// breadcrumb level; "logger-level" is filtered by the logger's own level
// (zerolog.InfoLevel) before the Writer sees it. zerolog alone is the
// baseline.
func BenchmarkDisabled(b *testing.B) {
	ctx := core.NewIsolationScope(context.Background())
	b.Run("logger-level", func(b *testing.B) {
		l := benchLogger(benchClient(b)).Level(zerolog.InfoLevel)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			logDisabled(&l, ctx)
		}
	})
	b.Run("zerologsentry", func(b *testing.B) {
		l := benchLogger(benchClient(b))
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			logDisabled(&l, ctx)
		}
	})
	b.Run("zerolog", func(b *testing.B) {
		l := benchLogger(nil)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			logDisabled(&l, ctx)
		}
	})
}

// BenchmarkBreadcrumb: an Info record with the request's context; "no-ctx"
// logs without one (no hook work, the global scope); "zerolog" is zerolog
// alone; "writer-only" hands the Writer a ready line, without zerolog's
// work.
func BenchmarkBreadcrumb(b *testing.B) {
	ctx := core.NewIsolationScope(context.Background())
	b.Run("zerologsentry", func(b *testing.B) {
		l := benchLogger(benchClient(b))
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			logBreadcrumb(&l, ctx)
		}
	})
	b.Run("no-ctx", func(b *testing.B) {
		l := benchLogger(benchClient(b))
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			logBreadcrumb(&l, nil)
		}
	})
	b.Run("zerolog", func(b *testing.B) {
		l := benchLogger(nil)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			logBreadcrumb(&l, ctx)
		}
	})
	b.Run("writer-only", func(b *testing.B) {
		w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{Client: benchClient(b)})
		var line bytes.Buffer
		l := zerolog.New(&line).With().Timestamp().Str("service", "checkout").Int("shard", 7).Logger()
		logBreadcrumb(&l, nil)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			_, _ = w.WriteLevel(zerolog.InfoLevel, line.Bytes())
		}
	})
}

// BenchmarkEvent measures the logging goroutine: the event is built and
// dropped by the client's worker meanwhile; events the worker cannot keep up
// with overflow the queue (drop/op), the caller's work is the same.
// "caller-only" has the worker drop nearly everything, so its cpu-ns/op is
// the logging goroutine's alone; "flushed" waits for the worker every 100
// events, so its time includes building the event.
func BenchmarkEvent(b *testing.B) {
	ctx := core.NewIsolationScope(context.Background())
	b.Run("caller", func(b *testing.B) {
		c := benchClient(b)
		l := benchLogger(c)
		b.ReportAllocs()
		defer reportCPU(b)()
		benchrun.Loop(b, c, func() { logEvent(&l, ctx) })
	})
	b.Run("caller-only", func(b *testing.B) {
		// The worker parked (testclient.Parked): every event is dropped at
		// the queue after the logging goroutine has done all of its work,
		// so time, cpu-ns/op and allocations are that goroutine's alone.
		c := testclient.Parked(b)
		l := benchLogger(c)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			logEvent(&l, ctx)
		}
	})
	b.Run("caller-only-storm", func(b *testing.B) {
		// The same with storm control on (bursts too large to throttle).
		c := testclient.ParkedWith(b, core.StormOptions{GroupBurst: 1 << 30, GlobalBurst: 1 << 30})
		l := benchLogger(c)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			logEvent(&l, ctx)
		}
	})
	b.Run("flushed", func(b *testing.B) {
		c := benchClient(b)
		l := benchLogger(c)
		b.ReportAllocs()
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			logEvent(&l, ctx)
			if i++; i%100 == 0 {
				c.Flush(ctx)
			}
		}
		c.Flush(ctx)
	})
	b.Run("zerolog", func(b *testing.B) {
		l := benchLogger(nil)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			logEvent(&l, ctx)
		}
	})
}
