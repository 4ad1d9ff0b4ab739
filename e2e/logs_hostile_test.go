package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/logcheck"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
	"github.com/sentrylog/sentrylog/slogsentry"
	"github.com/sentrylog/sentrylog/zapsentry"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// Awkward records through every bridge, each logged twice in a row (so
// that the log worker's repeat paths run), arrive as logs Relay accepts:
// long, invalid UTF-8 and control-character text, NaN and infinite
// floats, empty keys, a key repeated, durations, more than 64 attributes,
// an attribute named like a default one, secrets.
func TestLogsHostileValuesEveryBridge(t *testing.T) {
	long := strings.Repeat("é", 6000) + " password=hunter2"
	bad := "bad \xff\xfe utf8 \x00\x1f \u2028 token=abc123"
	var many []any
	for i := range 70 {
		many = append(many, fmt.Sprint("k", i), i)
	}
	bridges := []struct {
		name string
		log  func(c *core.Client)
	}{
		{"slog", func(c *core.Client) {
			l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c, LogsLevel: slog.LevelInfo, EventLevel: slogsentry.LevelOff}))
			for range 2 {
				l.Info(long, "v", long, "bad", bad)
				l.Info(bad, "nan", math.NaN(), "inf", math.Inf(1), "", "empty", "d", 1500*time.Millisecond)
				l.Info("dup", "a", 1, "a", "two", "sentry.release", "mine", "code.file.path", "x.go")
				l.Info("many", many...)
				l.Info("err", "err", errors.New("auth failed: Bearer abcdef0123456789abcdef"))
			}
		}},
		{"zap", func(c *core.Client) {
			l := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c, LogsLevel: zapcore.InfoLevel, EventLevel: zapcore.FatalLevel + 1}))
			for range 2 {
				l.Info(long, zap.String("v", long), zap.String("bad", bad))
				l.Info(bad, zap.Float64("nan", math.NaN()), zap.Float64("inf", math.Inf(1)), zap.String("", "empty"), zap.Duration("d", 1500*time.Millisecond))
				l.Info("dup", zap.Int("a", 1), zap.String("a", "two"), zap.String("sentry.release", "mine"))
				fs := make([]zap.Field, 0, 70)
				for i := range 70 {
					fs = append(fs, zap.Int(fmt.Sprint("k", i), i))
				}
				l.Info("many", fs...)
				l.Info("err", zap.Error(errors.New("auth failed: Bearer abcdef0123456789abcdef")))
			}
		}},
		{"zerolog", func(c *core.Client) {
			w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{Client: c, LogsLevel: zerologsentry.Level(zerolog.InfoLevel), EventLevel: zerologsentry.Level(zerolog.Disabled)})
			l := zerolog.New(w).Hook(w)
			for range 2 {
				l.Info().Str("v", long).Str("bad", bad).Msg(long)
				l.Info().Float64("nan", math.NaN()).Float64("inf", math.Inf(1)).Str("", "empty").Dur("d", 1500*time.Millisecond).Msg(bad)
				l.Info().Int("a", 1).Str("a", "two").Str("sentry.release", "mine").Msg("dup")
				ev := l.Info()
				for i := range 70 {
					ev = ev.Int(fmt.Sprint("k", i), i)
				}
				ev.Msg("many")
				l.Info().Err(errors.New("auth failed: Bearer abcdef0123456789abcdef")).Msg("err")
			}
		}},
		{"logrus", func(c *core.Client) {
			lg := logrus.New()
			lg.SetOutput(io.Discard)
			lg.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c, LogsLevel: logrussentry.Level(logrus.InfoLevel)}))
			for range 2 {
				lg.WithFields(logrus.Fields{"v": long, "bad": bad}).Info(long)
				lg.WithFields(logrus.Fields{"nan": math.NaN(), "inf": math.Inf(1), "": "empty", "d": 1500 * time.Millisecond}).Info(bad)
				lg.WithFields(logrus.Fields{"a": 1, "sentry.release": "mine"}).Info("dup")
				f := logrus.Fields{}
				for i := range 70 {
					f[fmt.Sprint("k", i)] = i
				}
				lg.WithFields(f).Info("many")
				lg.WithError(errors.New("auth failed: Bearer abcdef0123456789abcdef")).Info("err")
			}
		}},
	}
	for _, b := range bridges {
		t.Run(b.name, func(t *testing.T) {
			rc := testclient.NewReceiver(t)
			c, err := core.New(core.Options{DSN: rc.DSN, Spotlight: "0", Release: "r@1"})
			require.NoError(t, err)
			b.log(c)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.True(t, c.Close(ctx))
			require.Empty(t, c.Stats().Dropped)
			n := 0
			for _, body := range rc.Bodies() {
				logs, err := logcheck.CheckBody(body)
				require.NoError(t, err, "%.2000s", body)
				n += len(logs)
				for _, secret := range []string{"hunter2", "abc123", "abcdef0123456789abcdef"} {
					assert.NotContains(t, string(body), secret)
				}
				for _, l := range logs {
					assert.LessOrEqual(t, len(l.Body), 8192)
					if l.Body == "many" {
						assert.Equal(t, int64(69), l.Attributes["k69"])
					}
				}
			}
			assert.Equal(t, 10, n)
		})
	}
}
