package zapbench

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/sentrylog/sentrylog/core"
)

// The workload of package bench (see its workload.go), repeated.
const (
	msgDisabled   = "cache probe"
	msgBreadcrumb = "request served"
	msgEvent      = "request failed"

	keyService = "service"
	valService = "checkout"
	keyShard   = "shard"
	valShard   = 7

	keyMethod  = "method"
	valMethod  = "GET"
	keyStatus  = "status"
	valStatus  = 200
	keyElapsed = "elapsed"
	valElapsed = 3 * time.Millisecond

	keyRoute  = "route"
	valRoute  = "/orders/{id}"
	keyUserID = "user_id"
	valUserID = 42
)

var errEvent = fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))

// sentryDiscard is a sentry.Transport that drops every event and counts it.
type sentryDiscard struct{ events atomic.Int64 }

var _ sentry.Transport = (*sentryDiscard)(nil)

func (*sentryDiscard) Configure(sentry.ClientOptions)        {}
func (t *sentryDiscard) SendEvent(*sentry.Event)             { t.events.Add(1) }
func (*sentryDiscard) Flush(time.Duration) bool              { return true }
func (*sentryDiscard) FlushWithContext(context.Context) bool { return true }
func (*sentryDiscard) Close()                                {}

// newSentryClient returns a sentry-go client with sentry-go's defaults and a
// discarding transport.
func newSentryClient(t *sentryDiscard) (*sentry.Client, error) {
	return sentry.NewClient(sentry.ClientOptions{Dsn: "http://public@127.0.0.1:9/1", Transport: t})
}

// newClient returns a sentrylog client with a discarding transport and storm
// control off; queue is Options.QueueSize (0: the default).
func newClient(queue int) (*core.Client, error) {
	return core.New(core.Options{
		Transport: &core.DiscardTransport{},
		Storm:     core.StormOptions{Disabled: true},
		QueueSize: queue,
	})
}

// drainedQueue is the queue of the EventDrained benchmarks' clients.
const drainedQueue = 1 << 17

// eventQueue is the queue of the Event benchmarks' clients: large enough
// that every capture is accepted (see package bench).
const eventQueue = drainedQueue
