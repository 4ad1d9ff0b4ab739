package zapbench

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/benchrun"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// zapLogs runs, within BenchmarkZap, the Breadcrumb workload's entry sent
// as a Sentry log, timed until every log is handed to the transport:
// BreadcrumbLog (breadcrumb and log: the cost of turning logs on) and Log
// (a log only). sentry-go's zap integration (getsentry/sentry-go/zap) is
// not among the peers: this module pins sentry-go v0.45.1 for
// TheZeroSlave/zapsentry.
func zapLogs(b *testing.B) {
	for _, tc := range []struct {
		path  string
		crumb zapcore.LevelEnabler
	}{{"BreadcrumbLog", zapcore.InfoLevel}, {"Log", zapsentry.LevelOff}} {
		benchrun.Cell(b, tc.path, "sentrylog", func(b *testing.B) {
			c, err := core.New(core.Options{
				Transport: &core.DiscardTransport{}, ServerName: "bench",
				Storm: core.StormOptions{Disabled: true}, LogStorm: core.StormOptions{Disabled: true},
				LogsBuffer: 1 << 17,
			})
			require.NoError(b, err)
			b.Cleanup(func() { c.Close(context.Background()) })
			log := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c, BreadcrumbLevel: tc.crumb, LogsLevel: zapcore.InfoLevel})).
				With(zap.String(keyService, valService), zap.Int(keyShard, valShard))
			for b.Loop() {
				log.Info(msgBreadcrumb, zap.String(keyMethod, valMethod), zap.Int(keyStatus, valStatus),
					zap.Duration(keyElapsed, valElapsed))
			}
			c.Flush(context.Background())
		})
	}
}
