package bench

import (
	"context"
	"io"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	sentryzerolog "github.com/getsentry/sentry-go/zerolog"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/benchrun"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// zerologImpl is one zerolog set-up under test. Every logger writes its
// lines to io.Discard at level Info, so Debug is below every threshold and
// every bridge pays for the JSON encoding the program pays for anyway.
type zerologImpl struct {
	name string
	// logger returns the logger; queue is our client's QueueSize (0: the
	// default).
	logger func(b *testing.B, queue int) (zerolog.Logger, *core.Client)
	// req makes the context of one request; nil when the bridge has no
	// per-request scope.
	req func() context.Context
}

func zerologImpls() []zerologImpl {
	return []zerologImpl{
		{
			name: "baseline",
			logger: func(*testing.B, int) (zerolog.Logger, *core.Client) {
				return zerolog.New(io.Discard).Level(zerolog.InfoLevel), nil
			},
		},
		{
			name: "sentrylog",
			logger: func(b *testing.B, queue int) (zerolog.Logger, *core.Client) {
				c := ourClientQueue(b, queue)
				w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{Client: c})
				return zerolog.New(w).Hook(w).Level(zerolog.InfoLevel), c
			},
			req: func() context.Context { return core.NewIsolationScope(context.Background()) },
		},
		{
			// sentry-go's writer, beside the program's output as its README
			// shows, with breadcrumbs on. It is bound to one hub and does not
			// read the record's context: no per-request variant.
			name: "sentry-go",
			logger: func(b *testing.B, _ int) (zerolog.Logger, *core.Client) {
				hub, _ := sentryHub(b)
				w, err := sentryzerolog.NewWithHub(hub, sentryzerolog.Options{WithBreadcrumbs: true})
				require.NoError(b, err)
				out := zerolog.MultiLevelWriter(io.Discard, w)
				return zerolog.New(out).Level(zerolog.InfoLevel), nil
			},
		},
	}
}

func BenchmarkZerolog(b *testing.B) {
	for _, im := range zerologImpls() {
		benchrun.Cell(b, "Disabled", im.name, func(b *testing.B) {
			log, _ := im.logger(b, 0)
			for b.Loop() {
				log.Debug().Str(KeyMethod, ValMethod).Int(KeyStatus, ValStatus).Msg(MsgDisabled)
			}
		})
		benchrun.Cell(b, "Breadcrumb", im.name, func(b *testing.B) {
			log, _ := im.logger(b, 0)
			log = log.With().Str(KeyService, ValService).Int(KeyShard, ValShard).Logger()
			for b.Loop() {
				log.Info().Str(KeyMethod, ValMethod).Int(KeyStatus, ValStatus).
					Dur(KeyElapsed, ValElapsed).Msg(MsgBreadcrumb)
			}
		})
		benchrun.Cell(b, "Event", im.name, func(b *testing.B) {
			log, c := im.logger(b, eventQueue)
			logEvent := func() {
				log.Error().Err(Err).Str(KeyRoute, ValRoute).Int(KeyUserID, ValUserID).Msg(MsgEvent)
			}
			benchrun.Loop(b, c, logEvent)
		})
		benchrun.Cell(b, "EventDrained", im.name, func(b *testing.B) {
			log, c := im.logger(b, drainedQueue)
			benchrun.Drained(b, c, func() {
				log.Error().Err(Err).Str(KeyRoute, ValRoute).Int(KeyUserID, ValUserID).Msg(MsgEvent)
			})
		})
		if im.req == nil {
			continue
		}
		benchrun.Cell(b, "ReqBreadcrumb", im.name, func(b *testing.B) {
			log, _ := im.logger(b, 0)
			log = log.With().Str(KeyService, ValService).Int(KeyShard, ValShard).Logger()
			for b.Loop() {
				log.Info().Ctx(im.req()).Str(KeyMethod, ValMethod).Int(KeyStatus, ValStatus).
					Dur(KeyElapsed, ValElapsed).Msg(MsgBreadcrumb)
			}
		})
		benchrun.Cell(b, "ReqEvent", im.name, func(b *testing.B) {
			log, c := im.logger(b, eventQueue)
			benchrun.Loop(b, c, func() {
				log.Error().Ctx(im.req()).Err(Err).Str(KeyRoute, ValRoute).Int(KeyUserID, ValUserID).Msg(MsgEvent)
			})
		})
	}
}
