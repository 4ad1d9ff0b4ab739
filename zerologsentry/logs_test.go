//go:build !binary_log

package zerologsentry_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

func TestLogsOffByDefault(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l, _ := newLogger(t, c, zerologsentry.Options{})
	l.Info().Msg("info")
	l.Error().Msg("error")
	assert.Empty(t, testclient.Logs(t, c, mt))
}

func TestLogsLevel(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l, out := newLogger(t, c, zerologsentry.Options{LogsLevel: zerologsentry.Level(zerolog.TraceLevel), Logger: "worker"})
	l = l.With().Timestamp().Str("service", "jobs").Logger()
	ctx := core.NewIsolationScope(context.Background())
	l.Trace().Int("n", 1).Msg("trace")
	l.Debug().Msg("debug")
	l.Info().Ctx(ctx).Dict("req", zerolog.Dict().Str("id", "r1").Int("try", 2)).Strs("tags", []string{"a", "b"}).Msg("info")
	l.Warn().Float64("ratio", 0.5).Bool("ok", true).Msg("warn")
	l.Error().Err(errors.New("boom")).Msg("failed")
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 5)
	levels := testclient.LogLevels(t, logs, map[string]any{
		"sentry.origin": zerologsentry.Origin, "logger.name": "worker", "service": "jobs"})
	for _, lg := range logs {
		assert.WithinDuration(t, time.Now(), lg.Timestamp, time.Minute)
	}
	assert.Equal(t, []string{"trace", "debug", "info", "warn", "error"}, levels)
	assert.Equal(t, "info", logs[2].Body)
	assert.Equal(t, "r1", testclient.LogAttr(logs[2], "req.id"))
	assert.Equal(t, int64(2), testclient.LogAttr(logs[2], "req.try"))
	assert.Equal(t, 0.5, testclient.LogAttr(logs[3], "ratio"))
	assert.Equal(t, true, testclient.LogAttr(logs[3], "ok"))
	assert.Equal(t, "boom", testclient.LogAttr(logs[4], "exception.message"))
	assert.Nil(t, testclient.LogAttr(logs[2], "time"), "the time is the log's timestamp")
	assert.Contains(t, out.String(), `"message":"failed"`, "the output is unchanged")
	assert.Len(t, testclient.Events(t, c, mt), 1)
}

func TestLogsFatalFlushes(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l, _ := newLogger(t, c, zerologsentry.Options{
		LogsLevel: zerologsentry.Level(zerolog.InfoLevel), EventLevel: zerologsentry.Level(zerologsentry.LevelOff),
	})
	func() {
		defer func() { recover() }()
		l.Panic().Msg("panicking")
	}()
	require.Len(t, mt.Logs(), 1, "sent before zerolog panics")
	assert.Equal(t, "fatal", mt.Logs()[0].Level.String())
}

// A line sent as a log costs the logging goroutine one allocation: the
// copy of the line (bridge.Record.Raw), decoded on the client's log worker,
// which is parked here so that only the logging goroutine is counted.
func TestAllocsLog(t *testing.T) {
	race.SkipAllocs(t)
	c := testclient.ParkedLogs(t)
	w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{
		Client: c, LogsLevel: zerologsentry.Level(zerolog.InfoLevel), BreadcrumbLevel: zerologsentry.Level(zerologsentry.LevelOff),
	})
	l := zerolog.New(w).Hook(w).With().Timestamp().Str("service", "checkout").Int("shard", 7).Logger()
	ctx := core.NewIsolationScope(context.Background())
	logBreadcrumb(&l, ctx)
	dropped := c.Stats().Dropped["queue_overflow:log_item"]
	got := testing.AllocsPerRun(200, func() { logBreadcrumb(&l, ctx) })
	t.Logf("log: %v allocations on the logging goroutine", got)
	assert.LessOrEqual(t, got, 1.0)
	assert.Greater(t, c.Stats().Dropped["queue_overflow:log_item"], dropped+200)
}

// LevelOff switches each output off alone; events carry Origin.
func TestLevelOffEachOutput(t *testing.T) {
	testclient.CheckLevelOff(t, zerologsentry.Origin, func(c *core.Client, off string) {
		b, e, l := testclient.Levels(off, zerolog.InfoLevel, zerolog.ErrorLevel, zerologsentry.LevelOff)
		w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c,
			BreadcrumbLevel: zerologsentry.Level(b), EventLevel: zerologsentry.Level(e), LogsLevel: zerologsentry.Level(l)})
		log := zerolog.New(w).Hook(w)
		log.Info().Msg("info")
		log.Error().Err(errors.New("boom")).Msg("error")
	})
}

// The same line accepted into the client's buffer: still the copy of the
// line only.
func TestAllocsLogAccepted(t *testing.T) {
	if race.Enabled {
		t.Skip("-race changes allocation counts")
	}
	c := testclient.ParkedLogsBuffer(t, 1000)
	w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{
		Client: c, LogsLevel: zerologsentry.Level(zerolog.InfoLevel), BreadcrumbLevel: zerologsentry.Level(zerolog.Disabled),
	})
	l := zerolog.New(w).Hook(w).With().Timestamp().Str("service", "checkout").Int("shard", 7).Logger()
	ctx := core.NewIsolationScope(context.Background())
	got := testing.AllocsPerRun(200, func() { logBreadcrumb(&l, ctx) })
	t.Logf("accepted log: %v allocations on the logging goroutine", got)
	assert.LessOrEqual(t, got, 1.0)
	assert.Zero(t, c.Stats().Dropped["queue_overflow:log_item"], "every log was accepted")
}
