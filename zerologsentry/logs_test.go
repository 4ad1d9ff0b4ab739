package zerologsentry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

func attrOf(l *core.Log, key string) any {
	v, ok := l.Attr(key)
	if !ok {
		return nil
	}
	return v.Any()
}

func TestLogsOffByDefault(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	l, _ := newLogger(t, c, zerologsentry.Options{})
	l.Info().Msg("info")
	l.Error().Msg("error")
	assert.Empty(t, testclient.Logs(t, c, mt))
}

func TestLogsLevel(t *testing.T) {
	c, mt := newClient(t, core.Options{})
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
	var levels []string
	for _, lg := range logs {
		levels = append(levels, lg.Level.String())
		assert.Equal(t, "auto.log.zerolog", attrOf(lg, "sentry.origin"))
		assert.Equal(t, "worker", attrOf(lg, "logger.name"))
		assert.Equal(t, "jobs", attrOf(lg, "service"))
		assert.WithinDuration(t, time.Now(), lg.Timestamp, time.Minute)
	}
	assert.Equal(t, []string{"trace", "debug", "info", "warn", "error"}, levels)
	assert.Equal(t, "info", logs[2].Body)
	assert.Equal(t, "r1", attrOf(logs[2], "req.id"))
	assert.Equal(t, int64(2), attrOf(logs[2], "req.try"))
	assert.Equal(t, 0.5, attrOf(logs[3], "ratio"))
	assert.Equal(t, true, attrOf(logs[3], "ok"))
	assert.Equal(t, "boom", attrOf(logs[4], "exception.message"))
	assert.Nil(t, attrOf(logs[2], "time"), "the time is the log's timestamp")
	assert.Contains(t, out.String(), `"message":"failed"`, "the output is unchanged")
	assert.Len(t, events(t, c, mt), 1)
}

func TestLogsFatalFlushes(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	l, _ := newLogger(t, c, zerologsentry.Options{
		LogsLevel: zerologsentry.Level(zerolog.InfoLevel), EventLevel: zerologsentry.Level(zerolog.Disabled),
	})
	func() {
		defer func() { recover() }()
		l.Panic().Msg("panicking")
	}()
	require.Len(t, mt.Logs(), 1, "sent before zerolog panics")
	assert.Equal(t, "fatal", mt.Logs()[0].Level.String())
}
