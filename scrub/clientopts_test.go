package scrub_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/sentryhttp"
	"github.com/sentrylog/sentrylog/scrub"
)

// captureThroughMiddleware serves one POST with body through sentryhttp on
// a client with opts; the handler reads the body, sets a user and captures
// a message. It returns the event the transport got.
func captureThroughMiddleware(t *testing.T, opts core.Options, body string) *core.Event {
	t.Helper()
	mt := core.NewMemoryTransport()
	opts.Transport = mt
	opts.Storm = core.StormOptions{Disabled: true}
	c, err := core.New(opts)
	require.NoError(t, err)
	defer c.Close(context.Background())
	h := sentryhttp.New(sentryhttp.Options{Client: c}).HandleFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		core.SetUser(r.Context(), &core.User{ID: "u-1", IPAddress: "203.0.113.7"})
		c.CaptureMessage(r.Context(), "login by bob@example.com from 198.51.100.23 ssn=078-05-1120", core.LevelError)
	})
	req := httptest.NewRequest("POST", "http://shop.test/login", strings.NewReader(body))
	req.RemoteAddr = "203.0.113.7:51234"
	h.ServeHTTP(httptest.NewRecorder(), req)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.True(t, c.Flush(ctx))
	evs := mt.Events()
	require.Len(t, evs, 1)
	return evs[0]
}

// TestCustomScrubberKeepsClientOptions: a scrubber built only to add a key
// to the denylist changes nothing else the client was told: personal data
// stays with SendDefaultPII, and a 20 kB body stays with BodySizeAlways.
func TestCustomScrubberKeepsClientOptions(t *testing.T) {
	body := "data=" + strings.Repeat("x", 20000)
	custom := scrub.New(scrub.Options{ExtraKeys: []string{"ssn"}})

	ev := captureThroughMiddleware(t, core.Options{
		SendDefaultPII: true, MaxRequestBodySize: core.BodySizeAlways, Scrubber: custom,
	}, body)
	assert.Equal(t, "login by bob@example.com from 198.51.100.23 ssn=[Filtered]", ev.Message.Formatted,
		"e-mail and IP kept with SendDefaultPII, the extra key filtered")
	require.NotNil(t, ev.User)
	assert.Equal(t, "203.0.113.7", ev.User.IPAddress, "the user's IP is kept")
	require.NotNil(t, ev.Request)
	assert.Equal(t, body, ev.Request.Data, "a 20 kB body is kept with BodySizeAlways")
	assert.Equal(t, "203.0.113.7", ev.Request.Env["REMOTE_ADDR"])

	// The same scrubber on a client without PII and with the default
	// limit: personal data goes, the body is over 10,000 bytes.
	ev = captureThroughMiddleware(t, core.Options{Scrubber: custom}, "a=1")
	assert.Equal(t, "login by [Filtered] from [Filtered] ssn=[Filtered]", ev.Message.Formatted)
	assert.Empty(t, ev.User.IPAddress)
	assert.Equal(t, "a=1", ev.Request.Data)

	// A limit set on the scrubber is kept when it is the stricter.
	strict := scrub.New(scrub.Options{MaxRequestBodySize: 100})
	ev = captureThroughMiddleware(t, core.Options{MaxRequestBodySize: core.BodySizeAlways, Scrubber: strict}, body)
	assert.Nil(t, ev.Request.Data, "the scrubber's own 100-byte limit applies")
	// And a scrubber that keeps personal data keeps it on a client that
	// does not send it by default.
	ev = captureThroughMiddleware(t, core.Options{Scrubber: scrub.New(scrub.Options{SendDefaultPII: true})}, "a=1")
	assert.Contains(t, ev.Message.Formatted, "bob@example.com")
}
