package otelsentry_test

import (
	"context"
	"errors"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/otelsentry"
)

// Events captured inside an OpenTelemetry span carry its trace and span
// ids, so Sentry shows them under that trace.
func ExampleSpanFromContext() {
	mt := core.NewMemoryTransport()
	c, _ := core.New(core.Options{Transport: mt, SpanFromContext: otelsentry.SpanFromContext})
	defer c.Close(context.Background())
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())

	ctx, span := tp.Tracer("shop").Start(context.Background(), "checkout")
	c.CaptureException(ctx, errors.New("card declined"))
	span.End()
	c.Flush(ctx)

	tc := mt.Events()[0].Contexts["trace"]
	fmt.Println(tc["trace_id"] == span.SpanContext().TraceID().String())
	fmt.Println(tc["span_id"] == span.SpanContext().SpanID().String())
	// Output:
	// true
	// true
}
