package slogsentry_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

func TestLevelMapping(t *testing.T) {
	tests := []struct {
		level slog.Level
		want  core.Level
	}{
		{slog.LevelDebug - 4, core.LevelDebug},
		{slog.LevelDebug, core.LevelDebug},
		{slog.LevelInfo - 1, core.LevelDebug},
		{slog.LevelInfo, core.LevelInfo},
		{slog.LevelInfo + 2, core.LevelInfo},
		{slog.LevelWarn - 1, core.LevelInfo},
		{slog.LevelWarn, core.LevelWarning},
		{slog.LevelWarn + 3, core.LevelWarning},
		{slog.LevelError - 1, core.LevelWarning},
		{slog.LevelError, core.LevelError},
		{slog.LevelError + 3, core.LevelError},
		{slogsentry.LevelFatal, core.LevelFatal},
		{slogsentry.LevelFatal + 100, core.LevelFatal},
	}
	c, mt := testclient.New(t, core.Options{})
	// Every record an event, so that the level is visible on the event.
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, EventLevel: slog.Level(-1000)}))
	for _, tt := range tests {
		l.Log(context.Background(), tt.level, tt.level.String())
	}
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, len(tests))
	for i, tt := range tests {
		assert.Equal(t, tt.want, evs[i].Level, "slog level %v", tt.level)
		require.NotNil(t, evs[i].Message)
		assert.Equal(t, tt.level.String(), evs[i].Message.Formatted)
	}
}

func TestRouting(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	ctx := core.NewIsolationScope(context.Background())

	l.DebugContext(ctx, "below the thresholds")
	l.InfoContext(ctx, "a breadcrumb", "n", 1)
	l.WarnContext(ctx, "another breadcrumb")
	err := fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))
	l.ErrorContext(ctx, "request failed", "err", err, "route", "/x")

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	ev := evs[0]
	assert.Equal(t, core.LevelError, ev.Level)
	require.NotNil(t, ev.Message)
	assert.Equal(t, "request failed", ev.Message.Formatted)
	require.NotEmpty(t, ev.Exception, "the error becomes the exception")
	last := ev.Exception[len(ev.Exception)-1]
	assert.Equal(t, err.Error(), last.Value)
	require.NotNil(t, last.Mechanism)
	assert.Equal(t, "auto.log.slog", last.Mechanism.Type)
	assert.Equal(t, map[string]any{"route": "/x"}, testclient.LogContext(ev))

	require.Len(t, ev.Breadcrumbs, 2)
	assert.Equal(t, "a breadcrumb", ev.Breadcrumbs[0].Message)
	assert.Equal(t, core.LevelInfo, ev.Breadcrumbs[0].Level)
	assert.Equal(t, map[string]any{"n": int64(1)}, ev.Breadcrumbs[0].Data)
	assert.Equal(t, "another breadcrumb", ev.Breadcrumbs[1].Message)
	assert.Equal(t, core.LevelWarning, ev.Breadcrumbs[1].Level)
}

func TestEnabled(t *testing.T) {
	c, _ := testclient.New(t, core.Options{})
	ctx := context.Background()
	h := slogsentry.NewHandler(slogsentry.Options{Client: c})
	assert.False(t, h.Enabled(ctx, slog.LevelDebug))
	assert.True(t, h.Enabled(ctx, slog.LevelInfo))
	assert.True(t, h.Enabled(ctx, slog.LevelError))

	h = slogsentry.NewHandler(slogsentry.Options{Client: c, BreadcrumbLevel: slogsentry.LevelOff})
	assert.False(t, h.Enabled(ctx, slog.LevelWarn))
	assert.True(t, h.Enabled(ctx, slog.LevelError))

	h = slogsentry.NewHandler(slogsentry.Options{Client: c, BreadcrumbLevel: slogsentry.LevelOff, EventLevel: slogsentry.LevelOff})
	assert.False(t, h.Enabled(ctx, slogsentry.LevelFatal+1000))

	lv := new(slog.LevelVar)
	lv.Set(slog.LevelWarn)
	h = slogsentry.NewHandler(slogsentry.Options{Client: c, BreadcrumbLevel: lv})
	assert.False(t, h.Enabled(ctx, slog.LevelInfo))
	lv.Set(slog.LevelDebug)
	assert.True(t, h.Enabled(ctx, slog.LevelDebug), "a LevelVar changes the gate at run time")

	var nilVar *slog.LevelVar
	h = slogsentry.NewHandler(slogsentry.Options{Client: c, BreadcrumbLevel: nilVar, EventLevel: nilVar})
	assert.True(t, h.Enabled(ctx, slog.LevelInfo), "a nil *LevelVar means the default, not a panic")
	assert.False(t, h.Enabled(ctx, slog.LevelDebug))

	disabled, err := core.New(core.Options{DSN: ""})
	require.NoError(t, err)
	h = slogsentry.NewHandler(slogsentry.Options{Client: disabled})
	assert.False(t, h.Enabled(ctx, slog.LevelError), "a client that sends nothing disables the handler")
}

func TestFatalIsFlushed(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	l.Log(context.Background(), slogsentry.LevelFatal, "going down", "error", errors.New("disk full"))
	// No Flush here: Handle flushed before it returned.
	evs := mt.Events()
	require.Len(t, evs, 1)
	assert.Equal(t, core.LevelFatal, evs[0].Level)
}

func TestLevelVarRoutesAtRunTime(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	ev := new(slog.LevelVar)
	ev.Set(slog.LevelError)
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, EventLevel: ev}))
	ctx := core.NewIsolationScope(context.Background())
	l.WarnContext(ctx, "a breadcrumb while the event level is Error")
	ev.Set(slog.LevelWarn)
	l.WarnContext(ctx, "an event now")
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	assert.Equal(t, "an event now", evs[0].Message.Formatted)
	assert.Equal(t, core.LevelWarning, evs[0].Level)
	require.Len(t, evs[0].Breadcrumbs, 1)
	assert.Equal(t, "a breadcrumb while the event level is Error", evs[0].Breadcrumbs[0].Message)
}

// TestBreadcrumbData: a breadcrumb's data is the same whichever way its
// attributes reach the core: lent from the stack (a few plain ones), or in
// a slice of their own (groups, LogValuers, many, ReplaceAttr).
func TestBreadcrumbData(t *testing.T) {
	many := []any{"a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6}
	tests := []struct {
		name string
		opts slogsentry.Options
		log  func(l *slog.Logger)
		want map[string]any
	}{
		{"plain", slogsentry.Options{}, func(l *slog.Logger) { l.Info("m", "k", "v", "n", 2) },
			map[string]any{"k": "v", "n": int64(2)}},
		{"none", slogsentry.Options{}, func(l *slog.Logger) { l.Info("m") }, nil},
		{"group", slogsentry.Options{}, func(l *slog.Logger) { l.Info("m", "k", "v", slog.Group("g", "n", 2)) },
			map[string]any{"k": "v", "g": map[string]any{"n": int64(2)}}},
		{"inline group", slogsentry.Options{}, func(l *slog.Logger) { l.Info("m", slog.Group("", "n", 2)) },
			map[string]any{"n": int64(2)}},
		{"many", slogsentry.Options{}, func(l *slog.Logger) { l.Info("m", many...) },
			map[string]any{"a": int64(1), "b": int64(2), "c": int64(3), "d": int64(4), "e": int64(5), "f": int64(6)}},
		{"replace", slogsentry.Options{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			a.Key += "!"
			return a
		}}, func(l *slog.Logger) { l.Info("m", "k", "v") }, map[string]any{"k!": "v"}},
		{"grouped", slogsentry.Options{}, func(l *slog.Logger) { l.WithGroup("w").Info("m", "k", "v") },
			map[string]any{"w": map[string]any{"k": "v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := testclient.New(t, core.Options{})
			opts := tt.opts
			opts.Client = c
			l := slog.New(slogsentry.NewHandler(opts))
			tt.log(l)
			l.Error("event")
			evs := testclient.Events(t, c, mt)
			require.Len(t, evs, 1)
			require.Len(t, evs[0].Breadcrumbs, 1)
			assert.Equal(t, tt.want, evs[0].Breadcrumbs[0].Data)
		})
	}

	// AddSource: the source is among the attributes, or beside the open
	// groups.
	for _, group := range []bool{false, true} {
		c, mt := testclient.New(t, core.Options{})
		l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, AddSource: true}))
		if group {
			l = l.WithGroup("w")
		}
		l.Info("m", "k", "v")
		l.Error("event")
		evs := testclient.Events(t, c, mt)
		require.Len(t, evs, 1)
		require.Len(t, evs[0].Breadcrumbs, 1)
		data := evs[0].Breadcrumbs[0].Data
		assert.Contains(t, data, slog.SourceKey, "group=%v", group)
		if group {
			assert.Equal(t, map[string]any{"k": "v"}, data["w"])
		} else {
			assert.Equal(t, "v", data["k"])
		}
	}
}
