package slogsentry_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// Each of 64 goroutines is a request with its own isolation scope; their
// breadcrumbs and scope data must never mix.
func TestScopedBreadcrumbsConcurrently(t *testing.T) {
	const (
		workers = 64
		crumbs  = 20
	)
	// Storm control off: 64 events from one call site are the point here.
	c, mt := testclient.New(t, core.Options{MaxBreadcrumbs: 100, Storm: core.StormOptions{Disabled: true}})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := core.NewIsolationScope(context.Background())
			core.SetTag(ctx, "worker", fmt.Sprint(w))
			rl := l.With("worker", w)
			<-start
			for i := 0; i < crumbs; i++ {
				rl.InfoContext(ctx, "step", "i", i)
			}
			rl.ErrorContext(ctx, "done")
		}()
	}
	close(start)
	wg.Wait()

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, workers)
	seen := map[string]bool{}
	for _, ev := range evs {
		w := ev.Tags["worker"]
		require.NotEmpty(t, w, "the event carries its request's scope")
		assert.False(t, seen[w], "one event per worker")
		seen[w] = true
		assert.Equal(t, w, fmt.Sprint(testclient.LogContext(ev)["worker"]))
		require.Len(t, ev.Breadcrumbs, crumbs, "worker %s", w)
		for i, b := range ev.Breadcrumbs {
			assert.Equal(t, w, fmt.Sprint(b.Data["worker"]), "breadcrumb from another request")
			assert.Equal(t, int64(i), b.Data["i"])
		}
	}
}

func TestNoScopeUsesTheGlobalScope(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	l.Info("global crumb")
	ctx := core.NewIsolationScope(context.Background())
	l.InfoContext(ctx, "request crumb")
	l.ErrorContext(ctx, "request event")
	l.Error("global event")

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 2)
	assert.Equal(t, []string{"global crumb", "request crumb"}, testclient.Crumbs(evs[0]), "global then isolation breadcrumbs")
	assert.Equal(t, []string{"global crumb"}, testclient.Crumbs(evs[1]))
}

func TestNilContext(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	h := slogsentry.NewHandler(slogsentry.Options{Client: c})
	var nilCtx context.Context
	r := slog.NewRecord(testTime, slog.LevelInfo, "crumb", 0)
	require.NoError(t, h.Handle(nilCtx, r))
	r = slog.NewRecord(testTime, slog.LevelError, "event", 0)
	require.NoError(t, h.Handle(nilCtx, r))
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	require.Len(t, evs[0].Breadcrumbs, 1)
	assert.True(t, evs[0].Timestamp.Equal(testTime), "the record's time is the event's")
	assert.True(t, evs[0].Breadcrumbs[0].Timestamp.Equal(testTime))
}

// A handler made before Init binds to the process-wide client once there is
// one, and lets go of it when it is closed.
func TestHandlerBeforeInit(t *testing.T) {
	core.SetCurrentClient(nil)
	t.Cleanup(func() { core.SetCurrentClient(nil) })

	l := slog.New(slogsentry.NewHandler(slogsentry.Options{}))
	assert.False(t, l.Enabled(context.Background(), slog.LevelError))
	l.Error("before init") // nowhere to go: nothing happens

	mt := core.NewMemoryTransport()
	c, err := core.Init(core.Options{Transport: mt, ServerName: "test"})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(context.Background()) })
	assert.True(t, l.Enabled(context.Background(), slog.LevelError))
	l.Info("crumb")
	l.Error("after init")

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	assert.Equal(t, "after init", evs[0].Message.Formatted)
	require.Len(t, evs[0].Breadcrumbs, 1)
	assert.Equal(t, "crumb", evs[0].Breadcrumbs[0].Message)

	c.Close(context.Background())
	assert.False(t, l.Enabled(context.Background(), slog.LevelError), "a closed client disables the handler")
	l.Error("after close") // dropped without a panic
	assert.Len(t, mt.Events(), 1)
}
