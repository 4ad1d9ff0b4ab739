package slogsentry_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/isolationtest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// Concurrent requests keep their breadcrumbs, users and tags to themselves
// through loggers derived with With, WithGroup and WithAttrs, shared by all
// requests and made per request.
func TestConcurrentIsolation(t *testing.T) {
	c, mt := testclient.New(t, core.Options{QueueSize: 4 * isolationtest.Requests,
		Storm: core.StormOptions{Disabled: true}})
	h := slogsentry.NewHandler(slogsentry.Options{Client: c})
	shared := slog.New(h).With("service", "api").WithGroup("http")
	isolationtest.Run(t, c, mt, func(ctx context.Context, i int) {
		req := slog.New(h.WithAttrs([]slog.Attr{slog.Int("req", i)}).WithGroup("req").
			WithAttrs([]slog.Attr{slog.Group("g", slog.Int("i", i))}))
		for s := 0; s < isolationtest.Steps; s++ {
			switch s % 3 {
			case 0:
				shared.InfoContext(ctx, isolationtest.Crumb(i, s), slog.Group("step", slog.Int("n", s)))
			case 1:
				req.WarnContext(ctx, isolationtest.Crumb(i, s), "n", s)
			default:
				req.With("n", s).WithGroup("inner").LogAttrs(ctx, slog.LevelInfo, isolationtest.Crumb(i, s), slog.Int("n", s))
			}
			shared.DebugContext(ctx, "noise")
		}
		req.ErrorContext(ctx, isolationtest.Failure(i), "err", context.Canceled)
	})
}
