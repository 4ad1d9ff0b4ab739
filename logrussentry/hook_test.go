package logrussentry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/hostile"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
)

func TestLevels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   logrussentry.Options
		levels []logrus.Level
	}{
		{"default", logrussentry.Options{}, []logrus.Level{
			logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel, logrus.InfoLevel}},
		{"trace crumbs", logrussentry.Options{BreadcrumbLevel: logrussentry.Level(logrus.TraceLevel)}, logrus.AllLevels},
		{"no crumbs", logrussentry.Options{BreadcrumbLevel: logrussentry.Level(logrussentry.LevelOff)}, []logrus.Level{
			logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel}},
		{"events from warn", logrussentry.Options{
			BreadcrumbLevel: logrussentry.Level(logrussentry.LevelOff),
			EventLevel:      logrussentry.Level(logrus.WarnLevel)}, []logrus.Level{
			logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}},
		{"panic only", logrussentry.Options{
			BreadcrumbLevel: logrussentry.Level(logrus.PanicLevel),
			EventLevel:      logrussentry.Level(logrussentry.LevelOff)}, []logrus.Level{logrus.PanicLevel}},
		{"all off", logrussentry.Options{
			BreadcrumbLevel: logrussentry.Level(logrussentry.LevelOff),
			EventLevel:      logrussentry.Level(logrussentry.LevelOff)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.levels, logrussentry.NewHook(tc.opts).Levels())
		})
	}
}

// Each logrus level becomes the Sentry level the package doc states, as an
// event or a breadcrumb by the thresholds, and the logger's output is
// unchanged.
func TestLevelMapping(t *testing.T) {
	want := map[logrus.Level]core.Level{
		logrus.TraceLevel: core.LevelDebug, logrus.DebugLevel: core.LevelDebug,
		logrus.InfoLevel: core.LevelInfo, logrus.WarnLevel: core.LevelWarning,
		logrus.ErrorLevel: core.LevelError, logrus.FatalLevel: core.LevelFatal,
		logrus.PanicLevel: core.LevelFatal,
	}
	for _, l := range logrus.AllLevels {
		t.Run(l.String(), func(t *testing.T) {
			// As an event: everything from Trace up.
			c, mt := testclient.New(t, core.Options{})
			h := logrussentry.NewHook(logrussentry.Options{Client: c, EventLevel: logrussentry.Level(logrus.TraceLevel)})
			require.NoError(t, h.Fire(&logrus.Entry{Level: l, Message: "m", Data: logrus.Fields{}}))
			ev := testclient.One(t, c, mt)
			assert.Equal(t, want[l], ev.Level)

			// As a breadcrumb: everything from Trace up, events off.
			c, mt = testclient.New(t, core.Options{})
			h = logrussentry.NewHook(logrussentry.Options{Client: c,
				BreadcrumbLevel: logrussentry.Level(logrus.TraceLevel),
				EventLevel:      logrussentry.Level(logrussentry.LevelOff)})
			require.NoError(t, h.Fire(&logrus.Entry{Level: l, Message: "crumb", Data: logrus.Fields{}}))
			c.CaptureMessage(context.Background(), "carrier", core.LevelInfo)
			ev = testclient.One(t, c, mt)
			require.Len(t, ev.Breadcrumbs, 1)
			assert.Equal(t, want[l], ev.Breadcrumbs[0].Level)
		})
	}
}

func TestThresholds(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	log, out := newLogger(t, c, logrussentry.Options{})
	log.Trace("trace")
	log.Debug("debug")
	log.Info("info")
	log.Warn("warn")
	log.Error("error")
	ev := testclient.One(t, c, mt)
	assert.Equal(t, "error", ev.Message.Formatted)
	assert.Equal(t, core.LevelError, ev.Level)
	assert.Equal(t, []string{"info", "warn"}, testclient.Crumbs(ev))
	assert.Equal(t, 5, strings.Count(out.String(), "\n"), "the logger's output is its own")

	// Events off: an Error record is a breadcrumb.
	c, mt = testclient.New(t, core.Options{})
	log, _ = newLogger(t, c, logrussentry.Options{EventLevel: logrussentry.Level(logrussentry.LevelOff)})
	log.Error("only a crumb")
	c.CaptureMessage(context.Background(), "carrier", core.LevelInfo)
	ev = testclient.One(t, c, mt)
	assert.Equal(t, []string{"only a crumb"}, testclient.Crumbs(ev))

	// Fire gates by itself: a hook called for a level it did not ask for
	// does nothing.
	c, mt = testclient.New(t, core.Options{})
	h := logrussentry.NewHook(logrussentry.Options{Client: c})
	require.NoError(t, h.Fire(&logrus.Entry{Level: logrus.DebugLevel, Message: "below"}))
	require.NoError(t, h.Fire(nil))
	c.CaptureMessage(context.Background(), "carrier", core.LevelInfo)
	assert.Empty(t, testclient.One(t, c, mt).Breadcrumbs)
}

type stringer struct{ s string }

func (s stringer) String() string { return "S:" + s.s }

// Fields are typed as the other bridges type attributes; nested
// logrus.Fields become groups; the core's special keys apply.
func TestFields(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	log, _ := newLogger(t, c, logrussentry.Options{TagKeys: []string{"route", "http.method"}, Logger: "api"})
	log.Formatter = &logrus.TextFormatter{} // logrus's JSON formatter rejects NaN
	log.WithFields(logrus.Fields{
		"n": 42, "u": uint8(7), "f": 1.5, "nan": math_NaN(), "b": true, "s": "text",
		"d": 1500 * 1e6 * 1, "dur": durationOf("1.5s"), "bytes": []byte("raw"), "bin": []byte{0xff, 0x00},
		"str":   stringer{"x"},
		"slice": []int{1, 2}, "m": map[string]int{"a": 1}, "nilp": (*int)(nil),
		"nested":      logrus.Fields{"a": 1, "deeper": map[string]any{"b": "c"}, "empty": logrus.Fields{}},
		"route":       "/orders/{id}",
		"http":        logrus.Fields{"method": "GET", "status": 200},
		"tags":        logrus.Fields{"team": "payments"},
		"user":        logrus.Fields{"id": "u1", "email": "a@example.com", "plan": "pro"},
		"fingerprint": []string{"orders", "{{ default }}"},
	}).Error("failed")
	ev := testclient.One(t, c, mt)
	lc := testclient.LogContext(ev)
	assert.EqualValues(t, 42, lc["n"])
	assert.EqualValues(t, 7, lc["u"])
	assert.Equal(t, 1.5, lc["f"])
	assert.Equal(t, "NaN", lc["nan"])
	assert.Equal(t, true, lc["b"])
	assert.Equal(t, "text", lc["s"])
	assert.Equal(t, "1.5s", lc["dur"])
	assert.Equal(t, "raw", lc["bytes"])
	assert.Equal(t, "/wA=", lc["bin"])
	assert.Equal(t, "S:x", lc["str"])
	assert.Equal(t, []any{int64(1), int64(2)}, normalize(lc["slice"]))
	assert.Equal(t, map[string]any{"a": int64(1)}, normalize(lc["m"]))
	assert.Nil(t, lc["nilp"])
	assert.Contains(t, lc, "nilp")
	assert.Equal(t, map[string]any{"a": int64(1), "deeper": map[string]any{"b": "c"}}, normalize(lc["nested"]))
	assert.Equal(t, map[string]any{"status": int64(200)}, normalize(lc["http"]))
	assert.Equal(t, map[string]string{"route": "/orders/{id}", "http.method": "GET", "team": "payments"}, ev.Tags)
	require.NotNil(t, ev.User)
	assert.Equal(t, "u1", ev.User.ID)
	assert.Equal(t, "a@example.com", ev.User.Email)
	assert.Equal(t, "pro", ev.User.Data["plan"])
	assert.Equal(t, []string{"orders", "{{ default }}"}, ev.Fingerprint)
	assert.Equal(t, "api", ev.Logger)
	for _, k := range []string{"route", "tags", "user", "fingerprint"} {
		assert.NotContains(t, lc, k)
	}
}

// A breadcrumb carries its fields as data, typed, whether they take the
// inline path (a few scalar fields) or not.
func TestBreadcrumbData(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	log, _ := newLogger(t, c, logrussentry.Options{})
	log.WithFields(logrus.Fields{"a": 1, "b": "two", "dur": durationOf("3ms")}).Info("few")
	many := logrus.Fields{}
	for i := range 9 {
		many[fmt.Sprint("k", i)] = i
	}
	log.WithFields(many).Warn("many")
	log.WithField("nested", logrus.Fields{"x": true}).Info("nested")
	m := map[string]int{"v": 1}
	log.WithField("m", m).Info("map")
	m["v"] = 2 // changed after logging: the breadcrumb has what was logged
	log.Error("carrier")
	ev := testclient.One(t, c, mt)
	require.Equal(t, []string{"few", "many", "nested", "map"}, testclient.Crumbs(ev))
	bs := ev.Breadcrumbs
	assert.Equal(t, map[string]any{"a": int64(1), "b": "two", "dur": "3ms"}, normalize(bs[0].Data))
	assert.Len(t, bs[1].Data, 9)
	assert.EqualValues(t, 8, bs[1].Data["k8"])
	assert.Equal(t, map[string]any{"nested": map[string]any{"x": true}}, normalize(bs[2].Data))
	assert.Equal(t, map[string]any{"m": map[string]any{"v": int64(1)}}, normalize(bs[3].Data))
	assert.Equal(t, "log", bs[0].Category)
}

type chainErr struct{ cause error }

func (e *chainErr) Error() string { return "chain: " + e.cause.Error() }
func (e *chainErr) Unwrap() error { return e.cause }

func TestErrors(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	log, _ := newLogger(t, c, logrussentry.Options{})
	base := errors.New("disk full")
	log.WithError(&chainErr{fmt.Errorf("write: %w", base)}).Error("with error")
	log.WithField("cause", errors.New("other")).WithError(errors.New("primary")).Error("two errors")
	log.WithField("zz", errors.New("only one")).Error("any key")
	log.WithField("nested", logrus.Fields{"inner": errors.New("deep")}).Error("nested error")
	log.WithError(errors.Join(errors.New("a"), errors.New("b"))).Error("joined")
	log.WithError(nil).Error("nil error")
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 6)

	ex := evs[0].Exception
	require.Len(t, ex, 3, "the chain, outermost last")
	assert.Equal(t, "disk full", ex[0].Value)
	assert.Equal(t, "chain: write: disk full", ex[2].Value)
	assert.Equal(t, logrussentry.Origin, ex[2].Mechanism.Type)
	assert.NotContains(t, testclient.LogContext(evs[0]), "error")

	require.NotEmpty(t, evs[1].Exception)
	assert.Equal(t, "primary", evs[1].Exception[len(evs[1].Exception)-1].Value, `"error" wins`)
	assert.Equal(t, "other", testclient.LogContext(evs[1])["cause"])

	require.Len(t, evs[2].Exception, 1)
	assert.Equal(t, "only one", evs[2].Exception[0].Value)

	require.Len(t, evs[3].Exception, 1)
	assert.Equal(t, "deep", evs[3].Exception[0].Value)

	assert.GreaterOrEqual(t, len(evs[4].Exception), 3, "errors.Join: an exception group")

	assert.Empty(t, evs[5].Exception, "a nil error is no exception")
	assert.Equal(t, "nil error", evs[5].Message.Formatted)
}

// A program that renames logrus.ErrorKey has WithError's error as the
// primary one.
func TestRenamedErrorKey(t *testing.T) {
	old := logrus.ErrorKey
	logrus.ErrorKey = "zz_failure"
	t.Cleanup(func() { logrus.ErrorKey = old })
	c, mt := testclient.New(t, core.Options{})
	log, _ := newLogger(t, c, logrussentry.Options{})
	log.WithField("a_cause", errors.New("secondary")).WithError(errors.New("primary")).Error("renamed")
	ev := testclient.One(t, c, mt)
	require.Len(t, ev.Exception, 1)
	assert.Equal(t, "primary", ev.Exception[0].Value)
	assert.Equal(t, "secondary", testclient.LogContext(ev)["a_cause"])
}

// culprit is the line of the logging call in TestCulpritIsTheCallSite.
var culprit int

// The event's stack ends at the user's call into logrus, with and without
// ReportCaller, through the logger, an entry and the package's standard
// logger: no frame of logrus or of this package.
func TestCulpritIsTheCallSite(t *testing.T) {
	for _, caller := range []bool{false, true} {
		for _, via := range []string{"logger", "entry", "std", "message"} {
			t.Run(fmt.Sprint(via, "/caller=", caller), func(t *testing.T) {
				c, mt := testclient.New(t, core.Options{AttachStacktrace: true})
				log, _ := newLogger(t, c, logrussentry.Options{})
				log.ReportCaller = caller
				err := errors.New("boom")
				var line int
				switch via {
				case "logger":
					_, _, line, _ = runtime.Caller(0)
					log.WithError(err).Errorf("failed %d", 1)
				case "entry":
					e := log.WithField("k", "v")
					_, _, line, _ = runtime.Caller(0)
					e.WithError(err).Log(logrus.ErrorLevel, "failed")
				case "std":
					std := logrus.StandardLogger()
					out, hooks, rc := std.Out, std.Hooks, std.ReportCaller
					t.Cleanup(func() { std.Out, std.Hooks, std.ReportCaller = out, hooks, rc })
					std.Out, std.Hooks, std.ReportCaller = io.Discard, log.Hooks, caller
					_, _, line, _ = runtime.Caller(0)
					logrus.WithError(err).Error("failed")
				case "message":
					_, _, line, _ = runtime.Caller(0)
					log.Error("no error")
				}
				culprit = line + 1
				testclient.Culprit(t, testclient.One(t, c, mt), culprit, "TestCulpritIsTheCallSite",
					"github.com/sirupsen/logrus", "github.com/sentrylog/sentrylog/logrussentry")
			})
		}
	}
}

// Values whose methods panic become marked values; the record is still
// sent, Fire returns nil, and logrus prints no hook error.
func TestHostileValues(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	h := logrussentry.NewHook(logrussentry.Options{Client: c})
	// Fired directly: logrus's own formatters do not survive these values.
	fields := logrus.Fields{"s": hostile.PanicStringer{}, "j": hostile.PanicJSON{}, "e": hostile.PanicErr{}, "ok": 1}
	require.NoError(t, h.Fire(&logrus.Entry{Level: logrus.InfoLevel, Message: "crumb", Data: fields}))
	require.NoError(t, h.Fire(&logrus.Entry{Level: logrus.ErrorLevel, Message: "event", Data: fields}))
	ev := testclient.One(t, c, mt)
	lc := testclient.LogContext(ev)
	assert.EqualValues(t, 1, lc["ok"])
	for _, k := range []string{"s", "j"} {
		require.IsType(t, "", lc[k], k)
		assert.Contains(t, lc[k].(string), "!PANIC in", k)
	}
	require.Len(t, ev.Exception, 1)
	require.Len(t, ev.Breadcrumbs, 1)
	assert.Contains(t, fmt.Sprint(ev.Breadcrumbs[0].Data["s"]), "!PANIC in")
}

// The hook never returns an error, which logrus would print to stderr for
// every record: not without a client, not with a closed one.
func TestFireNeverFails(t *testing.T) {
	h := logrussentry.NewHook(logrussentry.Options{})
	require.NoError(t, h.Fire(&logrus.Entry{Level: logrus.ErrorLevel, Message: "no client"}))
	c, _ := testclient.New(t, core.Options{})
	c.Close(context.Background())
	h = logrussentry.NewHook(logrussentry.Options{Client: c})
	require.NoError(t, h.Fire(&logrus.Entry{Level: logrus.ErrorLevel, Message: "closed", Data: logrus.Fields{"k": 1}}))
	require.NoError(t, h.Fire(&logrus.Entry{Level: logrus.InfoLevel, Message: "closed"}))
}

// normalize turns the integer types the core may keep (int, int64,
// json.Number...) into int64, for comparisons.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case int:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		if x == float64(int64(x)) && x != 1.5 {
			return int64(x)
		}
	}
	if n, ok := v.(interface{ Int64() (int64, error) }); ok {
		if i, err := n.Int64(); err == nil {
			return i
		}
	}
	return v
}
