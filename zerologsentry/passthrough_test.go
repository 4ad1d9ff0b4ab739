//go:build !binary_log

package zerologsentry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// logWorkload logs a bit of everything: every level, context, errors with
// stacks, nested fields and look-alikes of the Writer's markers.
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

			c, mt := newClient(t, core.Options{})
			var want, got bytes.Buffer
			w := zerologsentry.New(&got, zerologsentry.Options{Client: c, BreadcrumbLevel: zerologsentry.Level(zerolog.TraceLevel)})
			loggers := []zerolog.Logger{zerolog.New(&want), zerolog.New(w).Hook(w)}
			ctxs := []context.Context{context.Background(), core.NewIsolationScope(context.Background())}
			for i, l := range loggers {
				// One call site, so that the stacks are the same.
				logWorkload(l.Level(zerolog.TraceLevel).With().Timestamp().Logger(), ctxs[i])
			}

			// Without our Writer the stack marshaler's marker stays: cut it
			// from the reference.
			ref := regexp.MustCompile(`,"\\u0000sentrylog#\d+"`).ReplaceAllString(want.String(), "")
			require.NotRegexp(t, `sentrylog":\d|,"\\u0000sentrylog#`, got.String(), "no marker left")
			assert.Equal(t, ref, got.String())
			assert.Len(t, events(t, c, mt), 4)
		})
	}
}
