// Package bench compares sentrylog's bridges with the bridges users would
// pick instead, on one workload, in one run, on one machine. It is its own
// module so that the peers never enter the library's go.mod.
//
// Every Sentry client here sends to a transport that drops what it is given
// (DiscardTransport for ours, [SentryDiscard] for sentry-go's), so the
// benchmarks compare only what a logging call costs in the process. The
// delivery of events over HTTP is measured by bench/load.
package bench

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/sentrylog/sentrylog/core"
)

// SentryDiscard is a sentry.Transport that drops every event and counts it.
// It is safe for concurrent use.
type SentryDiscard struct {
	events atomic.Int64
}

var _ sentry.Transport = (*SentryDiscard)(nil)

// Configure does nothing: there is nothing to configure.
func (t *SentryDiscard) Configure(sentry.ClientOptions) {}

// SendEvent counts ev and drops it.
func (t *SentryDiscard) SendEvent(*sentry.Event) { t.events.Add(1) }

// Flush returns true at once: nothing is ever pending.
func (t *SentryDiscard) Flush(time.Duration) bool { return true }

// FlushWithContext returns true at once: nothing is ever pending.
func (t *SentryDiscard) FlushWithContext(context.Context) bool { return true }

// Close does nothing.
func (t *SentryDiscard) Close() {}

// Events returns how many events the transport was given.
func (t *SentryDiscard) Events() int64 { return t.events.Load() }

// PeerDSN is the DSN given to the peers' clients. sentry-go wants one to build
// its envelopes' headers; nothing ever connects to it, since the transport
// discards.
const PeerDSN = "http://public@127.0.0.1:9/1"

// NewSentryHub returns a hub whose client sends to a discarding transport,
// with sentry-go's defaults otherwise (as its users get it), and a func that
// closes the client. The client is not made the process-wide one.
func NewSentryHub() (*sentry.Hub, *SentryDiscard, func(), error) {
	t := &SentryDiscard{}
	c, err := sentry.NewClient(sentry.ClientOptions{Dsn: PeerDSN, Transport: t})
	if err != nil {
		return nil, nil, nil, err
	}
	return sentry.NewHub(c, sentry.NewScope()), t, c.Close, nil
}

// NewClient returns a sentrylog client whose transport discards, with storm
// control off so that every capture does the whole work, and a func that
// closes it. queue is Options.QueueSize; 0 means the default.
func NewClient(queue int) (*core.Client, func(), error) {
	c, err := core.New(core.Options{
		Transport: &core.DiscardTransport{},
		Storm:     core.StormOptions{Disabled: true},
		QueueSize: queue,
	})
	if err != nil {
		return nil, nil, err
	}
	return c, func() { c.Close(context.Background()) }, nil
}
