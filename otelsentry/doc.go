// Package otelsentry links sentrylog's events and logs to OpenTelemetry
// traces: when a record's context carries an OpenTelemetry span, Sentry
// shows the event or log under that span's trace.
//
//	core.Init(core.Options{SpanFromContext: otelsentry.SpanFromContext})
//
// The span is read with trace.SpanContextFromContext, as OpenTelemetry's
// own log bridges read it: its trace id and span id become the event's
// contexts.trace (and a log's trace_id and span_id), and the headers that
// sentryhttp.Transport sends carry them on. Without a valid span in the
// context, the scope's propagation context applies as before.
//
// It is a package of its own so that package core stays free of
// dependencies outside the standard library.
package otelsentry
