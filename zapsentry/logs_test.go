package zapsentry_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

func TestLogsOffByDefault(t *testing.T) {
	l, c, mt := newLogger(t, zapsentry.Options{})
	l.Info("info")
	l.Error("error")
	assert.Empty(t, testclient.Logs(t, c, mt))
}

func TestLogsLevel(t *testing.T) {
	l, c, mt := newLogger(t, zapsentry.Options{LogsLevel: zapcore.DebugLevel}, zap.AddCaller())
	l = l.Named("api").With(zap.String("service", "checkout"), zap.Namespace("req"))
	l.Debug("debug", zap.Int("id", 1))
	l.Info("info", zap.Strings("tags", []string{"a", "b"}), zap.Uint64("big", 1<<63+1))
	l.Warn("warn", zap.Float64("ratio", 0.25), zap.Object("obj", zapcore.ObjectMarshalerFunc(func(e zapcore.ObjectEncoder) error {
		e.AddString("k", "v")
		return nil
	})))
	l.Error("failed", zap.Error(errors.New("boom")))
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 4)
	levels := testclient.LogLevels(t, logs, map[string]any{
		"sentry.origin": zapsentry.Origin, "logger.name": "api", "service": "checkout"})
	for _, lg := range logs {
		assert.Contains(t, testclient.LogAttr(lg, "code.file.path"), "logs_test.go")
		assert.Contains(t, testclient.LogAttr(lg, "code.function.name"), "TestLogsLevel")
	}
	assert.Equal(t, []string{"debug", "info", "warn", "error"}, levels)
	assert.Equal(t, int64(1), testclient.LogAttr(logs[0], "req.id"))
	assert.Equal(t, []string{"a", "b"}, testclient.LogAttr(logs[1], "req.tags"))
	assert.Equal(t, "9223372036854775809", testclient.LogAttr(logs[1], "req.big"))
	assert.Equal(t, 0.25, testclient.LogAttr(logs[2], "req.ratio"))
	assert.Equal(t, "v", testclient.LogAttr(logs[2], "req.obj.k"))
	assert.Equal(t, "boom", testclient.LogAttr(logs[3], "exception.message"))
	assert.Len(t, testclient.Events(t, c, mt), 1, "the error entry is still an event")
}

func TestLogsFatalFlushes(t *testing.T) {
	l, _, mt := newLogger(t, zapsentry.Options{
		LogsLevel: zapcore.InfoLevel, EventLevel: zapsentry.LevelOff, BreadcrumbLevel: zapsentry.LevelOff,
	}, zap.WithFatalHook(zapcore.WriteThenGoexit))
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Fatal("exiting", zap.String("why", "test"))
	}()
	<-done
	logs := mt.Logs()
	require.Len(t, logs, 1, "sent before the fatal entry exits")
	assert.Equal(t, "fatal", logs[0].Level.String())
}

func TestAllocsLog(t *testing.T) {
	race.SkipAllocs(t)
	c := testclient.ParkedLogs(t)
	l := zap.New(zapsentry.NewCore(zapsentry.Options{
		Client: c, LogsLevel: zapcore.InfoLevel, BreadcrumbLevel: zapsentry.LevelOff,
	})).With(zap.String("service", "checkout"), zap.Int("attempt", 3))
	got := testing.AllocsPerRun(1000, func() { logBreadcrumb(l) })
	floor := zap.New(nopCore{}).With(zap.String("service", "checkout"), zap.Int("attempt", 3))
	base := testing.AllocsPerRun(1000, func() { logBreadcrumb(floor) })
	t.Logf("log: %v allocations, zap's own %v", got, base)
	assert.LessOrEqual(t, got, base+1)
}

// LevelOff switches each output off alone; events carry Origin.
func TestLevelOffEachOutput(t *testing.T) {
	testclient.CheckLevelOff(t, zapsentry.Origin, func(c *core.Client, off string) {
		b, e, l := testclient.Levels(off, zapcore.InfoLevel, zapcore.ErrorLevel, zapsentry.LevelOff)
		log := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c, BreadcrumbLevel: b, EventLevel: e, LogsLevel: l}))
		log.Info("info")
		log.Error("error", zap.Error(errors.New("boom")))
	})
}

// An accepted log adds no allocation to zap's own, counted on the logging
// goroutine with the log worker parked and a buffer that takes every log.
func TestAllocsLogAccepted(t *testing.T) {
	if race.Enabled {
		t.Skip("-race changes allocation counts")
	}
	const runs = 1000
	c := testclient.ParkedLogsBuffer(t, 2*runs+10)
	l := zap.New(zapsentry.NewCore(zapsentry.Options{
		Client: c, LogsLevel: zapcore.InfoLevel, BreadcrumbLevel: zapsentry.LevelOff,
	})).With(zap.String("service", "checkout"), zap.Int("attempt", 3))
	got := testing.AllocsPerRun(runs, func() { logBreadcrumb(l) })
	floor := zap.New(nopCore{}).With(zap.String("service", "checkout"), zap.Int("attempt", 3))
	base := testing.AllocsPerRun(runs, func() { logBreadcrumb(floor) })
	t.Logf("accepted log: %v allocations, zap's own %v", got, base)
	assert.Equal(t, base, got)
	assert.Zero(t, c.Stats().Dropped["queue_overflow:log_item"], "every log was accepted")
}
