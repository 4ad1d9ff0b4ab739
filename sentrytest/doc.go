// Package sentrytest is a Sentry receiver for tests: an in-process HTTP
// server on 127.0.0.1 that speaks the envelope protocol strictly, so that a
// test can prove what its code reports.
//
//	srv := sentrytest.NewServer(t) // closed when the test ends
//	client, err := core.New(core.Options{DSN: srv.DSN()})
//	...
//	client.Flush(ctx)
//	events, err := srv.WaitForEvents(1, 5*time.Second)
//
// The server checks what Sentry checks: the path /api/<project>/envelope/,
// the key in X-Sentry-Auth, gzip or plain bodies, the envelope framing
// (header line, item headers, declared lengths), one event per envelope with
// the envelope header's event id, event items of at most 1 MiB and
// client_report items of at most 4 KiB. What it refuses is recorded
// (Rejections, with the envelope when it could be parsed) and answered with
// Sentry's status codes.
// Events are decoded into core.Event and client reports into ClientReport;
// items of other types are kept raw in Envelopes.
//
// Respond makes the server answer chosen statuses and headers (429 with
// X-Sentry-Rate-Limits, 503, ...) to test how a client copes.
//
// Programs that are not tests, such as the quickstart example, use Start and
// Close instead of NewServer.
package sentrytest
