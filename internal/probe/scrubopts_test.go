package probe_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/scrub"
)

// TestProbeCustomScrubberKeepsOptions: a scrubber that only adds a key
// keeps SendDefaultPII and MaxRequestBodySize, in events through every
// bridge and in Sentry logs.
func TestProbeCustomScrubberKeepsOptions(t *testing.T) {
	body := strings.Repeat("b", 20_000)
	mk := func(t *testing.T, pii bool) (*core.Client, *core.MemoryTransport) {
		return testclient.New(t, core.Options{
			SendDefaultPII: pii, MaxRequestBodySize: core.BodySizeAlways,
			Scrubber: scrub.New(scrub.Options{ExtraKeys: []string{"ssn"}}),
		})
	}
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := mk(t, true)
		ctx := core.NewIsolationScope(context.Background())
		core.SetUser(ctx, &core.User{ID: "u1", Email: "bob@example.com", IPAddress: "203.0.113.7"})
		core.IsolationScope(ctx).SetRequest(&core.Request{URL: "https://shop.test/x", Method: "POST", Data: body})
		b.make(c)(ctx, true, "login by bob@example.com from 198.51.100.23", kv{"email", "ann@example.com"}, kv{"ssn", "078-05-1120"}, kv{"client_ip", "198.51.100.9"})
		ev := oneEvent(t, c, mt)
		assert.Equal(t, "login by bob@example.com from 198.51.100.23", ev.Message.Formatted)
		lc := logCtx(t, ev)
		assert.Equal(t, "ann@example.com", lc["email"])
		assert.Equal(t, "198.51.100.9", lc["client_ip"])
		assert.Equal(t, "[Filtered]", lc["ssn"])
		require.NotNil(t, ev.User)
		assert.Equal(t, "203.0.113.7", ev.User.IPAddress)
		assert.Equal(t, "bob@example.com", ev.User.Email)
		require.NotNil(t, ev.Request)
		assert.Equal(t, body, ev.Request.Data)
	})
	t.Run("logs", func(t *testing.T) {
		c, mt := mk(t, true)
		for _, log := range logBridges(c) {
			log(context.Background(), false, "login by bob@example.com", kv{"email", "ann@example.com"}, kv{"ssn", "078-05-1120"})
		}
		got := testclient.Logs(t, c, mt)
		require.Len(t, got, 4)
		for _, l := range got {
			assert.Equal(t, "login by bob@example.com", l.Body)
			e, _ := l.Attr("email")
			s, _ := l.Attr("ssn")
			assert.Equal(t, "ann@example.com", e.String())
			assert.Equal(t, "[Filtered]", s.String())
		}
	})
	t.Run("without PII", func(t *testing.T) {
		c, mt := mk(t, false)
		bridges[0].make(c)(context.Background(), true, "login by bob@example.com", kv{"email", "ann@example.com"}, kv{"ssn", "078-05-1120"})
		ev := oneEvent(t, c, mt)
		assert.NotContains(t, ev.Message.Formatted, "bob@example.com")
		lc := logCtx(t, ev)
		assert.NotEqual(t, "ann@example.com", lc["email"])
		assert.Equal(t, "[Filtered]", lc["ssn"])
	})
}
