package core_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
)

var errSentinel = errors.New("client went away")

func TestIgnoreRules(t *testing.T) {
	c, mt := newClient(t, core.Options{IgnoreErrors: []core.IgnoreRule{
		core.IgnoreError(errSentinel),
		core.IgnoreType[*fs.PathError](),
		core.IgnoreMessage(regexp.MustCompile(`^healthcheck`)),
	}})
	ctx := context.Background()
	c.CaptureException(ctx, fmt.Errorf("serve: %w", errSentinel))
	c.CaptureException(ctx, fmt.Errorf("load: %w", &fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}))
	c.CaptureMessage(ctx, "healthcheck failed", core.LevelError)
	c.CaptureRecord(&core.Record{Level: core.LevelError, Message: "wrapped", Attrs: []slog.Attr{slog.Any("err", errSentinel)}})
	c.CaptureException(ctx, errors.New("kept"))
	c.CaptureMessage(ctx, "not a healthcheck", core.LevelError)
	evs := flushed(t, c, mt, 2)
	assert.Equal(t, "kept", evs[0].Exception[0].Value)
	assert.Equal(t, "not a healthcheck", evs[1].Message.Formatted)
	assert.EqualValues(t, 4, c.Stats().Dropped["ignored:error"])
	assert.EqualValues(t, 6, c.Stats().Captured)
}

// markScrubber marks events so tests can see where in the pipeline the
// scrubber ran.
type markScrubber struct{}

func (markScrubber) Scrub(ev *core.Event) {
	if ev.Tags == nil {
		ev.Tags = map[string]string{}
	}
	ev.Tags["scrubbed"] = "yes"
	if v, ok := ev.Tags["from_scope"]; ok {
		ev.Tags["scope_seen_by_scrubber"] = v
	}
}

func TestPipelineOrder(t *testing.T) {
	var seen []*core.Event
	var hints []core.Hint
	var recMsgs []string
	c, mt := newClient(t, core.Options{
		Scrubber:     markScrubber{},
		IgnoreErrors: []core.IgnoreRule{core.IgnoreError(errSentinel)},
		BeforeSend: func(ev *core.Event, h *core.Hint) *core.Event {
			seen = append(seen, ev)
			hints = append(hints, *h)
			if h.Record != nil { // the hint is only valid during the call
				recMsgs = append(recMsgs, h.Record.Message)
			}
			if ev.Message != nil && ev.Message.Formatted == "drop" {
				return nil
			}
			return ev
		},
	})
	ctx := core.NewIsolationScope(context.Background())
	core.SetTag(ctx, "from_scope", "1")
	err := fmt.Errorf("wrapped: %w", fs.ErrClosed)
	rec := &core.Record{Level: core.LevelError, Message: "logged", Context: ctx, Attrs: []slog.Attr{slog.Any("error", err)}}
	c.CaptureRecord(rec)
	c.CaptureException(ctx, errSentinel) // ignored: BeforeSend never sees it
	c.CaptureMessage(ctx, "drop", core.LevelError)
	evs := flushed(t, c, mt, 1)

	require.Len(t, seen, 2)
	assert.Equal(t, "yes", seen[0].Tags["scrubbed"], "the scrubber ran before BeforeSend")
	assert.Equal(t, "1", seen[0].Tags["scope_seen_by_scrubber"], "the scopes were merged before scrubbing")
	assert.Same(t, err, hints[0].OriginalError)
	assert.Equal(t, []string{"logged"}, recMsgs)
	assert.Equal(t, ctx, hints[0].Context)
	assert.Equal(t, "logged", evs[0].Message.Formatted)
	st := c.Stats()
	assert.EqualValues(t, 1, st.Dropped["ignored:error"])
	assert.EqualValues(t, 1, st.Dropped["before_send:error"])
	assert.EqualValues(t, 1, st.Delivered)
}

func TestBeforeSendPanicDropsAndCounts(t *testing.T) {
	c, mt := newClient(t, core.Options{BeforeSend: func(*core.Event, *core.Hint) *core.Event { panic("bad hook") }})
	c.CaptureMessage(context.Background(), "x", core.LevelError)
	flushed(t, c, mt, 0)
	assert.EqualValues(t, 1, c.Stats().Dropped["before_send:error"])
}

func TestScrubberPanicDropsAndCounts(t *testing.T) {
	c, mt := newClient(t, core.Options{Scrubber: panicScrubber{}})
	c.CaptureMessage(context.Background(), "x", core.LevelError)
	flushed(t, c, mt, 0)
	assert.EqualValues(t, 1, c.Stats().Dropped["internal_sdk_error:error"], "an event the scrubber failed on never leaves")
}

type panicScrubber struct{}

func (panicScrubber) Scrub(*core.Event) { panic("scrubber bug") }

func TestSampleRate(t *testing.T) {
	c, mt := newClient(t, core.Options{SampleRate: core.Rate(0)})
	for i := 0; i < 50; i++ {
		c.CaptureMessage(context.Background(), "x", core.LevelError)
	}
	flushed(t, c, mt, 0)
	assert.EqualValues(t, 50, c.Stats().Dropped["sample_rate:error"], "0 means send nothing")

	c2, mt2 := newClient(t, core.Options{SampleRate: core.Rate(0.5)})
	for i := 0; i < 400; i++ {
		c2.CaptureMessage(context.Background(), "x", core.LevelError)
	}
	require.True(t, c2.Flush(context.Background()))
	kept := len(mt2.Events())
	assert.InDelta(t, 200, kept, 60)
	assert.EqualValues(t, 400-kept, c2.Stats().Dropped["sample_rate:error"])

	for _, bad := range []float64{-0.1, 1.01} {
		_, err := core.New(core.Options{SampleRate: core.Rate(bad), Transport: core.NewMemoryTransport()})
		assert.Error(t, err, "rate %v", bad)
	}
}

func TestDisabledWithoutDSN(t *testing.T) {
	t.Setenv("SENTRY_DSN", "")
	c, err := core.New(core.Options{})
	require.NoError(t, err)
	assert.False(t, c.Enabled())
	assert.Empty(t, c.CaptureException(context.Background(), errors.New("x")))
	assert.Empty(t, c.CaptureMessage(context.Background(), "x", core.LevelError))
	assert.True(t, c.Flush(context.Background()))
	assert.True(t, c.Close(context.Background()))

	var nilClient *core.Client
	assert.Empty(t, nilClient.CaptureException(context.Background(), errors.New("x")))
	assert.True(t, nilClient.Flush(context.Background()))
}

func TestInvalidDSNIsAnError(t *testing.T) {
	for _, dsn := range []string{"not a dsn", "ftp://key@host/1", "https://host/1", "https://key@host/"} {
		_, err := core.New(core.Options{DSN: dsn})
		require.Error(t, err, dsn)
		assert.ErrorIs(t, err, core.ErrInvalidDSN, dsn)
	}
}

func TestCaptureAfterCloseIsCounted(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	c.CaptureMessage(context.Background(), "before", core.LevelError)
	require.True(t, c.Close(context.Background()))
	assert.Empty(t, c.CaptureMessage(context.Background(), "after", core.LevelError))
	assert.Len(t, mt.Events(), 1)
	assert.False(t, c.Enabled())
}

func TestCaptureEvent(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	id := c.CaptureEvent(context.Background(), &core.Event{
		Message: &core.LogEntry{Message: "user %s failed", Params: []any{"ann"}, Formatted: "user ann failed"},
		Level:   core.LevelWarning,
		Tags:    map[string]string{"k": "v"},
	})
	ev := flushed(t, c, mt, 1)[0]
	assert.Equal(t, id, ev.EventID)
	assert.Equal(t, "go", ev.Platform)
	assert.Equal(t, "production", ev.Environment)
	assert.Equal(t, core.LevelWarning, ev.Level)
}

func TestPackageLevelHelpers(t *testing.T) {
	mt := core.NewMemoryTransport()
	c, err := core.Init(core.Options{Transport: mt, Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	t.Cleanup(func() { core.SetCurrentClient(nil); c.Close(context.Background()) })
	require.Same(t, c, core.CurrentClient())

	ctx := core.NewIsolationScope(context.Background())
	core.SetUser(ctx, &core.User{ID: "u1"})
	core.SetTags(ctx, map[string]string{"a": "1"})
	core.SetContext(ctx, "order", map[string]any{"id": 7})
	core.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "clicked"})
	core.SetTag(context.Background(), "global", "yes") // no isolation scope: the global scope
	core.CaptureMessage(ctx, "m", core.LevelError)
	core.CaptureException(ctx, errors.New("e"))
	require.True(t, core.Flush(context.Background()))
	evs := mt.Events()
	require.Len(t, evs, 2)
	for _, ev := range evs {
		assert.Equal(t, "u1", ev.User.ID)
		assert.Equal(t, map[string]string{"a": "1", "global": "yes"}, ev.Tags)
		assert.Equal(t, map[string]any{"id": 7}, ev.Contexts["order"])
		require.Len(t, ev.Breadcrumbs, 1)
	}
	require.True(t, core.Close(context.Background()))
	assert.Nil(t, core.CurrentClient(), "Close unsets the process-wide client")
}

func TestLongMessageTruncated(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	c.CaptureMessage(context.Background(), strings.Repeat("é", 5000), core.LevelError)
	ev := flushed(t, c, mt, 1)[0]
	assert.LessOrEqual(t, len(ev.Message.Formatted), 8192)
	assert.True(t, strings.HasSuffix(ev.Message.Formatted, "é...[truncated from 10000 bytes]"), "cut on a character boundary, marked")
}
