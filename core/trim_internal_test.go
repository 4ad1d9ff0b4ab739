package core

import (
	"encoding/json"
	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/race"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cut just after a whole rune keeps it; a cut inside a rune moves back to
// its start.
func TestCutIndexRuneBoundary(t *testing.T) {
	s := "aé" + "xyz" // 'é' is bytes 1 and 2
	assert.Equal(t, 3, cutIndex(s, 3), "the cut falls just after 'é': it stays")
	assert.Equal(t, 1, cutIndex(s, 2), "the cut falls inside 'é': it goes")
	assert.Equal(t, 0, cutIndex(s, 0))
	assert.Equal(t, len(s), cutIndex(s, 99))
	for n := 0; n <= len("日本語"); n++ {
		assert.True(t, utf8.ValidString("日本語"[:cutIndex("日本語", n)]), n)
	}
}

// A cut never splits a [Filtered] marker: it moves before it.
func TestCutIndexKeepsFilteredWhole(t *testing.T) {
	s := "secret: [Filtered] and more"
	start := strings.Index(s, "[Filtered]")
	for n := start + 1; n < start+len("[Filtered]"); n++ {
		assert.Equal(t, start, cutIndex(s, n), n)
	}
	assert.Equal(t, start+len("[Filtered]"), cutIndex(s, start+len("[Filtered]")))
}

func TestCutString(t *testing.T) {
	s := strings.Repeat("é", 100) // 200 bytes
	got := cutString(s, 101)
	assert.LessOrEqual(t, len(got), 101)
	assert.True(t, strings.HasSuffix(got, "é...[truncated from 200 bytes]"))
	assert.True(t, utf8.ValidString(got))
	assert.Equal(t, s, cutString(s, 200), "at the limit: whole")
	again := cutString(got, 60)
	assert.LessOrEqual(t, len(again), 60)
	assert.True(t, strings.HasSuffix(again, "é...[truncated from 200 bytes]"), "cut again: the original length stays")
}

func TestWaterLevel(t *testing.T) {
	// Cutting the two longest to 3000 saves 7000+4000.
	assert.Equal(t, 3000, waterLevel([]int{10000, 300, 7000}, 11000))
	assert.Equal(t, 10000-500, waterLevel([]int{10000, 300, 7000}, 500), "only the longest")
	assert.Equal(t, minCutLen, waterLevel([]int{1000}, 5000), "not enough: the floor")
	assert.Equal(t, 0, waterLevel(nil, 5000))
}

// typicalEvent is an event as the pipeline has it before trimming: a log
// context of a few attributes, the default contexts, 20 breadcrumbs with
// data, a user and tags.
func typicalEvent() *Event {
	ev := &Event{
		Level: LevelError, Logger: "app", Release: "v1.2.3", Environment: "production",
		Message:  &protocol.LogEntry{Formatted: "request failed"},
		Tags:     map[string]string{"route": "/orders/{id}", "region": "eu-west-1"},
		User:     &User{ID: "42", Email: "ann@example.com"},
		Contexts: defaultContexts(),
		Exception: []protocol.Exception{{Type: "*errors.errorString", Value: "query: sql: no rows in result set",
			Mechanism: &protocol.Mechanism{Type: "auto.log.slog"}}},
	}
	ev.Contexts["log"] = map[string]any{"order_id": "o-123", "attempt": int64(2), "latency": "12ms",
		"req": map[string]any{"method": "GET", "path": "/orders/7"}}
	for i := range 20 {
		ev.Breadcrumbs = append(ev.Breadcrumbs, Breadcrumb{Message: "query", Category: "db",
			Data: map[string]any{"rows": int64(i), "table": "orders", "ms": 1.5}})
	}
	return ev
}

// BenchmarkTrimTypical: the two passes the pipeline adds, on an event that
// needs no change.
func BenchmarkTrimTypical(b *testing.B) {
	ev := typicalEvent()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		normalizeEvent(ev, true, false)
		trimEvent(ev, eventBudget)
	}
}

func TestAllocsTrimTypical(t *testing.T) {
	race.SkipAllocs(t)
	ev := typicalEvent()
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		normalizeEvent(ev, true, false)
		trimEvent(ev, eventBudget)
	}))
}

// What the trimmer cannot see (a value of a type the pipeline would have
// converted, handed to the transport as it is) is dropped by the
// transport's last resort, and the event says what went.
func TestShrinkLastResortIsMarked(t *testing.T) {
	ev := typicalEvent()
	ev.Extra = map[string]any{"raw": json.RawMessage(`"` + strings.Repeat("r", 2<<20) + `"`)}
	b, err := marshalEvent(ev)
	require.NoError(t, err)
	out := shrinkEvent(ev, len(b))
	require.NotNil(t, out)
	assert.LessOrEqual(t, len(out), maxEventSize)
	assert.Nil(t, ev.Extra)
	assert.Equal(t, "breadcrumbs,extra", ev.Tags[droppedTag])
	assert.Empty(t, ev.Breadcrumbs)
}
