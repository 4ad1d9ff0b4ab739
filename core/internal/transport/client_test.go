package transport_test

// The client's default transport, end to end: core's Client over the HTTP
// transport to a loopback receiver.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/internal/transport"
	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/schematest"
)

const clientSecret = "S3CRETKEYVALUE"

func TestClientSpotlightWithoutDSN(t *testing.T) {
	spot := transport.NewReceiver(t)
	t.Setenv("SENTRY_DSN", "")
	c, err := core.New(core.Options{Spotlight: spot.URL() + "/stream"})
	require.NoError(t, err)
	require.True(t, c.Enabled(), "Spotlight alone makes an HTTP transport")
	c.CaptureMessage(context.Background(), "to the sidecar", core.LevelWarning)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	assert.True(t, c.Close(ctx))
	reqs := spot.Requests()
	require.Len(t, reqs, 1)
	ev, err := reqs[0].Env.Event()
	require.NoError(t, err)
	assert.Equal(t, reqs[0].Env.Header.EventID, ev.EventID)
}

// TestClientOverHTTP runs the client's default transport end to end: the
// events arrive in valid envelopes, validate against Sentry's schema, and
// the secret shows nowhere but in the auth header.
func TestClientOverHTTP(t *testing.T) {
	rc := transport.NewReceiver(t)
	var dbg bytes.Buffer // written only while the client runs
	c, err := core.New(core.Options{
		DSN:   "http://pub:" + clientSecret + "@" + rc.Addr() + "/sub/42",
		Debug: true, DebugWriter: &dbg, Spotlight: "0",
	})
	require.NoError(t, err)
	ctx := context.Background()
	id1 := c.CaptureException(ctx, fmt.Errorf("wrapped: %w", io.ErrUnexpectedEOF))
	id2 := c.CaptureMessage(ctx, "hello over HTTP", core.LevelWarning)
	require.NotEmpty(t, id1)
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	require.True(t, c.Close(cctx))
	assert.EqualValues(t, 2, c.Stats().Delivered)

	reqs := rc.Requests()
	require.Len(t, reqs, 2)
	ids := map[core.EventID]bool{}
	for _, r := range reqs {
		require.NoError(t, r.Err)
		assert.Equal(t, "/sub/api/42/envelope/", r.Path)
		assert.Contains(t, r.Header.Get("X-Sentry-Auth"), "sentry_key=pub")
		ev, err := r.Env.Event()
		require.NoError(t, err)
		assert.Equal(t, r.Env.Header.EventID, ev.EventID)
		ids[ev.EventID] = true
		schematest.Validate(t, r.Env.ItemsOf(protocol.ItemTypeEvent)[0].Payload)
		assert.NotContains(t, string(r.Env.Items[0].Payload), clientSecret)
		assert.NotContains(t, r.Env.Header.DSN, clientSecret)
	}
	assert.Equal(t, map[core.EventID]bool{id1: true, id2: true}, ids)
	assert.NotContains(t, dbg.String(), clientSecret)
}

// TestHTTPRoundTripperOption: Options.HTTPRoundTripper carries the
// requests to Sentry, and to Spotlight; Close leaves its connections alone,
// since it may be the program's.
func TestHTTPRoundTripperOption(t *testing.T) {
	rc := transport.NewReceiver(t)
	spot := transport.NewReceiver(t)
	rt := &countingRT{next: http.DefaultTransport}
	c, err := core.New(core.Options{DSN: "http://pub@" + rc.Addr() + "/42", HTTPRoundTripper: rt,
		Spotlight: spot.URL() + "/stream", Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(context.Background()) })
	c.CaptureMessage(context.Background(), "through the round tripper", core.LevelError)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.True(t, c.Flush(ctx))
	assert.Len(t, rc.Requests(), 1)
	assert.Len(t, spot.Requests(), 1)
	assert.EqualValues(t, 2, rt.n.Load(), "one request to Sentry, one to Spotlight")
	require.True(t, c.Close(ctx))
	assert.Zero(t, rt.closed.Load(), "the program's idle connections stay open")
}

// countingRT counts the requests it passes on.
type countingRT struct {
	n      atomic.Int32
	closed atomic.Int32 // CloseIdleConnections calls
	next   http.RoundTripper
}

func (c *countingRT) CloseIdleConnections() { c.closed.Add(1) }

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}
