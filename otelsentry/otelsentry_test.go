package otelsentry_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/otelsentry"
	"github.com/sentrylog/sentrylog/sentryhttp"
	"github.com/sentrylog/sentrylog/slogsentry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newTracer(t *testing.T) trace.Tracer {
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp.Tracer("otelsentry_test")
}

func TestSpanFromContext(t *testing.T) {
	_, _, ok := otelsentry.SpanFromContext(context.Background())
	assert.False(t, ok, "no span")
	ctx, span := newTracer(t).Start(context.Background(), "op")
	defer span.End()
	tr, sp, ok := otelsentry.SpanFromContext(ctx)
	require.True(t, ok)
	assert.Equal(t, [16]byte(span.SpanContext().TraceID()), tr)
	assert.Equal(t, [8]byte(span.SpanContext().SpanID()), sp)
	if !race.Enabled {
		assert.Zero(t, testing.AllocsPerRun(100, func() { otelsentry.SpanFromContext(ctx) }))
	}
}

// TestEventsCarryTheSpan: an OpenTelemetry SDK span in the context wins
// over the request's propagation context, for captured and logged events
// alike; outside the span the request's trace applies.
func TestEventsCarryTheSpan(t *testing.T) {
	c, mt := testclient.New(t, core.Options{
		DSN:             "https://pub@o1.ingest.example/7",
		SpanFromContext: otelsentry.SpanFromContext,
		Storm:           core.StormOptions{Disabled: true},
	})
	tracer := newTracer(t)
	log := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	var span trace.Span
	h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, s := tracer.Start(r.Context(), "handler")
		span = s
		defer s.End()
		log.ErrorContext(ctx, "logged in span", "error", errors.New("boom"))
		c.CaptureMessage(ctx, "captured in span", core.LevelError)
		c.CaptureMessage(r.Context(), "outside the span", core.LevelError)
	}))
	req := httptest.NewRequest("GET", "http://svc.test/", nil)
	req.Header.Set("sentry-trace", "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7")
	h.ServeHTTP(httptest.NewRecorder(), req)

	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 3)
	sc := span.SpanContext()
	for _, ev := range evs[:2] {
		tc := ev.Contexts["trace"]
		assert.Equal(t, sc.TraceID().String(), tc["trace_id"])
		assert.Equal(t, sc.SpanID().String(), tc["span_id"])
		assert.Equal(t, sc.TraceID().String(), ev.DSC["trace_id"])
		schematest.ValidateDSC(t, ev.DSC)
	}
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", evs[2].Contexts["trace"]["trace_id"])

	// Outgoing headers follow the span too.
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	st, _, _ := c.PropagationHeaders(ctx, "")
	assert.Equal(t, sc.TraceID().String()+"-"+sc.SpanID().String(), st)
}
