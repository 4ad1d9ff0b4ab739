package slogsentry_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/schematest"
)

// newClient returns a client that keeps its events in memory, closed when
// the test ends.
func newClient(t testing.TB, opts core.Options) (*core.Client, *core.MemoryTransport) {
	t.Helper()
	mt := core.NewMemoryTransport()
	opts.Transport = mt
	if opts.ServerName == "" {
		opts.ServerName = "test"
	}
	c, err := core.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Close(ctx)
	})
	return c, mt
}

// events flushes c and returns what reached its transport, each event
// checked against Sentry's event schema (where ../shared is present).
func events(t testing.TB, c *core.Client, mt *core.MemoryTransport) []*core.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.True(t, c.Flush(ctx), "flush")
	evs := mt.Events()
	if schematest.SharedDir() != "" || schematest.RequireShared() {
		for _, ev := range evs {
			schematest.ValidateValue(t, ev)
		}
	}
	return evs
}

// logContext returns the event's "log" context (nil when it has none).
func logContext(ev *core.Event) map[string]any {
	if ev == nil || ev.Contexts == nil {
		return nil
	}
	return ev.Contexts["log"]
}

// testTime is a fixed record time.
var testTime = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
