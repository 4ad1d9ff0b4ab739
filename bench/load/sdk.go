// Package load measures delivery: events per second and CPU per event
// through a real HTTP transport to a loopback receiver, ours against
// sentry-go's, and memory and goroutines while the receiver is down.
//
// The receiver is a child process (see ServeIfReceiver), so the process
// CPU time measured around a run is the SDK's: capturing, building,
// serializing, compressing and posting.
package load

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/sentrylog/sentrylog/core"
)

// errEvent is the error of every event: sql.ErrNoRows wrapped twice, as in
// the in-process workload.
var errEvent = fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))

// SDK is one client under test, as a user would set it up with only a DSN.
type SDK struct {
	Name string
	// Open makes a client sending to dsn.
	Open func(dsn string) (Client, error)
}

// Client captures events and reports what it dropped.
type Client interface {
	// Capture captures one event with errEvent on the calling goroutine.
	Capture()
	// Dropped returns the client's drops by reason and category, or nil
	// when the client does not expose them.
	Dropped() map[string]int64
	// Close flushes within timeout and stops the client.
	Close(timeout time.Duration)
}

// SDKs returns ours and sentry-go's.
func SDKs() []SDK { return []SDK{Sentrylog(), SentryGo()} }

// Sentrylog is our client with its default HTTP transport. Storm control is
// off: every event here is identical, and storm control would rightly keep
// all but a few of them from the transport this measures.
func Sentrylog() SDK {
	return SDK{Name: "sentrylog", Open: func(dsn string) (Client, error) {
		c, err := core.New(core.Options{DSN: dsn, Storm: core.StormOptions{Disabled: true}})
		if err != nil {
			return nil, err
		}
		return ourClient{c}, nil
	}}
}

type ourClient struct{ c *core.Client }

func (o ourClient) Capture()                  { o.c.CaptureException(context.Background(), errEvent) }
func (o ourClient) Dropped() map[string]int64 { return o.c.Stats().Dropped }
func (o ourClient) Close(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	o.c.Close(ctx)
}

// SentryGo is sentry-go's client with its default HTTP transport.
func SentryGo() SDK {
	return SDK{Name: "sentry-go", Open: func(dsn string) (Client, error) {
		c, err := sentry.NewClient(sentry.ClientOptions{Dsn: dsn})
		if err != nil {
			return nil, err
		}
		return peerClient{c: c, hub: sentry.NewHub(c, sentry.NewScope())}, nil
	}}
}

type peerClient struct {
	c   *sentry.Client
	hub *sentry.Hub
}

func (p peerClient) Capture()                  { p.hub.CaptureException(errEvent) }
func (p peerClient) Dropped() map[string]int64 { return nil }
func (p peerClient) Close(timeout time.Duration) {
	p.c.Flush(timeout)
	p.c.Close()
}
