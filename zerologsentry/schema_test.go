//go:build !binary_log

package zerologsentry_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// Every event the bridge makes validates against Sentry's event schema.
func TestEventsValidate(t *testing.T) {
	setStackMarshaler(t, zerologsentry.MarshalStack)
	c, mt := testclient.New(t, core.Options{SendDefaultPII: true})
	logger, _ := newLogger(t, c, zerologsentry.Options{Logger: "app", TagKeys: []string{"route"}})
	logger = logger.With().Timestamp().Str("service", "api").Logger()
	ctx := core.NewIsolationScope(context.Background())

	logger.Info().Ctx(ctx).Int("n", 1).Float64("nan", math.NaN()).Dict("d", zerolog.Dict().Strs("a", []string{"x"})).Msg("crumb")
	logger.Warn().Ctx(ctx).Err(errors.New("soft")).Msg("warned")
	logger.Error().Ctx(ctx).Err(fmt.Errorf("wrap: %w", errors.Join(errors.New("a"), errors.New("b")))).
		Str("route", "/x").Dict("user", zerolog.Dict().Str("id", "7")).Msg("joined")
	logger.Error().Ctx(ctx).Stack().Err(fmt.Errorf("wrap: %w", errRoot)).Msg("stacked")
	logger.Error().Uint64("big", math.MaxUint64).Dur("d", time.Second).Interface("m", map[string]any{"k": []any{nil, true}}).Send()
	logger.WithLevel(zerolog.FatalLevel).Strs("fingerprint", []string{"fp"}).Msg("fatal")

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 4)
	for _, ev := range evs {
		schematest.ValidateValue(t, ev)
	}
}
