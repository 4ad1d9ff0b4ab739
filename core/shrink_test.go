package core

import (
	"context"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/internal/schematest"
)

// shrunk serializes ev, which must be over Sentry's limit, shrinks it as
// the client's transport does, and returns what would be sent, decoded.
func shrunk(t *testing.T, ev *Event) *Event {
	t.Helper()
	b, err := marshalEvent(ev)
	require.NoError(t, err)
	require.Greater(t, len(b), maxEventSize)
	out := shrinkEvent(ev, len(b))
	require.NotNil(t, out)
	assert.LessOrEqual(t, len(out), maxEventSize)
	var got Event
	require.NoError(t, got.UnmarshalJSON(out))
	return &got
}

func shrinkTestEvent(i int) *Event {
	return &Event{
		EventID: EventID(fmt.Sprintf("%032x", i)), Timestamp: time.Now(), Platform: "go",
		Level: LevelError, Message: &protocol.LogEntry{Message: fmt.Sprintf("event %d", i)},
	}
}

// An event over Sentry's limit when it reaches the transport (the
// pipeline's size estimate fell short) is trimmed again: the longest values
// are cut first, and nothing the event shares with a scope is written to.
func TestShrinkLargeEvents(t *testing.T) {
	big := strings.Repeat("é", 3000) // 6000 bytes

	crumbs := shrinkTestEvent(1)
	for i := range 400 {
		crumbs.Breadcrumbs = append(crumbs.Breadcrumbs, Breadcrumb{Message: fmt.Sprint(i, big)})
	}
	shared := crumbs.Breadcrumbs

	extra := shrinkTestEvent(2)
	extra.Extra = map[string]any{"blob": strings.Repeat(big, 200)}
	extra.Contexts = map[string]map[string]any{"os": {"name": "linux"}, "log": {"blob": strings.Repeat(big, 200)}}
	sharedCtx := extra.Contexts

	msg := shrinkTestEvent(3)
	msg.Message = &protocol.LogEntry{Message: strings.Repeat(big, 100), Formatted: strings.Repeat(big, 100)}
	msg.Exception = []protocol.Exception{{Type: "a", Value: "small"}, {Type: "b", Value: strings.Repeat(big, 100)}}
	sharedExc := msg.Exception

	// The longest values are cut first: every breadcrumb stays, cut.
	ev := shrunk(t, crumbs)
	require.Len(t, ev.Breadcrumbs, 400)
	assert.True(t, strings.HasPrefix(ev.Breadcrumbs[399].Message, "399"))
	assert.Contains(t, ev.Breadcrumbs[399].Message, "...[truncated from 6003 bytes]")
	assert.Len(t, shared, 400)
	assert.Len(t, shared[0].Message, 6001, "the shared slice was not written to")

	ev = shrunk(t, extra)
	assert.Contains(t, ev.Extra["blob"], "...[truncated from 1200000 bytes]")
	assert.Equal(t, "linux", ev.Contexts["os"]["name"])
	assert.Contains(t, ev.Contexts["log"]["blob"], "...[truncated from 1200000 bytes]")
	assert.Len(t, sharedCtx["log"]["blob"], 1200000, "the shared map was not written to")

	ev = shrunk(t, msg)
	assert.LessOrEqual(t, len(ev.Message.Message), maxMessageLen)
	assert.Contains(t, ev.Message.Message, "...[truncated from 600000 bytes]")
	assert.Equal(t, "small", ev.Exception[0].Value)
	assert.LessOrEqual(t, len(ev.Exception[1].Value), maxMessageLen)
	assert.True(t, utf8.ValidString(ev.Exception[1].Value), "cut at a rune boundary")
	assert.Len(t, sharedExc[1].Value, 600000, "the shared slice was not written to")
}

// The client's HTTP transport shrinks an event over Sentry's limit rather
// than dropping it.
func TestHTTPTransportShrinks(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
	}))
	defer srv.Close()
	d, err := parseDSN("http://pub@" + srv.Listener.Addr().String() + "/1")
	require.NoError(t, err)
	var out outcomeCounts
	tr := newHTTPTransport()
	require.NoError(t, tr.configure(transportConfig{DSN: d, Outcomes: &out, SDK: defaultSDK()}))
	ev := shrinkTestEvent(1)
	ev.Extra = map[string]any{"blob": strings.Repeat("x", 2*maxEventSize)}
	tr.Send(ev)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	assert.True(t, tr.Close(ctx))
	assert.EqualValues(t, 1, out.Delivered.Load())
	assert.Empty(t, out.Totals())
	assert.Positive(t, got.Load())
	assert.Less(t, got.Load(), int64(maxEventSize), "the envelope carries the shrunk event")
}

// FuzzShrinkEvent: an event over Sentry's limit, whatever its strings and
// wherever its bulk is, shrinks to fit and stays a valid event.
func FuzzShrinkEvent(f *testing.F) {
	f.Add("boom", "error", "value", uint8(0))
	f.Add("line\nbreak\x00nul", "k\"ey", "\xff\xfe invalid utf-8", uint8(1))
	f.Add("{{ default }}", "user.id", "ümlaut ✓ 😀", uint8(2))
	f.Add("", "", "", uint8(3))
	f.Add("</script>", "os", "\t\r", uint8(4))
	f.Fuzz(func(t *testing.T, msg, key, value string, n uint8) {
		ev := shrinkTestEvent(int(n))
		ev.Message = &protocol.LogEntry{Message: msg, Formatted: value}
		ev.Tags = map[string]string{key: value}
		ev.Breadcrumbs = []Breadcrumb{{Message: msg, Category: key}, {Message: value}}
		big := strings.Repeat(msg+"x", maxEventSize/(len(msg)+1)+1)
		switch n % 5 {
		case 0:
			ev.Extra = map[string]any{key: big}
		case 1:
			ev.Contexts = map[string]map[string]any{key: {value: big}}
		case 2:
			ev.Request = &Request{URL: value, Data: big, Cookies: map[string]string{key: value}}
		case 3:
			for range 64 {
				ev.Breadcrumbs = append(ev.Breadcrumbs, Breadcrumb{Message: big[:len(big)/32], Data: map[string]any{key: value}})
			}
		case 4:
			ev.Exception = []protocol.Exception{{Type: key, Value: big}}
		}
		b, err := marshalEvent(ev)
		if err != nil {
			t.Fatalf("event does not marshal: %v", err)
		}
		if len(b) <= maxEventSize {
			return
		}
		out := shrinkEvent(ev, len(b))
		if out == nil {
			t.Fatalf("an event of %d bytes could not be shrunk", len(b))
		}
		if len(out) > maxEventSize {
			t.Fatalf("shrunk event is %d bytes", len(out))
		}
		var back Event
		if err := back.UnmarshalJSON(out); err != nil {
			t.Fatalf("shrunk event does not decode: %v", err)
		}
		if back.EventID != ev.EventID {
			t.Fatalf("event id %q, want %q", back.EventID, ev.EventID)
		}
		schematest.Validate(t, out)
	})
}
