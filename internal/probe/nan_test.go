package probe_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/sentrytest"
)

type floaty struct {
	F  float64
	G  float32
	P  *float64
	M  map[string]float64
	S  []float64
	In struct{ X float64 }
}

func nonFinite() map[string]any {
	nan := math.NaN()
	return map[string]any{
		"nan":    nan,
		"inf":    math.Inf(1),
		"ninf":   math.Inf(-1),
		"f32":    float32(math.Inf(1)),
		"slice":  []float64{1, nan, math.Inf(-1)},
		"anys":   []any{nan, "x"},
		"nested": map[string]any{"deep": map[string]any{"v": nan}},
		"struct": floaty{F: nan, G: float32(math.Inf(-1)), P: &nan, M: map[string]float64{"a": nan}, S: []float64{math.Inf(1)}, In: struct{ X float64 }{nan}},
		"ptr":    &nan,
		"cplx":   complex(nan, 1),
	}
}

// TestProbeNaNOnScopes: NaN and ±Inf set everywhere on the scopes (global
// and isolation: context, extra, user data, breadcrumb data, request data)
// never drop an event: every event is delivered, over HTTP too.
func TestProbeNaNOnScopes(t *testing.T) {
	srv := sentrytest.NewServer(t)
	c := testclient.Open(t, core.Options{DSN: srv.DSN(), ServerName: "probe"}, 10e9)
	vals := nonFinite()
	c.Scope().SetContext("global", vals)
	c.Scope().SetExtra("global_extra", vals)
	ctx := core.NewIsolationScope(context.Background())
	core.SetContext(ctx, "iso", vals)
	core.IsolationScope(ctx).SetExtra("nan", math.NaN())
	core.IsolationScope(ctx).SetExtra("struct", vals["struct"])
	core.SetUser(ctx, &core.User{ID: "u", Data: vals})
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "m", Data: vals})
	core.IsolationScope(ctx).SetRequest(&core.Request{URL: "http://x/", Method: "GET", Data: vals})
	cur := core.WithScope(ctx)
	core.CurrentScope(cur).SetContext("cur", vals)
	for i, b := range bridges {
		b.make(c)(cur, true, "failed "+b.name, kv{"error", errors.New("boom")}, kv{"n", i})
	}
	c.CaptureException(cur, errors.New("direct"))
	c.CaptureMessage(cur, "message", core.LevelWarning)
	c.CaptureEvent(cur, &core.Event{Message: &protocol.LogEntry{Formatted: "hand built"}, Extra: vals, Contexts: map[string]map[string]any{"hb": vals}})
	evs, err := srv.WaitForEvents(len(bridges)+3, 10e9)
	require.NoError(t, err, "stats %+v", c.Stats())
	assert.Empty(t, c.Stats().Dropped)
	for _, ev := range evs {
		b, err := json.Marshal(ev.Contexts["iso"])
		require.NoError(t, err)
		assert.Contains(t, string(b), `"NaN"`)
		assert.Contains(t, string(b), `"+Inf"`)
	}
}

// TestProbeNaNLogAttributes: NaN and ±Inf logged through every bridge, as
// plain floats and inside maps, slices and structs.
func TestProbeNaNLogAttributes(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{})
		log := b.make(c)
		ctx := core.NewIsolationScope(context.Background())
		attrs := []kv{{"error", errors.New("boom")}}
		for k, v := range nonFinite() {
			attrs = append(attrs, kv{k, v})
		}
		log(ctx, false, "crumb", attrs[1:]...)
		log(ctx, true, "failed", attrs...)
		ev := oneEvent(t, c, mt)
		m := logCtx(t, ev)
		assert.Equal(t, "NaN", m["nan"])
		assert.Equal(t, "+Inf", m["inf"])
		assert.Equal(t, "-Inf", m["ninf"])
		require.NotEmpty(t, ev.Breadcrumbs)
	})
}

// TestProbeNaNSentryLogs: NaN and ±Inf attributes of Sentry logs, through
// every bridge with logs on.
func TestProbeNaNSentryLogs(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	logs := logBridges(c)
	for _, log := range logs {
		attrs := []kv{}
		for k, v := range nonFinite() {
			attrs = append(attrs, kv{k, v})
		}
		log(context.Background(), false, "with nan", attrs...)
	}
	got := testclient.Logs(t, c, mt)
	require.Len(t, got, len(logs), "stats %+v", c.Stats())
	for _, l := range got {
		v, ok := l.Attr("nan")
		require.True(t, ok)
		assert.Equal(t, "NaN", v.String())
	}
}
