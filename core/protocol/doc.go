// Package protocol holds the Sentry wire types that sentrylog produces: the
// event payload, its parts, and the envelope framing around it.
//
// The types follow Sentry's canonical event schema (the one published as
// event.schema.json): exceptions live under exception.values, breadcrumbs under
// breadcrumbs.values and the message under logentry, never the legacy shapes.
// They carry no behaviour beyond JSON encoding and small accessors, so the
// scrubber, the core and the test receiver can all share them without an
// import cycle. Package core re-exports the types users touch (Event,
// Breadcrumb, User, ...) under the same names.
package protocol
