// Package core is the Sentry client that sentrylog's logging bridges
// (slogsentry, zapsentry, zerologsentry, logrussentry) send to: options,
// capture, scopes, breadcrumbs, Go errors as exceptions, storm control and
// delivery.
//
//	client, err := core.Init(core.Options{}) // DSN from SENTRY_DSN
//	if err != nil { ... }                    // only for invalid options
//	defer client.Close(context.Background())
//
// [Init] makes a [Client] the current one, which the package's functions
// ([CaptureException], [SetTag], ...) use; [New] makes one without. An empty
// DSN disables sending; an invalid one is an error ([ErrInvalidDSN]).
//
// # Pipeline
//
// A capture never blocks: it snapshots the scopes, applies storm control
// ([Options.Storm]) and queues the capture. A worker builds the event,
// applies [Options.IgnoreErrors], merges the scopes, scrubs
// ([Options.Scrubber]; an event that fails to scrub is dropped, never sent
// unscrubbed), cuts it to Sentry's size limits (marking every cut), runs
// [Options.BeforeSend], samples and hands it to the [Transport], which
// retries, obeys rate limits and, with [Options.Spool], keeps events on disk
// while Sentry is unreachable. Every drop is counted ([Client.Stats], and
// client reports), so that Captured = Delivered + Spooled + sum of Dropped.
//
// # Events
//
// An error becomes exception.values, root cause first, following Unwrap,
// Cause and errors.Join; the issue title names the most informative error of
// the chain (a [TypedError], a sentinel such as io.EOF or one given to
// [RegisterSentinel], else the first named type). A record's attributes map
// to the event for every bridge alike: an error at "error" or "err" is the
// exception; "user", "fingerprint", an *http.Request and a "tags" group fill
// those fields; the rest goes to contexts["log"], typed and nested.
//
// # Scopes and traces
//
// The global scope ([Client.Scope]), the isolation scope of a request or
// task ([NewIsolationScope]; sentryhttp makes one per request) and a current
// scope ([WithScope]) travel in a [context.Context] and merge into events in
// that order; the event's own values win. [SetTag], [SetUser], [SetContext]
// and [AddBreadcrumb] act on the context's isolation scope, or on the global
// scope when it has none. Each isolation scope carries a trace, new or
// continued from incoming headers ([ContinueTrace]); [PropagationHeaders]
// carries it on.
//
// # Logs
//
// Records at or above a bridge's logs level (off unless set) are also sent
// as Sentry structured logs ([Log]), capped per call site ([Options.LogStorm]).
//
// # Titles
//
// Sentry titles an issue by its outermost exception's type, in Go almost
// always a wrapper (*fmt.wrapError) or bare text (*errors.errorString). The
// outermost exception's type names instead the chain's most informative
// error, from the outside in: a [TypedError]'s own type; a sentinel by name,
// matched by identity (io.EOF, context.Canceled, sql.ErrNoRows and the
// standard library's other common ones; the program's own with
// [RegisterSentinel]); the first Go type that is not an anonymous wrapper
// ("*fs.PathError"); a group by what it holds ("*fs.PathError +
// context.Canceled"); else the Go type. The value stays the outermost
// error's message, the module is the named error's package, and the
// outermost error's Go type moves to its mechanism's data ("go_type"); the
// other exceptions keep their own types. Titles depend on types and sentinel
// identity, never on messages: one call site with different ids or paths is
// one issue. [Options.BeforeSend] sees the titled event.
//
// # Event size
//
// The client applies Sentry's size limits itself, after scrubbing, and marks
// every cut: a cut string ends in "...[truncated from N bytes]" (N its length
// before the cut), at a character boundary, never inside "[Filtered]".
// Lengths are in bytes.
//
//	field                                        limit          what happens
//	-------------------------------------------  -------------  ---------------------------------------
//	logentry message and formatted               8,192          cut, marked
//	exception value                              8,192          cut, marked
//	exception type and module                    256            cut, marked
//	breadcrumb message                           8,192          cut, marked
//	string in a context, extra, breadcrumb data,
//	  user data, request data, header, cookie,
//	  request URL or query string                8,192          cut, marked
//	request body as text                         -              kept whole (MaxRequestBodySize bounds
//	                                                            what a request attaches); cut only to
//	                                                            fit the event, as below
//	tag key                                      32             other characters become '_', then cut
//	tag value                                    200            newlines become spaces; cut, marked
//	user id, username, name                      128            cut, marked
//	user email                                   75             cut, marked
//	user ip_address                              64             cut, marked
//	logger, environment, dist, request method    64             cut, marked
//	transaction, release, server_name            200            cut, marked
//	fingerprint entry                            512            cut, marked
//	fingerprint                                  64 entries     the last kept says how many there were
//	list (slice, array) in any value             1,000 items    the first kept; the last item says how
//	                                                            many there were
//	map in any value                             1,000 keys     the first keys in order kept; key "..."
//	                                                            says how many there were
//	nesting in any value                         10 groups,     deeper values become "!ERROR: depth limit"
//	                                               11 maps/lists
//	NaN, +Inf, -Inf anywhere                     -              sent as the strings "NaN", "+Inf", "-Inf"
//	the whole event                              1 MiB encoded  see below
//
// An event still over 1 MiB is made to fit: first the longest strings of at
// least 256 bytes (never stack frames) are cut to a common length, then the
// oldest breadcrumbs are dropped (a breadcrumb of category "sentrylog" says
// how many), then the largest entries of extra and of the contexts other than
// os, runtime, device and trace become "[dropped: N bytes over the event size
// limit]". If the encoded event is still too large, the transport drops the
// older half of the breadcrumbs, extra, the request body and cookies, and
// those contexts, and names them in the tag "sentrylog.dropped"; an event
// that cannot fit is dropped and counted send_error.
package core

// Package core was documented here in full; what follows is the detail behind
// the package doc above, kept for maintainers. It describes sentrylog's client: options, capture, scopes, breadcrumbs,
// event building, exceptions from Go errors, the pipeline and the transport.
// The logging bridges (slogsentry, zapsentry, zerologsentry) convert their
// records into a record and hand it to a Client; everything that is not
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
//  3. merge the global, isolation and current scopes, and make every value
//     encodable and bounded (see "Event size");
//  4. scrub (Options.Scrubber; an event the scrubber fails on is dropped and
//     counted internal_sdk_error, never sent unscrubbed);
//  5. trim to size (see "Event size"): values are cut only after the
//     scrubber has seen them whole;
//  6. BeforeSend — a nil result is counted before_send;
//  7. sample rate — 0 sends nothing, 1 everything; counted sample_rate;
//  8. the transport, which counts its own drops (rate limits, send and
//     network errors, its own queue).
//
// Every drop is counted under its client-report reason (Client.Stats, and
// the client reports the HTTP transport sends), so that for every client
// Captured = Delivered + Spooled + the sum of Dropped.
//
// # Reliability
//
// Storm control (Options.Storm, on by default) keeps an error logged in a hot
// loop from costing the queue, the worker or the Sentry quota, without ever
// deciding that a different error is not worth seeing. It groups events as
// Sentry does: by the fingerprint when one is set ("{{ default }}" expanded),
// else by the error chain's types (as the titles name them, see below) and
// the functions of the stack's in-app frames, else by the message (numbers,
// UUIDs and hexadecimal ids of 8 digits or more, or with 0x, in it as
// placeholders, as Sentry parameterizes messages). The first event of a
// group always passes; repeats pass a per-group token bucket and
// a global one. The next event of a group that had events suppressed carries
// contexts.storm with their count. Suppressed events are reported as
// event_processor. The groups tracked are bounded (StormOptions.MaxGroups);
// the one seen least recently is forgotten first.
//
// The HTTP transport never blocks the caller: its queue is bounded, a few
// senders keep several requests in flight over kept-alive connections,
// network errors are retried with a short backoff, and rate limits are
// obeyed per category. After a network failure it stops sending and probes
// the receiver twice a second: events wait in the bounded queue, the
// oldest giving way when it is full (counted), and are delivered as soon as
// a probe gets an answer. With Options.Spool (or $SENTRY_SPOOL_DIR), events go to disk
// instead while the receiver is unreachable, and are sent, oldest first,
// when it answers again or when the next process starts.
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
// mechanism "chained"; groups are marked is_exception_group. A cycle ends
// the walk (an error that unwraps to itself wraps nothing). At most 32
// exceptions are sent. A chain deeper than 16, or longer than the room left
// to it, keeps its outermost errors and its 5 innermost ones (the root
// cause last): between them an exception of type "sentrylog.ChainCut" says
// how many were left out (mechanism source "cut", synthetic, data
// {"cut": N}). The members of an errors.Join inside another are the outer
// group's own (err = errors.Join(err, next) in a loop makes one group). A
// group that does not fit shares the room among its members
// by their size, each member at least one place, the first ones first, so
// that each member's chain keeps its root cause; the errors that found no
// place (too many, or more than 16 levels deep) are counted by one last
// "sentrylog.ChainCut" without children.
//
// Stacks: an error that recorded where it was made (a StackTrace() method
// returning uintptr-based frames, as github.com/pkg/errors has, or a
// Callers() []uintptr method) gets its own frames; otherwise the outermost
// exception gets the capture site's stack. Frames run caller to callee;
// sentrylog's frames and the logging libraries' are dropped, so the last
// frame is the user's call. in_app: InAppInclude prefixes win, then
// InAppExclude prefixes, then the main module and package main are in-app;
// the standard library and dependencies are not.
//
// # Attribute mapping
//
// A record's attributes (slog.Attr values; the bridges convert zap fields and
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
//   - a "tags" group, and the keys listed in record.TagKeys (dotted paths
//     for nested keys): tags;
//   - context.Context values are left out;
//   - everything else: contexts["log"] on events and data on breadcrumbs,
//     nested as the groups are, typed (numbers stay numbers). Maps, slices and
//     structs are converted through their JSON form (a struct with a NaN or
//     infinite field field by field), at the logging call, within the limits
//     of "Event size"; a value whose String, Error, LogValue or MarshalJSON
//     panics becomes "!PANIC in <method>: ...".
//
// The record's message is the event's logentry; the logger name is the
// event's logger and the breadcrumb's category. A record without an error
// is a message event; with AttachStacktrace it carries the call site's stack
// and is grouped by its message.
//
// Tags are limited as Sentry stores them: keys of at most 32 characters from
// [A-Za-z0-9_.:-] (others become '_'), values of at most 200 bytes without
// newlines (see "Event size").
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
// breadcrumbs from before the fork without copying them, however many the
// parent adds afterwards.
//
// Merging into an event, global then isolation then current:
//   - tags, contexts, extra: later layers win; the event's own values (from
//     the record's attributes) win over every scope;
//   - user, fingerprint, request, transaction: the event's own win, then the
//     innermost scope that has one;
//   - level: the innermost scope with a level overrides the event's level
//     (the reference SDK's behaviour);
//   - breadcrumbs: the layers' breadcrumbs as they were at capture time,
//     each layer's in the order they were added, the layers merged by
//     timestamp; the newest MaxBreadcrumbs kept. BeforeBreadcrumb runs when
//     a breadcrumb is added; a nil result drops it.
//
// # Traces
//
// Every event belongs to a trace, so that Sentry shows a request's errors
// and logs together and links them to the spans other services send
// (Sentry's "tracing without performance"; no spans are sent). Each
// isolation scope and the global scope carry a propagation context: a
// trace id, a span id of their own and, for a continued trace, the
// incoming span as parent and the incoming sampling decision and baggage.
//   - The global scope starts a trace when the client is made, or continues
//     the one in SENTRY_TRACE (a sentry-trace or traceparent value) and
//     SENTRY_BAGGAGE.
//   - NewIsolationScope forked from a scope stays in its trace, with a span
//     of its own; made from a context without one, it starts a new trace.
//   - ContinueTrace makes an isolation scope that continues the trace of an
//     incoming request or message (sentry-trace, else traceparent, and
//     baggage); the sentryhttp middleware calls it for every request.
//     Malformed headers are ignored: a new trace starts.
//   - Options.SpanFromContext lets the span of a tracing library in the
//     capture's context win (package otelsentry reads OpenTelemetry's).
//
// Events carry contexts.trace (trace_id, span_id, parent_span_id) and their
// envelopes the trace's dynamic sampling context (Event.DSC) as the trace
// header: the incoming one unchanged for a continued trace, else trace_id,
// public_key, release, environment, the transaction unless it is a raw URL,
// sample_rand, and sampled when an incoming decision exists. A trace
// context set on the event or a scope is kept. PropagationHeaders gives the
// headers that carry the trace to another service.
