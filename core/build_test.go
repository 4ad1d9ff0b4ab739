package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// newClient returns a client that keeps its events in memory, storm
// control off.
func newClient(t testing.TB, opts core.Options) (*core.Client, *core.MemoryTransport) {
	t.Helper()
	opts.Storm.Disabled = true
	return testclient.New(t, opts)
}

// flushed flushes c and returns its n events, each validated against the
// schema.
func flushed(t *testing.T, c *core.Client, mt *core.MemoryTransport, n int) []*core.Event {
	t.Helper()
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, n)
	return evs
}

type exc struct {
	Type, Value, Source string
	ID, Parent          *int
	Group               bool
	Mech                string
}

func excSummary(ev *core.Event) []exc {
	out := make([]exc, len(ev.Exception))
	for i, e := range ev.Exception {
		out[i] = exc{Type: e.Type, Value: e.Value, Mech: e.Mechanism.Type, Source: e.Mechanism.Source,
			ID: e.Mechanism.ExceptionID, Parent: e.Mechanism.ParentID, Group: e.Mechanism.IsExceptionGroup}
	}
	return out
}

func ip(i int) *int { return &i }

type causer struct {
	msg   string
	cause error
}

func (c *causer) Error() string { return c.msg }
func (c *causer) Cause() error  { return c.cause }

type cyclic struct{ next error }

func (c *cyclic) Error() string { return "cycle" }
func (c *cyclic) Unwrap() error { return c.next }

type panicky struct{}

func (panicky) Error() string { panic("boom") }

func TestExceptionChains(t *testing.T) {
	pathErr := &fs.PathError{Op: "open", Path: "/etc/app.conf", Err: fs.ErrNotExist}
	cyc := &cyclic{}
	cyc.next = cyc
	tests := []struct {
		name string
		err  error
		want []exc
	}{
		{"single", errors.New("plain"), []exc{{Type: "*errors.errorString", Value: "plain", Mech: "generic"}}},
		{"wrapped twice", fmt.Errorf("load: %w", pathErr), []exc{
			{Type: "*errors.errorString", Value: "file does not exist", Mech: "chained", Source: "unwrap", ID: ip(2), Parent: ip(1)},
			{Type: "*fs.PathError", Value: "open /etc/app.conf: file does not exist", Mech: "chained", Source: "unwrap", ID: ip(1), Parent: ip(0)},
			// Titled by the most informative error of the chain.
			{Type: "*fs.PathError", Value: "load: open /etc/app.conf: file does not exist", Mech: "generic", ID: ip(0)},
		}},
		{"cause", &causer{"outer", errors.New("inner")}, []exc{
			{Type: "*errors.errorString", Value: "inner", Mech: "chained", Source: "cause", ID: ip(1), Parent: ip(0)},
			{Type: "*core_test.causer", Value: "outer", Mech: "generic", ID: ip(0)},
		}},
		{"join", errors.Join(errors.New("a"), fmt.Errorf("b: %w", errors.New("c"))), []exc{
			{Type: "*errors.errorString", Value: "c", Mech: "chained", Source: "unwrap", ID: ip(3), Parent: ip(2)},
			{Type: "*fmt.wrapError", Value: "b: c", Mech: "chained", Source: "errors[1]", ID: ip(2), Parent: ip(0)},
			{Type: "*errors.errorString", Value: "a", Mech: "chained", Source: "errors[0]", ID: ip(1), Parent: ip(0)},
			{Type: "*errors.joinError", Value: "a\nb: c", Mech: "generic", ID: ip(0), Group: true},
		}},
		{"cycle", cyc, []exc{{Type: "*core_test.cyclic", Value: "cycle", Mech: "generic"}}},
		{"panicking Error", panicky{}, []exc{{Type: "core_test.panicky", Value: "!PANIC in Error: boom", Mech: "generic"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newClient(t, core.Options{})
			require.NotEmpty(t, c.CaptureException(context.Background(), tt.err))
			ev := flushed(t, c, mt, 1)[0]
			assert.Equal(t, tt.want, excSummary(ev))
			assert.Equal(t, core.LevelError, ev.Level)
			last := ev.Exception[len(ev.Exception)-1]
			require.NotNil(t, last.Stacktrace, "the outermost exception carries the capture site")
			top := last.Stacktrace.Frames[len(last.Stacktrace.Frames)-1]
			assert.Equal(t, "TestExceptionChains.func1", top.Function)
			assert.True(t, strings.HasSuffix(top.Filename, "core/build_test.go"), top.Filename)
			for _, e := range ev.Exception[:len(ev.Exception)-1] {
				assert.Nil(t, e.Stacktrace)
			}
		})
	}
}

func TestExceptionDepthGuard(t *testing.T) {
	err := errors.New("root")
	for i := 0; i < 100; i++ {
		err = fmt.Errorf("w%d: %w", i, err)
	}
	c, mt := newClient(t, core.Options{})
	c.CaptureException(context.Background(), err)
	ev := flushed(t, c, mt, 1)[0]
	assert.LessOrEqual(t, len(ev.Exception), 32)
	assert.Equal(t, "generic", ev.Exception[len(ev.Exception)-1].Mechanism.Type)
	assert.Equal(t, "root", ev.Exception[0].Value, "the root cause is kept")
}

// TestDeepChainKeepsRootCause: forty wrappers around a root cause keep the
// outermost errors and the innermost ones, the root cause first, with a
// marker where the middle was cut; ids and parents stay one chain.
func TestDeepChainKeepsRootCause(t *testing.T) {
	err := errors.New("root")
	for i := 0; i < 40; i++ {
		err = fmt.Errorf("w%d: %w", i, err)
	}
	c, mt := newClient(t, core.Options{})
	c.CaptureException(context.Background(), err)
	ev := flushed(t, c, mt, 1)[0]
	exs := ev.Exception
	n := len(exs)
	require.Equal(t, 17+1+5, n, "17 outermost, the marker, 5 innermost")
	assert.Equal(t, "root", exs[0].Value)
	assert.True(t, strings.HasPrefix(exs[1].Value, "w0: "), exs[1].Value)
	assert.True(t, strings.HasPrefix(exs[4].Value, "w3: "), exs[4].Value)
	cut := exs[5]
	assert.Equal(t, "sentrylog.ChainCut", cut.Type)
	assert.Equal(t, "19 errors of the chain left out here", cut.Value)
	assert.True(t, cut.Mechanism.Synthetic)
	assert.Equal(t, 19, cut.Mechanism.Data["cut"])
	assert.True(t, strings.HasPrefix(exs[6].Value, "w23: "), exs[6].Value)
	assert.True(t, strings.HasPrefix(exs[n-1].Value, "w39: "), exs[n-1].Value)
	// One chain: each exception's parent is the one outside it.
	for i, e := range exs {
		id := n - 1 - i
		require.NotNil(t, e.Mechanism.ExceptionID)
		assert.Equal(t, id, *e.Mechanism.ExceptionID)
		if id == 0 {
			assert.Nil(t, e.Mechanism.ParentID)
		} else {
			require.NotNil(t, e.Mechanism.ParentID, "exception %d", id)
			assert.Equal(t, id-1, *e.Mechanism.ParentID, "exception %d", id)
		}
	}
	assert.Equal(t, "unwrap", exs[4].Mechanism.Source)
	assert.Equal(t, "cut", cut.Mechanism.Source)
	b, merr := json.Marshal(ev)
	require.NoError(t, merr)
	schematest.Validate(t, b)
}

// stackErr carries its own program counters, as go-errors style errors do.
type stackErr struct {
	msg string
	pcs []uintptr
}

func (e *stackErr) Error() string      { return e.msg }
func (e *stackErr) Callers() []uintptr { return e.pcs }

//go:noinline
func makeStackErr() error {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(1, pcs)
	return &stackErr{msg: "with stack", pcs: pcs[:n]}
}

func TestErrorCarriedStack(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	c.CaptureException(context.Background(), fmt.Errorf("wrapped: %w", makeStackErr()))
	ev := flushed(t, c, mt, 1)[0]
	require.Len(t, ev.Exception, 2)
	assert.Nil(t, ev.Exception[1].Stacktrace, "the error's own stack wins over the capture site")
	st := ev.Exception[0].Stacktrace
	require.NotNil(t, st)
	top := st.Frames[len(st.Frames)-1]
	assert.Equal(t, "makeStackErr", top.Function)
	assert.Equal(t, "github.com/sentrylog/sentrylog/core_test", top.Module)
}

func TestInApp(t *testing.T) {
	c, mt := newClient(t, core.Options{InAppInclude: []string{"github.com/sentrylog/sentrylog"}})
	c.CaptureException(context.Background(), errors.New("x"))
	ev := flushed(t, c, mt, 1)[0]
	fr := ev.Exception[0].Stacktrace.Frames
	top := fr[len(fr)-1]
	assert.True(t, top.InApp)
	for _, f := range fr {
		if f.Module == "testing" || strings.HasPrefix(f.Module, "runtime") {
			assert.False(t, f.InApp, f.Function)
		}
		assert.False(t, strings.HasPrefix(f.Module, "github.com/sentrylog/sentrylog/core") && f.Module != "github.com/sentrylog/sentrylog/core_test",
			"the SDK's frames are dropped: %s", f.Function)
	}

	// Excluding a package of the main module (in-app by default) carves it out.
	c2, mt2 := newClient(t, core.Options{InAppExclude: []string{"github.com/sentrylog/sentrylog/core_test"}})
	c2.CaptureException(context.Background(), errors.New("x"))
	fr = flushed(t, c2, mt2, 1)[0].Exception[0].Stacktrace.Frames
	assert.False(t, fr[len(fr)-1].InApp)

	// The same prefix in both: include wins, as in Sentry's Python SDK.
	c3, mt3 := newClient(t, core.Options{InAppInclude: []string{"github.com/sentrylog/sentrylog/core_test"}, InAppExclude: []string{"github.com/sentrylog/sentrylog/core_test"}})
	c3.CaptureException(context.Background(), errors.New("x"))
	fr = flushed(t, c3, mt3, 1)[0].Exception[0].Stacktrace.Frames
	assert.True(t, fr[len(fr)-1].InApp)
}

// TestInAppIncludeAddsToMainModule: including a dependency keeps the main
// module in-app; the culprit stays the user's frame, not the included
// package's.
func TestInAppIncludeAddsToMainModule(t *testing.T) {
	c, mt := newClient(t, core.Options{InAppInclude: []string{"sort"}})
	var id core.EventID
	xs := []int{3, 1, 2}
	sort.Slice(xs, func(i, j int) bool {
		if id == "" {
			id = c.CaptureException(context.Background(), errors.New("in a comparison"))
		}
		return xs[i] < xs[j]
	})
	require.NotEmpty(t, id)
	fr := flushed(t, c, mt, 1)[0].Exception[0].Stacktrace.Frames
	top := fr[len(fr)-1]
	assert.Equal(t, "github.com/sentrylog/sentrylog/core_test", top.Module)
	assert.True(t, top.InApp, "the main module stays in-app: %+v", top)
	sawSort := false
	for _, f := range fr {
		if f.Module == "sort" {
			sawSort = true
			assert.True(t, f.InApp, "included: %s", f.Function)
		}
	}
	assert.True(t, sawSort, "the stack runs through sort")
}

type tokenStruct struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
	skip  int
}

type badStringer struct{}

func (badStringer) String() string { panic("no string") }

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { panic("no json") }

type badValuer struct{}

func (badValuer) LogValue() slog.Value { panic("no value") }

func TestRecordMapping(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	req := httptest.NewRequest("POST", "http://example.test/orders?id=7", nil)
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Accept", "text/plain")
	var nilPtr *tokenStruct
	rec := &core.Record{
		Level:   core.LevelError,
		Message: "order failed",
		Logger:  "shop",
		Pre: []slog.Attr{
			slog.String("service", "shop"),
			slog.Group("http", slog.String("route", "/orders")),
		},
		Groups: []string{"http"},
		Attrs: []slog.Attr{
			slog.Int("status", 500),
			slog.Any("err", fmt.Errorf("charge: %w", fs.ErrPermission)),
			slog.Any("other", errors.New("second error")),
			slog.Any("req", req),
			slog.Group("", slog.Bool("inlined", true)),
			slog.Group("empty"),
		},
		TagKeys: []string{"service", "http.route"},
		Origin:  "auto.log.test",
	}
	rec.Attrs = append(rec.Attrs,
		slog.Any("struct", tokenStruct{Name: "n", Count: 2}),
		slog.Any("nil", nilPtr),
		slog.Any("bytes", []byte("raw")),
		slog.Any("stringer", badStringer{}),
		slog.Any("json", badJSON{}),
		slog.Any("valuer", badValuer{}),
		slog.Duration("took", 1500*time.Millisecond),
		slog.Float64("nan", 0),
		slog.Any("map", map[int]string{1: "one"}),
	)
	require.NotEmpty(t, c.CaptureRecord(rec))
	ev := flushed(t, c, mt, 1)[0]

	assert.Equal(t, "order failed", ev.Message.Formatted)
	assert.Equal(t, "shop", ev.Logger)
	assert.Equal(t, map[string]string{"service": "shop", "http.route": "/orders"}, ev.Tags)
	require.Len(t, ev.Exception, 2)
	assert.Equal(t, "auto.log.test", ev.Exception[1].Mechanism.Type)
	assert.Equal(t, "*errors.errorString", ev.Exception[0].Type)
	assert.Equal(t, "permission denied", ev.Exception[0].Value)
	require.NotNil(t, ev.Request)
	assert.Equal(t, "POST", ev.Request.Method)
	assert.Equal(t, "http://example.test/orders", ev.Request.URL)
	assert.Equal(t, "id=7", ev.Request.QueryString)
	assert.NotContains(t, ev.Request.Headers, "Authorization")
	assert.Equal(t, "text/plain", ev.Request.Headers["Accept"])

	b, err := json.Marshal(ev.Contexts["log"])
	require.NoError(t, err)
	var log map[string]any
	require.NoError(t, json.Unmarshal(b, &log))
	httpGroup := log["http"].(map[string]any)
	assert.EqualValues(t, 500, httpGroup["status"])
	assert.Equal(t, "second error", httpGroup["other"])
	assert.NotContains(t, httpGroup, "err", "the primary error is the exception, not a log entry")
	assert.NotContains(t, httpGroup, "route", "a tag key is not repeated")
	assert.Equal(t, true, httpGroup["inlined"])
	assert.NotContains(t, httpGroup, "empty")
	assert.Equal(t, map[string]any{"name": "n", "count": float64(2)}, httpGroup["struct"])
	assert.Nil(t, httpGroup["nil"])
	assert.Equal(t, "raw", httpGroup["bytes"])
	assert.Equal(t, "!PANIC in conversion: no string", httpGroup["stringer"])
	assert.Contains(t, httpGroup["json"], "!PANIC in MarshalJSON")
	assert.Equal(t, "!PANIC in LogValue: no value", httpGroup["valuer"])
	assert.Equal(t, "1.5s", httpGroup["took"])
	assert.Equal(t, map[string]any{"1": "one"}, httpGroup["map"])
	assert.NotContains(t, log, "service", "a tag key is not repeated")
}

func TestRecordUserFingerprintTags(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	c.CaptureRecord(&core.Record{
		Level: core.LevelError, Message: "m",
		Attrs: []slog.Attr{
			slog.Group("user", slog.String("id", "42"), slog.String("email", "a@b.test"), slog.String("plan", "pro")),
			slog.Any("fingerprint", []string{"{{ default }}", "checkout"}),
			slog.Group("tags", slog.String("region", "eu"), slog.Int("shard", 3)),
		},
	})
	c.CaptureRecord(&core.Record{
		Level: core.LevelWarning, Message: "m2",
		Attrs: []slog.Attr{slog.String("user.id", "7"), slog.String("user.username", "bob"), slog.String("fingerprint", "one")},
	})
	evs := flushed(t, c, mt, 2)
	assert.Equal(t, &core.User{ID: "42", Email: "a@b.test", Data: map[string]any{"plan": "pro"}}, evs[0].User)
	assert.Equal(t, []string{"{{ default }}", "checkout"}, evs[0].Fingerprint)
	assert.Equal(t, map[string]string{"region": "eu", "shard": "3"}, evs[0].Tags)
	assert.NotContains(t, evs[0].Contexts, "log", "every attribute had a meaning of its own")
	assert.Empty(t, evs[0].Exception)
	assert.Equal(t, &core.User{ID: "7", Username: "bob"}, evs[1].User)
	assert.Equal(t, []string{"one"}, evs[1].Fingerprint)
	assert.Equal(t, core.LevelWarning, evs[1].Level)
}

func TestTagLimits(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	c.CaptureRecord(&core.Record{
		Level: core.LevelError, Message: "m",
		Attrs: []slog.Attr{slog.Group("tags",
			slog.String("a key with spaces", "v"),
			slog.String(strings.Repeat("k", 40), "v"),
			slog.String("multi", "line one\nline two"),
			slog.String("long", strings.Repeat("x", 300)),
		)},
	})
	ev := flushed(t, c, mt, 1)[0]
	assert.Equal(t, "v", ev.Tags["a_key_with_spaces"])
	assert.Equal(t, "v", ev.Tags[strings.Repeat("k", 32)])
	assert.Equal(t, "line one line two", ev.Tags["multi"])
	assert.Len(t, ev.Tags["long"], 200)
}

func TestMessageEventStack(t *testing.T) {
	c, mt := newClient(t, core.Options{AttachStacktrace: true})
	c.CaptureMessage(context.Background(), "hello", core.LevelInfo)
	c.CaptureRecord(&core.Record{Level: core.LevelError, Message: "no error here"})
	evs := flushed(t, c, mt, 2)
	require.NotNil(t, evs[0].Stacktrace)
	fr := evs[0].Stacktrace.Frames
	assert.Equal(t, "TestMessageEventStack", fr[len(fr)-1].Function)
	assert.Equal(t, "hello", evs[0].Message.Formatted)
	assert.Equal(t, core.LevelInfo, evs[0].Level)
	assert.Equal(t, []string{"no error here"}, evs[1].Fingerprint, "a message event groups by its message")

	c2, mt2 := newClient(t, core.Options{})
	c2.CaptureMessage(context.Background(), "hello", core.LevelInfo)
	assert.Nil(t, flushed(t, c2, mt2, 1)[0].Stacktrace)
}

func TestEventDefaults(t *testing.T) {
	c, mt := newClient(t, core.Options{Release: "r1", Environment: "staging", ServerName: "host-a", Dist: "d"})
	id := c.CaptureMessage(context.Background(), "m", core.LevelWarning)
	ev := flushed(t, c, mt, 1)[0]
	assert.Equal(t, id, ev.EventID)
	assert.Len(t, string(id), 32)
	assert.Equal(t, "go", ev.Platform)
	assert.Equal(t, "r1", ev.Release)
	assert.Equal(t, "staging", ev.Environment)
	assert.Equal(t, "host-a", ev.ServerName)
	assert.Equal(t, "d", ev.Dist)
	assert.Equal(t, core.SDKName, ev.SDK.Name)
	assert.NotEmpty(t, ev.SDK.Packages)
	for _, k := range []string{"os", "runtime", "device"} {
		assert.Contains(t, ev.Contexts, k)
	}
	assert.WithinDuration(t, time.Now(), ev.Timestamp, time.Minute)
}

func TestEnvironmentDefault(t *testing.T) {
	t.Setenv("SENTRY_ENVIRONMENT", "")
	c, _ := newClient(t, core.Options{})
	assert.Equal(t, "production", c.Options().Environment)
	t.Setenv("SENTRY_ENVIRONMENT", "qa")
	t.Setenv("SENTRY_RELEASE", "v9")
	c2, _ := newClient(t, core.Options{})
	assert.Equal(t, "qa", c2.Options().Environment)
	assert.Equal(t, "v9", c2.Options().Release)
}

// TestValuesFrozenAtCapture: a map or struct pointer changed after it was
// logged reaches Sentry as it was when logged, with no data race.
func TestValuesFrozenAtCapture(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	ctx := core.NewIsolationScope(context.Background())
	m := map[string]int{"n": 1}
	ts := &tokenStruct{Name: "before"}
	c.AddRecordBreadcrumb(&core.Record{Level: core.LevelInfo, Message: "crumb", Context: ctx,
		Attrs: []slog.Attr{slog.Any("m", m), slog.Any("s", ts)}})
	// A slice handed over (GiveAttrs) is kept, its values converted in
	// place, inside groups too.
	given := []slog.Attr{slog.Any("m", m), slog.Group("g", slog.Any("s", ts))}
	c.AddRecordBreadcrumb(&core.Record{Level: core.LevelInfo, Message: "given", Context: ctx,
		Attrs: given, GiveAttrs: true})
	c.CaptureRecord(&core.Record{Level: core.LevelError, Message: "event", Context: ctx,
		Attrs: []slog.Attr{slog.Any("m", m), slog.Any("s", ts)}})
	m["n"] = 999
	ts.Name = "after"
	ev := flushed(t, c, mt, 1)[0]
	require.Len(t, ev.Breadcrumbs, 2)
	assert.Equal(t, map[string]any{"n": 1}, ev.Breadcrumbs[0].Data["m"])
	assert.Equal(t, map[string]any{"n": 1}, ev.Breadcrumbs[1].Data["m"])
	assert.Equal(t, "before", ev.Breadcrumbs[1].Data["g"].(map[string]any)["s"].(map[string]any)["name"])
	assert.Equal(t, map[string]any{"n": 1}, ev.Contexts["log"]["m"])
	assert.Equal(t, "before", ev.Contexts["log"]["s"].(map[string]any)["name"])
}

// multiErr has the Errors method of go.uber.org/multierr before v1.9.
type multiErr []error

func (m multiErr) Error() string   { return "multiple errors" }
func (m multiErr) Errors() []error { return m }

func TestMultierrIsAGroup(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	c.CaptureException(context.Background(), multiErr{errors.New("a"), errors.New("b")})
	ev := flushed(t, c, mt, 1)[0]
	require.Len(t, ev.Exception, 3)
	assert.True(t, ev.Exception[2].Mechanism.IsExceptionGroup)
	assert.Equal(t, "errors[1]", ev.Exception[0].Mechanism.Source)
}

func TestBeforeBreadcrumbHintHasAttrs(t *testing.T) {
	var got []slog.Attr
	c, _ := newClient(t, core.Options{BeforeBreadcrumb: func(b *core.Breadcrumb, h *core.Hint) *core.Breadcrumb {
		got = append(got, h.Record.Attrs...)
		return b
	}})
	c.AddRecordBreadcrumb(&core.Record{Level: core.LevelInfo, Message: "m", Attrs: []slog.Attr{slog.Int("n", 1)}})
	require.Len(t, got, 1)
	assert.Equal(t, "n", got[0].Key)
}

func TestInlineGroupKeepsTopLevelMeaning(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	c.CaptureRecord(&core.Record{Level: core.LevelError, Message: "m", Attrs: []slog.Attr{
		slog.Group("", slog.Group("user", slog.String("id", "9")), slog.Group("tags", slog.String("t", "v")),
			slog.String("k", "v")),
	}})
	ev := flushed(t, c, mt, 1)[0]
	require.NotNil(t, ev.User)
	assert.Equal(t, "9", ev.User.ID)
	assert.Equal(t, "v", ev.Tags["t"])
	assert.Equal(t, "v", ev.Contexts["log"]["k"])
}

// TestRecordRawDecodedLazily: a breadcrumb's Raw is decoded only when an
// event carries it; a panicking Decode becomes a marked value; events and
// BeforeBreadcrumb see the decoded attributes at once.
func TestRecordRawDecodedLazily(t *testing.T) {
	var calls atomic.Int32
	decode := func(raw string) []slog.Attr {
		calls.Add(1)
		if raw == "boom" {
			panic("bad line")
		}
		return []slog.Attr{slog.String("raw", raw)}
	}
	c, mt := newClient(t, core.Options{})
	ctx := core.NewIsolationScope(context.Background())
	c.AddRecordBreadcrumb(&core.Record{Level: core.LevelInfo, Message: "a", Context: ctx,
		Raw: "line-a", Decode: decode, Attrs: []slog.Attr{slog.Int("n", 1)}})
	c.AddRecordBreadcrumb(&core.Record{Level: core.LevelInfo, Message: "b", Context: ctx,
		Raw: "boom", Decode: decode})
	assert.Zero(t, calls.Load(), "nothing decoded before an event needs it")

	c.CaptureRecord(&core.Record{Level: core.LevelError, Message: "event", Context: ctx,
		Raw: "line-e", Decode: decode})
	// The worker may already be building the event (and decoding the
	// breadcrumbs) when the capture returns.
	assert.GreaterOrEqual(t, calls.Load(), int32(1), "an event's own Raw is decoded at capture")
	ev := flushed(t, c, mt, 1)[0]
	assert.EqualValues(t, 3, calls.Load(), "the event's Raw once, at capture; each breadcrumb's once")
	require.Len(t, ev.Breadcrumbs, 2)
	assert.Equal(t, map[string]any{"raw": "line-a", "n": int64(1)}, ev.Breadcrumbs[0].Data)
	assert.Contains(t, ev.Breadcrumbs[1].Data["decode"], "!PANIC in Decode: bad line")
	assert.Equal(t, "line-e", ev.Contexts["log"]["raw"])

	var hinted []slog.Attr
	c2, _ := newClient(t, core.Options{BeforeBreadcrumb: func(b *core.Breadcrumb, h *core.Hint) *core.Breadcrumb {
		hinted = h.Record.Attrs
		return b
	}})
	c2.AddRecordBreadcrumb(&core.Record{Level: core.LevelInfo, Message: "a", Raw: "line-h", Decode: decode})
	require.Len(t, hinted, 1)
	assert.Equal(t, "line-h", hinted[0].Value.String())
}

// typedErr names its own exception type (core.TypedError).
type typedErr struct {
	typ   string
	panic bool
}

func (e typedErr) Error() string { return "typed" }
func (e typedErr) ExceptionType() (string, string) {
	if e.panic {
		panic("no type")
	}
	return e.typ, "example.com/mod"
}

func TestTypedErrorNamesItsType(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	ctx := context.Background()
	c.CaptureException(ctx, typedErr{typ: "ValueError"})
	c.CaptureException(ctx, typedErr{})            // empty: the Go type
	c.CaptureException(ctx, typedErr{panic: true}) // a panic: the Go type
	evs := flushed(t, c, mt, 3)
	assert.Equal(t, "ValueError", evs[0].Exception[0].Type)
	assert.Equal(t, "example.com/mod", evs[0].Exception[0].Module)
	assert.Equal(t, "core_test.typedErr", evs[1].Exception[0].Type)
	assert.Equal(t, "core_test.typedErr", evs[2].Exception[0].Type)
}

// TestDefaultContextsNotSharedWithUserCode: a BeforeSend that changes a
// default context changes that event only.
func TestDefaultContextsNotSharedWithUserCode(t *testing.T) {
	var seen []any
	c, mt := newClient(t, core.Options{BeforeSend: func(ev *core.Event, _ *core.Hint) *core.Event {
		seen = append(seen, ev.Contexts["os"]["name"])
		ev.Contexts["os"]["name"] = "changed by BeforeSend"
		return ev
	}})
	ctx := context.Background()
	c.CaptureMessage(ctx, "one", core.LevelError)
	c.CaptureMessage(ctx, "two", core.LevelError)
	evs := flushed(t, c, mt, 2)
	assert.Equal(t, []any{runtime.GOOS, runtime.GOOS}, seen)
	assert.Equal(t, "changed by BeforeSend", evs[1].Contexts["os"]["name"])
}

// TestRecordRawSliceNotWritten: the core never writes into the slice Decode
// returns, which a bridge may keep and return again.
func TestRecordRawSliceNotWritten(t *testing.T) {
	cached := make([]slog.Attr, 1, 8)
	cached[0] = slog.String("raw", "cached")
	decode := func(string) []slog.Attr { return cached }
	c, mt := newClient(t, core.Options{})
	ctx := core.NewIsolationScope(context.Background())
	for i := range 3 {
		c.AddRecordBreadcrumb(&core.Record{Level: core.LevelInfo, Message: "m", Context: ctx,
			Raw: "x", Decode: decode, Attrs: []slog.Attr{slog.Int("n", i)}})
	}
	c.CaptureMessage(ctx, "event", core.LevelError)
	ev := flushed(t, c, mt, 1)[0]
	require.Len(t, ev.Breadcrumbs, 3)
	for i, b := range ev.Breadcrumbs {
		assert.Equal(t, map[string]any{"raw": "cached", "n": int64(i)}, b.Data)
	}
	assert.Equal(t, slog.Attr{}, cached[:2][1], "nothing appended into Decode's slice")
}

// TestRecordRawErrorKeysStorm: storm control groups a raw record by the
// error its decoded attributes hold, like any record.
func TestRecordRawErrorKeysStorm(t *testing.T) {
	c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{GroupBurst: 1, GroupRate: 0.001}})
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	capture := func(err error) {
		c.CaptureRecord(&core.Record{Level: core.LevelError, Message: "same", PC: pcs[0],
			Raw: "x", Decode: func(string) []slog.Attr { return []slog.Attr{slog.Any("error", err)} }})
	}
	capture(errors.New("a"))             // *errors.errorString
	capture(fmt.Errorf("b: %w", io.EOF)) // another type: another group
	capture(errors.New("c"))             // the first group again: suppressed
	evs := flushed(t, c, mt, 2)
	assert.Len(t, evs, 2)
	assert.EqualValues(t, 1, c.Stats().Dropped["event_processor:error"])
}
