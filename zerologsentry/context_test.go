//go:build !binary_log

package zerologsentry_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// Each request's breadcrumbs reach only its own events, whichever way the
// context travels: a logger made with Context.Ctx and kept in the context
// (zerolog.Ctx), or Event.Ctx.
func TestContextRouting(t *testing.T) {
	const requests, steps = 64, 20
	// Storm control off: "req-N failed" is one group (numbers are
	// parameters); the 64 events are the point here.
	c, mt := newClient(t, core.Options{QueueSize: requests * 4, Storm: core.StormOptions{Disabled: true}})
	base, _ := newLogger(t, c, zerologsentry.Options{})

	var wg sync.WaitGroup
	for i := 0; i < requests; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := core.NewIsolationScope(context.Background())
			ctx = base.With().Ctx(ctx).Int("req", i).Logger().WithContext(ctx)
			for s := 0; s < steps; s++ {
				if s%2 == 0 {
					zerolog.Ctx(ctx).Info().Msgf("req-%d step-%d", i, s)
				} else {
					base.Info().Ctx(ctx).Msgf("req-%d step-%d", i, s)
				}
			}
			zerolog.Ctx(ctx).Error().Msgf("req-%d failed", i)
		}()
	}
	wg.Wait()
	base.Error().Msg("global")

	evs := events(t, c, mt)
	require.Len(t, evs, requests+1)
	seen := map[string]bool{}
	for _, ev := range evs {
		msg := ev.Message.Formatted
		if msg == "global" {
			assert.Empty(t, ev.Breadcrumbs, "nothing leaked to the global scope")
			continue
		}
		var i int
		_, err := fmt.Sscanf(msg, "req-%d failed", &i)
		require.NoError(t, err, msg)
		seen[msg] = true
		want := make([]string, steps)
		for s := range want {
			want[s] = fmt.Sprintf("req-%d step-%d", i, s)
		}
		assert.Equal(t, want, crumbs(ev), msg)
		assert.EqualValues(t, i, logContext(ev)["req"])
	}
	assert.Len(t, seen, requests)
}

// Without the hook the Writer still works; records go to the global scope.
func TestWriterWithoutHook(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	w := zerologsentry.New(nil, zerologsentry.Options{Client: c})
	logger := zerolog.New(w)
	ctx := core.NewIsolationScope(context.Background())
	logger.Info().Ctx(ctx).Msg("to the global scope")
	other := core.NewIsolationScope(context.Background())
	logger.Error().Ctx(other).Msg("event")
	ev := one(t, c, mt)
	assert.Equal(t, []string{"to the global scope"}, crumbs(ev))
}

// A program that logs a field under the marker's key, with a number of its
// choosing (a request's own data, say), takes no other record's context:
// the number in a marker is a token that only the hook makes.
func TestForgedMarkerTakesNoContext(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	w := zerologsentry.New(nil, zerologsentry.Options{Client: c})
	victim := core.NewIsolationScope(context.Background())

	// The victim's line is built, its context waiting in the table, but
	// not written yet.
	var pending bytes.Buffer
	builder := zerolog.New(&pending).Hook(w)
	builder.Info().Ctx(victim).Msg("victim")
	tok := markerToken(t, pending.String())

	// Lines without a context, each with a forged marker: the id alone, the
	// token's neighbours, guesses.
	logger := zerolog.New(w).Hook(w)
	for _, forged := range []uint64{tok >> 32, tok + 1, tok - 1, tok ^ 1<<31, 1, 2, 3} {
		logger.Info().Uint64("\x00sentrylog", forged).Msg("forger")
	}
	_, err := w.WriteLevel(zerolog.InfoLevel, pending.Bytes())
	require.NoError(t, err)
	logger.Error().Ctx(victim).Msg("victim's event")
	logger.Error().Msg("global event")

	var own []string
	for _, b := range core.IsolationScope(victim).Breadcrumbs() {
		own = append(own, b.Message)
	}
	assert.Equal(t, []string{"victim"}, own, "the victim's line kept its context, and only it has it")
	evs := events(t, c, mt)
	require.Len(t, evs, 2)
	for _, ev := range evs {
		if ev.Message.Formatted == "global event" {
			assert.NotContains(t, crumbs(ev), "victim", "the victim's breadcrumb did not go to the global scope")
			assert.Len(t, crumbs(ev), 7, "the forgers' did")
		}
	}
}

// markerToken returns the number of the hook's marker in a line.
func markerToken(t *testing.T, line string) uint64 {
	t.Helper()
	const key = `"\u0000sentrylog":`
	i := strings.Index(line, key)
	require.GreaterOrEqual(t, i, 0, line)
	rest := line[i+len(key):]
	n, err := strconv.ParseUint(rest[:strings.IndexAny(rest, ",}")], 10, 64)
	require.NoError(t, err)
	return n
}
