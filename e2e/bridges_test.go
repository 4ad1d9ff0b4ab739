package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
	"github.com/sentrylog/sentrylog/zapsentry"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// Each bridge logs the same request in its own idiom: an Info record (a
// breadcrumb on the request's scope), then two Error records carrying the
// user, a tag, and a wrapped error or an errors.Join group. What Spotlight
// receives must be the same for all three.
func TestBridgesToSpotlight(t *testing.T) {
	for _, tc := range []struct {
		name   string
		origin string
		log    func(c *core.Client, ctx context.Context)
	}{
		{"slog", "auto.log.slog", func(c *core.Client, ctx context.Context) {
			logger := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, TagKeys: []string{"route"}, Logger: "shop"}))
			user := slog.Group("user", "id", "u-1", "username", "ada")
			logger.InfoContext(ctx, "cart loaded", "items", 3)
			logger.ErrorContext(ctx, "checkout failed", "err", wrappedErr(), user, "route", "/checkout")
			logger.ErrorContext(ctx, "checkout failed twice", "err", joinedErr(), user, "route", "/checkout")
		}},
		{"zap", "auto.log.zap", func(c *core.Client, ctx context.Context) {
			logger := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c, TagKeys: []string{"route"}})).
				Named("shop").With(zapsentry.Context(ctx))
			user := []zap.Field{zap.String("user.id", "u-1"), zap.String("user.username", "ada")}
			logger.Info("cart loaded", zap.Int("items", 3))
			logger.Error("checkout failed", append(user, zap.Error(wrappedErr()), zap.String("route", "/checkout"))...)
			logger.Error("checkout failed twice", append(user, zap.Error(joinedErr()), zap.String("route", "/checkout"))...)
		}},
		{"zerolog", "auto.log.zerolog", func(c *core.Client, ctx context.Context) {
			// MarshalStack hands the error value itself to the bridge, so
			// its types and chain reach Sentry.
			prev := zerolog.ErrorStackMarshaler
			zerolog.ErrorStackMarshaler = zerologsentry.MarshalStack
			defer func() { zerolog.ErrorStackMarshaler = prev }()
			w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{Client: c, TagKeys: []string{"route"}, Logger: "shop"})
			logger := zerolog.New(w).Hook(w).With().Stack().Logger()
			user := zerolog.Dict().Str("id", "u-1").Str("username", "ada")
			logger.Info().Ctx(ctx).Int("items", 3).Msg("cart loaded")
			logger.Error().Ctx(ctx).Err(wrappedErr()).Dict("user", user).Str("route", "/checkout").Msg("checkout failed")
			user = zerolog.Dict().Str("id", "u-1").Str("username", "ada")
			logger.Error().Ctx(ctx).Err(joinedErr()).Dict("user", user).Str("route", "/checkout").Msg("checkout failed twice")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := startSpotlight(t)
			c := newClient(t, core.Options{DSN: sp.DSN()})
			tc.log(c, core.NewIsolationScope(context.Background()))
			flush(t, c)

			wrapped, joined := byFirstType(t, sp.readEvents(t, 2))
			checkChain(t, wrapped, wantWrapped)
			checkChain(t, joined, wantJoined)
			assert.Equal(t, "checkout failed", wrapped.Message.Formatted)
			assert.Equal(t, "checkout failed twice", joined.Message.Formatted)
			for _, ev := range []*core.Event{wrapped, joined} {
				last := ev.Exception[len(ev.Exception)-1]
				assert.Equal(t, tc.origin, last.Mechanism.Type)
				assert.Equal(t, core.LevelError, ev.Level)
				assert.Equal(t, "shop", ev.Logger)
				assert.Equal(t, "/checkout", ev.Tags["route"])
				require.NotNil(t, ev.User)
				assert.Equal(t, "u-1", ev.User.ID)
				assert.Equal(t, "ada", ev.User.Username)
				require.Equal(t, []string{"cart loaded"}, testclient.Crumbs(ev), "the Info record, on the request's scope")
				assert.Equal(t, "shop", ev.Breadcrumbs[0].Category)
				assert.Equal(t, core.LevelInfo, ev.Breadcrumbs[0].Level)
				assert.EqualValues(t, 3, ev.Breadcrumbs[0].Data["items"])
			}
		})
	}
}

// Concurrent requests logged through one slog handler keep their own user
// and breadcrumbs all the way to the receiver.
func TestConcurrentRequestsStaySeparate(t *testing.T) {
	sp := startSpotlight(t)
	c := newClient(t, core.Options{DSN: sp.DSN()})
	logger := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := core.NewIsolationScope(context.Background())
			id := fmt.Sprintf("u-%d", i)
			logger.InfoContext(ctx, "request from "+id)
			logger.ErrorContext(ctx, "request failed", "user", slog.GroupValue(slog.String("id", id)), "err", wrappedErr())
		}()
	}
	wg.Wait()
	flush(t, c)

	events := sp.readEvents(t, n)
	require.Len(t, events, n)
	seen := map[string]bool{}
	for _, ev := range events {
		require.NotNil(t, ev.User)
		seen[ev.User.ID] = true
		assert.Equal(t, []string{"request from " + ev.User.ID}, testclient.Crumbs(ev), "only its own request's breadcrumb")
	}
	assert.Len(t, seen, n, "every request's event arrived once")
}
