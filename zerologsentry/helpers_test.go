package zerologsentry_test

import (
	"bytes"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// newClient returns a client that keeps its events in memory, closed when
// the test ends.
func newClient(t testing.TB, opts core.Options) (*core.Client, *core.MemoryTransport) {
	t.Helper()
	return testclient.New(t, opts)
}

// newLogger returns a logger writing through a Writer bound to c, and the
// buffer that receives its output (through zerolog.SyncWriter: a Writer
// passes lines on concurrently, as zerolog does).
func newLogger(t testing.TB, c *core.Client, opts zerologsentry.Options) (zerolog.Logger, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	opts.Client = c
	w := zerologsentry.New(zerolog.SyncWriter(&out), opts)
	return zerolog.New(w).Hook(w), &out
}

// events flushes c and returns what reached its transport, each event
// checked against the schema.
func events(t testing.TB, c *core.Client, mt *core.MemoryTransport) []*core.Event {
	t.Helper()
	return testclient.Events(t, c, mt)
}

// one flushes c and returns its only event.
func one(t testing.TB, c *core.Client, mt *core.MemoryTransport) *core.Event {
	t.Helper()
	evs := events(t, c, mt)
	require.Len(t, evs, 1)
	return evs[0]
}

// logContext returns the event's "log" context (nil when it has none).
func logContext(ev *core.Event) map[string]any {
	if ev == nil || ev.Contexts == nil {
		return nil
	}
	return ev.Contexts["log"]
}

// crumbs returns the breadcrumbs an event carries, by message.
func crumbs(ev *core.Event) []string {
	var out []string
	for _, b := range ev.Breadcrumbs {
		out = append(out, b.Message)
	}
	return out
}
