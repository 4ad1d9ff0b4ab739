package core_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/sentrytest"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

const (
	upTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	upSpan  = "00f067aa0ba902b7"
)

func hdrs(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func traceCtx(t *testing.T, ev *core.Event) map[string]any {
	t.Helper()
	tc := ev.Contexts["trace"]
	require.NotNil(t, tc, "every event has contexts.trace")
	return tc
}

// TestEveryEventHasTrace: events without an isolation scope share the
// process's trace; each isolation scope has a trace of its own, shared by
// its events; an event's DSC names its trace.
func TestEveryEventHasTrace(t *testing.T) {
	c, mt := testclient.New(t, core.Options{DSN: "https://pub@o1.ingest.example/7", Release: "r1", Environment: "staging",
		Storm: core.StormOptions{Disabled: true}})
	bg := context.Background()
	c.CaptureMessage(bg, "global 1", core.LevelError)
	c.CaptureException(bg, errors.New("global 2"))
	job1 := core.NewIsolationScope(bg)
	job2 := core.ContinueTrace(bg, nil)
	c.CaptureMessage(job1, "job1 a", core.LevelError)
	c.CaptureMessage(core.WithScope(job1), "job1 b", core.LevelError)
	c.CaptureMessage(job2, "job2", core.LevelError)
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 5)

	ids := make([]string, len(evs))
	for i, ev := range evs {
		tc := traceCtx(t, ev)
		ids[i] = tc["trace_id"].(string)
		assert.Len(t, ids[i], 32)
		assert.Len(t, tc["span_id"], 16)
		assert.NotContains(t, tc, "parent_span_id", "new traces have no parent")
		require.NotNil(t, ev.DSC)
		assert.Equal(t, ids[i], ev.DSC["trace_id"])
		assert.Equal(t, "pub", ev.DSC["public_key"])
		assert.Equal(t, "r1", ev.DSC["release"])
		assert.Equal(t, "staging", ev.DSC["environment"])
		assert.NotContains(t, ev.DSC, "sampled", "no decision in a trace started here")
		schematest.ValidateDSC(t, ev.DSC)
	}
	assert.Equal(t, ids[0], ids[1], "the process's trace")
	assert.Equal(t, ids[2], ids[3], "one isolation scope, one trace")
	assert.NotEqual(t, ids[0], ids[2])
	assert.NotEqual(t, ids[2], ids[4])
	assert.NotEqual(t, ids[0], ids[4])
	assert.Equal(t, evs[2].DSC["sample_rand"], evs[3].DSC["sample_rand"], "one sample_rand per trace")
}

// TestContinueTraceEvent: the event's trace is the incoming one, its
// parent the incoming span, its span new; the incoming baggage is the DSC.
func TestContinueTraceEvent(t *testing.T) {
	c, mt := testclient.New(t, core.Options{DSN: "https://pub@o1.ingest.example/7", Storm: core.StormOptions{Disabled: true}})
	for _, tt := range []struct{ name, st, tp string }{
		{"sentry-trace", upTrace + "-" + upSpan + "-1", ""},
		{"traceparent", "", "00-" + upTrace + "-" + upSpan + "-01"},
		{"both", upTrace + "-" + upSpan + "-1", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mt.Reset()
			ctx := core.ContinueTrace(context.Background(), hdrs(map[string]string{
				"sentry-trace": tt.st, "traceparent": tt.tp,
				"baggage": "sentry-trace_id=" + upTrace + ",sentry-public_key=upstream,sentry-release=up%201,sentry-sample_rand=0.123456,acme=7",
			}))
			c.CaptureMessage(ctx, "a", core.LevelError)
			c.CaptureMessage(core.WithScope(ctx), "b", core.LevelError)
			evs := testclient.Events(t, c, mt)
			require.Len(t, evs, 2)
			span := ""
			for _, ev := range evs {
				tc := traceCtx(t, ev)
				assert.Equal(t, upTrace, tc["trace_id"])
				assert.Equal(t, upSpan, tc["parent_span_id"])
				assert.NotEqual(t, upSpan, tc["span_id"])
				if span == "" {
					span = tc["span_id"].(string)
				}
				assert.Equal(t, span, tc["span_id"], "one span for the unit of work")
				assert.Equal(t, map[string]string{"trace_id": upTrace, "public_key": "upstream", "release": "up 1", "sample_rand": "0.123456"},
					ev.DSC, "the incoming DSC, frozen")
				schematest.ValidateDSC(t, ev.DSC)
			}
		})
	}
}

func TestContinueTraceBadInput(t *testing.T) {
	c, mt := testclient.New(t, core.Options{DSN: "https://pub@o1.ingest.example/7", Storm: core.StormOptions{Disabled: true}})
	big := make([]byte, 9000)
	for i := range big {
		big[i] = 'a'
	}
	for _, h := range []map[string]string{
		{"sentry-trace": "00000000000000000000000000000000-" + upSpan},
		{"sentry-trace": upTrace + "-0000000000000000"},
		{"traceparent": "00-00000000000000000000000000000000-" + upSpan + "-01"},
		{"sentry-trace": "zz", "traceparent": "00-xyz"},
		{"baggage": "sentry-trace_id=" + upTrace + ",sentry-public_key=upstream"}, // baggage alone continues nothing
	} {
		mt.Reset()
		ctx := core.ContinueTrace(context.Background(), hdrs(h))
		c.CaptureMessage(ctx, "x", core.LevelError)
		evs := testclient.Events(t, c, mt)
		require.Len(t, evs, 1)
		tc := traceCtx(t, evs[0])
		assert.NotEqual(t, upTrace, tc["trace_id"], "%v", h)
		assert.NotContains(t, tc, "parent_span_id", "%v", h)
		assert.Equal(t, "pub", evs[0].DSC["public_key"], "a DSC of its own")
		schematest.ValidateDSC(t, evs[0].DSC)
	}

	// Oversized baggage: ignored, the trace is still continued.
	mt.Reset()
	ctx := core.ContinueTrace(context.Background(), hdrs(map[string]string{
		"sentry-trace": upTrace + "-" + upSpan,
		"baggage":      "sentry-public_key=upstream," + string(big),
	}))
	c.CaptureMessage(ctx, "x", core.LevelError)
	ev := testclient.Events(t, c, mt)[0]
	assert.Equal(t, upTrace, traceCtx(t, ev)["trace_id"])
	assert.Equal(t, "pub", ev.DSC["public_key"])
	schematest.ValidateDSC(t, ev.DSC)
}

func TestForkedIsolationScopeStaysInTrace(t *testing.T) {
	c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{Disabled: true}})
	parent := core.ContinueTrace(context.Background(), hdrs(map[string]string{"sentry-trace": upTrace + "-" + upSpan}))
	child := core.NewIsolationScope(parent)
	c.CaptureMessage(parent, "parent", core.LevelError)
	c.CaptureMessage(child, "child", core.LevelError)
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 2)
	p, ch := traceCtx(t, evs[0]), traceCtx(t, evs[1])
	assert.Equal(t, upTrace, ch["trace_id"])
	assert.Equal(t, p["span_id"], ch["parent_span_id"], "the forked scope's parent is the scope it was forked from")
	assert.NotEqual(t, p["span_id"], ch["span_id"])
}

func TestTraceContextSetByProgramIsKept(t *testing.T) {
	c, mt := testclient.New(t, core.Options{DSN: "https://pub@o1.ingest.example/7", Storm: core.StormOptions{Disabled: true}})
	ctx := core.NewIsolationScope(context.Background())
	core.SetContext(ctx, "trace", map[string]any{"trace_id": upTrace, "span_id": upSpan})
	c.CaptureMessage(ctx, "x", core.LevelError)
	ev := testclient.Events(t, c, mt)[0]
	assert.Equal(t, map[string]any{"trace_id": upTrace, "span_id": upSpan}, ev.Contexts["trace"])
	assert.Equal(t, upTrace, ev.DSC["trace_id"])
	schematest.ValidateDSC(t, ev.DSC)
}

func TestSpanFromContextWins(t *testing.T) {
	type key struct{}
	otelTrace := [16]byte{0x0a, 0xf7, 15: 0x9c}
	otelSpan := [8]byte{0xb7, 7: 0x31}
	c, mt := testclient.New(t, core.Options{DSN: "https://pub@o1.ingest.example/7", Storm: core.StormOptions{Disabled: true},
		SpanFromContext: func(ctx context.Context) ([16]byte, [8]byte, bool) {
			if ctx.Value(key{}) == nil {
				return [16]byte{}, [8]byte{}, false
			}
			return otelTrace, otelSpan, true
		}})
	ctx := core.ContinueTrace(context.Background(), hdrs(map[string]string{
		"sentry-trace": upTrace + "-" + upSpan, "baggage": "sentry-trace_id=" + upTrace + ",sentry-public_key=upstream"}))
	c.CaptureMessage(context.WithValue(ctx, key{}, true), "in span", core.LevelError)
	c.CaptureMessage(ctx, "outside", core.LevelError)
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 2)
	tc := traceCtx(t, evs[0])
	assert.Equal(t, "0af7000000000000000000000000009c", tc["trace_id"])
	assert.Equal(t, "b700000000000031", tc["span_id"])
	assert.NotContains(t, tc, "parent_span_id")
	assert.Equal(t, "0af7000000000000000000000000009c", evs[0].DSC["trace_id"], "a DSC for the span's trace")
	assert.Equal(t, "pub", evs[0].DSC["public_key"])
	schematest.ValidateDSC(t, evs[0].DSC)
	assert.Equal(t, upTrace, traceCtx(t, evs[1])["trace_id"])

	st, tp, _ := c.PropagationHeaders(context.WithValue(ctx, key{}, true), "")
	assert.Equal(t, "0af7000000000000000000000000009c-b700000000000031", st)
	assert.Equal(t, "00-0af7000000000000000000000000009c-b700000000000031-00", tp)
}

// TestEnvelopeTraceHeader: the HTTP transport writes the event's DSC as the
// envelope's trace header.
func TestEnvelopeTraceHeader(t *testing.T) {
	srv := sentrytest.NewServer(t)
	c, err := core.New(core.Options{DSN: srv.DSN(), Release: "r1", Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	ctx := core.ContinueTrace(context.Background(), hdrs(map[string]string{"sentry-trace": upTrace + "-" + upSpan + "-0"}))
	core.IsolationScope(ctx).SetTransaction("nightly-export")
	c.CaptureMessage(ctx, "x", core.LevelError)
	envs, err := srv.WaitForEnvelopes(1, 5*time.Second)
	require.NoError(t, err)
	h := envs[0].Header.Trace
	assert.Equal(t, upTrace, h["trace_id"])
	assert.Equal(t, srv.Key(), h["public_key"])
	assert.Equal(t, "r1", h["release"])
	assert.Equal(t, "nightly-export", h["transaction"])
	assert.Equal(t, "false", h["sampled"], "the incoming decision")
	assert.NotEmpty(t, h["sample_rand"])
	schematest.ValidateDSC(t, h)
	ev, err := envs[0].Event()
	require.NoError(t, err)
	assert.Equal(t, "nightly-export", ev.Transaction)
	assert.Equal(t, "custom", ev.TransactionInfo.Source)
	schematest.ValidateValue(t, ev)
}

func TestPropagationHeaders(t *testing.T) {
	c, _ := testclient.New(t, core.Options{DSN: "https://pub@o1.ingest.example/7", Release: "r 1", Storm: core.StormOptions{Disabled: true}})
	ctx := core.ContinueTrace(context.Background(), hdrs(map[string]string{
		"sentry-trace": upTrace + "-" + upSpan + "-1",
		"baggage":      "sentry-trace_id=" + upTrace + ",sentry-public_key=upstream,acme=1",
	}))
	st, tp, bg := c.PropagationHeaders(ctx, "")
	span := st[33:49]
	assert.Equal(t, upTrace+"-"+span+"-1", st)
	assert.NotEqual(t, upSpan, span, "this scope's own span")
	assert.Equal(t, "00-"+upTrace+"-"+span+"-01", tp)
	assert.Equal(t, "sentry-trace_id="+upTrace+",sentry-public_key=upstream,acme=1", bg, "frozen DSC and other vendors' members passed on")

	_, _, bg = c.PropagationHeaders(ctx, "mine=2, sentry-release=stale")
	assert.Equal(t, "sentry-trace_id="+upTrace+",sentry-public_key=upstream,mine=2", bg, "the message's own members kept, its Sentry members replaced")

	fresh := core.ContinueTrace(context.Background(), nil)
	core.IsolationScope(fresh).SetTransaction("job")
	st, tp, bg = c.PropagationHeaders(fresh, "")
	assert.Len(t, st, 49, "no decision, no flag")
	assert.Equal(t, "-00", tp[52:])
	assert.Regexp(t, `^sentry-trace_id=[0-9a-f]{32},sentry-public_key=pub,sentry-release=r%201,sentry-environment=production,sentry-transaction=job,sentry-sample_rand=0\.\d{6}$`, bg)

	st, tp, bg = (*core.Client)(nil).PropagationHeaders(context.Background(), "")
	assert.Empty(t, st+tp+bg, "nothing without a client or scope")
}

// TestTraceCachePerTransaction: a scope's events share its trace; the
// DSC follows the transaction each event has, and an event that user code
// changes does not change the next one's.
func TestTraceCachePerTransaction(t *testing.T) {
	c, mt := testclient.New(t, core.Options{DSN: "https://pub@o1.ingest.example/7", Storm: core.StormOptions{Disabled: true},
		BeforeSend: func(ev *core.Event, _ *core.Hint) *core.Event {
			ev.Contexts["trace"]["trace_id"] = "changed"
			ev.DSC["release"] = "changed"
			return ev
		}})
	ctx := core.NewIsolationScope(context.Background())
	c.CaptureMessage(ctx, "a", core.LevelError)
	core.IsolationScope(ctx).SetTransaction("step-2")
	c.CaptureMessage(ctx, "b", core.LevelError)
	c.CaptureMessage(ctx, "c", core.LevelError)
	require.True(t, c.Flush(context.Background()))
	evs := mt.Events()
	require.Len(t, evs, 3)
	assert.NotContains(t, evs[0].DSC, "transaction")
	assert.Equal(t, "step-2", evs[1].DSC["transaction"])
	assert.Equal(t, "step-2", evs[2].DSC["transaction"])
	for _, ev := range evs {
		assert.Equal(t, "changed", ev.Contexts["trace"]["trace_id"], "each event's own copy")
	}

	// Without BeforeSend the maps may be shared; the values are the same.
	c2, mt2 := testclient.New(t, core.Options{DSN: "https://pub@o1.ingest.example/7", Storm: core.StormOptions{Disabled: true}})
	c2.CaptureMessage(ctx, "a", core.LevelError)
	c2.CaptureMessage(ctx, "b", core.LevelError)
	evs = testclient.Events(t, c2, mt2)
	require.Len(t, evs, 2)
	assert.Equal(t, evs[0].Contexts["trace"], evs[1].Contexts["trace"])
	assert.Equal(t, "step-2", evs[1].DSC["transaction"])
	assert.Len(t, evs[0].Contexts["trace"]["trace_id"], 32)
	schematest.ValidateDSC(t, evs[1].DSC)
}

// TestProcessTraceFromEnv: a job started by another service continues its
// trace through SENTRY_TRACE and SENTRY_BAGGAGE: events without an
// isolation scope are in it.
func TestProcessTraceFromEnv(t *testing.T) {
	t.Setenv("SENTRY_TRACE", upTrace+"-"+upSpan+"-1")
	t.Setenv("SENTRY_BAGGAGE", "sentry-trace_id="+upTrace+",sentry-public_key=upstream,sentry-sampled=true")
	c, mt := testclient.New(t, core.Options{DSN: "https://pub@o1.ingest.example/7", Storm: core.StormOptions{Disabled: true}})
	c.CaptureMessage(context.Background(), "job step", core.LevelError)
	ev := testclient.Events(t, c, mt)[0]
	tc := traceCtx(t, ev)
	assert.Equal(t, upTrace, tc["trace_id"])
	assert.Equal(t, upSpan, tc["parent_span_id"])
	assert.Equal(t, map[string]string{"trace_id": upTrace, "public_key": "upstream", "sampled": "true"}, ev.DSC)
	schematest.ValidateDSC(t, ev.DSC)
	st, _, _ := c.PropagationHeaders(context.Background(), "")
	assert.Equal(t, upTrace, st[:32])
	assert.Equal(t, "-1", st[49:])
}
