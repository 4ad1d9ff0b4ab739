package otelsentry

import (
	"context"

	"go.opentelemetry.io/otel/trace"
)

// SpanFromContext returns the trace id and span id of the OpenTelemetry
// span in ctx, and whether it has a valid one. It is meant for
// core.Options.SpanFromContext. It is safe for concurrent use and does not
// allocate.
func SpanFromContext(ctx context.Context) (traceID [16]byte, spanID [8]byte, ok bool) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return traceID, spanID, false
	}
	return sc.TraceID(), sc.SpanID(), true
}
