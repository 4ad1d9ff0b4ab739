package zapbench

import (
	"context"
	"io"
	"testing"

	tzs "github.com/TheZeroSlave/zapsentry"
	"github.com/getsentry/sentry-go"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/benchrun"
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

func BenchmarkZap(b *testing.B) {
	zapLogs(b)
	for _, im := range zapImpls() {
		benchrun.Cell(b, "Disabled", im.name, func(b *testing.B) {
			log, _ := im.logger(b, 0)
			for b.Loop() {
				log.Debug(msgDisabled, zap.String(keyMethod, valMethod), zap.Int(keyStatus, valStatus))
			}
		})
		benchrun.Cell(b, "Breadcrumb", im.name, func(b *testing.B) {
			log, _ := im.logger(b, 0)
			log = log.With(zap.String(keyService, valService), zap.Int(keyShard, valShard))
			for b.Loop() {
				log.Info(msgBreadcrumb, zap.String(keyMethod, valMethod), zap.Int(keyStatus, valStatus),
					zap.Duration(keyElapsed, valElapsed))
			}
		})
		benchrun.Cell(b, "Event", im.name, func(b *testing.B) {
			log, c := im.logger(b, eventQueue)
			benchrun.Loop(b, c, func() {
				log.Error(msgEvent, zap.Error(errEvent), zap.String(keyRoute, valRoute), zap.Int(keyUserID, valUserID))
			})
		})
		benchrun.Cell(b, "EventDrained", im.name, func(b *testing.B) {
			log, c := im.logger(b, drainedQueue)
			benchrun.Drained(b, c, func() {
				log.Error(msgEvent, zap.Error(errEvent), zap.String(keyRoute, valRoute), zap.Int(keyUserID, valUserID))
			})
		})
		if im.req == nil {
			continue
		}
		benchrun.Cell(b, "ReqBreadcrumb", im.name, func(b *testing.B) {
			log, _ := im.logger(b, 0)
			log = log.With(zap.String(keyService, valService), zap.Int(keyShard, valShard))
			for b.Loop() {
				log.With(im.req()).Info(msgBreadcrumb, zap.String(keyMethod, valMethod),
					zap.Int(keyStatus, valStatus), zap.Duration(keyElapsed, valElapsed))
			}
		})
		benchrun.Cell(b, "ReqEvent", im.name, func(b *testing.B) {
			log, c := im.logger(b, eventQueue)
			benchrun.Loop(b, c, func() {
				log.With(im.req()).Error(msgEvent, zap.Error(errEvent), zap.String(keyRoute, valRoute),
					zap.Int(keyUserID, valUserID))
			})
		})
	}
}
