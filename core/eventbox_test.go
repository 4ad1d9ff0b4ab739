package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/schematest"
)

// eventReceiver is a receiver on 127.0.0.1 that keeps the events of the
// envelopes it is sent, in order of arrival. Its first fail requests have
// their connection closed unanswered: the transport retries, holds events
// for an unreachable receiver and probes, with events in flight meanwhile.
type eventReceiver struct {
	srv    *httptest.Server
	fail   atomic.Int64
	mu     sync.Mutex
	events [][]byte
}

func newEventReceiver(t *testing.T, fail int64) *eventReceiver {
	rc := &eventReceiver{}
	rc.fail.Store(fail)
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rc.fail.Add(-1) >= 0 {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		env, err := protocol.ParseEnvelope(r.Body)
		if err != nil {
			w.WriteHeader(400)
			return
		}
		for _, it := range env.Items {
			if it.Header.Type == protocol.ItemTypeEvent {
				rc.mu.Lock()
				rc.events = append(rc.events, it.Payload)
				rc.mu.Unlock()
			}
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *eventReceiver) dsn() string { return "http://pub@" + rc.srv.Listener.Addr().String() + "/1" }

func (rc *eventReceiver) payloads() [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.events...)
}

// comparable returns the JSON payload as a value without what differs
// between two captures of the same thing: the event's ID and its time.
func comparableEvent(t *testing.T, payload []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(payload, &m))
	delete(m, "event_id")
	delete(m, "timestamp")
	return m
}

// boxedCaptures are captures of every shape, in an order where each event
// is built in a box the previous one of another shape left: many
// attributes (a log map the box lets go of), few, none (no log context),
// no message, a scrubbed message (the passes replace it with a copy),
// values the scrubber and the trimmer replace, exceptions, messages, and
// an event the program built (no box).
func boxedCaptures(ctx context.Context, at time.Time) []func(c *Client) {
	errDB := fmt.Errorf("query: %w", errors.New("connection reset"))
	rec := func(msg string, attrs ...slog.Attr) func(c *Client) {
		return func(c *Client) {
			c.captureRecord(&record{Level: LevelError, Message: msg, Context: ctx, Time: at, Origin: "auto.log.slog",
				Attrs: attrs, GiveAttrs: true})
		}
	}
	var many []slog.Attr
	for i := range 12 {
		many = append(many, slog.Int(fmt.Sprintf("k%02d", i), i))
	}
	return []func(c *Client){
		rec("many attributes", many...),
		rec("few attributes", slog.Any("error", errDB), slog.String("route", "/orders/{id}")),
		rec("no attributes"),
		rec("", slog.String("only", "attributes")),
		rec("login with token=sk_live_abcdefghijklmnop1234", slog.String("password", "hunter2"),
			slog.Group("req", slog.String("authorization", "Bearer abc.def.ghi"), slog.Int("n", 1))),
		rec("special keys", slog.String("user.id", "7"), slog.Group("tags", slog.String("tenant", "acme")),
			slog.Any("fingerprint", []string{"fp"}), slog.Any("err", errDB), slog.Any("other", errors.New("second"))),
		func(c *Client) { c.CaptureException(ctx, errDB) },
		func(c *Client) { c.CaptureMessage(ctx, "a message", LevelWarning) },
		rec("huge", slog.String("payload", strings.Repeat("z", 2<<20)), slog.String("order_id", "o-123")),
		func(c *Client) {
			c.CaptureEvent(ctx, &Event{Message: &protocol.LogEntry{Formatted: "own"}, Timestamp: at,
				Contexts: map[string]map[string]any{"device": {"model": "own"}}})
		},
		rec("few attributes again", slog.String("route", "/users/{id}")),
	}
}

// TestRecycledEventsSame: events built in boxes that the HTTP transport
// hands back and later events reuse are the events a client that never
// reuses one (MemoryTransport) makes, byte for byte but for their IDs and
// times, over captures of every shape, twice over (the second time every
// box has served an event of another shape).
func TestRecycledEventsSame(t *testing.T) {
	rc := newEventReceiver(t, 0)
	recycled, err := New(Options{DSN: rc.dsn(), Storm: StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer recycled.Close(context.Background())
	require.NotNil(t, recycled.recycle, "the HTTP transport hands events back")
	mt := NewMemoryTransport()
	plain, err := New(Options{Transport: mt, Storm: StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer plain.Close(context.Background())
	require.Nil(t, plain.recycle, "MemoryTransport keeps its events")

	ctx := NewIsolationScope(context.Background())
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	captures := boxedCaptures(ctx, at)
	n := 0
	for range 2 {
		for _, capture := range captures {
			for _, c := range []*Client{recycled, plain} {
				capture(c)
				require.True(t, c.Flush(context.Background()))
			}
			n++
		}
	}
	got, want := rc.payloads(), mt.Events()
	require.Len(t, got, n)
	require.Len(t, want, n)
	for i := range want {
		wb, err := marshalEvent(want[i])
		require.NoError(t, err)
		assert.Equal(t, comparableEvent(t, wb), comparableEvent(t, got[i]), "event %d", i)
		schematest.Validate(t, got[i])
	}
	assert.NotContains(t, fmt.Sprint(rc.payloads()), "hunter2")
}

// TestAllocsProcessRecord asserts the worker's allocations for the record
// of the bench module's Event workload (BenchmarkProcessRecord), its event
// handed to a transport that hands it back: the error's text and the
// route's, boxed as values of the log context, and the list of errors
// found.
func TestAllocsProcessRecord(t *testing.T) {
	race.SkipAllocs(t)
	c, err := New(Options{Transport: &DiscardTransport{}, Storm: StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	ctx := NewIsolationScope(context.Background())
	r := &record{Level: LevelError, Message: "request failed", Context: ctx, Origin: "auto.log.slog",
		Attrs: []slog.Attr{slog.Any("error", wrapped2()), slog.String("route", "/orders/{id}"), slog.Int("user_id", 42)}}
	id := newEventID()
	run := func() {
		p := c.getPending()
		p.kind = kindRecord
		c.prepare(p, ctx, 0)
		p.rec = *r
		p.attrBuf = ownAttrs(p.attrBuf[:0], r.Attrs)
		p.rec.Attrs = p.attrBuf
		p.id = id
		c.send(c.process(p))
		c.putPending(p)
	}
	run()
	got := testing.AllocsPerRun(1000, run)
	t.Logf("the worker's processing of a record: %.1f allocations", got)
	assert.LessOrEqual(t, got, 1.0)
}
