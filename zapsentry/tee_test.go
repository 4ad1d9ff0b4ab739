package zapsentry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// observed is what an observer core saw of one entry, without its time.
type observed struct {
	Level   zapcore.Level
	Logger  string
	Message string
	Caller  string
	Fields  map[string]any
}

// teeRun logs a fixed script through a tee of an observer and a JSON core,
// with or without a sentry Core in the tee, and with or without Context
// fields; it returns what the two other cores produced.
func teeRun(t *testing.T, withSentry, withContext bool) (string, []observed, []*core.Event) {
	t.Helper()
	obsCore, logs := observer.New(zapcore.DebugLevel)
	var buf bytes.Buffer
	cfg := zap.NewProductionEncoderConfig()
	cfg.TimeKey = "" // deterministic output
	jsonCore := zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(&buf), zapcore.DebugLevel)
	cores := []zapcore.Core{obsCore, jsonCore}
	c, mt := newClient(t)
	if withSentry {
		cores = append(cores, zapsentry.NewCore(zapsentry.Options{Client: c, BreadcrumbLevel: zapcore.DebugLevel}))
	}
	logger := zap.New(zapcore.NewTee(cores...), zap.AddCaller())

	ctxField := func(ctx context.Context) []zap.Field {
		if withContext {
			return []zap.Field{zapsentry.Context(ctx)}
		}
		return nil
	}
	ctx := core.NewIsolationScope(context.Background())
	req := logger.Named("http").With(append(ctxField(ctx), zap.String("request_id", "r-1"))...)
	req.Debug("start", zap.Int("n", 1))
	req.Info("step", append(ctxField(ctx), zap.Namespace("db"), zap.Duration("took", time.Millisecond))...)
	req.Warn("slow", zap.Stringer("who", stringer("me")))
	ns := req.With(zap.Namespace("user"), zap.String("id", "u1"))
	ns.Info("inside", zap.Bool("ok", true))
	err := fmt.Errorf("handler: %w", errors.New("db down"))
	req.Error("failed", zap.Error(err), zap.Object("p", point{1, 2}), zap.Errors("all", []error{err}))
	logger.DPanic("dpanic in production does not panic", ctxField(ctx)...)
	logger.With(ctxField(ctx)...).Error("bare")

	out := make([]observed, 0, logs.Len())
	for _, e := range logs.AllUntimed() {
		out = append(out, observed{e.Level, e.LoggerName, e.Message, e.Caller.String(), e.ContextMap()})
	}
	if !withSentry {
		return buf.String(), out, nil
	}
	return buf.String(), out, testclient.Events(t, c, mt)
}

func TestTeeOtherCoresUnchanged(t *testing.T) {
	plainJSON, plainObs, _ := teeRun(t, false, false)
	require.NotEmpty(t, plainObs)
	require.Contains(t, plainJSON, `"request_id":"r-1"`)

	t.Run("with the sentry core", func(t *testing.T) {
		js, obs, evs := teeRun(t, true, false)
		assert.Equal(t, plainJSON, js)
		assert.Equal(t, plainObs, obs)
		assert.Len(t, evs, 3, "the sentry core did receive the entries")
	})
	t.Run("with context fields", func(t *testing.T) {
		js, obs, _ := teeRun(t, false, true)
		assert.Equal(t, plainJSON, js, "the Context field prints nothing")
		assert.Equal(t, plainObs, obs)
	})
	t.Run("with both", func(t *testing.T) {
		js, obs, evs := teeRun(t, true, true)
		assert.Equal(t, plainJSON, js)
		assert.Equal(t, plainObs, obs)
		require.Len(t, evs, 3)
		// The request's breadcrumbs went to its isolation scope and came
		// back with the request's events.
		assert.Len(t, evs[0].Breadcrumbs, 4)
	})
}

func TestWrapCore(t *testing.T) {
	obsCore, logs := observer.New(zapcore.InfoLevel)
	c, mt := newClient(t)
	logger := zap.New(obsCore).WithOptions(zap.WrapCore(func(cc zapcore.Core) zapcore.Core {
		return zapcore.NewTee(cc, zapsentry.NewCore(zapsentry.Options{Client: c}))
	}))
	logger.Error("wrapped", zap.String("k", "v"))
	assert.Equal(t, 1, logs.Len())
	ev := testclient.One(t, c, mt)
	assert.Equal(t, "v", logContext(t, ev)["k"])
}
