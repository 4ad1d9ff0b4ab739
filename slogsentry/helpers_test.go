package slogsentry_test

import (
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// newClient returns a client that keeps its events in memory, closed when
// the test ends.
func newClient(t testing.TB, opts core.Options) (*core.Client, *core.MemoryTransport) {
	t.Helper()
	return testclient.New(t, opts)
}

// events flushes c and returns what reached its transport, each event
// checked against Sentry's event schema (where ../shared is present).
func events(t testing.TB, c *core.Client, mt *core.MemoryTransport) []*core.Event {
	t.Helper()
	return testclient.Events(t, c, mt)
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
