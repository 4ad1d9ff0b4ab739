package e2e

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/sentrytest"
)

// The errors every end-to-end test reports: a wrapped chain and a group.
var (
	errNoStock = errors.New("out of stock")
	errDecline = errors.New("payment declined")
)

func wrappedErr() error {
	return fmt.Errorf("checkout: %w", &fs.PathError{Op: "open", Path: "cart.json", Err: fs.ErrNotExist})
}

func joinedErr() error {
	return errors.Join(errDecline, fmt.Errorf("inventory: %w", errNoStock))
}

// wantWrapped and wantJoined are the exception types, root cause first, as
// ../shared/sentry/PROTOCOL.md ("Exceptions") orders them; the outermost is
// titled by the most informative error of the chain.
var (
	wantWrapped = []string{"*errors.errorString", "*fs.PathError", "*fs.PathError"}
	wantJoined  = []string{"*errors.errorString", "*fmt.wrapError", "*errors.errorString", "*errors.joinError"}
)

func excTypes(ev *core.Event) []string {
	out := make([]string, len(ev.Exception))
	for i, e := range ev.Exception {
		out[i] = e.Type
	}
	return out
}

// checkChain checks an event made from wrappedErr: types and order, the
// outermost error's message, and a stack whose last frame is in this
// package's code (the capture or logging call site).
func checkChain(t *testing.T, ev *core.Event, want []string) {
	t.Helper()
	require.Equal(t, want, excTypes(ev), "exception types, root cause first")
	last := ev.Exception[len(ev.Exception)-1]
	require.NotNil(t, last.Mechanism)
	require.NotNil(t, last.Mechanism.ExceptionID, "the outermost error is exception 0")
	assert.Equal(t, 0, *last.Mechanism.ExceptionID)
	for _, e := range ev.Exception[:len(ev.Exception)-1] {
		require.NotNil(t, e.Mechanism)
		assert.Equal(t, "chained", e.Mechanism.Type)
		assert.NotNil(t, e.Mechanism.ParentID, "%s has a parent", e.Type)
	}
	require.NotNil(t, last.Stacktrace, "the outermost exception carries the stack")
	frames := last.Stacktrace.Frames
	require.NotEmpty(t, frames)
	top := frames[len(frames)-1]
	assert.True(t, top.InApp, "last frame %+v is in-app", top)
	assert.Equal(t, "github.com/sentrylog/sentrylog/e2e", top.Module, "last frame is the call site: %+v", top)
	assert.Contains(t, top.Function, "Test", "last frame is the test's call site: %+v", top)
	for _, f := range frames {
		for _, sdk := range sdkModules {
			assert.False(t, f.Module == sdk || strings.HasPrefix(f.Module, sdk+"/"), "frame of the SDK or the logger kept: %+v", f)
		}
	}
}

// sdkModules are the packages whose frames must not appear in a stack.
var sdkModules = []string{
	"github.com/sentrylog/sentrylog/core",
	"github.com/sentrylog/sentrylog/slogsentry",
	"github.com/sentrylog/sentrylog/zapsentry",
	"github.com/sentrylog/sentrylog/zerologsentry",
	"go.uber.org/zap",
	"github.com/rs/zerolog",
	"log/slog",
}

// byFirstType sorts two events into the wrapped one and the joined one.
func byFirstType(t *testing.T, events []*core.Event) (wrapped, joined *core.Event) {
	t.Helper()
	require.Len(t, events, 2)
	for _, ev := range events {
		switch n := len(ev.Exception); {
		case n > 0 && ev.Exception[n-1].Type == "*errors.joinError":
			joined = ev
		default:
			wrapped = ev
		}
	}
	require.NotNil(t, wrapped, "no event of the wrapped error")
	require.NotNil(t, joined, "no event of the joined errors")
	return wrapped, joined
}

func newClient(t *testing.T, opts core.Options) *core.Client {
	t.Helper()
	if opts.Release == "" {
		opts.Release = "e2e@1.0.0"
	}
	if opts.Environment == "" {
		opts.Environment = "e2e"
	}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 5 * time.Second
	}
	return testclient.Open(t, opts, 10*time.Second)
}

func flush(t *testing.T, c *core.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.True(t, c.Flush(ctx), "Flush delivered everything")
}

// requestScope is a request's context: its own isolation scope with a user,
// tags and one breadcrumb.
func requestScope(c *core.Client) context.Context {
	ctx := core.NewIsolationScope(context.Background())
	scope := core.IsolationScope(ctx)
	scope.SetUser(&core.User{ID: "u-1", Username: "ada"})
	scope.SetTag("route", "/checkout")
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Category: "app", Message: "cart loaded", Level: core.LevelInfo})
	return ctx
}

func TestClientToSpotlight(t *testing.T) {
	sp := startSpotlight(t)
	c := newClient(t, core.Options{DSN: sp.DSN()})
	ctx := requestScope(c)
	idW := c.CaptureException(ctx, wrappedErr())
	idJ := c.CaptureException(ctx, joinedErr())
	require.NotEmpty(t, idW)
	require.NotEmpty(t, idJ)
	flush(t, c)

	wrapped, joined := byFirstType(t, sp.readEvents(t, 2))
	assert.Equal(t, idW, wrapped.EventID)
	assert.Equal(t, idJ, joined.EventID)
	checkChain(t, wrapped, wantWrapped)
	checkChain(t, joined, wantJoined)
	assert.True(t, joined.Exception[len(joined.Exception)-1].Mechanism.IsExceptionGroup)
	assert.Equal(t, "checkout: open cart.json: file does not exist", wrapped.Exception[2].Value)
	for _, ev := range []*core.Event{wrapped, joined} {
		assert.Equal(t, core.LevelError, ev.Level)
		assert.Equal(t, "go", ev.Platform)
		assert.Equal(t, "e2e@1.0.0", ev.Release)
		assert.Equal(t, "e2e", ev.Environment)
		assert.Equal(t, "/checkout", ev.Tags["route"])
		require.NotNil(t, ev.User)
		assert.Equal(t, "u-1", ev.User.ID)
		assert.Equal(t, "ada", ev.User.Username)
		assert.Equal(t, []string{"cart loaded"}, testclient.Crumbs(ev))
		require.NotNil(t, ev.SDK)
		assert.Equal(t, core.SDKName, ev.SDK.Name)
	}
}

// The Spotlight option sends a copy of every envelope to the sidecar while
// the DSN's receiver gets the original.
func TestSpotlightOption(t *testing.T) {
	sp := startSpotlight(t)
	srv := sentrytest.NewServer(t)
	c := newClient(t, core.Options{DSN: srv.DSN(), Spotlight: sp.url() + "/stream"})
	id := c.CaptureException(requestScope(c), wrappedErr())
	flush(t, c)

	got, err := srv.WaitForEvents(1, readTimeout)
	require.NoError(t, err)
	assert.Equal(t, id, got[0].EventID)
	events := sp.readEvents(t, 1)
	assert.Equal(t, id, events[0].EventID)
	checkChain(t, events[0], wantWrapped)
}

// Events dropped by BeforeSend are counted and reported to the receiver in
// a client report on Flush, and again what is left on Close.
func TestClientReportsReachTestkit(t *testing.T) {
	tk := startTestkit(t)
	c := newClient(t, core.Options{DSN: tk.DSN, BeforeSend: func(ev *core.Event, _ *core.Hint) *core.Event {
		if ev.Tags["keep"] == "yes" {
			return ev
		}
		return nil
	}})
	for range 3 {
		c.CaptureException(context.Background(), wrappedErr())
	}
	kept := core.WithScope(core.NewIsolationScope(context.Background()))
	core.CurrentScope(kept).SetTag("keep", "yes")
	c.CaptureException(kept, wrappedErr())
	flush(t, c)

	events := tk.waitReports(t, 1)
	require.NotNil(t, events[0].Error)
	assert.Equal(t, "yes", events[0].Tags["keep"])
	reports := tk.waitClientReports(t, 1)
	assert.Equal(t, map[string]int64{"before_send:error": 3}, sumReports(reports))

	// Dropped after the first report: sent by Close.
	c.CaptureException(context.Background(), wrappedErr())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.True(t, c.Close(ctx))
	reports = tk.waitClientReports(t, 2)
	assert.Equal(t, map[string]int64{"before_send:error": 4}, sumReports(reports))
	assert.Len(t, tk.waitReports(t, 1), 1, "no dropped event reached the receiver")
}

func sumReports(reports []testkitReport) map[string]int64 {
	m := make(map[string]int64)
	for _, r := range reports {
		for _, d := range r.DiscardedEvents {
			m[d.Reason+":"+d.Category] += d.Quantity
		}
	}
	return m
}

// SENTRY_SPOTLIGHT alone, without a DSN, sends every event to the sidecar.
func TestSpotlightEnvWithoutDSN(t *testing.T) {
	sp := startSpotlight(t)
	t.Setenv("SENTRY_DSN", "")
	t.Setenv("SENTRY_SPOTLIGHT", sp.url()+"/stream")
	c := newClient(t, core.Options{})
	require.True(t, c.Enabled(), "a Spotlight URL enables the client")
	id := c.CaptureException(requestScope(c), joinedErr())
	flush(t, c)

	events := sp.readEvents(t, 1)
	assert.Equal(t, id, events[0].EventID)
	checkChain(t, events[0], wantJoined)
}
