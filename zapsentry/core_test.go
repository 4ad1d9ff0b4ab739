package zapsentry_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

func TestLevelMapping(t *testing.T) {
	tests := []struct {
		level zapcore.Level
		want  core.Level
		event bool
	}{
		{zapcore.DebugLevel, core.LevelDebug, false},
		{zapcore.InfoLevel, core.LevelInfo, false},
		{zapcore.WarnLevel, core.LevelWarning, false},
		{zapcore.ErrorLevel, core.LevelError, true},
		{zapcore.DPanicLevel, core.LevelFatal, true},
		{zapcore.PanicLevel, core.LevelFatal, true},
		{zapcore.FatalLevel, core.LevelFatal, true},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			c, mt := newClient(t)
			sc := zapsentry.NewCore(zapsentry.Options{Client: c, BreadcrumbLevel: zapcore.DebugLevel})
			// Write directly: zap itself would exit on Fatal.
			ent := zapcore.Entry{Level: tt.level, Message: "m " + tt.level.String()}
			require.NotNil(t, sc.Check(ent, nil))
			require.NoError(t, sc.Write(ent, nil))
			if tt.event {
				ev := testclient.One(t, c, mt)
				assert.Equal(t, tt.want, ev.Level)
				require.NotNil(t, ev.Message)
				assert.Equal(t, "m "+tt.level.String(), ev.Message.Formatted)
				return
			}
			require.NoError(t, sc.Write(zapcore.Entry{Level: zapcore.ErrorLevel, Message: "collect"}, nil))
			ev := testclient.One(t, c, mt)
			require.Len(t, ev.Breadcrumbs, 1)
			assert.Equal(t, tt.want, ev.Breadcrumbs[0].Level)
			assert.Equal(t, "m "+tt.level.String(), ev.Breadcrumbs[0].Message)
		})
	}
}

func TestDefaultsAndOff(t *testing.T) {
	sc := zapsentry.NewCore(zapsentry.Options{})
	assert.Equal(t, zapcore.InfoLevel, sc.Level())
	assert.False(t, sc.Enabled(zapcore.DebugLevel))
	assert.True(t, sc.Enabled(zapcore.InfoLevel))
	assert.Equal(t, zapcore.InfoLevel, zapcore.LevelOf(sc))

	sc = zapsentry.NewCore(zapsentry.Options{BreadcrumbLevel: zapsentry.LevelOff})
	assert.Equal(t, zapcore.ErrorLevel, sc.Level())
	assert.False(t, sc.Enabled(zapcore.WarnLevel))

	sc = zapsentry.NewCore(zapsentry.Options{BreadcrumbLevel: zapsentry.LevelOff, EventLevel: zapsentry.LevelOff})
	assert.Equal(t, zapcore.InvalidLevel, sc.Level())
	assert.False(t, sc.Enabled(zapcore.FatalLevel))
}

func TestEventsOffBreadcrumbsOnly(t *testing.T) {
	logger, c, mt := newLogger(t, zapsentry.Options{EventLevel: zapsentry.LevelOff})
	logger.Error("only a crumb")
	assert.Empty(t, testclient.Events(t, c, mt))
	c.CaptureMessage(context.Background(), "probe", core.LevelInfo)
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Breadcrumbs, 1)
	assert.Equal(t, core.LevelError, ev.Breadcrumbs[0].Level)
}

func TestCheckBelowThresholdAddsNothing(t *testing.T) {
	c, _ := newClient(t)
	sc := zapsentry.NewCore(zapsentry.Options{Client: c})
	assert.Nil(t, sc.Check(zapcore.Entry{Level: zapcore.DebugLevel}, nil))
	assert.NotNil(t, sc.Check(zapcore.Entry{Level: zapcore.InfoLevel}, nil))
}

func TestCheckWithoutEnabledClient(t *testing.T) {
	ent := zapcore.Entry{Level: zapcore.FatalLevel}
	assert.Nil(t, zapsentry.NewCore(zapsentry.Options{}).Check(ent, nil), "no client")
	disabled, err := core.New(core.Options{}) // no DSN, no transport
	require.NoError(t, err)
	assert.Nil(t, zapsentry.NewCore(zapsentry.Options{Client: disabled}).Check(ent, nil), "disabled client")
}

// A closed client still takes entries, so that it counts what it drops.
func TestClosedClientCountsEntries(t *testing.T) {
	c, _ := newClient(t)
	c.Close(context.Background())
	ce := zapsentry.NewCore(zapsentry.Options{Client: c}).Check(zapcore.Entry{Level: zapcore.ErrorLevel, Message: "late"}, nil)
	require.NotNil(t, ce, "closed client")
	ce.Write()
	assert.EqualValues(t, 1, c.Stats().Dropped["queue_overflow:error"])
}

func TestAtomicLevel(t *testing.T) {
	lvl := zap.NewAtomicLevelAt(zapcore.ErrorLevel)
	logger, c, mt := newLogger(t, zapsentry.Options{EventLevel: lvl})
	logger.Warn("crumb")
	lvl.SetLevel(zapcore.WarnLevel)
	assert.Equal(t, zapcore.InfoLevel, logger.Level())
	logger.Warn("event now")
	ev := testclient.One(t, c, mt)
	assert.Equal(t, "event now", ev.Message.Formatted)
	require.Len(t, ev.Breadcrumbs, 1)
	assert.Equal(t, "crumb", ev.Breadcrumbs[0].Message)
}

func TestLazyClient(t *testing.T) {
	logger := zap.New(zapsentry.NewCore(zapsentry.Options{}))
	logger.Error("before init: nowhere") // no client: a no-op
	c, mt := newClient(t)
	core.SetCurrentClient(c)
	t.Cleanup(func() { core.SetCurrentClient(nil) })
	logger.Error("after init")
	ev := testclient.One(t, c, mt)
	assert.Equal(t, "after init", ev.Message.Formatted)
}

func TestNamedBecomesLoggerAndCategory(t *testing.T) {
	logger, c, mt := newLogger(t, zapsentry.Options{})
	l := logger.Named("api").Named("users")
	l.Info("crumb")
	l.Error("boom")
	ev := testclient.One(t, c, mt)
	assert.Equal(t, "api.users", ev.Logger)
	require.Len(t, ev.Breadcrumbs, 1)
	assert.Equal(t, "api.users", ev.Breadcrumbs[0].Category)
}

func TestErrorBecomesException(t *testing.T) {
	logger, c, mt := newLogger(t, zapsentry.Options{})
	base := errors.New("disk full")
	err := fmt.Errorf("save: %w", fmt.Errorf("write: %w", base))
	logger.Error("save failed", zap.Error(err), zap.String("file", "a.txt"))
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Exception, 3)
	last := ev.Exception[len(ev.Exception)-1]
	assert.Equal(t, "save: write: disk full", last.Value)
	assert.Equal(t, "disk full", ev.Exception[0].Value)
	require.NotNil(t, last.Mechanism)
	assert.Equal(t, "auto.log.zap", last.Mechanism.Type)
	lc := logContext(t, ev)
	assert.Equal(t, "a.txt", lc["file"])
	assert.NotContains(t, lc, "error", "the primary error is the exception, not log data")
}

func TestNamedErrorAndErrorsGroup(t *testing.T) {
	logger, c, mt := newLogger(t, zapsentry.Options{})
	e1, e2 := errors.New("first"), errors.New("second")
	logger.Error("many", zap.Errors("errs", []error{e1, nil, e2}))
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Exception, 3, "a group and its two members")
	var group, members int
	for _, ex := range ev.Exception {
		if ex.Mechanism != nil && ex.Mechanism.IsExceptionGroup {
			group++
			continue
		}
		members++
	}
	assert.Equal(t, 1, group)
	assert.Equal(t, 2, members)

	mt.Reset()
	logger.Error("named", zap.NamedError("cause", e1))
	ev = testclient.One(t, c, mt)
	require.Len(t, ev.Exception, 1)
	assert.Equal(t, "first", ev.Exception[0].Value)

	// "error" wins as the primary error; the other stays as text.
	mt.Reset()
	logger.Error("two", zap.NamedError("cause", e1), zap.Error(e2))
	ev = testclient.One(t, c, mt)
	require.Len(t, ev.Exception, 1)
	assert.Equal(t, "second", ev.Exception[0].Value)
	assert.Equal(t, "first", logContext(t, ev)["cause"])
}

func TestWithDerivesNeverMutates(t *testing.T) {
	logger, c, mt := newLogger(t, zapsentry.Options{})
	parent := logger.With(zap.String("a", "1"))
	// Grow parent's accumulated fields so that an append could share them.
	parent = parent.With(zap.String("b", "2"))
	c1 := parent.With(zap.String("c", "child1"))
	c2 := parent.With(zap.String("c", "child2"), zap.String("d", "only2"))
	c1.Error("one")
	c2.Error("two")
	parent.Error("parent")
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 3)
	assert.Equal(t, map[string]any{"a": "1", "b": "2", "c": "child1"}, logContext(t, evs[0]))
	assert.Equal(t, map[string]any{"a": "1", "b": "2", "c": "child2", "d": "only2"}, logContext(t, evs[1]))
	assert.Equal(t, map[string]any{"a": "1", "b": "2"}, logContext(t, evs[2]))
}

func TestNamespaceNests(t *testing.T) {
	logger, c, mt := newLogger(t, zapsentry.Options{})
	l := logger.With(zap.String("top", "t"), zap.Namespace("req"), zap.String("id", "r1"))
	l.Error("in ns", zap.String("own", "o"), zap.Namespace("inner"), zap.Int("n", 3))
	l.With(zap.Namespace("sub"), zap.Bool("deep", true)).Error("deeper", zap.Int("x", 1))
	logger.Error("empty ns", zap.Namespace("none"))
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 3)
	assert.Equal(t, map[string]any{
		"top": "t",
		"req": map[string]any{"id": "r1", "own": "o", "inner": map[string]any{"n": float64(3)}},
	}, logContext(t, evs[0]))
	assert.Equal(t, map[string]any{
		"top": "t",
		"req": map[string]any{"id": "r1", "sub": map[string]any{"deep": true, "x": float64(1)}},
	}, logContext(t, evs[1]))
	assert.Empty(t, logContext(t, evs[2]))
}

func TestTagKeys(t *testing.T) {
	logger, c, mt := newLogger(t, zapsentry.Options{TagKeys: []string{"route", "http.method"}})
	logger.Error("tagged", zap.String("route", "/users"), zap.Namespace("http"), zap.String("method", "GET"))
	ev := testclient.One(t, c, mt)
	assert.Equal(t, "/users", ev.Tags["route"])
	assert.Equal(t, "GET", ev.Tags["http.method"])
}

// culprit is the line of the logging call in TestCallerIsCulprit.
var culprit int

func TestCallerIsCulprit(t *testing.T) {
	for _, caller := range []bool{true, false} {
		t.Run(fmt.Sprint("caller=", caller), func(t *testing.T) {
			var zopts []zap.Option
			if caller {
				zopts = append(zopts, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel))
			}
			logger, c, mt := newLogger(t, zapsentry.Options{}, zopts...)
			_, _, line, _ := runtime.Caller(0)
			logger.Error("here", zap.Error(errors.New("x")))
			culprit = line + 1
			ev := testclient.One(t, c, mt)
			require.NotEmpty(t, ev.Exception)
			testclient.Culprit(t, ev, culprit, "TestCallerIsCulprit",
				"go.uber.org/zap", "github.com/sentrylog/sentrylog/zapsentry")
		})
	}
}

// BeforeBreadcrumb's hint has the breadcrumb's record, its call site
// included, whichever way the fields went (a stack array or the encoder).
func TestBreadcrumbHint(t *testing.T) {
	var pcs []uintptr
	c, _ := testclient.New(t, core.Options{BeforeBreadcrumb: func(b *core.Breadcrumb, h *core.Hint) *core.Breadcrumb {
		pcs = append(pcs, h.Record.PC)
		return b
	}})
	l := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}), zap.AddCaller())
	l.Info("scalar", zap.Int("n", 1))
	l.Info("encoded", zap.Time("t", time.Unix(1, 0)))
	require.Len(t, pcs, 2)
	for _, pc := range pcs {
		fn := runtime.FuncForPC(pc - 1)
		require.NotNil(t, fn)
		assert.Equal(t, "github.com/sentrylog/sentrylog/zapsentry_test.TestBreadcrumbHint", fn.Name())
	}
}
