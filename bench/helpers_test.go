package bench

import (
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
)

// ourClient returns a sentrylog client with a discarding transport, closed
// when the benchmark ends.
func ourClient(tb testing.TB) *core.Client {
	return ourClientQueue(tb, 0)
}

// drainedQueue is the queue of the clients of the EventDrained benchmarks:
// large enough for every capture of a run of a few hundred milliseconds.
const drainedQueue = 1 << 17

// eventQueue is the queue of the clients of the Event benchmarks: large
// enough that every capture is accepted, so the caller's cost is that of an
// accepted capture, not of one the full default queue (1000) turns away.
const eventQueue = drainedQueue

// ourClientQueue is ourClient with Options.QueueSize set.
func ourClientQueue(tb testing.TB, queue int) *core.Client {
	tb.Helper()
	c, closeFn, err := NewClient(queue)
	require.NoError(tb, err)
	tb.Cleanup(closeFn)
	return c
}

// sentryHub returns a sentry-go hub with a discarding transport, its client
// closed when the benchmark ends.
func sentryHub(tb testing.TB) (*sentry.Hub, *SentryDiscard) {
	tb.Helper()
	h, t, closeFn, err := NewSentryHub()
	require.NoError(tb, err)
	tb.Cleanup(closeFn)
	return h, t
}
