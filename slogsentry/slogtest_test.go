package slogsentry_test

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"testing/slogtest"

	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// The conformance suite runs twice: once with every record an event (the
// result is read from the event's "log" context), once with every record a
// breadcrumb (read from the breadcrumbs of a probe event). Either way the
// result is what reached the transport, not what the handler was given.
//
// slogtest expects the keys time, level and msg. They are Sentry fields, not
// attributes, so the adapter fills them in: msg from the event's message or
// the breadcrumb's, level from its level. Sentry requires a timestamp, so a
// record with a zero time gets the capture time; the adapter reports "time"
// only when the record had one, learning that from what the core tells
// BeforeSend (the hint's record) or, for breadcrumbs, from the record the
// handler was given.

func TestSlogtestEvents(t *testing.T) {
	var (
		c         *core.Client
		mt        *core.MemoryTransport
		mu        sync.Mutex
		zeroTimes []bool
	)
	newHandler := func(t *testing.T) slog.Handler {
		zeroTimes = nil
		c, mt = testclient.New(t, core.Options{
			BeforeSend: func(ev *core.Event, h *core.Hint) *core.Event {
				mu.Lock()
				zeroTimes = append(zeroTimes, h.Record != nil && h.Record.Time.IsZero())
				mu.Unlock()
				return ev
			},
		})
		return slogsentry.NewHandler(slogsentry.Options{
			Client:     c,
			EventLevel: slog.LevelInfo,
			AddSource:  true,
		})
	}
	result := func(t *testing.T) map[string]any {
		evs := testclient.Events(t, c, mt)
		require.Len(t, evs, 1)
		ev := evs[0]
		m := maps.Clone(testclient.LogContext(ev))
		if m == nil {
			m = map[string]any{}
		}
		m[slog.LevelKey] = ev.Level.String()
		if ev.Message != nil {
			m[slog.MessageKey] = ev.Message.Formatted
		}
		mu.Lock()
		zero := len(zeroTimes) == 1 && zeroTimes[0]
		mu.Unlock()
		if !zero && !ev.Timestamp.IsZero() {
			m[slog.TimeKey] = ev.Timestamp
		}
		return m
	}
	slogtest.Run(t, newHandler, result)
}

// zeroTimeWatcher notes whether the records it passes on had a zero time.
type zeroTimeWatcher struct {
	slog.Handler
	zero *bool
}

func (w zeroTimeWatcher) Handle(ctx context.Context, r slog.Record) error {
	*w.zero = r.Time.IsZero()
	return w.Handler.Handle(ctx, r)
}

func (w zeroTimeWatcher) WithAttrs(as []slog.Attr) slog.Handler {
	return zeroTimeWatcher{w.Handler.WithAttrs(as), w.zero}
}

func (w zeroTimeWatcher) WithGroup(name string) slog.Handler {
	return zeroTimeWatcher{w.Handler.WithGroup(name), w.zero}
}

func TestSlogtestBreadcrumbs(t *testing.T) {
	var (
		c    *core.Client
		mt   *core.MemoryTransport
		zero bool
	)
	newHandler := func(t *testing.T) slog.Handler {
		zero = false
		c, mt = testclient.New(t, core.Options{})
		h := slogsentry.NewHandler(slogsentry.Options{Client: c, AddSource: true})
		return zeroTimeWatcher{h, &zero}
	}
	result := func(t *testing.T) map[string]any {
		c.CaptureMessage(context.Background(), "probe", core.LevelError)
		evs := testclient.Events(t, c, mt)
		require.Len(t, evs, 1)
		require.Len(t, evs[0].Breadcrumbs, 1)
		b := evs[0].Breadcrumbs[0]
		m := maps.Clone(b.Data)
		if m == nil {
			m = map[string]any{}
		}
		m[slog.LevelKey] = b.Level.String()
		m[slog.MessageKey] = b.Message
		if !zero && !b.Timestamp.IsZero() {
			m[slog.TimeKey] = b.Timestamp
		}
		return m
	}
	slogtest.Run(t, newHandler, result)
}
