package logrussentry_test

import (
	"bytes"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
)

// newClient returns a client that keeps its events in memory, closed when
// the test ends.
func newClient(t testing.TB, opts core.Options) (*core.Client, *core.MemoryTransport) {
	t.Helper()
	return testclient.New(t, opts)
}

// newLogger returns a logger at Trace level, writing JSON to the returned
// buffer, with a Hook bound to c.
func newLogger(t testing.TB, c *core.Client, opts logrussentry.Options) (*logrus.Logger, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	opts.Client = c
	l := logrus.New()
	l.Out = &out
	l.Formatter = &logrus.JSONFormatter{}
	l.Level = logrus.TraceLevel
	l.AddHook(logrussentry.NewHook(opts))
	return l, &out
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
