package zapsentry_test

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// The allocation goals, counted on the caller's goroutine. AllocsPerRun
// counts the whole process, so the event test stops the client's worker
// in BeforeSend: captures then stop at the full queue, after all of the
// caller's work is done.

func TestAllocsDisabled(t *testing.T) {
	race.SkipAllocs(t)
	c, _ := newClient(t)
	// zap itself allocates the variadic []Field of a call whose fields
	// escape; the Core must add nothing to that.
	cfg := zap.NewProductionEncoderConfig()
	zapOnly := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(io.Discard), zapcore.InfoLevel))
	baseline := testing.AllocsPerRun(1000, func() { logDisabled(zapOnly) })
	for _, tee := range []bool{false, true} {
		l := benchLogger(t, c, tee)
		assert.Equal(t, baseline, testing.AllocsPerRun(1000, func() { logDisabled(l) }), "tee=%v", tee)
		// Check, the zero-allocation idiom, allocates nothing at all.
		assert.Zero(t, testing.AllocsPerRun(1000, func() {
			if ce := l.Check(zapcore.DebugLevel, "cache lookup"); ce != nil {
				ce.Write(zap.String("key", "user:42"))
			}
		}), "tee=%v", tee)
	}
	// Without a client, enabled levels are disabled for the Core too.
	l := benchLogger(t, nil, false)
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		if ce := l.Check(zapcore.ErrorLevel, "request failed"); ce != nil {
			ce.Write(zap.Error(errBench))
		}
	}))
}

func TestAllocsBreadcrumb(t *testing.T) {
	race.SkipAllocs(t)
	c, _ := newClient(t)
	l := benchLogger(t, c, false)
	got := testing.AllocsPerRun(1000, func() { logBreadcrumb(l) })
	t.Logf("breadcrumb: %v allocs (one is zap's []Field)", got)
	assert.LessOrEqual(t, got, 2.0) // the goal
	// Scalar fields, up to bridge.InlineAttrs of them, are kept in the
	// breadcrumb itself: the Core adds no allocation to zap's own.
	floor := zap.New(nopCore{}).With(zap.String("service", "checkout"), zap.Int("attempt", 3))
	assert.Equal(t, testing.AllocsPerRun(1000, func() { logBreadcrumb(floor) }), got)
}

func TestAllocsEvent(t *testing.T) {
	race.SkipAllocs(t)
	c := testclient.Parked(t)
	l := benchLogger(t, c, false)
	before := c.Stats().Dropped["queue_overflow:error"]
	got := testing.AllocsPerRun(1000, func() { logEvent(l) })
	t.Logf("event: %v allocs on the caller's goroutine (one is zap's []Field)", got)
	assert.LessOrEqual(t, got, 12.0)
	assert.Equal(t, int64(1001), c.Stats().Dropped["queue_overflow:error"]-before,
		"every measured capture did the caller's work and stopped at the full queue")
}
