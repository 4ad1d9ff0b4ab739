package bench

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/getsentry/sentry-go"
	sentryslog "github.com/getsentry/sentry-go/slog"
	samber "github.com/samber/slog-sentry/v2"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/benchrun"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// slogImpl is one slog.Handler under test. req, when set, makes the context
// of one request (its own scope or hub).
type slogImpl struct {
	name string
	// handler returns the handler; hub is the peer's hub, nil for ours.
	// queue is our client's QueueSize (0: the default).
	handler func(b *testing.B, queue int) (h slog.Handler, client *core.Client, hub *sentry.Hub)
	// breadcrumbs says whether Info records become something (a breadcrumb
	// or its nearest equivalent) rather than nothing.
	breadcrumbs bool
	req         func(hub *sentry.Hub) context.Context
}

func slogImpls() []slogImpl {
	return []slogImpl{
		{
			name: "baseline-discard",
			handler: func(*testing.B, int) (slog.Handler, *core.Client, *sentry.Hub) {
				return slog.DiscardHandler, nil, nil
			},
			breadcrumbs: true,
		},
		{
			name: "baseline-json",
			handler: func(*testing.B, int) (slog.Handler, *core.Client, *sentry.Hub) {
				return slog.NewJSONHandler(io.Discard, nil), nil, nil
			},
			breadcrumbs: true,
		},
		{
			name: "sentrylog",
			handler: func(b *testing.B, queue int) (slog.Handler, *core.Client, *sentry.Hub) {
				c := ourClientQueue(b, queue)
				return slogsentry.NewHandler(slogsentry.Options{Client: c}), c, nil
			},
			breadcrumbs: true,
			req: func(*sentry.Hub) context.Context {
				return core.NewIsolationScope(context.Background())
			},
		},
		{
			// sentry-go's own handler has no breadcrumbs: records below the
			// event levels become Sentry log entries, its nearest equivalent.
			name: "sentry-go",
			handler: func(b *testing.B, _ int) (slog.Handler, *core.Client, *sentry.Hub) {
				hub, _ := sentryHub(b)
				ctx := sentry.SetHubOnContext(context.Background(), hub)
				return sentryslog.Option{
					EventLevel: []slog.Level{slog.LevelError, sentryslog.LevelFatal},
					LogLevel:   []slog.Level{slog.LevelInfo, slog.LevelWarn},
					Hub:        hub,
				}.NewSentryHandler(ctx), nil, hub
			},
			breadcrumbs: true,
			req:         perRequestHub,
		},
		{
			// samber/slog-sentry makes every record at or above its level an
			// event and has nothing lighter: with Level Error an Info record
			// costs what a disabled one does, so it has no breadcrumb cell.
			name: "samber",
			handler: func(b *testing.B, _ int) (slog.Handler, *core.Client, *sentry.Hub) {
				hub, _ := sentryHub(b)
				return samber.Option{Level: slog.LevelError, Hub: hub}.NewSentryHandler(), nil, hub
			},
			req: perRequestHub,
		},
	}
}

// perRequestHub is what sentry-go's HTTP middleware does per request: a
// clone of the hub, carried by the request's context.
func perRequestHub(hub *sentry.Hub) context.Context {
	return sentry.SetHubOnContext(context.Background(), hub.Clone())
}

func BenchmarkSlog(b *testing.B) {
	slogLogs(b)
	for _, im := range slogImpls() {
		benchrun.Cell(b, "Disabled", im.name, func(b *testing.B) {
			h, _, _ := im.handler(b, 0)
			log := slog.New(h)
			for b.Loop() {
				log.Debug(MsgDisabled, KeyMethod, ValMethod, KeyStatus, ValStatus)
			}
		})
		if im.breadcrumbs {
			benchrun.Cell(b, "Breadcrumb", im.name, func(b *testing.B) {
				h, _, _ := im.handler(b, 0)
				log := slog.New(h).With(KeyService, ValService, KeyShard, ValShard)
				for b.Loop() {
					log.Info(MsgBreadcrumb, KeyMethod, ValMethod, KeyStatus, ValStatus, KeyElapsed, ValElapsed)
				}
			})
		}
		benchrun.Cell(b, "Event", im.name, func(b *testing.B) {
			h, c, _ := im.handler(b, eventQueue)
			log := slog.New(h)
			logEvent := func() {
				log.Error(MsgEvent, "error", Err, KeyRoute, ValRoute, KeyUserID, ValUserID)
			}
			benchrun.Loop(b, c, logEvent)
		})
		benchrun.Cell(b, "EventDrained", im.name, func(b *testing.B) {
			h, c, _ := im.handler(b, drainedQueue)
			log := slog.New(h)
			benchrun.Drained(b, c, func() {
				log.Error(MsgEvent, "error", Err, KeyRoute, ValRoute, KeyUserID, ValUserID)
			})
		})
		if im.name == "sentrylog" || im.name == "sentry-go" {
			// An event carrying a full ring of 100 breadcrumbs (sentry-go's
			// handler makes none: they are added to its hub's scope, with
			// the data the Breadcrumb path's records carry).
			benchrun.Cell(b, "EventCrumbs", im.name, func(b *testing.B) {
				h, c, hub := im.handler(b, drainedQueue)
				log := slog.New(h)
				for range 100 {
					if hub != nil {
						hub.AddBreadcrumb(&sentry.Breadcrumb{Category: "log", Message: MsgBreadcrumb, Level: sentry.LevelInfo,
							Data: map[string]any{KeyService: ValService, KeyShard: ValShard, KeyMethod: ValMethod,
								KeyStatus: ValStatus, KeyElapsed: ValElapsed.String()}}, nil)
						continue
					}
					log.With(KeyService, ValService, KeyShard, ValShard).
						Info(MsgBreadcrumb, KeyMethod, ValMethod, KeyStatus, ValStatus, KeyElapsed, ValElapsed)
				}
				benchrun.Drained(b, c, func() {
					log.Error(MsgEvent, "error", Err, KeyRoute, ValRoute, KeyUserID, ValUserID)
				})
			})
		}
		if im.req == nil {
			continue
		}
		if im.breadcrumbs {
			benchrun.Cell(b, "ReqBreadcrumb", im.name, func(b *testing.B) {
				h, _, hub := im.handler(b, 0)
				log := slog.New(h).With(KeyService, ValService, KeyShard, ValShard)
				for b.Loop() {
					ctx := im.req(hub)
					log.InfoContext(ctx, MsgBreadcrumb, KeyMethod, ValMethod, KeyStatus, ValStatus, KeyElapsed, ValElapsed)
				}
			})
		}
		benchrun.Cell(b, "ReqEvent", im.name, func(b *testing.B) {
			h, c, hub := im.handler(b, eventQueue)
			log := slog.New(h)
			logEvent := func() {
				ctx := im.req(hub)
				log.ErrorContext(ctx, MsgEvent, "error", Err, KeyRoute, ValRoute, KeyUserID, ValUserID)
			}
			benchrun.Loop(b, c, logEvent)
		})
	}
}
