package logrussentry_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
)

func logsLogger(t *testing.T, opts logrussentry.Options) (*logrus.Logger, *core.Client, *core.MemoryTransport) {
	t.Helper()
	c, mt := testclient.New(t, core.Options{})
	opts.Client = c
	l := logrus.New()
	l.SetOutput(io.Discard)
	l.SetLevel(logrus.TraceLevel)
	l.SetReportCaller(true)
	l.AddHook(logrussentry.NewHook(opts))
	return l, c, mt
}

func TestLogsOffByDefault(t *testing.T) {
	l, c, mt := logsLogger(t, logrussentry.Options{})
	l.Info("info")
	l.Error("error")
	assert.Empty(t, testclient.Logs(t, c, mt))
}

func TestLogsLevel(t *testing.T) {
	l, c, mt := logsLogger(t, logrussentry.Options{LogsLevel: logrussentry.Level(logrus.TraceLevel), Logger: "jobs"})
	ctx := core.NewIsolationScope(context.Background())
	e := l.WithContext(ctx).WithField("service", "billing")
	e.Trace("trace")
	e.Debug("debug")
	e.WithField("req", logrus.Fields{"id": "r1"}).Info("info")
	e.WithField("n", 3).Warn("warn")
	e.WithError(errors.New("boom")).Error("failed")
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 5)
	levels := testclient.LogLevels(t, logs, map[string]any{
		"sentry.origin": logrussentry.Origin, "logger.name": "jobs", "service": "billing"})
	assert.Equal(t, []string{"trace", "debug", "info", "warn", "error"}, levels)
	assert.Equal(t, "r1", testclient.LogAttr(logs[2], "req.id"))
	assert.Equal(t, int64(3), testclient.LogAttr(logs[3], "n"))
	assert.Equal(t, "boom", testclient.LogAttr(logs[4], "exception.message"))
	assert.Len(t, testclient.Events(t, c, mt), 1, "the error record is still an event")
}

func TestLogsOnly(t *testing.T) {
	off := logrussentry.Level(logrussentry.LevelOff)
	l, c, mt := logsLogger(t, logrussentry.Options{LogsLevel: logrussentry.Level(logrus.InfoLevel), BreadcrumbLevel: off, EventLevel: off})
	l.Debug("below")
	l.Info("hello")
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 1)
	assert.Equal(t, "hello", logs[0].Body)
	assert.Empty(t, testclient.Events(t, c, mt))
}

// A record sent as a log costs the hook no allocation for a few scalar
// fields, counted on the logging goroutine (the log worker is parked).
func TestAllocsLog(t *testing.T) {
	race.SkipAllocs(t)
	c := testclient.ParkedLogs(t)
	h := logrussentry.NewHook(logrussentry.Options{
		Client: c, LogsLevel: logrussentry.Level(logrus.InfoLevel), BreadcrumbLevel: logrussentry.Level(logrussentry.LevelOff),
	})
	e := crumbEntry(core.NewIsolationScope(context.Background()))
	dropped := c.Stats().Dropped["queue_overflow:log_item"]
	got := testing.AllocsPerRun(200, func() { _ = h.Fire(e) })
	assert.Zero(t, got, "log of five scalar fields")
	assert.Greater(t, c.Stats().Dropped["queue_overflow:log_item"], dropped+200)
}

// LevelOff switches each output off alone; events carry Origin.
func TestLevelOffEachOutput(t *testing.T) {
	testclient.CheckLevelOff(t, logrussentry.Origin, func(c *core.Client, off string) {
		b, e, l := testclient.Levels(off, logrus.InfoLevel, logrus.ErrorLevel, logrussentry.LevelOff)
		log := &logrus.Logger{Out: io.Discard, Formatter: new(logrus.TextFormatter), Level: logrus.TraceLevel, Hooks: logrus.LevelHooks{}}
		log.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c,
			BreadcrumbLevel: logrussentry.Level(b), EventLevel: logrussentry.Level(e), LogsLevel: logrussentry.Level(l)}))
		log.Info("info")
		log.WithError(errors.New("boom")).Error("error")
	})
}

// The same log accepted into the buffer: still no allocation on the
// logging goroutine.
func TestAllocsLogAccepted(t *testing.T) {
	if race.Enabled {
		t.Skip("-race changes allocation counts")
	}
	c := testclient.ParkedLogsBuffer(t, 1000)
	h := logrussentry.NewHook(logrussentry.Options{
		Client: c, LogsLevel: logrussentry.Level(logrus.InfoLevel), BreadcrumbLevel: logrussentry.Level(logrussentry.LevelOff),
	})
	e := crumbEntry(core.NewIsolationScope(context.Background()))
	got := testing.AllocsPerRun(200, func() { _ = h.Fire(e) })
	assert.Zero(t, got, "accepted log of five scalar fields")
	assert.Zero(t, c.Stats().Dropped["queue_overflow:log_item"], "every log was accepted")
}
