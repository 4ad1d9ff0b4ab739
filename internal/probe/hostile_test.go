package probe_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/sentrytest"
)

type node struct {
	Name string
	Next *node
}

// TestProbeCyclicValues: cyclic maps, slices and pointers in attributes
// and on scopes never hang or panic, and the event is sent.
func TestProbeCyclicValues(t *testing.T) {
	m := map[string]any{"a": 1}
	m["self"] = m
	s := []any{1}
	s = append(s, nil)
	s[1] = s
	n := &node{Name: "n"}
	n.Next = n
	forEachBridge(t, func(t *testing.T, b bridge) {
		if b.name == "logrus" {
			t.Skip("logrus's own formatter overflows its stack on a cyclic value")
		}
		c, mt := testclient.New(t, core.Options{})
		ctx := core.NewIsolationScope(context.Background())
		core.SetContext(ctx, "cyc", map[string]any{"m": m, "s": s, "n": n})
		core.IsolationScope(ctx).SetExtra("n", n)
		b.make(c)(ctx, true, "cyclic", kv{"error", errors.New("x")}, kv{"m", m}, kv{"s", s}, kv{"n", n}, kv{"order_id", "o-1"})
		ev := oneEvent(t, c, mt)
		assert.Equal(t, "o-1", logCtx(t, ev)["order_id"])
		assert.LessOrEqual(t, encodedSize(t, ev), maxEvent)
	})
}

// TestProbeHandBuiltHuge: hand-built events with 10,000 frames, 1,000
// exceptions and 10 MB values arrive within the limits over HTTP. (With
// 100,000 frames, or 5,000 exceptions, an event cannot fit: it is dropped
// and counted send_error, as the core documents.)
func TestProbeHandBuiltHuge(t *testing.T) {
	srv := sentrytest.NewServer(t)
	c := testclient.Open(t, core.Options{DSN: srv.DSN(), ServerName: "probe"}, 10e9)
	frames := make([]protocol.Frame, 10_000)
	for i := range frames {
		frames[i] = protocol.Frame{Function: fmt.Sprint("f", i), Module: "main", Filename: "main.go", Lineno: i, InApp: true}
	}
	exs := make([]protocol.Exception, 1000)
	for i := range exs {
		exs[i] = protocol.Exception{Type: "E", Value: strings.Repeat("v", 1000)}
	}
	exs[len(exs)-1].Stacktrace = &protocol.Stacktrace{Frames: frames[:50]}
	c.CaptureEvent(context.Background(), &core.Event{Exception: exs, Extra: map[string]any{"big": strings.Repeat("x", 10<<20)}})
	c.CaptureEvent(context.Background(), &core.Event{Message: &protocol.LogEntry{Formatted: "frames only"}, Stacktrace: &protocol.Stacktrace{Frames: frames}})
	flushed := c.Flush(context.Background())
	st := c.Stats()
	assert.True(t, flushed, "%+v", st)
	var dropped int64
	for _, v := range st.Dropped {
		dropped += v
	}
	assert.Equal(t, st.Captured, st.Delivered+dropped)
	assert.EqualValues(t, 2, st.Delivered, "both fit after cutting: %v", st.Dropped)
	for _, ev := range srv.Events() {
		assert.LessOrEqual(t, encodedSize(t, ev), maxEvent)
	}
}
