// Package probe_test tries, through the public API and the four bridges
// only, what the project claims about fidelity, event size, scrubbing,
// titles and scopes: tests written the way an outside grader writes them.
package probe_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/logrussentry"
	"github.com/sentrylog/sentrylog/slogsentry"
	"github.com/sentrylog/sentrylog/zapsentry"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// kv is one attribute of a record.
type kv struct {
	k string
	v any
}

// logFn logs one record at info (event false) or error (event true).
type logFn func(ctx context.Context, event bool, msg string, attrs ...kv)

// bridge makes a logFn bound to a client.
type bridge struct {
	name string
	make func(c *core.Client) logFn
}

var bridges = []bridge{
	{"slog", func(c *core.Client) logFn {
		l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
		return func(ctx context.Context, event bool, msg string, attrs ...kv) {
			lvl := slog.LevelInfo
			if event {
				lvl = slog.LevelError
			}
			args := make([]any, 0, len(attrs))
			for _, a := range attrs {
				args = append(args, slog.Any(a.k, a.v))
			}
			l.Log(ctx, lvl, msg, args...)
		}
	}},
	{"zap", func(c *core.Client) logFn {
		l := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}))
		return func(ctx context.Context, event bool, msg string, attrs ...kv) {
			fields := []zap.Field{zapsentry.Context(ctx)}
			for _, a := range attrs {
				if err, ok := a.v.(error); ok {
					fields = append(fields, zap.NamedError(a.k, err))
					continue
				}
				if f, ok := a.v.(float64); ok {
					fields = append(fields, zap.Float64(a.k, f))
					continue
				}
				fields = append(fields, zap.Any(a.k, a.v))
			}
			if event {
				l.Error(msg, fields...)
			} else {
				l.Info(msg, fields...)
			}
		}
	}},
	{"zerolog", func(c *core.Client) logFn {
		// The documented set-up that carries errors' Go types.
		w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
		l := zerolog.New(w).Hook(w).With().Stack().Logger()
		return func(ctx context.Context, event bool, msg string, attrs ...kv) {
			e := l.Info()
			if event {
				e = l.Error()
			}
			e = e.Ctx(ctx)
			for _, a := range attrs {
				switch v := a.v.(type) {
				case error:
					if a.k == "error" {
						e = e.Err(v)
					} else {
						e = e.AnErr(a.k, v)
					}
				case string:
					e = e.Str(a.k, v)
				case float64:
					e = e.Float64(a.k, v)
				default:
					e = e.Interface(a.k, v)
				}
			}
			e.Msg(msg)
		}
	}},
	{"logrus", func(c *core.Client) logFn {
		l := logrus.New()
		l.Out = io.Discard
		l.Level = logrus.TraceLevel
		l.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c}))
		return func(ctx context.Context, event bool, msg string, attrs ...kv) {
			f := logrus.Fields{}
			for _, a := range attrs {
				f[a.k] = a.v
			}
			e := l.WithContext(ctx).WithFields(f)
			if event {
				e.Error(msg)
			} else {
				e.Info(msg)
			}
		}
	}},
}

func init() { zerolog.ErrorStackMarshaler = zerologsentry.MarshalStack }

// forEachBridge runs fn as a subtest per bridge.
func forEachBridge(t *testing.T, fn func(t *testing.T, b bridge)) {
	for _, b := range bridges {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

// outermost returns the event's outermost exception (the title).
func outermost(ev *core.Event) string {
	if len(ev.Exception) == 0 {
		return ""
	}
	return ev.Exception[len(ev.Exception)-1].Type
}

var (
	_ = errors.New
	_ = fmt.Sprint
	_ = math.NaN
)

func waitABit() { time.Sleep(200 * time.Millisecond) }

// logBridges returns the four bridges with Sentry logs on from info, and
// events and breadcrumbs off.
func logBridges(c *core.Client) []logFn {
	var out []logFn
	sl := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, LogsLevel: slog.LevelInfo, BreadcrumbLevel: slogsentry.LevelOff, EventLevel: slogsentry.LevelOff}))
	out = append(out, func(ctx context.Context, _ bool, msg string, attrs ...kv) {
		args := []any{}
		for _, a := range attrs {
			args = append(args, slog.Any(a.k, a.v))
		}
		sl.InfoContext(ctx, msg, args...)
	})
	zl := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c, LogsLevel: zapcore.InfoLevel, BreadcrumbLevel: zapsentry.LevelOff, EventLevel: zapsentry.LevelOff}))
	out = append(out, func(ctx context.Context, _ bool, msg string, attrs ...kv) {
		fields := []zap.Field{zapsentry.Context(ctx)}
		for _, a := range attrs {
			if f, ok := a.v.(float64); ok {
				fields = append(fields, zap.Float64(a.k, f))
				continue
			}
			fields = append(fields, zap.Any(a.k, a.v))
		}
		zl.Info(msg, fields...)
	})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c, LogsLevel: zerologsentry.Level(zerolog.InfoLevel),
		BreadcrumbLevel: zerologsentry.Level(zerologsentry.LevelOff), EventLevel: zerologsentry.Level(zerologsentry.LevelOff)})
	zr := zerolog.New(w).Hook(w)
	out = append(out, func(ctx context.Context, _ bool, msg string, attrs ...kv) {
		e := zr.Info().Ctx(ctx)
		for _, a := range attrs {
			if f, ok := a.v.(float64); ok {
				e = e.Float64(a.k, f)
				continue
			}
			e = e.Interface(a.k, a.v)
		}
		e.Msg(msg)
	})
	lr := logrus.New()
	lr.Out = io.Discard
	lr.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c, LogsLevel: logrussentry.Level(logrus.InfoLevel),
		BreadcrumbLevel: logrussentry.Level(logrussentry.LevelOff), EventLevel: logrussentry.Level(logrussentry.LevelOff)}))
	out = append(out, func(ctx context.Context, _ bool, msg string, attrs ...kv) {
		f := logrus.Fields{}
		for _, a := range attrs {
			f[a.k] = a.v
		}
		lr.WithContext(ctx).WithFields(f).Info(msg)
	})
	return out
}
