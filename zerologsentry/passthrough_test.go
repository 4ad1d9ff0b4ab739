//go:build !binary_log

package zerologsentry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// logWorkload logs a bit of everything: every level, context, errors with
// stacks, nested fields and look-alikes of the markers earlier versions put
// in lines.
func logWorkload(logger zerolog.Logger, ctx context.Context) {
	logger = logger.With().Str("svc", "api").Logger()
	logger.Trace().Msg("trace")
	logger.Debug().Int("n", 1).Msg("debug")
	logger.Info().Ctx(ctx).Dict("d", zerolog.Dict().Str("k", "v")).Msg("info with context")
	logger.Info().Ctx(ctx).Str("looks", "\x00sentrylog#12").Str("\x00sentrylog", "v").Strs("a", []string{"\x00sentrylog"}).Msg("look-alikes")
	logger.Warn().Ctx(ctx).Msg("")
	logger.Error().Ctx(ctx).Stack().Err(fmt.Errorf("wrap: %w", errors.New("root"))).Msg("error")
	logger.Error().Stack().Err(errors.New("no context")).Send()
	logger.WithLevel(zerolog.FatalLevel).Ctx(ctx).Msg("fatal, not exiting")
	logger.Log().Ctx(ctx).Msg("no level")
	withCtx := logger.With().Ctx(ctx).Logger()
	withCtx.Error().Msg("logger context")
}

// The output through the Writer is byte for byte the output without it.
func TestPassthrough(t *testing.T) {
	for _, marshaler := range []struct {
		name string
		fn   func(error) any
	}{{"no stack marshaler", nil}, {"MarshalStack", zerologsentry.MarshalStack}} {
		t.Run(marshaler.name, func(t *testing.T) {
			setStackMarshaler(t, marshaler.fn)
			old := zerolog.TimestampFunc
			zerolog.TimestampFunc = func() time.Time { return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC) }
			t.Cleanup(func() { zerolog.TimestampFunc = old })

			c, mt := testclient.New(t, core.Options{})
			var want, got bytes.Buffer
			w := zerologsentry.NewWriter(&got, zerologsentry.Options{Client: c, BreadcrumbLevel: zerologsentry.Level(zerolog.TraceLevel)})
			loggers := []zerolog.Logger{zerolog.New(&want), zerolog.New(w).Hook(w)}
			ctxs := []context.Context{context.Background(), core.NewIsolationScope(context.Background())}
			for i, l := range loggers {
				// One call site, so that the stacks are the same.
				logWorkload(l.Level(zerolog.TraceLevel).With().Timestamp().Logger(), ctxs[i])
			}

			assert.Equal(t, want.String(), got.String())
			assert.Len(t, testclient.Events(t, c, mt), 4)
		})
	}
}

// Under concurrent logging every context still finds its line, and every
// error its stack.
func TestPassthroughConcurrent(t *testing.T) {
	setStackMarshaler(t, zerologsentry.MarshalStack)
	var debug testclient.Buffer
	c, mt := testclient.New(t, core.Options{QueueSize: 4096, Storm: core.StormOptions{Disabled: true},
		Debug: true, DebugWriter: &debug})
	var out bytes.Buffer
	w := zerologsentry.NewWriter(zerolog.SyncWriter(&out), zerologsentry.Options{Client: c})
	logger := zerolog.New(w).Hook(w)
	const goroutines, lines = 16, 48
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := core.NewIsolationScope(context.Background())
			for i := 0; i < lines; i++ {
				switch i % 4 {
				case 0:
					logger.Debug().Ctx(ctx).Stack().Err(errors.New("debug")).Msg("d")
				case 1:
					logger.Info().Ctx(ctx).Int("g", g).Msg("i")
				case 2:
					logger.Warn().Ctx(ctx).Stack().Err(errors.New("warn")).Msg("w")
				default:
					logger.Error().Ctx(ctx).Stack().Err(errors.New("error")).Int("g", g).Msg("e")
				}
			}
		}()
	}
	wg.Wait()
	assert.NotContains(t, out.String(), `\u0000`)
	assert.Equal(t, goroutines*lines, strings.Count(out.String(), "\n"))
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, goroutines*lines/4, "%+v\n%s", c.Stats(), debug.String())
	for _, ev := range evs {
		g := testclient.LogContext(ev)["g"]
		// Each event carries its own request's breadcrumbs only (the last
		// ones, up to the scope's limit).
		for _, b := range ev.Breadcrumbs {
			if b.Message == "i" {
				assert.Equal(t, g, b.Data["g"])
			}
		}
		require.Len(t, ev.Exception, 1)
		assert.Equal(t, "*errors.errorString", ev.Exception[0].Type)
	}
}
