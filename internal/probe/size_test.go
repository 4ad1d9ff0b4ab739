package probe_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/sentrytest"
)

const maxEvent = 1 << 20

// encodedSize is the event's JSON size.
func encodedSize(t *testing.T, ev *core.Event) int {
	t.Helper()
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	return len(b)
}

// logCtx returns the event's contexts["log"] as a generic map.
func logCtx(t *testing.T, ev *core.Event) map[string]any {
	t.Helper()
	b, err := json.Marshal(ev.Contexts["log"])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// oneEvent flushes and returns the only event.
func oneEvent(t *testing.T, c *core.Client, mt *core.MemoryTransport) *core.Event {
	t.Helper()
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1, "stats %+v", c.Stats())
	return evs[0]
}

type inner struct {
	Name  string
	Blob  string
	Items []string
}

type outer struct {
	ID    int
	Inner inner
	More  []inner
}

// TestProbeSizeHugeValueAmongOthers: one huge value among normal
// attributes: the others survive, the huge one is cut with a marker, the
// event fits, through every bridge.
func TestProbeSizeHugeValueAmongOthers(t *testing.T) {
	huge := strings.Repeat("x", 2<<20)
	many := make([]string, 1_000_000)
	for i := range many {
		many[i] = "item"
	}
	anys := make([]any, 200_000)
	for i := range anys {
		anys[i] = strings.Repeat("y", 20)
	}
	bigMap := map[string]any{}
	for i := 0; i < 50_000; i++ {
		bigMap[fmt.Sprintf("k%06d", i)] = strings.Repeat("z", 30)
	}
	nested := outer{ID: 1, Inner: inner{Name: "n", Blob: huge, Items: many[:5000]}}
	for i := 0; i < 3000; i++ {
		nested.More = append(nested.More, inner{Name: "m", Blob: strings.Repeat("w", 500)})
	}
	cases := map[string]any{
		"string":  huge,
		"strings": many,
		"anys":    anys,
		"map":     bigMap,
		"struct":  nested,
	}
	for name, payload := range cases {
		t.Run(name, func(t *testing.T) {
			forEachBridge(t, func(t *testing.T, b bridge) {
				c, mt := testclient.New(t, core.Options{})
				log := b.make(c)
				log(context.Background(), true, "huge", kv{"error", errors.New("boom")}, kv{"payload", payload}, kv{"order_id", "o-123"})
				ev := oneEvent(t, c, mt)
				assert.LessOrEqual(t, encodedSize(t, ev), maxEvent)
				m := logCtx(t, ev)
				assert.Equal(t, "o-123", m["order_id"], "the other attribute survives")
				p, _ := json.Marshal(m["payload"])
				assert.Less(t, len(p), 1<<20)
				assert.Regexp(t, `truncated from|\.\.\.|more|dropped`, string(p), "a marker says the value was cut")
				assert.Equal(t, "boom", ev.Exception[len(ev.Exception)-1].Value)
			})
		})
	}
}

// TestProbeSizeHugeFields: a 10 MB user id, fingerprint entry, tag,
// transaction and breadcrumb message: the event is sent, fits and
// validates.
func TestProbeSizeHugeFields(t *testing.T) {
	huge := strings.Repeat("u", 10<<20)
	type setup func(ctx context.Context, c *core.Client) context.Context
	cases := map[string]setup{
		"user id": func(ctx context.Context, c *core.Client) context.Context {
			core.SetUser(ctx, &core.User{ID: huge})
			return ctx
		},
		"fingerprint": func(ctx context.Context, c *core.Client) context.Context {
			core.IsolationScope(ctx).SetFingerprint([]string{huge, huge})
			return ctx
		},
		"many fingerprint entries": func(ctx context.Context, c *core.Client) context.Context {
			fp := make([]string, 100_000)
			for i := range fp {
				fp[i] = fmt.Sprint(i)
			}
			core.IsolationScope(ctx).SetFingerprint(fp)
			return ctx
		},
		"tag": func(ctx context.Context, c *core.Client) context.Context {
			core.SetTag(ctx, huge, huge)
			return ctx
		},
		"transaction": func(ctx context.Context, c *core.Client) context.Context {
			core.IsolationScope(ctx).SetTransaction(huge)
			return ctx
		},
		"breadcrumb message": func(ctx context.Context, c *core.Client) context.Context {
			c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: huge, Data: map[string]any{"k": huge}})
			return ctx
		},
		"context": func(ctx context.Context, c *core.Client) context.Context {
			core.SetContext(ctx, "big", map[string]any{"v": huge, "keep": "me"})
			return ctx
		},
		"extra": func(ctx context.Context, c *core.Client) context.Context {
			core.IsolationScope(ctx).SetExtra("big", huge)
			return ctx
		},
		"request": func(ctx context.Context, c *core.Client) context.Context {
			core.IsolationScope(ctx).SetRequest(&core.Request{URL: "http://x/" + huge, Method: huge, Data: huge, QueryString: huge, Headers: map[string]string{"X": huge}})
			return ctx
		},
		"user data": func(ctx context.Context, c *core.Client) context.Context {
			core.SetUser(ctx, &core.User{ID: "u1", Email: huge + "@x.io", Username: huge, Data: map[string]any{"k": huge}})
			return ctx
		},
	}
	for name, set := range cases {
		t.Run(name, func(t *testing.T) {
			forEachBridge(t, func(t *testing.T, b bridge) {
				c, mt := testclient.New(t, core.Options{})
				ctx := core.NewIsolationScope(context.Background())
				ctx = set(ctx, c)
				b.make(c)(ctx, true, "failed", kv{"error", errors.New("boom")}, kv{"order_id", "o-1"})
				ev := oneEvent(t, c, mt)
				assert.LessOrEqual(t, encodedSize(t, ev), maxEvent)
				assert.Equal(t, "o-1", logCtx(t, ev)["order_id"])
				assert.Empty(t, c.Stats().Dropped)
			})
		})
	}
}

// TestProbeSizeOverHTTP: the same huge fields through the HTTP transport
// reach a receiver (no send_error), each envelope under Sentry's limits.
func TestProbeSizeOverHTTP(t *testing.T) {
	huge := strings.Repeat("h", 10<<20)
	srv := sentrytest.NewServer(t)
	c := testclient.Open(t, core.Options{DSN: srv.DSN(), ServerName: "probe"}, 10e9)
	ctx := core.NewIsolationScope(context.Background())
	core.SetUser(ctx, &core.User{ID: huge})
	core.IsolationScope(ctx).SetFingerprint([]string{huge})
	core.SetTag(ctx, "big", huge)
	core.IsolationScope(ctx).SetTransaction(huge)
	for i := 0; i < 200; i++ {
		c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: fmt.Sprint("crumb ", i), Data: map[string]any{"blob": strings.Repeat("b", 20_000)}})
	}
	core.SetContext(ctx, "app", map[string]any{"keep": "me", "big": huge})
	log := bridges[0].make(c)
	log(ctx, true, "failed", kv{"error", errors.New("boom")}, kv{"order_id", "o-1"}, kv{"payload", huge})
	evs, err := srv.WaitForEvents(1, 10e9)
	require.NoError(t, err)
	ev := evs[0]
	assert.Empty(t, c.Stats().Dropped)
	assert.Equal(t, "o-1", logCtx(t, ev)["order_id"])
	app, _ := json.Marshal(ev.Contexts["app"])
	assert.Contains(t, string(app), `"keep":"me"`)
	assert.NotEmpty(t, ev.Breadcrumbs)
	assert.Empty(t, srv.Rejections())
	schematest.ValidateValue(t, ev)
}

// TestProbeSizeManyBigBreadcrumbs: 100 breadcrumbs with 50 kB of data each
// through every bridge: the event fits, the newest breadcrumbs are kept,
// the drop is marked.
func TestProbeSizeManyBigBreadcrumbs(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{})
		log := b.make(c)
		ctx := core.NewIsolationScope(context.Background())
		for i := 0; i < 100; i++ {
			log(ctx, false, fmt.Sprint("step ", i), kv{"blob", strings.Repeat(fmt.Sprint(i%10), 50_000)}, kv{"i", fmt.Sprint(i)})
		}
		log(ctx, true, "failed", kv{"error", errors.New("boom")}, kv{"order_id", "o-1"})
		ev := oneEvent(t, c, mt)
		assert.LessOrEqual(t, encodedSize(t, ev), maxEvent)
		require.NotEmpty(t, ev.Breadcrumbs)
		last := ev.Breadcrumbs[len(ev.Breadcrumbs)-1]
		assert.Equal(t, "step 99", last.Message, "the newest breadcrumb is kept")
		assert.Equal(t, "o-1", logCtx(t, ev)["order_id"])
	})
}
