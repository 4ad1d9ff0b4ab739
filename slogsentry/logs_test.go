package slogsentry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

func TestLogsOffByDefault(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	l.Info("info")
	l.Error("error")
	assert.Empty(t, testclient.Logs(t, c, mt))
	assert.Len(t, mt.Events(), 1)
}

func TestLogsLevel(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	h := slogsentry.NewHandler(slogsentry.Options{Client: c, LogsLevel: slog.LevelDebug - 4, Logger: "app"})
	ctx := core.NewIsolationScope(context.Background())
	l := slog.New(h).With("service", "api").WithGroup("req")
	l.Log(ctx, slog.LevelDebug-4, "trace", "id", 1)
	l.DebugContext(ctx, "debug")
	l.InfoContext(ctx, "info", "user", "bob")
	l.WarnContext(ctx, "warn")
	l.ErrorContext(ctx, "failed", "err", errors.New("boom"), "route", "/x")
	l.Log(ctx, slogsentry.LevelFatal, "fatal")
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 6)
	levels := testclient.LogLevels(t, logs, map[string]any{
		"sentry.origin": slogsentry.Origin, "logger.name": "app", "service": "api"})
	for _, lg := range logs {
		assert.Contains(t, testclient.LogAttr(lg, "code.file.path"), "logs_test.go")
		assert.Contains(t, testclient.LogAttr(lg, "code.function.name"), "TestLogsLevel")
	}
	assert.Equal(t, []string{"trace", "debug", "info", "warn", "error", "fatal"}, levels)
	assert.Equal(t, int64(1), testclient.LogAttr(logs[0], "req.id"))
	assert.Equal(t, "bob", testclient.LogAttr(logs[2], "req.user"))
	assert.Equal(t, "failed", logs[4].Body)
	assert.Equal(t, "*errors.errorString", testclient.LogAttr(logs[4], "exception.type"))
	assert.Equal(t, "boom", testclient.LogAttr(logs[4], "exception.message"))
	assert.Equal(t, "/x", testclient.LogAttr(logs[4], "req.route"))
	// The error record is still an event, and the info record a breadcrumb.
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 2)
	require.Len(t, evs[0].Breadcrumbs, 2)
	assert.Equal(t, "info", evs[0].Breadcrumbs[0].Message)
}

// Only LogsLevel lets a record through: neither breadcrumb nor event.
func TestLogsOnly(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	h := slogsentry.NewHandler(slogsentry.Options{
		Client: c, LogsLevel: slog.LevelInfo,
		BreadcrumbLevel: slogsentry.LevelOff, EventLevel: slogsentry.LevelOff,
	})
	assert.True(t, h.Enabled(context.Background(), slog.LevelInfo))
	assert.False(t, h.Enabled(context.Background(), slog.LevelDebug))
	l := slog.New(h)
	l.Info("hello", "a", slog.GroupValue(slog.Int("b", 2)), "many", []string{"x", "y"})
	l.Log(context.Background(), slogsentry.LevelFatal, "exiting")
	assert.Len(t, mt.Logs(), 2, "a fatal record flushes the logs before Handle returns")
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 2)
	assert.Equal(t, int64(2), testclient.LogAttr(logs[0], "a.b"))
	assert.Equal(t, []string{"x", "y"}, testclient.LogAttr(logs[0], "many"))
	assert.Empty(t, testclient.Events(t, c, mt))
}

// A LevelVar changes the logs level at run time.
func TestLogsLevelVar(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	var lv slog.LevelVar
	lv.Set(slogsentry.LevelOff)
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, LogsLevel: &lv}))
	l.Info("not yet")
	lv.Set(slog.LevelInfo)
	l.Info("now")
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 1)
	assert.Equal(t, "now", logs[0].Body)
}

// The logging goroutine's cost of a log: at most one allocation (the goal),
// measured with the log worker parked so that only the caller is counted.
func TestAllocsLog(t *testing.T) {
	race.SkipAllocs(t)
	c := testclient.ParkedLogs(t)
	l := benchLogger(slogsentry.NewHandler(slogsentry.Options{
		Client: c, LogsLevel: slog.LevelInfo, BreadcrumbLevel: slogsentry.LevelOff,
	}))
	ctx := core.NewIsolationScope(context.Background())
	dropped := c.Stats().Dropped["queue_overflow:log_item"]
	got := testing.AllocsPerRun(1000, func() { logBreadcrumb(l, ctx) })
	assert.LessOrEqual(t, got, 1.0, "allocations per log on the logging goroutine")
	t.Logf("log: %v allocations on the logging goroutine", got)
	assert.Greater(t, c.Stats().Dropped["queue_overflow:log_item"], dropped+1000)

	// Breadcrumb and log together.
	l = benchLogger(slogsentry.NewHandler(slogsentry.Options{Client: c, LogsLevel: slog.LevelInfo}))
	for i := 0; i < 200; i++ {
		logBreadcrumb(l, ctx)
	}
	got = testing.AllocsPerRun(1000, func() { logBreadcrumb(l, ctx) })
	assert.LessOrEqual(t, got, 1.0, "allocations per breadcrumb and log")
}

// LevelOff switches each output off alone; events carry Origin.
func TestLevelOffEachOutput(t *testing.T) {
	testclient.CheckLevelOff(t, slogsentry.Origin, func(c *core.Client, off string) {
		b, e, l := testclient.Levels(off, slog.LevelInfo, slog.LevelError, slogsentry.LevelOff)
		log := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, BreadcrumbLevel: b, EventLevel: e, LogsLevel: l}))
		log.Info("info")
		log.Error("error", "error", errors.New("boom"))
	})
}

// An accepted log costs the logging goroutine no allocation: the record is
// copied into the client's buffer (whose chunks of 128 records are counted
// in their share), measured with the log worker parked and a buffer that
// takes every record.
func TestAllocsLogAccepted(t *testing.T) {
	if race.Enabled {
		t.Skip("allocation counts differ under -race")
	}
	const runs = 1000
	c := testclient.ParkedLogsBuffer(t, 2*runs+10)
	l := benchLogger(slogsentry.NewHandler(slogsentry.Options{
		Client: c, LogsLevel: slog.LevelInfo, BreadcrumbLevel: slogsentry.LevelOff,
	}))
	ctx := core.NewIsolationScope(context.Background())
	got := testing.AllocsPerRun(runs, func() { logBreadcrumb(l, ctx) })
	t.Logf("accepted log: %v allocations on the logging goroutine", got)
	assert.Zero(t, got, "allocations per accepted log")
	assert.Zero(t, c.Stats().Dropped["queue_overflow:log_item"], "every log was accepted")
}

// A record with more attributes than are lent from the stack is sent
// whole, and the breadcrumb beside it too.
func TestLogsManyAttrs(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, LogsLevel: slog.LevelInfo}))
	ctx := core.NewIsolationScope(context.Background())
	for n := 4; n <= 7; n++ {
		args := make([]any, 0, 2*n)
		for i := range n {
			args = append(args, fmt.Sprintf("k%d", i), i)
		}
		l.InfoContext(ctx, fmt.Sprint(n), args...)
	}
	l.ErrorContext(ctx, "failed")
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 5) // and the error's
	for j, lg := range logs[:4] {
		n := j + 4
		assert.Equal(t, fmt.Sprint(n), lg.Body)
		for i := range n {
			assert.Equal(t, int64(i), testclient.LogAttr(lg, fmt.Sprintf("k%d", i)), "log of %d attributes", n)
		}
	}
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	var found bool
	for _, b := range evs[0].Breadcrumbs {
		if b.Message == "7" {
			found = true
			assert.Len(t, b.Data, 7)
		}
	}
	assert.True(t, found, "the breadcrumb of 7 attributes")
}

// A record with more attributes than slog keeps inline allocates once, in
// slog; the handler adds none.
func TestAllocsLogManyAttrs(t *testing.T) {
	race.SkipAllocs(t)
	const runs = 1000
	c := testclient.ParkedLogsBuffer(t, 2*runs+10)
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{
		Client: c, LogsLevel: slog.LevelInfo, BreadcrumbLevel: slogsentry.LevelOff,
	}))
	ctx := context.Background()
	got := testing.AllocsPerRun(runs, func() {
		l.InfoContext(ctx, "many", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6, "g", 7)
	})
	assert.LessOrEqual(t, got, 1.0, "allocations per log of 7 attributes")
	assert.Zero(t, c.Stats().Dropped["queue_overflow:log_item"], "every log was accepted")
}

// Records whose attributes the client copies as they are, and records it
// leaves to the converter (a value the program could change, a group, a
// LogValuer, an empty key), one after the other: each log has its own
// attributes, none of the record before it.
func TestLogsCopiedOrConverted(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, LogsLevel: slog.LevelInfo}))
	l.Info("plain", "a", 1, "s", "x", "d", time.Second, "t", time.Unix(0, 0).UTC())
	l.Info("any", "b", 2, "tags", []string{"y", "z"}) // copied up to tags, then converted
	l.Info("plain again", "c", 3)
	l.Info("group", "e", 4, slog.Group("g", "h", 5))
	l.Info("valuer", "f", 6, "v", valuer{}, "", "no key")
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 5)
	own := func(lg *core.Log) map[string]any {
		m := map[string]any{}
		for _, a := range lg.Attributes {
			if !strings.Contains(a.Key, ".") || strings.HasPrefix(a.Key, "g.") {
				m[a.Key] = a.Value.Any()
			}
		}
		return m
	}
	assert.Equal(t, map[string]any{"a": int64(1), "s": "x", "d": "1s", "t": "1970-01-01T00:00:00Z"}, own(logs[0]))
	assert.Equal(t, map[string]any{"b": int64(2), "tags": []string{"y", "z"}}, own(logs[1]))
	assert.Equal(t, map[string]any{"c": int64(3)}, own(logs[2]))
	assert.Equal(t, map[string]any{"e": int64(4), "g.h": int64(5)}, own(logs[3]))
	assert.Equal(t, map[string]any{"f": int64(6), "v": "resolved", "_": "no key"}, own(logs[4]))
}

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.StringValue("resolved") }

// A log the full buffer drops is counted once, in both categories, however
// its attributes are queued.
func TestLogsOverflowCounted(t *testing.T) {
	c := testclient.ParkedLogs(t) // its buffer is full
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{
		Client: c, LogsLevel: slog.LevelInfo, BreadcrumbLevel: slogsentry.LevelOff,
	}))
	for i, log := range []func(){
		func() { l.Info("plain", "key", "user:42", "hit", true) },
		func() { l.Info("any", "key", "user:42", "tags", []string{"a"}) },
	} {
		before := c.Stats().Dropped
		log()
		after := c.Stats().Dropped
		assert.Equal(t, int64(1), after["queue_overflow:log_item"]-before["queue_overflow:log_item"], "record %d", i)
		bytes := after["queue_overflow:log_byte"] - before["queue_overflow:log_byte"]
		assert.Greater(t, bytes, int64(len("user:42")+60), "record %d", i)
	}
}

// With SendDefaultPII a log carries the user of its request's scope.
func TestLogsUser(t *testing.T) {
	c, mt := testclient.New(t, core.Options{SendDefaultPII: true})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, LogsLevel: slog.LevelInfo}))
	ctx := core.NewIsolationScope(context.Background())
	core.IsolationScope(ctx).SetUser(&core.User{ID: "7"})
	l.InfoContext(ctx, "hello", "a", 1)
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 1)
	assert.Equal(t, "7", testclient.LogAttr(logs[0], "user.id"))
	assert.Equal(t, int64(1), testclient.LogAttr(logs[0], "a"))
}
