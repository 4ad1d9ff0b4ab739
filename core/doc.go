// Package core is sentrylog's client: options, capture, scopes, breadcrumbs,
// event building, exceptions from Go errors, the pipeline and the transport.
// The logging bridges (slogsentry, zapsentry, zerologsentry) convert their
// records into a Record and hand it to a Client; everything that is not
// specific to one logger lives here, once.
package core
