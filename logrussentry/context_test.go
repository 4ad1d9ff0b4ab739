package logrussentry_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
)

// 64 concurrent requests, each with its own isolation scope, log through
// one logger: each event carries its own request's tags, fields and
// breadcrumbs, none of another's, and nothing reaches the global scope.
func TestContextIsolationConcurrent(t *testing.T) {
	const workers, steps = 64, 5
	c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{Disabled: true}})
	base, _ := newLogger(t, c, logrussentry.Options{})
	base.Out = io.Discard
	shared := base.WithField("service", "checkout") // one entry all requests derive from
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint("w", w)
			ctx := core.NewIsolationScope(context.Background())
			core.SetTag(ctx, "worker", id)
			var log *logrus.Entry
			if w%2 == 0 {
				log = base.WithContext(ctx).WithField("worker", id)
			} else {
				log = shared.WithContext(ctx).WithField("worker", id) // from a shared entry
			}
			for i := range steps {
				log.WithField("i", i).Info("step")
			}
			log.Error("done")
		}()
	}
	wg.Wait()
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, workers)
	seen := map[string]bool{}
	for _, ev := range evs {
		id := ev.Tags["worker"]
		require.NotEmpty(t, id, "the event merged its request's scope")
		assert.False(t, seen[id])
		seen[id] = true
		assert.Equal(t, id, testclient.LogContext(ev)["worker"])
		require.Len(t, ev.Breadcrumbs, steps, "only the request's own breadcrumbs")
		for i, b := range ev.Breadcrumbs {
			assert.Equal(t, id, b.Data["worker"])
			assert.EqualValues(t, i, b.Data["i"])
		}
	}
	c.CaptureMessage(context.Background(), "global", core.LevelInfo)
	evs = testclient.Events(t, c, mt)
	assert.Empty(t, evs[len(evs)-1].Breadcrumbs, "nothing reached the global scope")
}

// Without a context, or with one without a scope, records go to the
// global scope.
func TestNoContextIsGlobal(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	log, _ := newLogger(t, c, logrussentry.Options{})
	log.Info("plain")
	log.WithContext(context.Background()).Info("bare context")
	log.WithContext(core.NewIsolationScope(context.Background())).Info("elsewhere")
	log.Error("event")
	ev := testclient.One(t, c, mt)
	assert.Equal(t, []string{"plain", "bare context"}, testclient.Crumbs(ev))
}

// A hook made, and added to a logger, before core.Init sends once there is
// a process-wide client.
func TestBeforeInit(t *testing.T) {
	logger := logrus.New()
	logger.Out = io.Discard
	logger.AddHook(logrussentry.NewHook(logrussentry.Options{}))
	logger.WithField("a", "b").Error("no client: nothing happens")

	c, mt := testclient.New(t, core.Options{})
	core.SetCurrentClient(c)
	t.Cleanup(func() { core.SetCurrentClient(nil) })
	logger.Info("crumb")
	logger.Error("bound lazily")
	ev := testclient.One(t, c, mt)
	assert.Equal(t, "bound lazily", ev.Message.Formatted)
	assert.Equal(t, []string{"crumb"}, testclient.Crumbs(ev))
}

// With the client's worker stuck and its queue full, Fire still returns at
// once: the events are dropped and counted, never waited for.
func TestFireNeverBlocks(t *testing.T) {
	c := testclient.Parked(t)
	log, _ := newLogger(t, c, logrussentry.Options{})
	before := c.Stats().Dropped["queue_overflow:error"]
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			log.Info("crumb")
			log.Error("event")
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Fire blocked")
	}
	assert.Equal(t, before+100, c.Stats().Dropped["queue_overflow:error"])
}
