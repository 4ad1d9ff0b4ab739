// Package slogsentry sends what a program logs with log/slog to Sentry. Its
// Handler is an ordinary slog.Handler: put it beside the handler the program
// already has (slog.NewMultiHandler from Go 1.26, or any fan-out handler) and
// the program's log output stays as it is.
//
//	client, err := core.Init(core.Options{}) // the DSN from SENTRY_DSN
//	...
//	defer client.Close(context.Background())
//	logger := slog.New(slog.NewMultiHandler(
//		slog.NewJSONHandler(os.Stdout, nil),
//		slogsentry.NewHandler(slogsentry.Options{}),
//	))
//
// Records at or above Options.BreadcrumbLevel (default Info) become
// breadcrumbs; records at or above Options.EventLevel (default Error)
// become events, which carry the breadcrumbs logged before them in the same
// scope. Log with the request's context (InfoContext, ErrorContext) so that
// both land in the request's scope; the sentryhttp middleware
// (sentryhttp) gives every request its own.
//
// Records at or above Options.LogsLevel (off unless set) are also sent as
// Sentry logs, the searchable Logs view, whatever else they become:
//
//	slogsentry.NewHandler(slogsentry.Options{LogsLevel: slog.LevelInfo})
//
// A handler made without Options.Client uses the process-wide client of
// core.Init, looked up on each record: it can be made before Init and starts
// sending once Init has run.
//
// # Record conversion
//
// Each record becomes a log record for package core; the mapping of its
// attributes to Sentry data is the core's, shared by all bridges (see the
// core package doc):
//
//   - Level: the record's level selects what it becomes, then maps to a
//     Sentry level by range, so custom levels fall where their number puts
//     them: below Info → debug, Info to below Warn → info, Warn to below
//     Error → warning, Error to below Error+4 → error, Error+4
//     ([LevelFatal]) and up → fatal. Which levels become breadcrumbs or
//     events is decided by [Options.BreadcrumbLevel] and
//     [Options.EventLevel]; [LevelOff] switches each output off.
//   - Logs: a record sent as a Sentry log gets the log level by the same
//     ranges, with trace below Debug and warn for Warn: trace, debug, info,
//     warn, error, fatal. It carries the record's time, level and message
//     (its body), the trace of the record's context, and its attributes
//     flattened: groups (from slog.Group and WithGroup) become dotted keys
//     ("req.id"), strings, bools, integers and floats keep their type,
//     unsigned integers beyond int64 and NaN or infinite floats become
//     text, lists of strings, bools, integers or floats become arrays,
//     times are RFC 3339 text, durations their String form, and other
//     values their JSON text. The first error value becomes the attributes
//     exception.type and exception.message. The log also carries
//     logger.name ([Options.Logger]), the call site (code.file.path,
//     code.line.number, code.function.name, from the record's PC),
//     sentry.origin [Origin], and the client's default attributes.
//     The client scrubs logs as it scrubs events and batches them on its
//     own goroutine (see package core, "Logs").
//   - Message: the record's message is the event's message (logentry) and
//     the breadcrumb's message. An event without an error is a message
//     event: Sentry groups it by its message, and with
//     core.Options.AttachStacktrace it carries the call site's stack.
//   - Time: the record's time is the event's timestamp and the
//     breadcrumb's. A zero time, which slog allows, becomes the time of the
//     capture: Sentry requires one.
//   - Logger name: slog has none; [Options.Logger], when set, is the
//     event's logger and the breadcrumb's category.
//   - Errors: an error value among the attributes, at any key and at any
//     group depth, becomes the event's exception chain (wrapped errors and
//     errors.Join groups followed as the core documents). When there are
//     several, the first at a key named "error" or "err" is the exception,
//     else the first found; the others stay in the log context as their
//     text. The exception's mechanism is [Origin].
//   - Attributes: attributes of the record and of WithAttrs are resolved
//     (LogValuer) on the logging goroutine, at the call, then rewritten by
//     [Options.ReplaceAttr] when it is set. They are typed: numbers stay
//     numbers; times are RFC 3339 text; durations their String form;
//     []byte text, or base64 when it is not UTF-8; maps, slices and structs
//     their JSON form; nil pointers null. Values of kind Any that the
//     program could change afterwards (maps, slices, pointers to structs)
//     are converted at the call, on the logging goroutine, so what is sent
//     is what was logged. A value whose LogValue, String, Error or
//     MarshalJSON panics, and an attribute whose ReplaceAttr panics, is
//     kept as a marked string "!PANIC in <method>: ..."; the record is
//     still sent.
//   - Groups: groups become nested objects, as in slog's JSON output: a
//     slog.Group attribute nests its members, WithGroup nests the
//     attributes added after it (by WithAttrs and by records). Groups of
//     the same name at the same place merge. As slog specifies: an
//     attribute with an empty key and an empty value is dropped, a group
//     without attributes is dropped (also a WithGroup group whose record
//     brings no attributes), and a group with an empty key is inlined into
//     its parent.
//   - With: WithAttrs resolves its attributes at the call, as above, and
//     WithGroup nests what comes after it; both return a new [Handler].
//   - Special keys (the core's mapping, shared with the other bridges): the
//     user ("user" group or "user.<field>" keys), the fingerprint
//     ("fingerprint"), the request (any *http.Request value), tags (a
//     "tags" group and [Options.TagKeys]).
//   - Everything else: the "log" context of the event or the data of the
//     breadcrumb, nested as the groups were.
//   - Context: the record's context selects the scope: breadcrumbs go to
//     its isolation scope (core.NewIsolationScope, or the sentryhttp
//     middleware), events merge its scopes (user, tags, contexts,
//     breadcrumbs set on the request). A context without a scope, or a nil
//     one, means the client's global scope.
//   - Caller and stack: the record's PC gives the event's stack its last
//     frame, the user's logging call, so that the culprit is the user's
//     line and never slog's or sentrylog's; frames of slog and sentrylog
//     are left out. With [Options.AddSource] the call site is also recorded
//     as the attribute "source" (function, file, line) at the top level of
//     the log context or breadcrumb data, outside any group. A record
//     without a PC has no source.
//
// # Fatal
//
// Fatal records are flushed before Handle returns, within the client's
// ShutdownTimeout, so a program that exits after logging one has sent it.
//
// # Cost
//
//   - Below both thresholds, Enabled compares a level and returns: no
//     allocation, no lock.
//   - A breadcrumb with at most five plain attributes (a key and a string,
//     number, bool, time, duration or error; not a group, a LogValuer or a
//     value the program could change later, such as a map or a pointer)
//     costs no allocation; any other breadcrumb costs one.
//   - An event costs one allocation on the logging goroutine; it is built
//     and sent on the client's worker.
//   - A log costs the logging goroutine no allocation with at most five
//     plain attributes, one otherwise.
package slogsentry
