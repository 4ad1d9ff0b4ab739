package core

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/schematest"
)

// memoPair returns two clients that differ only in whether they keep
// breadcrumbs' final forms: the second has a BeforeSend that returns the
// event unchanged, which turns the memo off.
func memoPair(t *testing.T) (memo, plain *Client, mt, pt *MemoryTransport) {
	t.Helper()
	mt, pt = NewMemoryTransport(), NewMemoryTransport()
	memo, err := New(Options{Transport: mt, Storm: StormOptions{Disabled: true}})
	require.NoError(t, err)
	plain, err = New(Options{Transport: pt, Storm: StormOptions{Disabled: true},
		BeforeSend: func(ev *Event, _ *Hint) *Event { return ev }})
	require.NoError(t, err)
	t.Cleanup(func() { memo.Close(context.Background()); plain.Close(context.Background()) })
	require.True(t, memo.memoOn)
	require.False(t, plain.memoOn)
	return memo, plain, mt, pt
}

// crumbsJSON is the breadcrumbs of ev as JSON, for comparison.
func crumbsJSON(t *testing.T, ev *Event) string {
	t.Helper()
	b, err := json.Marshal(ev.Breadcrumbs)
	require.NoError(t, err)
	return string(b)
}

// addMixedCrumbs adds breadcrumbs of every kind to ctx's isolation scope
// through c: record breadcrumbs with inline, given and grouped attributes
// and secrets, hand-built ones with data needing normalization, long
// messages.
func addMixedCrumbs(c *Client, ctx context.Context, at time.Time, i int) {
	pre := ownedAttrs([]slog.Attr{slog.String("service", "checkout")})
	lent := [3]slog.Attr{slog.String("method", "GET"), slog.String("password", "hunter2"), slog.Int("i", i)}
	c.addRecordBreadcrumb(&record{Level: LevelInfo, Message: "login with token=sk_live_abcdefghijklmnop1234", Context: ctx, Time: at, Pre: pre}, lent[:])
	c.addRecordBreadcrumb(&record{Level: LevelWarning, Message: strings.Repeat("x", 9000), Context: ctx, Time: at,
		Groups: []string{"req"}, Attrs: []slog.Attr{slog.Group("h", slog.String("authorization", "Bearer abc.def.ghi")), slog.Float64("nan", math.NaN())}, GiveAttrs: true}, nil)
	c.AddBreadcrumb(ctx, &Breadcrumb{Message: "hand built", Timestamp: at, Data: map[string]any{"inf": math.Inf(1), "api_key": "k-123", "n": i}})
	c.AddBreadcrumb(ctx, &Breadcrumb{Message: "mail bob@example.com", Timestamp: at})
}

// TestCrumbMemoSameEvents: breadcrumbs made final once and shared give
// the same events as breadcrumbs made for each event, over events that
// share some breadcrumbs and not others.
func TestCrumbMemoSameEvents(t *testing.T) {
	memo, plain, mt, pt := memoPair(t)
	for _, c := range []*Client{memo, plain} {
		ctx := NewIsolationScope(context.Background())
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		for i := range 40 {
			addMixedCrumbs(c, ctx, at.Add(time.Duration(i)*time.Second), i)
			if i%7 == 0 {
				c.captureRecord(&record{Level: LevelError, Message: "failed", Context: ctx})
				c.CaptureEvent(ctx, &Event{Message: &protocol.LogEntry{Formatted: "own"},
					Breadcrumbs: []Breadcrumb{{Message: "own secret=abcdefabcdefabcdef1234", Data: map[string]any{"token": "t", "f": math.NaN()}}}})
				// The worker reads the ring when it builds the event:
				// before breadcrumbs added later replace the oldest.
				require.True(t, c.Flush(context.Background()))
			}
		}
		// Twice with no new breadcrumbs: the second shares the first's.
		c.captureRecord(&record{Level: LevelError, Message: "failed", Context: ctx})
		c.captureRecord(&record{Level: LevelError, Message: "failed", Context: ctx})
		require.True(t, c.Flush(context.Background()))
	}
	me, pe := mt.Events(), pt.Events()
	require.Len(t, me, len(pe))
	require.Len(t, me, 14)
	for i := range me {
		assert.JSONEq(t, crumbsJSON(t, pe[i]), crumbsJSON(t, me[i]), "event %d", i)
	}
	last := me[len(me)-1]
	require.Len(t, last.Breadcrumbs, 100)
	s := crumbsJSON(t, last)
	for _, secret := range []string{"hunter2", "sk_live_abcdefghijklmnop1234", "abc.def.ghi", "k-123", "bob@example.com"} {
		assert.NotContains(t, s, secret)
	}
	assert.Contains(t, s, "[truncated", "a long message is cut")
	for _, ev := range me {
		b, err := marshalEvent(ev)
		require.NoError(t, err)
		schematest.Validate(t, b)
	}
}

// TestCrumbMemoOverBudget: an event over the size budget is trimmed as it
// would be without the memo (strings cut, oldest breadcrumbs dropped), and
// the shared final forms are left as they were for the next event.
func TestCrumbMemoOverBudget(t *testing.T) {
	memo, plain, mt, pt := memoPair(t)
	big := strings.Repeat("y", 7000)
	for _, c := range []*Client{memo, plain} {
		ctx := NewIsolationScope(context.Background())
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		for i := range 100 {
			c.AddBreadcrumb(ctx, &Breadcrumb{Message: big, Timestamp: at.Add(time.Duration(i) * time.Millisecond)})
			c.addRecordBreadcrumb(&record{Level: LevelInfo, Message: "m", Context: ctx, Time: at.Add(time.Duration(i) * time.Millisecond),
				Attrs: []slog.Attr{slog.String("v", big)}, GiveAttrs: true}, nil)
		}
		c.captureRecord(&record{Level: LevelError, Message: "failed", Context: ctx})
		c.captureRecord(&record{Level: LevelError, Message: "failed", Context: ctx})
		require.True(t, c.Flush(context.Background()))
	}
	me, pe := mt.Events(), pt.Events()
	require.Len(t, me, 2)
	require.Len(t, pe, 2)
	for i := range me {
		assert.JSONEq(t, crumbsJSON(t, pe[i]), crumbsJSON(t, me[i]), "event %d", i)
		assert.Less(t, len(crumbsJSON(t, me[i])), maxEventSize)
	}
}

// TestCrumbMemoOff: a BeforeSend, a scrubber of the program's own or a
// transport of the program's own sees the event: breadcrumbs are then made
// for each event.
func TestCrumbMemoOff(t *testing.T) {
	for name, o := range map[string]Options{
		"BeforeSend": {Transport: &DiscardTransport{}, BeforeSend: func(ev *Event, _ *Hint) *Event { return ev }},
		"Scrubber":   {Transport: &DiscardTransport{}, Scrubber: scrubFunc(func(*Event) {})},
		"Transport":  {Transport: &sendFunc{}},
	} {
		c, err := New(o)
		require.NoError(t, err)
		assert.False(t, c.memoOn, name)
		c.Close(context.Background())
	}
}

type scrubFunc func(*Event)

func (f scrubFunc) Scrub(ev *Event) { f(ev) }

type sendFunc struct{ DiscardTransport }

// TestAllocsEventCrumbs asserts the allocations of an event carrying a full
// ring of 100 breadcrumbs, every goroutine's (the capture, the worker's
// pipeline and the flush that waits for it): at most 40.
func TestAllocsEventCrumbs(t *testing.T) {
	race.SkipAllocs(t)
	c, err := New(Options{Transport: &DiscardTransport{}, Storm: StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	ctx := NewIsolationScope(context.Background())
	pre := ownedAttrs([]slog.Attr{slog.String("service", "checkout"), slog.Int("shard", 7)})
	for range 100 {
		lent := [3]slog.Attr{slog.String("method", "GET"), slog.Int("status", 200), slog.Duration("elapsed", 3*time.Millisecond)}
		c.addRecordBreadcrumb(&record{Level: LevelInfo, Message: "request served", Context: ctx, Pre: pre}, lent[:])
	}
	rec := &record{Level: LevelError, Message: "request failed", Context: ctx,
		Attrs: []slog.Attr{slog.Any("error", wrapped2()), slog.String("route", "/orders/{id}"), slog.Int("user_id", 42)}}
	event := func() {
		c.captureRecord(rec)
		c.Flush(context.Background())
	}
	event()
	got := testing.AllocsPerRun(200, event)
	t.Logf("event with 100 breadcrumbs: %.1f allocations", got)
	assert.LessOrEqual(t, got, 40.0)
	// A new breadcrumb before each event: no two events share theirs.
	got = testing.AllocsPerRun(200, func() {
		lent := [3]slog.Attr{slog.String("method", "GET"), slog.Int("status", 200), slog.Duration("elapsed", 3*time.Millisecond)}
		c.addRecordBreadcrumb(&record{Level: LevelInfo, Message: "request served", Context: ctx, Pre: pre}, lent[:])
		event()
	})
	t.Logf("with a new breadcrumb each: %.1f allocations", got)
	assert.LessOrEqual(t, got, 40.0)
}

// TestFinalContextsSameEvents: the default and trace contexts made final
// once and put on events after the passes give the same contexts as those
// made for each event: where a scope or the event has its own context of
// the same name, when the scrubber must act on a scope's context, and when
// the event is over the size budget.
func TestFinalContextsSameEvents(t *testing.T) {
	memo, plain, mt, pt := memoPair(t)
	ctx := NewIsolationScope(context.Background())
	big := strings.Repeat("z", 3<<20)
	for _, c := range []*Client{memo, plain} {
		c.captureRecord(&record{Level: LevelError, Message: "plain", Context: ctx})
		c.captureRecord(&record{Level: LevelError, Message: "huge", Context: ctx,
			Attrs: []slog.Attr{slog.String("payload", big), slog.String("order_id", "o-123")}, GiveAttrs: true})
		c.CaptureEvent(ctx, &Event{Message: &protocol.LogEntry{Formatted: "own"},
			Contexts: map[string]map[string]any{"device": {"model": "own"}, "trace": {"trace_id": "0123456789abcdef0123456789abcdef", "span_id": "0123456789abcdef"}}})
		require.True(t, c.Flush(context.Background()))
	}
	scoped := NewIsolationScope(ctx)
	CurrentScope(scoped).SetContext("os", map[string]any{"name": "plan9", "api_key": "k-0123456789"})
	CurrentScope(scoped).SetContext("runtime", map[string]any{"name": "go", "f": math.Inf(1)})
	for _, c := range []*Client{memo, plain} {
		c.captureRecord(&record{Level: LevelError, Message: "scoped", Context: scoped})
		require.True(t, c.Flush(context.Background()))
	}
	me, pe := mt.Events(), pt.Events()
	require.Len(t, me, 4)
	require.Len(t, pe, 4)
	for i := range me {
		mj, err := json.Marshal(me[i].Contexts)
		require.NoError(t, err)
		pj, err := json.Marshal(pe[i].Contexts)
		require.NoError(t, err)
		assert.JSONEq(t, string(pj), string(mj), "event %d", i)
		for _, name := range []string{"os", "runtime", "device", "trace"} {
			assert.Contains(t, me[i].Contexts, name, "event %d", i)
		}
	}
	assert.Equal(t, "plan9", me[3].Contexts["os"]["name"])
	assert.NotContains(t, fmt.Sprint(me[3].Contexts), "k-0123456789")
	assert.Equal(t, "own", me[2].Contexts["device"]["model"])
	assert.Equal(t, "o-123", me[1].Contexts["log"]["order_id"])
	for _, ev := range me {
		b, err := marshalEvent(ev)
		require.NoError(t, err)
		assert.Less(t, len(b), maxEventSize)
		schematest.Validate(t, b)
	}
}
