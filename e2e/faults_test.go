package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/sentrytest"
)

// What only a fake receiver can do (../shared/receivers/README.md): the
// client through the real HTTP transport against sentrytest's chosen
// answers. These need no Node.

func TestRateLimitedClient(t *testing.T) {
	srv := sentrytest.NewServer(t)
	srv.Respond(func(*http.Request) (int, http.Header) {
		return http.StatusTooManyRequests, http.Header{"X-Sentry-Rate-Limits": {"60:error:organization:quota"}}
	})
	c := newClient(t, core.Options{DSN: srv.DSN()})
	c.CaptureException(context.Background(), wrappedErr())
	flushCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	assert.False(t, c.Flush(flushCtx), "a rate-limited event is not delivered")
	_, err := srv.WaitForRejections(1, readTimeout)
	require.NoError(t, err)

	// While the error category is limited, events are dropped before any
	// request and counted as ratelimit_backoff; the client report itself
	// (category internal) still goes out.
	srv.Respond(nil)
	for range 2 {
		c.CaptureException(context.Background(), wrappedErr())
	}
	assert.False(t, c.Flush(flushCtx), "events dropped while limited are not delivered")
	_, err = srv.WaitForClientReports(1, readTimeout)
	require.NoError(t, err)
	assert.Empty(t, srv.Events(), "no event is sent while limited")
	assert.Len(t, srv.Rejections(), 1, "no request for a limited event")
	assert.Equal(t, map[string]int64{"ratelimit_backoff:error": 2}, srv.Discarded(),
		"the 429 itself is counted by the server, not reported")
}

func TestRejectedClient(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		badKey bool
	}{
		{"wrong key", http.StatusUnauthorized, true},
		{"too large", http.StatusRequestEntityTooLarge, false},
		{"malformed", http.StatusBadRequest, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sentrytest.NewServer(t)
			dsn := srv.DSN()
			if tc.badKey {
				dsn = strings.Replace(dsn, srv.Key(), "0000000000000000000000000000beef", 1)
			} else {
				srv.Respond(func(*http.Request) (int, http.Header) { return tc.status, nil })
			}
			c := newClient(t, core.Options{DSN: dsn})
			c.CaptureException(context.Background(), wrappedErr())
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			assert.False(t, c.Flush(ctx), "Flush reports the undelivered event")

			rej, err := srv.WaitForRejections(1, readTimeout)
			require.NoError(t, err)
			assert.Equal(t, tc.status, rej[0].Status)
			assert.Equal(t, int64(1), c.Stats().Dropped["send_error:error"])
			// The client report of the drop may follow (and be refused too);
			// the event itself is posted once.
			time.Sleep(200 * time.Millisecond)
			events := 0
			for _, r := range srv.Rejections() {
				if r.HasEvent() {
					events++
				}
			}
			assert.Equal(t, 1, events, "a %d is not retried", tc.status)
		})
	}
}
