package zapsentry_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/isolationtest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

func TestContextRoutingConcurrent(t *testing.T) {
	c, mt := newClient(t)
	base := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}))
	isolationtest.RunWorkers(t, c, mt, func(ctx context.Context, w int, id string) {
		var log *zap.Logger
		if w%2 == 0 {
			log = base.With(zapsentry.Context(ctx), zap.String("worker", id))
		} else {
			// Half the workers give the context per entry instead.
			log = base.With(zap.String("worker", id))
		}
		for i := range isolationtest.WorkerSteps {
			if w%2 == 0 {
				log.Info("step", zap.Int("i", i))
			} else {
				log.Info("step", zap.Int("i", i), zapsentry.Context(ctx))
			}
		}
		if w%2 == 0 {
			log.Error("done")
		} else {
			log.Error("done", zapsentry.Context(ctx))
		}
	})
}

func TestContextSurvivesWithAndEntryWins(t *testing.T) {
	c, mt := newClient(t)
	logger := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}))
	a := core.NewIsolationScope(context.Background())
	b := core.NewIsolationScope(context.Background())
	core.SetTag(a, "scope", "a")
	core.SetTag(b, "scope", "b")
	la := logger.With(zapsentry.Context(a)).With(zap.String("x", "1")).Named("n")
	la.Error("to a")
	la.Error("to b", zapsentry.Context(b))
	la.With(zapsentry.Context(b)).Error("to b again")
	logger.Error("global", zapsentry.Context(nil))
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 4)
	assert.Equal(t, "a", evs[0].Tags["scope"])
	assert.Equal(t, "b", evs[1].Tags["scope"])
	assert.Equal(t, "b", evs[2].Tags["scope"])
	assert.NotContains(t, evs[3].Tags, "scope")
	assert.NotContains(t, logContext(t, evs[0]), "sentrylog.context")
}

func TestContextFieldIsSkip(t *testing.T) {
	f := zapsentry.Context(context.Background())
	assert.Equal(t, zapcore.SkipType, f.Type)
	enc := zapcore.NewMapObjectEncoder()
	f.AddTo(enc)
	assert.Empty(t, enc.Fields)
	assert.Equal(t, zap.Skip(), zapsentry.Context(nil)) //nolint:staticcheck // nil on purpose
}
