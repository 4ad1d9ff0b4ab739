package logrussentry_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/isolationtest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
)

// 64 concurrent requests, each with its own isolation scope, log through
// one logger: each event carries its own request's tags, fields and
// breadcrumbs, none of another's, and nothing reaches the global scope.
func TestContextIsolationConcurrent(t *testing.T) {
	c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{Disabled: true}})
	base, _ := newLogger(t, c, logrussentry.Options{})
	base.Out = io.Discard
	shared := base.WithField("service", "checkout") // one entry all requests derive from
	isolationtest.RunWorkers(t, c, mt, func(ctx context.Context, w int, id string) {
		var log *logrus.Entry
		if w%2 == 0 {
			log = base.WithContext(ctx).WithField("worker", id)
		} else {
			log = shared.WithContext(ctx).WithField("worker", id) // from a shared entry
		}
		for i := range isolationtest.WorkerSteps {
			log.WithField("i", i).Info("step")
		}
		log.Error("done")
	})
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
