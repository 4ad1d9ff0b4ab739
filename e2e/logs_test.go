package e2e

import (
	"context"
	"errors"
	"github.com/sentrylog/sentrylog/core/protocol"
	"io"
	"log/slog"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/logcheck"
	"github.com/sentrylog/sentrylog/slogsentry"
	"github.com/sentrylog/sentrylog/zapsentry"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// logBridges log the same three records through each bridge, with logs
// turned on in the bridge's idiom: an Info record with an integer and a
// nested string, a Warn record, and an Error record with an error.
var logBridges = []struct {
	name, origin string
	log          func(c *core.Client, ctx context.Context)
}{
	{"slog", "auto.log.slog", func(c *core.Client, ctx context.Context) {
		logger := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, LogsLevel: slog.LevelInfo, Logger: "shop"}))
		logger.InfoContext(ctx, "cart loaded", "items", 3, slog.Group("cart", "id", "c-1"))
		logger.WarnContext(ctx, "slow checkout")
		logger.ErrorContext(ctx, "checkout failed", "err", errors.New("card declined"))
	}},
	{"zap", "auto.log.zap", func(c *core.Client, ctx context.Context) {
		logger := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c, LogsLevel: zapcore.InfoLevel})).
			Named("shop").With(zapsentry.Context(ctx))
		logger.Info("cart loaded", zap.Int("items", 3), zap.Namespace("cart"), zap.String("id", "c-1"))
		logger.Warn("slow checkout")
		logger.Error("checkout failed", zap.Error(errors.New("card declined")))
	}},
	{"zerolog", "auto.log.zerolog", func(c *core.Client, ctx context.Context) {
		w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{Client: c, LogsLevel: zerologsentry.Level(zerolog.InfoLevel), Logger: "shop"})
		logger := zerolog.New(w).Hook(w).With().Timestamp().Logger()
		logger.Info().Ctx(ctx).Int("items", 3).Dict("cart", zerolog.Dict().Str("id", "c-1")).Msg("cart loaded")
		logger.Warn().Ctx(ctx).Msg("slow checkout")
		logger.Error().Ctx(ctx).Err(errors.New("card declined")).Msg("checkout failed")
	}},
}

// checkBridgeLogs checks the three logs of logBridges, as the strict
// checker decoded them.
func checkBridgeLogs(t *testing.T, origin string, logs []logcheck.Log) {
	t.Helper()
	require.Len(t, logs, 3)
	assert.Equal(t, []string{"info", "warn", "error"}, []string{logs[0].Level, logs[1].Level, logs[2].Level})
	assert.Equal(t, []string{"cart loaded", "slow checkout", "checkout failed"}, []string{logs[0].Body, logs[1].Body, logs[2].Body})
	for _, l := range logs {
		assert.Equal(t, origin, l.Attributes["sentry.origin"])
		assert.Equal(t, "shop", l.Attributes["logger.name"])
		assert.Equal(t, "e2e", l.Attributes["sentry.environment"])
		assert.Equal(t, "e2e@1.0.0", l.Attributes["sentry.release"])
		assert.Equal(t, logs[0].TraceID, l.TraceID)
	}
	assert.Equal(t, int64(3), logs[0].Attributes["items"])
	assert.Equal(t, "integer", logs[0].Types["items"])
	assert.Equal(t, "c-1", logs[0].Attributes["cart.id"])
	assert.Equal(t, "card declined", logs[2].Attributes["exception.message"])
	// zerolog's line has only the error's text: its type is the generic
	// "error" the bridge names it (see zerologsentry.MarshalStack).
	assert.Contains(t, []any{"*errors.errorString", "error"}, logs[2].Attributes["exception.type"])
}

func TestLogsToSpotlight(t *testing.T) {
	for _, tc := range logBridges {
		t.Run(tc.name, func(t *testing.T) {
			sp := startSpotlight(t)
			c := newClient(t, core.Options{DSN: sp.DSN()})
			tc.log(c, core.NewIsolationScope(context.Background()))
			flush(t, c)

			envs, err := sp.readStream(1, readTimeout, hasLogs)
			require.NoError(t, err)
			var logs []logcheck.Log
			for _, env := range envs {
				for _, it := range env.Items {
					assert.Equal(t, "log", it.Header["type"], "a log item alone")
					h := protocol.ItemHeader{Type: "log", Length: len(it.Payload)}
					h.ContentType, _ = it.Header["content_type"].(string)
					if n, ok := it.Header["item_count"].(float64); ok {
						h.ItemCount = int(n)
					}
					got, err := logcheck.CheckItem(h, it.Payload)
					require.NoError(t, err, "%s", it.Payload)
					logs = append(logs, got...)
				}
			}
			checkBridgeLogs(t, tc.origin, logs)
			assert.EqualValues(t, 3, c.Stats().LogsDelivered)
		})
	}
}

func hasLogs(env *streamEnvelope) bool {
	for _, it := range env.Items {
		if it.Header["type"] == "log" {
			return true
		}
	}
	return false
}

// testkitLog is one log as sentry-testkit's testkit.logs() keeps it.
type testkitLog struct {
	Level          string         `json:"level"`
	Message        string         `json:"message"`
	Attributes     map[string]any `json:"attributes"`
	Timestamp      float64        `json:"timestamp"`
	TraceID        string         `json:"traceId"`
	SeverityNumber int            `json:"severityNumber"`
}

func (k *testkit) waitLogs(t *testing.T, n int) []testkitLog {
	t.Helper()
	return waitFor(t, "sentry-testkit logs", n, func() []testkitLog {
		var out []testkitLog
		k.get(t, "/logs", &out)
		return out
	})
}

func TestLogsToTestkit(t *testing.T) {
	for _, tc := range logBridges {
		t.Run(tc.name, func(t *testing.T) {
			k := startTestkit(t)
			c := newClient(t, core.Options{DSN: k.DSN})
			tc.log(c, core.NewIsolationScope(context.Background()))
			flush(t, c)

			logs := k.waitLogs(t, 3)
			require.Len(t, logs, 3)
			want := []struct {
				level, msg string
				sev        int
			}{{"info", "cart loaded", 9}, {"warn", "slow checkout", 13}, {"error", "checkout failed", 17}}
			for i, l := range logs {
				assert.Equal(t, want[i].level, l.Level)
				assert.Equal(t, want[i].msg, l.Message)
				assert.Equal(t, want[i].sev, l.SeverityNumber)
				assert.Len(t, l.TraceID, 32)
				assert.Greater(t, l.Timestamp, 1.7e9, "seconds")
				assert.Less(t, l.Timestamp, 1e10, "seconds, not milliseconds")
				assert.Equal(t, tc.origin, l.Attributes["sentry.origin"])
				assert.Equal(t, core.SDKName, l.Attributes["sentry.sdk.name"])
			}
			assert.EqualValues(t, 3, logs[0].Attributes["items"])
			assert.Equal(t, "c-1", logs[0].Attributes["cart.id"])
			assert.Equal(t, "card declined", logs[2].Attributes["exception.message"])
			assert.Len(t, k.waitReports(t, 1), 1, "the error record is also an event")
		})
	}
}
