package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core/protocol"
)

// seqOf returns the "seq" tag of an event's payload.
func seqOf(t *testing.T, payload []byte) string {
	t.Helper()
	var ev struct {
		Tags map[string]string `json:"tags"`
	}
	require.NoError(t, json.Unmarshal(payload, &ev))
	return ev.Tags["seq"]
}

// TestRecycledEventsSameUnderLoad: many captures of varied shapes, with
// scope data (tags, contexts, extra, users, requests, fingerprints, levels,
// breadcrumbs with attributes), made without waiting for delivery, through
// an HTTP transport that loses its first requests (retries, held events,
// probes) with several events in flight, give the events a client that never
// reuses one makes. An event read after its box went back to the pool
// (and was taken by a later event) would carry another capture's data, and
// -race would see the box cleared while a sender reads it.
func TestRecycledEventsSameUnderLoad(t *testing.T) {
	rc := newEventReceiver(t, 20)
	opts := func(o Options) Options {
		o.Storm = StormOptions{Disabled: true}
		o.MaxBreadcrumbs = 6
		o.QueueSize = 2000
		o.AttachStacktrace = true
		return o
	}
	recycled, err := New(opts(Options{DSN: rc.dsn()}))
	require.NoError(t, err)
	defer recycled.Close(context.Background())
	require.NotNil(t, recycled.recycle)
	mt := NewMemoryTransport()
	plain, err := New(opts(Options{Transport: mt}))
	require.NoError(t, err)
	defer plain.Close(context.Background())
	require.Nil(t, plain.recycle)
	clients := []*Client{recycled, plain}

	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	errDB := fmt.Errorf("query: %w", errors.New("connection reset"))
	var iso context.Context
	const n = 400
	for i := range n {
		if i%9 == 0 {
			iso = NewIsolationScope(context.Background())
			s := IsolationScope(iso)
			s.SetTag("tenant", "t"+strconv.Itoa(i))
			s.SetContext("job", map[string]any{"id": i, "kind": "batch", "nested": map[string]any{"k": i}})
			s.SetExtra("attempt", i%4)
			if i%2 == 0 {
				s.SetUser(&User{ID: strconv.Itoa(i), Email: fmt.Sprintf("u%d@example.com", i), Data: map[string]any{"plan": "pro"}})
				s.SetRequest(&Request{Method: "POST", URL: "http://example.com/orders/" + strconv.Itoa(i),
					Headers: map[string]string{"X-Trace": strconv.Itoa(i), "Authorization": "Bearer secret"}})
			}
			if i%3 == 0 {
				s.SetFingerprint([]string{"{{ default }}", "fp" + strconv.Itoa(i)})
			}
		}
		ctx := WithScope(iso)
		cur := CurrentScope(ctx)
		cur.SetTag("seq", strconv.Itoa(i))
		if i%4 == 1 {
			cur.SetContext("log", map[string]any{"from": "scope", "i": i})
			cur.SetLevel(LevelWarning)
		}
		if i%5 == 0 {
			recycled.addRecordBreadcrumb(&record{Level: LevelInfo, Message: "step " + strconv.Itoa(i), Context: iso, Time: at,
				Attrs: []slog.Attr{slog.Int("step", i), slog.String("token", "sk_live_abcdefghijklmnop1234")}}, nil)
		}
		var many []slog.Attr
		for k := range i % 14 {
			many = append(many, slog.Int(fmt.Sprintf("k%02d", k), i*k))
		}
		for _, c := range clients {
			switch i % 8 {
			case 0:
				c.captureRecord(&record{Level: LevelError, Message: "many " + strconv.Itoa(i), Context: ctx, Time: at,
					Origin: "auto.log.slog", Attrs: many})
			case 1:
				c.captureRecord(&record{Level: LevelError, Message: "err", Context: ctx, Time: at, Origin: "auto.log.slog",
					Attrs: []slog.Attr{slog.Any("error", errDB), slog.String("route", "/orders/{id}"),
						slog.Group("req", slog.String("authorization", "Bearer abc"), slog.Int("n", i))}})
			case 2:
				c.captureRecord(&record{Level: LevelWarning, Context: ctx, Time: at, Origin: "auto.log.slog",
					Attrs: []slog.Attr{slog.String("user.id", "u"+strconv.Itoa(i)), slog.Group("tags", slog.String("shard", "s1")),
						slog.Any("fingerprint", []string{"own", strconv.Itoa(i % 3)}), slog.Any("other", errors.New("second"))}})
			case 3:
				c.CaptureException(ctx, fmt.Errorf("fail %d: %w", i%3, errDB))
			case 4:
				c.CaptureMessage(ctx, "message "+strconv.Itoa(i%5)+" password=hunter2", LevelInfo)
			case 5:
				c.captureRecord(&record{Level: LevelError, Message: "huge", Context: ctx, Time: at, Origin: "auto.log.slog",
					Attrs: []slog.Attr{slog.String("payload", strings.Repeat("z", 300<<10)), slog.Int("i", i)}})
			case 6:
				c.CaptureEvent(ctx, &Event{Message: &protocol.LogEntry{Formatted: "own"}, Timestamp: at,
					Contexts: map[string]map[string]any{"device": {"model": "own"}}})
			case 7:
				c.captureRecord(&record{Level: LevelError, Message: "no attributes", Context: ctx, Time: at})
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	recycled.Flush(ctx)
	plain.Flush(ctx)

	want := map[string][]byte{}
	for _, ev := range mt.Events() {
		b, err := marshalEvent(ev)
		require.NoError(t, err)
		want[ev.Tags["seq"]] = b
	}
	require.Len(t, want, n)
	got := map[string][]byte{}
	for _, p := range rc.payloads() {
		seq := seqOf(t, p)
		require.NotContains(t, got, seq, "event %s delivered twice", seq)
		got[seq] = p
	}
	require.Len(t, got, n, "%+v", recycled.Stats())
	for seq, w := range want {
		assert.Equal(t, comparableEvent(t, w), comparableEvent(t, got[seq]), "event %s", seq)
	}
}

// TestRecycledEventsConcurrentCaptures: captures from many goroutines, each
// with its own request scope, while senders deliver and hand boxes back.
func TestRecycledEventsConcurrentCaptures(t *testing.T) {
	rc := newEventReceiver(t, 0)
	c, err := New(Options{DSN: rc.dsn(), Storm: StormOptions{Disabled: true}, QueueSize: 4000})
	require.NoError(t, err)
	defer c.Close(context.Background())
	require.NotNil(t, c.recycle)
	const goroutines, each = 8, 60
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				ctx := NewIsolationScope(context.Background())
				id := fmt.Sprintf("%d-%d", g, i)
				IsolationScope(ctx).SetTag("seq", id)
				IsolationScope(ctx).SetContext("req", map[string]any{"id": id})
				c.captureRecord(&record{Level: LevelError, Message: "m " + id, Context: ctx,
					Attrs: []slog.Attr{slog.String("id", id), slog.Int("g", g)}})
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.True(t, c.Flush(ctx), "%+v", c.Stats())
	payloads := rc.payloads()
	require.Len(t, payloads, goroutines*each)
	for _, p := range payloads {
		var ev struct {
			Tags     map[string]string          `json:"tags"`
			Message  struct{ Formatted string } `json:"logentry"`
			Contexts map[string]map[string]any  `json:"contexts"`
		}
		require.NoError(t, json.Unmarshal(p, &ev))
		id := ev.Tags["seq"]
		assert.Equal(t, "m "+id, ev.Message.Formatted)
		assert.Equal(t, id, ev.Contexts["log"]["id"])
		assert.Equal(t, id, ev.Contexts["req"]["id"])
	}
}
