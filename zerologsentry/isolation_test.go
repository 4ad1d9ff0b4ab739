//go:build !binary_log

package zerologsentry_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/isolationtest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// Concurrent requests keep their breadcrumbs, users and tags to themselves
// through hooks that discard, sample and modify events, before and after
// 100,000 discarded events with contexts.
func TestConcurrentIsolation(t *testing.T) {
	discards := 100_000
	if testing.Short() {
		discards = 10_000
	}
	c, mt := testclient.New(t, core.Options{QueueSize: 4 * isolationtest.Requests,
		Storm: core.StormOptions{Disabled: true}})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	var n atomic.Int64
	logger := zerolog.New(w).Hook(w).
		// Discards health checks and every third "noise" event.
		Hook(zerolog.HookFunc(func(e *zerolog.Event, _ zerolog.Level, msg string) {
			if msg == "health" || msg == "noise" && n.Add(1)%3 == 0 {
				e.Discard()
			}
		})).
		// Modifies events.
		Hook(zerolog.HookFunc(func(e *zerolog.Event, _ zerolog.Level, _ string) { e.Bool("hooked", true) })).
		With().Timestamp().Logger()
	sampled := logger.Sample(&zerolog.BasicSampler{N: 2})

	discard := func(count int) {
		for range count {
			logger.Info().Ctx(core.NewIsolationScope(context.Background())).Msg("health")
		}
	}
	discard(discards / 2)
	isolationtest.Run(t, c, mt, func(ctx context.Context, i int) {
		reqLogger := logger.With().Ctx(ctx).Int("req", i).Logger()
		ctx = reqLogger.WithContext(ctx)
		for s := 0; s < isolationtest.Steps; s++ {
			switch s % 4 {
			case 0:
				zerolog.Ctx(ctx).Info().Msg(isolationtest.Crumb(i, s))
			case 1:
				logger.Warn().Ctx(ctx).Str("s", "x").Msg(isolationtest.Crumb(i, s))
			case 2:
				reqLogger.Info().Dict("d", zerolog.Dict().Int("s", s)).Msg(isolationtest.Crumb(i, s))
			default:
				reqLogger.Info().Msg(isolationtest.Crumb(i, s))
			}
			reqLogger.Info().Msg("health")
			reqLogger.Info().Msg("noise")
			sampled.Info().Ctx(ctx).Msg("noise")
			discard(discards / 2 / isolationtest.Requests / isolationtest.Steps)
		}
		zerolog.Ctx(ctx).Error().Msg(isolationtest.Failure(i))
	})
}
