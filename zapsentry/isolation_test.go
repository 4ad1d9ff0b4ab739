package zapsentry_test

import (
	"context"
	"io"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/isolationtest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// Concurrent requests keep their breadcrumbs, users and tags to themselves
// through loggers derived with With (the context in the derived logger or
// in the entry), Named and Sugar, in a tee with another core.
func TestConcurrentIsolation(t *testing.T) {
	c, mt := testclient.New(t, core.Options{QueueSize: 4 * isolationtest.Requests,
		Storm: core.StormOptions{Disabled: true}})
	console := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		zapcore.AddSync(io.Discard), zapcore.DebugLevel)
	base := zap.New(zapcore.NewTee(console, zapsentry.NewCore(zapsentry.Options{Client: c}))).
		With(zap.String("service", "api"))
	isolationtest.Run(t, c, mt, func(ctx context.Context, i int) {
		req := base.With(zapsentry.Context(ctx), zap.Int("req", i)).Named("req")
		sugar := req.Sugar().With("sugared", true)
		for s := 0; s < isolationtest.Steps; s++ {
			switch s % 4 {
			case 0:
				req.Info(isolationtest.Crumb(i, s), zap.Int("n", s))
			case 1:
				base.Warn(isolationtest.Crumb(i, s), zapsentry.Context(ctx), zap.Namespace("ns"), zap.Int("n", s))
			case 2:
				req.With(zap.Int("n", s)).Info(isolationtest.Crumb(i, s))
			default:
				sugar.Infow(isolationtest.Crumb(i, s), "n", s)
			}
			req.Debug("noise")
		}
		req.Error(isolationtest.Failure(i), zap.Error(context.Canceled))
	})
}
