package bench

import (
	"io"
	"log/slog"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"

	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/slogsentry"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// The disabled path allocates nothing: the goal of issue 9, held by tests
// rather than read off a benchmark.
func TestDisabledAllocs(t *testing.T) {
	race.SkipAllocs(t)
	c := ourClient(t)

	slogLog := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c})).
		With(KeyService, ValService, KeyShard, ValShard)
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		slogLog.Debug(MsgDisabled, KeyMethod, ValMethod, KeyStatus, ValStatus)
	}), "slog")

	w := zerologsentry.NewWriter(io.Discard, zerologsentry.Options{Client: c})
	zl := zerolog.New(w).Hook(w).Level(zerolog.InfoLevel)
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		zl.Debug().Str(KeyMethod, ValMethod).Int(KeyStatus, ValStatus).Msg(MsgDisabled)
	}), "zerolog")

	// A Debug record on a logger whose own level passes it, with only our
	// bridge's threshold (Info) in the way.
	zlAll := zerolog.New(w).Hook(w).Level(zerolog.DebugLevel)
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		zlAll.Debug().Str(KeyMethod, ValMethod).Int(KeyStatus, ValStatus).Msg(MsgDisabled)
	}), "zerolog, Debug written by the logger and skipped by the bridge")
}
