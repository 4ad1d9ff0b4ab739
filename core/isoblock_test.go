package core_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"github.com/sentrylog/sentrylog/internal/race"
)

type otherKey struct{}

// The context NewIsolationScope returns behaves as one made by
// context.WithValue: other values, deadlines, cancellation (with its
// cause) and AfterFunc all come from its parent, and contexts made from it
// see its scope.
func TestIsolationScopeContextDelegates(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	parent, cancelDeadline := context.WithDeadline(context.WithValue(context.Background(), otherKey{}, "v"), deadline)
	defer cancelDeadline()
	parent, cancel := context.WithCancelCause(parent)
	ctx := core.NewIsolationScope(parent)
	s := core.IsolationScope(ctx)
	require.NotNil(t, s)
	assert.Same(t, s, core.CurrentScope(ctx))
	assert.Equal(t, "v", ctx.Value(otherKey{}))
	assert.Nil(t, ctx.Value("missing"))
	got, ok := ctx.Deadline()
	assert.True(t, ok)
	assert.True(t, got.Equal(deadline))
	assert.Contains(t, fmt.Sprint(ctx), "WithValue")

	child, cancelChild := context.WithCancel(context.WithValue(ctx, otherKey{}, "w"))
	defer cancelChild()
	assert.Same(t, s, core.IsolationScope(child))
	assert.Equal(t, "w", child.Value(otherKey{}))
	ran := make(chan struct{})
	context.AfterFunc(ctx, func() { close(ran) })

	assert.NoError(t, ctx.Err())
	boom := errors.New("boom")
	cancel(boom)
	<-ctx.Done()
	<-child.Done()
	<-ran
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
	assert.ErrorIs(t, context.Cause(ctx), boom)
	assert.ErrorIs(t, context.Cause(child), boom)

	// A nested isolation scope is a fork, and a new one each time.
	inner := core.NewIsolationScope(child)
	assert.NotSame(t, s, core.IsolationScope(inner))
	assert.Equal(t, "w", inner.Value(otherKey{}))
}

// A request's scope and its first breadcrumb come in one allocation.
func TestAllocsIsolationScopeFirstBreadcrumb(t *testing.T) {
	race.SkipAllocs(t)
	c, _ := newClient(t, core.Options{})
	rec := &bridge.Record{Level: core.LevelInfo, Message: "served"}
	var buf [bridge.InlineAttrs]slog.Attr
	got := testing.AllocsPerRun(1000, func() {
		rec.Context = core.NewIsolationScope(context.Background())
		bridge.AddBreadcrumbAttrs(c, rec, append(buf[:0], slog.String("method", "GET"), slog.Int("status", 200)))
	})
	if got > 1 {
		t.Errorf("a new isolation scope with one breadcrumb allocates %.1f times, want 1", got)
	}
}

// The first entry of a request's ring lives in the scope's own block; a
// fork taken while the ring is there keeps that entry, with its inline
// attributes, whatever the parent logs afterwards, for rings of one entry
// (overwritten in place after a copy) and of more (moved by growing).
func TestForkKeepsFirstBreadcrumb(t *testing.T) {
	for _, max := range []int{1, 2, 10} {
		t.Run(strconv.Itoa(max), func(t *testing.T) {
			c, mt := newClient(t, core.Options{MaxBreadcrumbs: max})
			parent := core.NewIsolationScope(context.Background())
			var buf [bridge.InlineAttrs]slog.Attr
			bridge.AddBreadcrumbAttrs(c, &bridge.Record{Level: core.LevelInfo, Message: "first", Context: parent},
				append(buf[:0], slog.Int("n", 1)))
			child := core.NewIsolationScope(parent)
			for i := range 5 {
				bridge.AddBreadcrumbAttrs(c, &bridge.Record{Level: core.LevelInfo, Message: "parent", Context: parent},
					append(buf[:0], slog.Int("n", 100+i)))
			}
			c.CaptureMessage(child, "child event", core.LevelError)
			ev := flushed(t, c, mt, 1)[0]
			require.Len(t, ev.Breadcrumbs, 1)
			assert.Equal(t, "first", ev.Breadcrumbs[0].Message)
			assert.Equal(t, map[string]any{"n": int64(1)}, ev.Breadcrumbs[0].Data)

			got := core.IsolationScope(parent).Breadcrumbs()
			require.Len(t, got, min(max, 6))
			assert.Equal(t, map[string]any{"n": int64(104)}, got[len(got)-1].Data, "the parent's newest")
		})
	}
}
