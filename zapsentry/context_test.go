package zapsentry_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/zapsentry"
)

func TestContextRoutingConcurrent(t *testing.T) {
	const workers, steps = 64, 5
	c, mt := newClient(t)
	base := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint("w", w)
			ctx := core.NewIsolationScope(context.Background())
			core.SetTag(ctx, "worker", id)
			var log *zap.Logger
			if w%2 == 0 {
				log = base.With(zapsentry.Context(ctx), zap.String("worker", id))
			} else {
				// Half the workers give the context per entry instead.
				log = base.With(zap.String("worker", id))
			}
			for i := range steps {
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
		}()
	}
	wg.Wait()
	evs := events(t, c, mt)
	require.Len(t, evs, workers)
	seen := map[string]bool{}
	for _, ev := range evs {
		id := ev.Tags["worker"]
		require.NotEmpty(t, id, "the event merged its worker's scope")
		assert.False(t, seen[id])
		seen[id] = true
		assert.Equal(t, id, logContext(t, ev)["worker"])
		require.Len(t, ev.Breadcrumbs, steps, "only the worker's own breadcrumbs")
		for i, b := range ev.Breadcrumbs {
			assert.Equal(t, id, b.Data["worker"])
			assert.EqualValues(t, i, b.Data["i"])
		}
	}
	// Nothing reached the global scope.
	c.CaptureMessage(context.Background(), "global", core.LevelInfo)
	evs = events(t, c, mt)
	assert.Empty(t, evs[len(evs)-1].Breadcrumbs)
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
	evs := events(t, c, mt)
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
