package bench

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sentryslog "github.com/getsentry/sentry-go/slog"
	sentryzerolog "github.com/getsentry/sentry-go/zerolog"
	samber "github.com/samber/slog-sentry/v2"

	"github.com/sentrylog/sentrylog/logrussentry"
	"github.com/sentrylog/sentrylog/slogsentry"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// The Event record reaches every transport exactly once and the Disabled
// one reaches none: the benchmarks measure bridges that do their work, not
// set-ups that quietly drop it.
func TestEventReachesEveryTransport(t *testing.T) {
	ctx := context.Background()

	t.Run("sentrylog", func(t *testing.T) {
		c := ourClient(t)
		slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c})).Debug(MsgDisabled)
		slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c})).Error(MsgEvent, "error", Err)
		w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{Client: c})
		zl := zerolog.New(w).Hook(w)
		zl.Debug().Msg(MsgDisabled)
		zl.Error().Err(Err).Msg(MsgEvent)
		ll := logrusBaseline()
		ll.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c}))
		ll.Debug(MsgDisabled)
		ll.WithError(Err).Error(MsgEvent)
		require.True(t, c.Flush(ctx))
		assert.EqualValues(t, 3, c.Stats().Delivered)
	})
	t.Run("sentry-go/slog", func(t *testing.T) {
		hub, tr := sentryHub(t)
		h := sentryslog.Option{
			EventLevel: []slog.Level{slog.LevelError},
			LogLevel:   []slog.Level{slog.LevelInfo},
			Hub:        hub,
		}.NewSentryHandler(ctx)
		slog.New(h).Debug(MsgDisabled)
		slog.New(h).Error(MsgEvent, "error", Err)
		assert.EqualValues(t, 1, tr.Events())
	})
	t.Run("samber", func(t *testing.T) {
		hub, tr := sentryHub(t)
		h := samber.Option{Level: slog.LevelError, Hub: hub}.NewSentryHandler()
		slog.New(h).Info(MsgBreadcrumb)
		slog.New(h).Error(MsgEvent, "error", Err)
		assert.EqualValues(t, 1, tr.Events())
	})
	t.Run("sentry-go/zerolog", func(t *testing.T) {
		hub, tr := sentryHub(t)
		w, err := sentryzerolog.NewWithHub(hub, sentryzerolog.Options{WithBreadcrumbs: true})
		require.NoError(t, err)
		zl := zerolog.New(w)
		zl.Info().Msg(MsgBreadcrumb)
		zl.Error().Err(Err).Msg(MsgEvent)
		assert.EqualValues(t, 1, tr.Events())
	})
	t.Run("sentry-go/logrus", func(t *testing.T) {
		hub, tr := sentryHub(t)
		ll := logrusBaseline()
		ll.AddHook(peerLogrusHooks(hub))
		ll.Debug(MsgDisabled)
		ll.Info(MsgBreadcrumb) // a Sentry log entry, not an event
		ll.WithError(Err).Error(MsgEvent)
		assert.EqualValues(t, 1, tr.Events())
	})
}
