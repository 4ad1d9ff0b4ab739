package bench

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	sentryslog "github.com/getsentry/sentry-go/slog"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/benchrun"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// logsClient is a sentrylog client for the Log paths: a discarding
// transport, a log buffer that takes every record of a run (so that the
// caller's cost is that of an accepted log) and no storm control (the
// workload is one call site in a loop, which it would cap).
func logsClient(tb testing.TB) *core.Client {
	tb.Helper()
	c, err := core.New(core.Options{
		Transport: &core.DiscardTransport{}, ServerName: "bench",
		Storm: core.StormOptions{Disabled: true}, LogStorm: core.StormOptions{Disabled: true},
		LogsBuffer: drainedQueue,
	})
	require.NoError(tb, err)
	tb.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// logLoop logs b.N records, then waits until every log has been handed to
// the transport (ours: Flush; sentry-go: its batch processor's flush), all
// timed: cpu-ns/op is then the whole process's cost per log, the worker's
// conversion, scrubbing and encoding included.
func logLoop(b *testing.B, flush func(), log func()) {
	for b.Loop() {
		log()
	}
	flush()
}

// slogLogs runs, within BenchmarkSlog, an Info record sent as a Sentry
// log: the Breadcrumb workload's record on a logger with two With
// attributes, timed until every log has been handed to the transport.
//
//   - Log: the record becomes only a log (sentry-go's handler: its Info
//     path, LogLevel Info).
//   - BreadcrumbLog: the record is a breadcrumb and a log (the cost of
//     turning logs on beside the Breadcrumb path).
func slogLogs(b *testing.B) {
	logRecord := func(log *slog.Logger) {
		log.Info(MsgBreadcrumb, KeyMethod, ValMethod, KeyStatus, ValStatus, KeyElapsed, ValElapsed)
	}
	benchrun.Cell(b, "Log", "sentrylog", func(b *testing.B) {
		c := logsClient(b)
		log := slog.New(slogsentry.NewHandler(slogsentry.Options{
			Client: c, LogsLevel: slog.LevelInfo, BreadcrumbLevel: slogsentry.LevelOff,
		})).With(KeyService, ValService, KeyShard, ValShard)
		before := c.Stats().Dropped["queue_overflow:log_item"]
		logLoop(b, func() { c.Flush(context.Background()) }, func() { logRecord(log) })
		b.ReportMetric(float64(c.Stats().Dropped["queue_overflow:log_item"]-before)/float64(b.N), "drop/op")
	})
	benchrun.Cell(b, "BreadcrumbLog", "sentrylog", func(b *testing.B) {
		c := logsClient(b)
		log := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, LogsLevel: slog.LevelInfo})).
			With(KeyService, ValService, KeyShard, ValShard)
		logLoop(b, func() { c.Flush(context.Background()) }, func() { logRecord(log) })
	})
	benchrun.Cell(b, "Log", "sentry-go", func(b *testing.B) {
		hub, _ := sentryHub(b)
		ctx := sentry.SetHubOnContext(context.Background(), hub)
		log := slog.New(sentryslog.Option{
			EventLevel: []slog.Level{slog.LevelError, sentryslog.LevelFatal},
			LogLevel:   []slog.Level{slog.LevelInfo, slog.LevelWarn},
			Hub:        hub,
		}.NewSentryHandler(ctx)).With(KeyService, ValService, KeyShard, ValShard)
		logLoop(b, func() { hub.Flush(10 * time.Second) }, func() { logRecord(log) })
	})
}
