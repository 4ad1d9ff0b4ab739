// Package core is sentrylog's client: options, capture, scopes, breadcrumbs,
// event building, exceptions from Go errors, the pipeline and the transport.
// The logging bridges (slogsentry, zapsentry, zerologsentry) convert their
// records into a Record and hand it to a Client; everything that is not
// specific to one logger lives here, once.
//
// # Set-up
//
//	client, err := core.Init(core.Options{}) // DSN from SENTRY_DSN
//	if err != nil { ... }                    // only for invalid options
//	defer client.Close(context.Background())
//
// An empty DSN disables sending: every call returns at once. An invalid DSN
// is an error from New and Init (wrapping ErrInvalidDSN), never a panic.
//
// # Pipeline
//
// On the capturing goroutine a capture only copies the record, takes
// snapshots of the scopes (pointers to immutable data), records the stack's
// program counters, applies storm control and queues the capture without
// blocking: a full queue drops it and counts queue_overflow. A worker then
// runs, in the reference SDK's order:
//
//  1. build the event (exceptions, stack, attribute mapping);
//  2. ignore rules (Options.IgnoreErrors) — counted as ignored;
//  3. merge the global, isolation and current scopes;
//  4. scrub (Options.Scrubber; an event the scrubber fails on is dropped and
//     counted internal_sdk_error, never sent unscrubbed);
//  5. BeforeSend — a nil result is counted before_send;
//  6. sample rate — 0 sends nothing, 1 everything; counted sample_rate;
//  7. the transport, which counts its own drops (rate limits, send and
//     network errors, its own queue).
//
// Every drop is counted under its client-report reason (Client.Stats, and
// the client reports the HTTP transport sends), so that for every client
// Captured = Delivered + Spooled + the sum of Dropped.
//
// # Logs
//
// Records a bridge's logs level admits (off unless set) are also sent as
// Sentry structured logs (Client.CaptureLog). The capturing goroutine only
// copies the record into a reused entry and queues it (Options.LogsBuffer;
// overflow counted as queue_overflow). A log worker of its own, apart from
// the events' worker, converts the entries (typed, flat attributes; the
// first error as exception.type and exception.message; the call site as
// code.* attributes; sentry.origin; the default attributes sentry.environment,
// sentry.release, sentry.sdk.name, sentry.sdk.version and server.address;
// the scope's user only with SendDefaultPII), caps a call site that logs in
// a hot loop (Options.LogStorm), and batches them: at most
// MaxLogsPerEnvelope per envelope, sent 5 seconds after the first waits, or
// on Flush and Close. Each batch is scrubbed by Options.Scrubber (bodies and
// the record's attribute values, presented to it as the breadcrumbs of one
// event), long strings are cut with a marker, then BeforeSendLog runs. An
// envelope carries one log item and nothing else; the HTTP transport obeys
// rate limits on log_item and log_byte and counts every dropped log in both
// categories (bytes as Sentry counts them). A log storm therefore costs at
// most the log buffer's memory, the log worker's goroutine and half of the
// transport's sends (it alternates events and log batches); beyond the
// storm caps, its logs are dropped and counted rather than sent.
//
// # Reliability
//
// Storm control (Options.Storm, on by default) keeps an error logged in a hot
// loop from costing the queue, the worker or the Sentry quota: identical
// events (the same call site and error types, or message) pass a per-group
// token bucket and a global one; the next event of a group that had events
// suppressed carries contexts.storm with their count. Suppressed events are
// reported as event_processor.
//
// The HTTP transport never blocks the caller: its queue is bounded, network
// errors are retried with a short backoff, and rate limits are obeyed per
// category. After a network failure it pauses (1 s, doubling up to 5 s):
// events wait in the bounded queue, newer ones overflowing (counted), and
// what the queue kept is delivered when the receiver answers again. With
// Options.Spool, events go to disk instead while the receiver is
// unreachable, and are sent, oldest first, when it answers again or when the
// next process starts.
//
// # Ignore rules
//
// IgnoreError matches a sentinel anywhere in the chain (errors.Is),
// IgnoreType a type anywhere in the chain (errors.As), IgnoreMessage a
// regular expression on the error's text or, for message events, on the
// message. Any func(error, *Event) bool is a rule too:
//
//	core.Options{IgnoreErrors: []core.IgnoreRule{
//		core.IgnoreError(context.Canceled),
//		core.IgnoreType[*net.OpError](),
//		core.IgnoreMessage(regexp.MustCompile(`^healthcheck`)),
//	}}
//
// # Errors to exceptions
//
// An error becomes exception.values, root cause first and the outermost
// error last. The tree is followed through Unwrap() error and Cause() error
// (single wrapping) and Unwrap() []error (errors.Join and other groups). Each
// node is numbered depth first from the outermost error (exception_id 0);
// the others carry parent_id and source ("unwrap", "cause", "errors[i]") and
// mechanism "chained"; groups are marked is_exception_group. Cycles and trees
// deeper than 16 or larger than 32 nodes are cut. type is the Go type
// ("*fs.PathError"), module its package path.
//
// Stacks: an error that recorded where it was made (a StackTrace() method
// returning uintptr-based frames, as github.com/pkg/errors has, or a
// Callers() []uintptr method) gets its own frames; otherwise the outermost
// exception gets the capture site's stack. Frames run caller to callee;
// sentrylog's frames and the logging libraries' are dropped, so the last
// frame is the user's call. in_app: InAppExclude prefixes win, then
// InAppInclude prefixes (default: the main module), then package main;
// the standard library and dependencies are not in-app.
//
// # Attribute mapping
//
// A Record's attributes (slog.Attr values; the bridges convert zap fields and
// zerolog fields to them) are mapped once, here, for all bridges:
//
//   - error values, at any key and any depth: the first at a key named
//     "error" or "err" (else the first found) becomes the exception; other
//     errors stay in the log context as their text;
//   - "user" (a group, a *User or a plain id) and top-level "user.<field>"
//     keys: the event's user (id, email, username, ip_address, name; other
//     keys go to user.data);
//   - "fingerprint" ([]string, []any or a string): the fingerprint;
//     "{{ default }}" stands for Sentry's own grouping;
//   - any *http.Request value: the request (headers and cookies as
//     SendDefaultPII allows; its body is never read);
//   - a "tags" group, and the keys listed in Record.TagKeys (dotted paths
//     for nested keys): tags;
//   - context.Context values are left out;
//   - everything else: contexts["log"] on events and data on breadcrumbs,
//     nested as the groups are, typed (numbers stay numbers). Maps, slices and
//     structs are converted through their JSON form; a value whose String,
//     Error, LogValue or MarshalJSON panics becomes "!PANIC in <method>: ...".
//
// The record's message is the event's logentry; the logger name is the
// event's logger and the breadcrumb's category. A record without an error
// is a message event; with AttachStacktrace it carries the call site's stack
// and is grouped by its message.
//
// Tags are limited as Sentry stores them: keys of at most 32 characters from
// [A-Za-z0-9_.:-] (others become '_'), values of at most 200 characters
// without newlines.
//
// # Scopes
//
// Three layers, as in Sentry's SDKs 2.x: the global scope (Client.Scope),
// the isolation scope of a request or task (NewIsolationScope; the
// sentryhttp middleware makes one per request), and a current scope forked
// for a block (WithScope). They travel in context.Context. SetTag, SetTags,
// SetUser, SetContext and AddBreadcrumb act on the context's isolation scope,
// or on the global scope when it has none. Forking is copy on write: a fork
// shares its parent's data until one side writes, and sees the parent's
// breadcrumbs from before the fork without copying them.
//
// Merging into an event, global then isolation then current:
//   - tags, contexts, extra: later layers win; the event's own values (from
//     the record's attributes) win over every scope;
//   - user, fingerprint, request, transaction: the event's own win, then the
//     innermost scope that has one;
//   - level: the innermost scope with a level overrides the event's level
//     (the reference SDK's behaviour);
//   - breadcrumbs: the layers' breadcrumbs as they were at capture time,
//     ordered by timestamp (ties in insertion order), the newest
//     MaxBreadcrumbs kept. BeforeBreadcrumb runs when a breadcrumb is added;
//     a nil result drops it.
package core
