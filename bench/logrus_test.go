package bench

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	sentrylogrus "github.com/getsentry/sentry-go/logrus"
	"github.com/sirupsen/logrus"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/benchrun"
	"github.com/sentrylog/sentrylog/logrussentry"
)

// logrusImpl is one logrus set-up under test. Every logger writes JSON
// (logrus's JSONFormatter) to io.Discard at level Info, so Debug is below
// every threshold and every hook runs beside the formatting the program
// pays for anyway.
type logrusImpl struct {
	name string
	// logger returns the logger; queue is our client's QueueSize (0: the
	// default).
	logger func(b *testing.B, queue int) (*logrus.Logger, *core.Client)
	// req makes the context of one request; nil when the hook has no
	// per-request scope.
	req func() context.Context
}

// logrusBaseline is the program's logger without any hook.
func logrusBaseline() *logrus.Logger {
	l := logrus.New()
	l.Out = io.Discard
	l.Formatter = &logrus.JSONFormatter{}
	l.Level = logrus.InfoLevel
	return l
}

func logrusImpls() []logrusImpl {
	return []logrusImpl{
		{
			name: "baseline",
			logger: func(*testing.B, int) (*logrus.Logger, *core.Client) {
				return logrusBaseline(), nil
			},
		},
		{
			name: "sentrylog",
			logger: func(b *testing.B, queue int) (*logrus.Logger, *core.Client) {
				c := ourClientQueue(b, queue)
				l := logrusBaseline()
				l.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c}))
				return l, c
			},
			req: func() context.Context { return core.NewIsolationScope(context.Background()) },
		},
		{
			// sentry-go's hooks: the event hook for Error and up, and, as
			// its nearest equivalent of breadcrumbs (it has none), the log
			// hook for Info and Warn, which makes them Sentry log entries.
			// Both are bound to one hub and read the entry's context only
			// as a hint: no per-request variant.
			name: "sentry-go",
			logger: func(b *testing.B, _ int) (*logrus.Logger, *core.Client) {
				hub, _ := sentryHub(b)
				l := logrusBaseline()
				l.AddHook(peerLogrusHooks(hub))
				return l, nil
			},
		},
	}
}

// peerLogrusHooks returns sentry-go's event and log hooks bound to hub, as
// one hook.
func peerLogrusHooks(hub *sentry.Hub) logrus.Hook {
	//nolint:staticcheck // the event hook is deprecated upstream but is what makes events
	events := sentrylogrus.NewEventHookFromClient(
		[]logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel}, hub.Client())
	events.SetHubProvider(func() *sentry.Hub { return hub })
	logs := sentrylogrus.NewLogHookFromClient([]logrus.Level{logrus.WarnLevel, logrus.InfoLevel}, hub.Client())
	logs.SetHubProvider(func() *sentry.Hub { return hub })
	return hookPair{events, logs}
}

// hookPair fires a for its levels and b for its own.
type hookPair struct{ a, b logrus.Hook }

func (p hookPair) Levels() []logrus.Level {
	return append(append([]logrus.Level(nil), p.a.Levels()...), p.b.Levels()...)
}

func (p hookPair) Fire(e *logrus.Entry) error {
	for _, l := range p.a.Levels() {
		if l == e.Level {
			return p.a.Fire(e)
		}
	}
	return p.b.Fire(e)
}

func BenchmarkLogrus(b *testing.B) {
	for _, im := range logrusImpls() {
		benchrun.Cell(b, "Disabled", im.name, func(b *testing.B) {
			l, _ := im.logger(b, 0)
			for b.Loop() {
				l.WithFields(logrus.Fields{KeyMethod: ValMethod, KeyStatus: ValStatus}).Debug(MsgDisabled)
			}
		})
		benchrun.Cell(b, "Breadcrumb", im.name, func(b *testing.B) {
			l, _ := im.logger(b, 0)
			log := l.WithFields(logrus.Fields{KeyService: ValService, KeyShard: ValShard})
			for b.Loop() {
				log.WithFields(logrus.Fields{KeyMethod: ValMethod, KeyStatus: ValStatus, KeyElapsed: ValElapsed}).
					Info(MsgBreadcrumb)
			}
		})
		benchrun.Cell(b, "Event", im.name, func(b *testing.B) {
			l, c := im.logger(b, eventQueue)
			logEvent := func() {
				l.WithError(Err).WithFields(logrus.Fields{KeyRoute: ValRoute, KeyUserID: ValUserID}).Error(MsgEvent)
			}
			benchrun.Loop(b, c, logEvent)
		})
		benchrun.Cell(b, "EventDrained", im.name, func(b *testing.B) {
			l, c := im.logger(b, drainedQueue)
			benchrun.Drained(b, c, func() {
				l.WithError(Err).WithFields(logrus.Fields{KeyRoute: ValRoute, KeyUserID: ValUserID}).Error(MsgEvent)
			})
		})
		if im.req == nil {
			continue
		}
		benchrun.Cell(b, "ReqBreadcrumb", im.name, func(b *testing.B) {
			l, _ := im.logger(b, 0)
			log := l.WithFields(logrus.Fields{KeyService: ValService, KeyShard: ValShard})
			for b.Loop() {
				log.WithContext(im.req()).
					WithFields(logrus.Fields{KeyMethod: ValMethod, KeyStatus: ValStatus, KeyElapsed: ValElapsed}).
					Info(MsgBreadcrumb)
			}
		})
		benchrun.Cell(b, "ReqEvent", im.name, func(b *testing.B) {
			l, c := im.logger(b, eventQueue)
			benchrun.Loop(b, c, func() {
				l.WithContext(im.req()).WithError(Err).
					WithFields(logrus.Fields{KeyRoute: ValRoute, KeyUserID: ValUserID}).Error(MsgEvent)
			})
		})
	}
}

// hookImpl is one hook, fired directly on a prepared entry: what the hook
// adds to a logging call, without logrus's own work (the entry, its fields,
// the formatting), which is the same whichever hook is added.
type hookImpl struct {
	name string
	hook func(b *testing.B, queue int) (logrus.Hook, *core.Client)
	req  func() context.Context
}

func hookImpls() []hookImpl {
	return []hookImpl{
		{
			name: "sentrylog",
			hook: func(b *testing.B, queue int) (logrus.Hook, *core.Client) {
				c := ourClientQueue(b, queue)
				return logrussentry.NewHook(logrussentry.Options{Client: c}), c
			},
			req: func() context.Context { return core.NewIsolationScope(context.Background()) },
		},
		{
			name: "sentry-go",
			hook: func(b *testing.B, _ int) (logrus.Hook, *core.Client) {
				hub, _ := sentryHub(b)
				return peerLogrusHooks(hub), nil
			},
		},
	}
}

// hookEntry is the entry logrus hands a hook for the workload's record:
// the With fields and the record's own in one map, the time set.
func hookEntry(l *logrus.Logger, ctx context.Context, level logrus.Level, msg string, fields logrus.Fields) *logrus.Entry {
	e := l.WithFields(fields).WithContext(ctx)
	e.Level, e.Message, e.Time = level, msg, time.Now()
	return e
}

func BenchmarkLogrusHook(b *testing.B) {
	l := logrusBaseline()
	crumb := logrus.Fields{KeyService: ValService, KeyShard: ValShard, KeyMethod: ValMethod, KeyStatus: ValStatus, KeyElapsed: ValElapsed}
	event := logrus.Fields{logrus.ErrorKey: Err, KeyRoute: ValRoute, KeyUserID: ValUserID}
	for _, im := range hookImpls() {
		benchrun.Cell(b, "Breadcrumb", im.name, func(b *testing.B) {
			h, _ := im.hook(b, 0)
			e := hookEntry(l, context.Background(), logrus.InfoLevel, MsgBreadcrumb, crumb)
			for b.Loop() {
				_ = h.Fire(e)
			}
		})
		benchrun.Cell(b, "Event", im.name, func(b *testing.B) {
			h, c := im.hook(b, eventQueue)
			e := hookEntry(l, context.Background(), logrus.ErrorLevel, MsgEvent, event)
			fire := func() { _ = h.Fire(e) }
			benchrun.Loop(b, c, fire)
		})
		if im.req == nil {
			continue
		}
		benchrun.Cell(b, "ReqBreadcrumb", im.name, func(b *testing.B) {
			h, _ := im.hook(b, 0)
			for b.Loop() {
				_ = h.Fire(hookEntry(l, im.req(), logrus.InfoLevel, MsgBreadcrumb, crumb))
			}
		})
		benchrun.Cell(b, "ReqEvent", im.name, func(b *testing.B) {
			h, c := im.hook(b, eventQueue)
			benchrun.Loop(b, c, func() {
				_ = h.Fire(hookEntry(l, im.req(), logrus.ErrorLevel, MsgEvent, event))
			})
		})
	}
}
