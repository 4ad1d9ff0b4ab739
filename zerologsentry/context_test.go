//go:build !binary_log

package zerologsentry_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// Each request's breadcrumbs reach only its own events, whichever way the
// context travels: a logger made with Context.Ctx and kept in the context
// (zerolog.Ctx), or Event.Ctx.
func TestContextRouting(t *testing.T) {
	const requests, steps = 64, 20
	// Storm control off: "req-N failed" is one group (numbers are
	// parameters); the 64 events are the point here.
	c, mt := testclient.New(t, core.Options{QueueSize: requests * 4, Storm: core.StormOptions{Disabled: true}})
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

	evs := testclient.Events(t, c, mt)
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
		assert.Equal(t, want, testclient.Crumbs(ev), msg)
		assert.EqualValues(t, i, testclient.LogContext(ev)["req"])
	}
	assert.Len(t, seen, requests)
}

// Without the hook the Writer still works; records go to the global scope.
func TestWriterWithoutHook(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	logger := zerolog.New(w)
	ctx := core.NewIsolationScope(context.Background())
	logger.Info().Ctx(ctx).Msg("to the global scope")
	other := core.NewIsolationScope(context.Background())
	logger.Error().Ctx(other).Msg("event")
	ev := testclient.One(t, c, mt)
	assert.Equal(t, []string{"to the global scope"}, testclient.Crumbs(ev))
}

// discardHealth is a hook that discards the events whose message is
// "health", as programs do for health checks.
var discardHealth = zerolog.HookFunc(func(e *zerolog.Event, _ zerolog.Level, msg string) {
	if msg == "health" {
		e.Discard()
	}
})

// Events a later hook discards leave nothing behind that takes the place
// of later records' contexts: after any number of them, a request's
// breadcrumb is on its own scope, not the global one.
func TestDiscardedEventsKeepContexts(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	logger := zerolog.New(w).Hook(w).Hook(discardHealth)
	for i := 0; i < 1300; i++ {
		logger.Info().Ctx(core.NewIsolationScope(context.Background())).Msg("health")
	}
	ctx := core.NewIsolationScope(context.Background())
	logger.Info().Ctx(ctx).Msg("request")
	assert.Empty(t, c.Scope().Breadcrumbs(), "nothing on the global scope")
	var own []string
	for _, b := range core.IsolationScope(ctx).Breadcrumbs() {
		own = append(own, b.Message)
	}
	assert.Equal(t, []string{"request"}, own)
	assert.Empty(t, c.Stats().Dropped)
	logger.Error().Msg("global event")
	assert.Empty(t, testclient.Crumbs(testclient.One(t, c, mt)))
}

// A line written on another goroutine than the one that logged it (an
// asynchronous writer in front of the Writer) cannot be paired with its
// context: once the hook has seen contexts, its breadcrumb is dropped and
// counted, never put on the global scope, and its event goes without the
// request's scope.
func TestLineOffTheLoggingGoroutine(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	logger := zerolog.New(asyncWriter{w}).Hook(w)
	ctx := core.NewIsolationScope(context.Background())
	core.IsolationScope(ctx).SetUser(&core.User{ID: "alice"})
	logger.Info().Ctx(ctx).Msg("request")
	logger.Error().Ctx(ctx).Msg("failed")

	assert.Empty(t, c.Scope().Breadcrumbs(), "nothing on the global scope")
	assert.Empty(t, core.IsolationScope(ctx).Breadcrumbs())
	assert.Equal(t, int64(1), c.Stats().Dropped["context_lost:breadcrumb"])
	ev := testclient.One(t, c, mt)
	assert.Equal(t, "failed", ev.Message.Formatted)
	assert.Empty(t, ev.Breadcrumbs)
	assert.Nil(t, ev.User)
}

// asyncWriter writes each line on a goroutine of its own, and waits for it.
type asyncWriter struct{ w zerolog.LevelWriter }

func (a asyncWriter) Write(p []byte) (int, error) {
	return a.WriteLevel(zerolog.NoLevel, p)
}

func (a asyncWriter) WriteLevel(l zerolog.Level, p []byte) (n int, err error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		n, err = a.w.WriteLevel(l, p)
	}()
	<-done
	return n, err
}

// A Writer whose hook never saw a context sends what it cannot pair to the
// global scope, as without the hook.
func TestLineOffTheLoggingGoroutineWithoutContexts(t *testing.T) {
	c, _ := testclient.New(t, core.Options{})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	logger := zerolog.New(asyncWriter{w}).Hook(w)
	logger.Info().Msg("startup")
	require.Len(t, c.Scope().Breadcrumbs(), 1)
	assert.Empty(t, c.Stats().Dropped)
}

// The hook leaves nothing in the line, so a writer in front of the Writer
// (zerolog.MultiLevelWriter(os.Stdout, w)) writes what zerolog writes
// alone, and the records still reach their request's scope.
func TestWriterBehindAnotherWriter(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	var out, want bytes.Buffer
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	logger := zerolog.New(zerolog.MultiLevelWriter(&out, w)).Hook(w)
	ctx := core.NewIsolationScope(context.Background())
	core.IsolationScope(ctx).SetUser(&core.User{ID: "alice"})
	for _, l := range []zerolog.Logger{zerolog.New(&want), logger} {
		l.Info().Ctx(ctx).Str("k", "v").Msg("request")
		l.Error().Ctx(ctx).Msg("failed")
	}
	assert.Equal(t, want.String(), out.String())
	ev := testclient.One(t, c, mt)
	assert.Equal(t, []string{"request"}, testclient.Crumbs(ev))
	require.NotNil(t, ev.User)
	assert.Equal(t, "alice", ev.User.ID)
	assert.Empty(t, c.Scope().Breadcrumbs())
}

// A line the hook did not see (a logger without it, sharing the Writer) does
// not take the context a discarded event of the same goroutine left: the
// level and message must match.
func TestStaleContextNotTaken(t *testing.T) {
	c, _ := testclient.New(t, core.Options{})
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	hooked := zerolog.New(w).Hook(w).Hook(discardHealth)
	plain := zerolog.New(w)
	ctx := core.NewIsolationScope(context.Background())
	hooked.Info().Ctx(ctx).Msg("health") // discarded: its entry stays
	plain.Info().Msg("other")
	plain.Warn().Msg("health")
	assert.Empty(t, core.IsolationScope(ctx).Breadcrumbs(), "neither took the request's context")
	assert.Empty(t, c.Scope().Breadcrumbs(), "nor went to the global scope, the hook having seen contexts")
	assert.Equal(t, int64(2), c.Stats().Dropped["context_lost:breadcrumb"])
}

// Messages are matched as zerolog writes them: invalid UTF-8, escapes.
func TestContextOfOddMessages(t *testing.T) {
	c, _ := testclient.New(t, core.Options{})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	ctx := core.NewIsolationScope(context.Background())
	msgs := []string{"a\xffb\xfe", "\xed\xa0\x80", "q\"\\\n\t<&>\u2028\x00", "\ufffd", "é☃😀"}
	for _, m := range msgs {
		logger.Info().Ctx(ctx).Msg(m)
	}
	logger.Info().Ctx(ctx).Str("message", "own field").Send()
	assert.Len(t, core.IsolationScope(ctx).Breadcrumbs(), len(msgs))
	assert.Empty(t, c.Scope().Breadcrumbs())
	assert.Equal(t, int64(1), c.Stats().Dropped["context_lost:breadcrumb"], "the line whose last field is a message of its own")
}
