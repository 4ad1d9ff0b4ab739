package probe_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

func crumbMessages(ev *core.Event) []string {
	var out []string
	for _, b := range ev.Breadcrumbs {
		out = append(out, b.Message)
	}
	return out
}

// TestProbeForkKeepsInheritedCrumbs: through every bridge, a fork keeps
// the breadcrumbs from before the fork however much the parent logs
// afterwards, and sees none of the parent's later ones; a fork of a fork
// too; the parent's Clear after the fork does not reach the child.
func TestProbeForkKeepsInheritedCrumbs(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{MaxBreadcrumbs: 10})
		log := b.make(c)
		parent := core.NewIsolationScope(context.Background())
		log(parent, false, "before the fork")
		child := core.NewIsolationScope(parent)
		log(child, false, "in the child")
		grandchild := core.NewIsolationScope(child)
		for i := 0; i < 20; i++ {
			log(parent, false, fmt.Sprint("parent after ", i))
			log(child, false, fmt.Sprint("child after ", i))
		}
		core.IsolationScope(parent).Clear()
		log(grandchild, true, "grandchild failed", kv{"error", errors.New("g")})
		log(child, true, "child failed", kv{"error", errors.New("c")})
		evs := testclient.Events(t, c, mt)
		require.Len(t, evs, 2)
		assert.Equal(t, []string{"before the fork", "in the child"}, crumbMessages(evs[0]))
		got := crumbMessages(evs[1])
		require.Len(t, got, 10)
		assert.Equal(t, "child after 19", got[9])
		for _, m := range got {
			assert.NotContains(t, m, "parent after")
		}
	})
}

// TestProbeForkInheritsNotLater: a fork sees the parent's data as it was at
// the fork (tags, user, contexts), not what the parent sets later.
func TestProbeForkInheritsNotLater(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	parent := core.NewIsolationScope(context.Background())
	core.SetTag(parent, "before", "1")
	core.SetUser(parent, &core.User{ID: "u1"})
	child := core.NewIsolationScope(parent)
	core.SetTag(parent, "after", "1")
	core.SetUser(parent, &core.User{ID: "u2"})
	core.SetTag(child, "own", "1")
	c.CaptureMessage(child, "child", core.LevelError)
	c.CaptureMessage(parent, "parent", core.LevelError)
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 2)
	assert.Equal(t, "1", evs[0].Tags["before"])
	assert.Equal(t, "1", evs[0].Tags["own"])
	assert.NotContains(t, evs[0].Tags, "after")
	assert.Equal(t, "u1", evs[0].User.ID)
	assert.NotContains(t, evs[1].Tags, "own")
	assert.Equal(t, "u2", evs[1].User.ID)
}

type ctxKey string

// TestProbeIsolationContextBehaves: the context NewIsolationScope returns
// behaves as context.WithValue's would: values, deadline, cancellation and
// its cause, AfterFunc, WithoutCancel, nesting with WithScope and with
// the standard library's wrappers.
func TestProbeIsolationContextBehaves(t *testing.T) {
	base, cancel := context.WithCancelCause(context.WithValue(context.Background(), ctxKey("k"), "v"))
	dl, cancelDL := context.WithDeadline(base, time.Now().Add(time.Hour))
	defer cancelDL()
	iso := core.NewIsolationScope(dl)
	require.NotNil(t, core.IsolationScope(iso))
	assert.Equal(t, "v", iso.Value(ctxKey("k")))
	d, ok := iso.Deadline()
	assert.True(t, ok)
	assert.WithinDuration(t, time.Now().Add(time.Hour), d, time.Minute)
	assert.Nil(t, iso.Err())
	assert.Contains(t, fmt.Sprint(iso), "WithValue")

	cur := core.WithScope(iso)
	nested := core.NewIsolationScope(cur)
	child, cancelChild := context.WithCancel(nested)
	defer cancelChild()
	valued := context.WithValue(child, ctxKey("k2"), "v2")
	cur2 := core.WithScope(valued)
	assert.Same(t, core.IsolationScope(nested), core.IsolationScope(cur2))
	assert.NotSame(t, core.IsolationScope(iso), core.IsolationScope(nested))
	assert.Equal(t, "v", cur2.Value(ctxKey("k")))
	assert.Equal(t, "v2", cur2.Value(ctxKey("k2")))

	fired := make(chan struct{})
	stop := context.AfterFunc(nested, func() { close(fired) })
	defer stop()
	detached := context.WithoutCancel(nested)

	boom := errors.New("shutdown")
	cancel(boom)
	for _, c := range []context.Context{iso, cur, nested, child, valued, cur2} {
		select {
		case <-c.Done():
		case <-time.After(2 * time.Second):
			t.Fatal("cancellation did not reach a context")
		}
		assert.ErrorIs(t, c.Err(), context.Canceled)
		assert.Equal(t, boom, context.Cause(c))
	}
	select {
	case <-fired:
	case <-time.After(2 * time.Second):
		t.Fatal("AfterFunc did not run")
	}
	assert.Nil(t, detached.Err())
	assert.NotNil(t, core.IsolationScope(detached))
	assert.Same(t, core.IsolationScope(nested), core.IsolationScope(detached))
}

// TestProbeIsolationContextConcurrent: many goroutines fork, log on,
// capture from and cancel isolation scopes that share parents, under
// -race; every event carries its own goroutine's breadcrumbs only.
func TestProbeIsolationContextConcurrent(t *testing.T) {
	c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{Disabled: true}, QueueSize: 10000})
	log := bridges[0].make(c)
	root, cancel := context.WithCancel(context.Background())
	defer cancel()
	parent := core.NewIsolationScope(root)
	log(parent, false, "shared")
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				ctx := core.NewIsolationScope(parent)
				ctx, stop := context.WithTimeout(core.WithScope(ctx), time.Minute)
				core.SetTag(ctx, "g", fmt.Sprint(g, "-", i))
				log(ctx, false, fmt.Sprint("crumb ", g, "-", i))
				log(parent, false, "parent noise")
				log(ctx, true, "failed", kv{"error", errors.New("x")})
				stop()
			}
		}(g)
	}
	wg.Wait()
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 16*20)
	for _, ev := range evs {
		// Inherited: "shared" and the parent's noise from before the
		// fork; then the goroutine's own breadcrumb, never another's.
		msgs := crumbMessages(ev)
		require.NotEmpty(t, msgs)
		assert.Equal(t, "crumb "+ev.Tags["g"], msgs[len(msgs)-1])
		for _, m := range msgs[:len(msgs)-1] {
			if m != "shared" && m != "parent noise" {
				t.Errorf("%s carries %q", ev.Tags["g"], m)
			}
		}
	}
}
