//go:build !binary_log

package zerologsentry_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// A line stamped with a whole second and written more than a second later
// (its goroutine descheduled between zerolog's timestamp and the write)
// keeps its place among the request's breadcrumbs: they are in the order
// they were logged, not that of their timestamps.
func TestBreadcrumbOrderLateLine(t *testing.T) {
	c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{Disabled: true}})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	logger := zerolog.New(w).Hook(w).With().Timestamp().Logger()
	ctx := core.NewIsolationScope(context.Background())
	req := logger.With().Ctx(ctx).Logger()

	req.Info().Msg("first")
	// The line of an event stamped 3 s ago, as the Writer would get it late.
	stamp := time.Now().Add(-3 * time.Second).UTC().Format(zerolog.TimeFieldFormat)
	late := fmt.Sprintf(`{"level":"info","time":%q,"message":"late"}`+"\n", stamp)
	// What the hook notes for the line (level, message, context) is what
	// the Writer pairs the late line with.
	noted := zerolog.New(io.Discard).Hook(w)
	noted.Info().Ctx(ctx).Msg("late")
	_, err := w.WriteLevel(zerolog.InfoLevel, []byte(late))
	require.NoError(t, err)
	req.Info().Msg("last")
	req.Error().Msg("boom")

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	var msgs []string
	for _, b := range evs[0].Breadcrumbs {
		msgs = append(msgs, b.Message)
	}
	require.Equal(t, []string{"first", "late", "last"}, msgs)
}
