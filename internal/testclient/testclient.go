// Package testclient makes the clients the project's tests use: events kept
// in memory, the client closed when the test ends, and every event read
// back checked against Sentry's event schema.
package testclient

import (
	"context"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/schematest"
)

// New returns a client with opts whose transport keeps events in memory.
// An empty ServerName becomes "test". The client is closed when t ends.
func New(t testing.TB, opts core.Options) (*core.Client, *core.MemoryTransport) {
	t.Helper()
	mt := core.NewMemoryTransport()
	opts.Transport = mt
	if opts.ServerName == "" {
		opts.ServerName = "test"
	}
	c, err := core.New(opts)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Close(ctx)
	})
	return c, mt
}

// Events flushes c and returns every event its transport received so far,
// each validated against the event schema (skipped where ../shared is
// absent, unless CI requires it).
func Events(t testing.TB, c *core.Client, mt *core.MemoryTransport) []*core.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !c.Flush(ctx) {
		t.Fatalf("flush did not deliver everything: %+v", c.Stats())
	}
	evs := mt.Events()
	if schematest.SharedDir() != "" || schematest.RequireShared() {
		for _, ev := range evs {
			schematest.ValidateValue(t, ev)
		}
	}
	return evs
}
