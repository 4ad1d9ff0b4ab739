// Package testclient makes the clients the project's tests use: events kept
// in memory, the client closed when the test ends, and every event read
// back checked against Sentry's event schema.
package testclient

import (
	"context"
	"encoding/json"
	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"strings"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/logcheck"
	"github.com/sentrylog/sentrylog/internal/schematest"
)

// New returns a client with opts whose transport keeps events in memory.
// An empty ServerName becomes "test". The client is closed when t ends.
func New(t testing.TB, opts core.Options) (*core.Client, *core.MemoryTransport) {
	t.Helper()
	mt := core.NewMemoryTransport()
	opts.Transport = mt
	if opts.ServerName == "" {
		opts.ServerName = "test"
	}
	return Open(t, opts, 5*time.Second), mt
}

// Open returns a client with opts as they are, closed within timeout when
// tb ends.
func Open(tb testing.TB, opts core.Options, timeout time.Duration) *core.Client {
	tb.Helper()
	c, err := core.New(opts)
	if err != nil {
		tb.Fatalf("core.New: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		c.Close(ctx)
	})
	return c
}

// Events flushes c and returns every event its transport received so far,
// each validated against the event schema (see schematest: skipped where
// the schema is absent, unless CI requires it).
func Events(t testing.TB, c *core.Client, mt *core.MemoryTransport) []*core.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !c.Flush(ctx) {
		t.Fatalf("flush did not deliver everything: %+v", c.Stats())
	}
	evs := mt.Events()
	if schematest.Enabled() {
		for _, ev := range evs {
			schematest.ValidateValue(t, ev)
		}
	}
	return evs
}

// Parked returns a client whose worker has taken one event and is stopped
// in BeforeSend until t ends, and whose queue (of one) is full: a capture
// then does all of the logging goroutine's work and is dropped at the
// queue. testing.AllocsPerRun counts the allocations of every goroutine, so
// this is how the logging goroutine's own allocations are counted.
func Parked(t testing.TB) *core.Client {
	t.Helper()
	return ParkedWith(t, core.StormOptions{Disabled: true})
}

// ParkedWith is Parked with storm control as storm says.
func ParkedWith(t testing.TB, storm core.StormOptions) *core.Client {
	t.Helper()
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	c, err := core.New(core.Options{
		Transport: &core.DiscardTransport{}, QueueSize: 1, Storm: storm,
		BeforeSend: func(ev *core.Event, _ *core.Hint) *core.Event {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
			return ev
		},
	})
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	t.Cleanup(func() { close(release) }) // runs first: let the worker go
	c.CaptureMessage(context.Background(), "park the worker", core.LevelError)
	<-entered
	c.CaptureMessage(context.Background(), "fill the queue", core.LevelError)
	return c
}

// Discarding returns a client for benchmarks: its transport drops events
// after the worker has built them, and storm control is off, so every
// capture takes the full path. The client is closed when tb ends.
func Discarding(tb testing.TB) *core.Client {
	tb.Helper()
	return Open(tb, core.Options{
		Transport:  &core.DiscardTransport{},
		ServerName: "bench",
		Storm:      core.StormOptions{Disabled: true},
	}, 10*time.Second)
}

// Logs flushes c and returns every log its transport received so far. Each
// batch's payload is checked first with logcheck, by Relay's rules.
func Logs(t testing.TB, c *core.Client, mt *core.MemoryTransport) []*core.Log {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !c.Flush(ctx) {
		t.Fatalf("flush did not deliver everything: %+v", c.Stats())
	}
	for i, b := range bridge.LogBatches(mt) {
		h := protocol.ItemHeader{Type: protocol.ItemTypeLog, ContentType: protocol.LogContentType, ItemCount: b.Count, Length: len(b.Payload)}
		if _, err := logcheck.CheckItem(h, b.Payload); err != nil {
			t.Fatalf("log batch %d breaks Relay's rules: %v\n%s", i, err, b.Payload)
		}
	}
	return mt.Logs()
}

// ParkedLogs returns a client whose log worker is stopped in BeforeSendLog
// until t ends, and whose log buffer (of one) is full: CaptureLog then does
// the logging goroutine's work up to the buffer and is dropped there, so
// testing.AllocsPerRun counts the logging goroutine's allocations only.
func ParkedLogs(t testing.TB) *core.Client { return ParkedLogsBuffer(t, 1) }

// ParkedLogsBuffer is ParkedLogs with a log buffer of n, of which one
// record is taken: the next n-1 logs are accepted into the buffer, each
// costing the logging goroutine what an accepted log costs it, and are
// never sent.
func ParkedLogsBuffer(t testing.TB, n int) *core.Client {
	t.Helper()
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	c, err := core.New(core.Options{
		Transport: &core.DiscardTransport{}, LogsBuffer: n,
		Storm: core.StormOptions{Disabled: true}, LogStorm: core.StormOptions{Disabled: true},
		BeforeSendLog: func(l *core.Log) *core.Log {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
			return l
		},
	})
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	t.Cleanup(func() { close(release) }) // runs first: let the worker go
	bridge.CaptureLog(c, &bridge.Record{Message: "park the worker"}, core.LogInfo, nil)
	go c.Flush(context.Background())
	<-entered
	bridge.CaptureLog(c, &bridge.Record{Message: "fill the buffer"}, core.LogInfo, nil)
	return c
}

// Accounted flushes c (for at most 5s) and checks a fuzz iteration's books:
// since the Stats before, want records were captured, and each became one
// of mt's events or one counted drop. Every event must marshal, and
// validates against the event schema when validate is set.
func Accounted(t testing.TB, c *core.Client, mt *core.MemoryTransport, before core.Stats, want int64, validate bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Flush(ctx)
	after, evs := c.Stats(), mt.Events()
	captured := after.Captured - before.Captured
	if captured != want {
		t.Fatalf("%d records at the event level, %d captured", want, captured)
	}
	var dropped int64
	for k, n := range after.Dropped {
		dropped += n - before.Dropped[k]
	}
	if int64(len(evs))+dropped != captured {
		t.Fatalf("captured %d, got %d events and %d drops: %v", captured, len(evs), dropped, after.Dropped)
	}
	Marshal(t, evs, validate)
}

// Marshal checks that every event of evs marshals, and validates it
// against the event schema when validate is set.
func Marshal(t testing.TB, evs []*core.Event, validate bool) {
	t.Helper()
	for _, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("event does not marshal: %v", err)
		}
		if validate {
			schematest.Validate(t, b)
		}
	}
}

// One flushes c and returns its only event, validated as Events does.
func One(t testing.TB, c *core.Client, mt *core.MemoryTransport) *core.Event {
	t.Helper()
	evs := Events(t, c, mt)
	if len(evs) != 1 {
		t.Fatalf("want one event, got %d: %+v", len(evs), evs)
	}
	return evs[0]
}

// LogContext returns the event's "log" context (nil when it has none).
func LogContext(ev *core.Event) map[string]any {
	if ev == nil || ev.Contexts == nil {
		return nil
	}
	return ev.Contexts["log"]
}

// Crumbs returns the messages of the breadcrumbs an event carries.
func Crumbs(ev *core.Event) []string {
	var out []string
	for _, b := range ev.Breadcrumbs {
		out = append(out, b.Message)
	}
	return out
}

// LogAttr returns the value of the log's attribute key, nil where it has
// none.
func LogAttr(l *core.Log, key string) any {
	v, ok := l.Attr(key)
	if !ok {
		return nil
	}
	return v.Any()
}

// LogLevels checks that every log of logs has the attributes of want (key
// to value), and returns the logs' levels in order ("trace", ..., "fatal").
func LogLevels(t testing.TB, logs []*core.Log, want map[string]any) []string {
	t.Helper()
	levels := make([]string, 0, len(logs))
	for i, lg := range logs {
		levels = append(levels, lg.Level.String())
		for k, v := range want {
			if got := LogAttr(lg, k); got != v {
				t.Errorf("log %d (%q): %s = %#v, want %#v", i, lg.Body, k, got, v)
			}
		}
	}
	return levels
}

// Culprit checks that ev's stack (its innermost exception's, else its own)
// ends at line of a function whose name holds function, the logging call
// site, and that no frame is of a package in or under a module path of
// foreign (the logger's and the bridge's own).
func Culprit(t testing.TB, ev *core.Event, line int, function string, foreign ...string) {
	t.Helper()
	st := ev.Stacktrace
	if n := len(ev.Exception); n > 0 {
		st = ev.Exception[n-1].Stacktrace
	}
	if st == nil || len(st.Frames) == 0 {
		t.Fatalf("the event has no stack: %+v", ev)
	}
	top := st.Frames[len(st.Frames)-1]
	if top.Lineno != line || !strings.Contains(top.Function, function) {
		t.Errorf("culprit %s:%d, want %s:%d; frames: %+v", top.Function, top.Lineno, function, line, st.Frames)
	}
	for _, f := range st.Frames {
		for _, m := range foreign {
			if f.Module == m || strings.HasPrefix(f.Module, m+"/") {
				t.Errorf("a frame of %s: %+v", f.Module, f)
			}
		}
	}
}
