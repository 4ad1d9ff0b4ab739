package scrub_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/scrub"
)

var _ core.Scrubber = (*scrub.Scrubber)(nil)

// TestCoreDefault: a client without Options.Scrubber scrubs with this
// package, before BeforeSend, and the scrubbed event is schema-valid.
func TestCoreDefault(t *testing.T) {
	for _, pii := range []bool{false, true} {
		mt := core.NewMemoryTransport()
		var seen *core.Event
		c, err := core.New(core.Options{
			Transport:      mt,
			SendDefaultPII: pii,
			Storm:          core.StormOptions{Disabled: true},
			BeforeSend: func(ev *core.Event, _ *core.Hint) *core.Event {
				seen = ev
				return ev
			},
		})
		require.NoError(t, err)
		c.CaptureRecord(&core.Record{
			Level:   core.LevelError,
			Message: "login failed for bob@example.com with password=hunter2",
			Attrs: []slog.Attr{
				slog.String("api_key", "k-123"),
				slog.Group("db", slog.String("Password", "hunter2"), slog.String("host", "db.internal")),
				slog.Any("error", errors.New("dial postgres://app:hunter2@db.internal/app: refused")),
			},
		})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		require.True(t, c.Flush(ctx))
		cancel()
		require.True(t, c.Close(context.Background()))

		evs := mt.Events()
		require.Len(t, evs, 1)
		assert.Same(t, evs[0], seen, "BeforeSend saw the scrubbed event")
		b, err := json.Marshal(evs[0])
		require.NoError(t, err)
		assert.NotContains(t, string(b), "hunter2")
		assert.NotContains(t, string(b), "k-123")
		assert.Contains(t, string(b), "db.internal")
		assert.Equal(t, pii, strings.Contains(string(b), "bob@example.com"), "e-mail kept only with SendDefaultPII")
		schematest.Validate(t, b) // last: it skips where the schema is absent
	}
}

// TestConcurrentScrub shares maps between events scrubbed at once, as scopes
// do; run with -race.
func TestConcurrentScrub(t *testing.T) {
	s := scrub.New(scrub.Options{})
	shared := map[string]any{"password": "p", "nested": map[string]any{"token": "t", "ok": "a@b.cd"}}
	done := make(chan map[string]any)
	for range 8 {
		go func() {
			ev := fullEvent()
			ev.Extra = shared
			s.Scrub(ev)
			done <- ev.Extra
		}()
	}
	for range 8 {
		got := <-done
		assert.Equal(t, map[string]any{"password": scrub.Filtered,
			"nested": map[string]any{"token": scrub.Filtered, "ok": scrub.Filtered}}, got)
	}
	assert.Equal(t, "p", shared["password"])
}

// TestFingerprintScrubbed: with AttachStacktrace a message event's
// fingerprint is its message; it is scrubbed like the message, and so are a
// fingerprint and a transaction set by the program.
func TestFingerprintScrubbed(t *testing.T) {
	mt := core.NewMemoryTransport()
	c, err := core.New(core.Options{Transport: mt, AttachStacktrace: true, Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	const msg = "login failed password=hunter2 card 4111 1111 1111 1111"
	c.CaptureRecord(&core.Record{Level: core.LevelError, Message: msg})
	ctx := core.NewIsolationScope(context.Background())
	core.IsolationScope(ctx).SetTransaction("GET /reset/ghp_" + strings.Repeat("a1B2", 9))
	c.CaptureRecord(&core.Record{Level: core.LevelError, Message: "set", Context: ctx,
		Attrs: []slog.Attr{slog.Any("fingerprint", []string{"{{ default }}", "token=tok-123456"})}})
	fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.True(t, c.Flush(fctx))
	evs := mt.Events()
	require.Len(t, evs, 2)
	const want = "login failed password=[Filtered] card [Filtered]"
	assert.Equal(t, want, evs[0].Message.Formatted)
	assert.Equal(t, []string{want}, evs[0].Fingerprint)
	assert.Equal(t, []string{"{{ default }}", "token=[Filtered]"}, evs[1].Fingerprint)
	assert.Equal(t, "GET /reset/[Filtered]", evs[1].Transaction)
	b, err := json.Marshal(evs)
	require.NoError(t, err)
	for _, s := range []string{"hunter2", "4111", "tok-123456", "a1B2"} {
		assert.NotContains(t, string(b), s)
	}
}

// TestURLEncodedRequest: query strings and form bodies are decoded before
// they are searched, for a *http.Request logged as an attribute and for the
// body sentryhttp keeps.
func TestURLEncodedRequest(t *testing.T) {
	const query = "email=bob%40example.com&card=4111+1111+1111+1111&Authorization=Bearer+abcdef0123456789xyz&page=2"
	r := httptest.NewRequest("GET", "http://shop.test/pay?"+query, nil)
	mt := core.NewMemoryTransport()
	c, err := core.New(core.Options{Transport: mt, Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	c.CaptureRecord(&core.Record{Level: core.LevelError, Message: "pay failed", Attrs: []slog.Attr{slog.Any("req", r)}})
	fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.True(t, c.Flush(fctx))
	evs := mt.Events()
	require.Len(t, evs, 1)
	require.NotNil(t, evs[0].Request)
	const want = "email=[Filtered]&card=[Filtered]&Authorization=[Filtered]&page=2"
	assert.Equal(t, want, evs[0].Request.QueryString)

	ev := captureThroughMiddleware(t, core.Options{}, query)
	assert.Equal(t, want, ev.Request.Data, "the form body sentryhttp keeps")
	for _, ev := range []*core.Event{evs[0], ev} {
		b, err := json.Marshal(ev)
		require.NoError(t, err)
		for _, s := range []string{"bob%40example.com", "4111", "abcdef0123456789xyz"} {
			assert.NotContains(t, string(b), s)
		}
	}
}

// TestDebuggingTextKept: addresses of servers, versions and order ids
// arrive as written with the default options.
func TestDebuggingTextKept(t *testing.T) {
	mt := core.NewMemoryTransport()
	c, err := core.New(core.Options{Transport: mt, Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	c.CaptureRecord(&core.Record{Level: core.LevelError, Message: `unsupported version "1.2.3.4"`, Attrs: []slog.Attr{
		slog.Any("error", errors.New("dial tcp 10.20.30.40:5432: connect: connection refused")),
		slog.Int64("order_id", 4000000000000002),
		slog.String("invoice", "4539578763621486"),
	}})
	fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.True(t, c.Flush(fctx))
	evs := mt.Events()
	require.Len(t, evs, 1)
	ev := evs[0]
	assert.Equal(t, `unsupported version "1.2.3.4"`, ev.Message.Formatted)
	assert.Equal(t, "dial tcp 10.20.30.40:5432: connect: connection refused", ev.Exception[len(ev.Exception)-1].Value)
	assert.EqualValues(t, 4000000000000002, ev.Contexts["log"]["order_id"])
	assert.Equal(t, "4539578763621486", ev.Contexts["log"]["invoice"])
}
