// Package zapsentry sends what a go.uber.org/zap logger writes to Sentry:
// a zapcore.Core to tee with the core the program already has.
//
//	client, err := core.Init(core.Options{DSN: dsn})
//	...
//	sentryCore := zapsentry.NewCore(zapsentry.Options{})
//	logger := zap.New(zapcore.NewTee(existing, sentryCore), zap.AddCaller())
//	// or, on a logger that exists: logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
//	//	return zapcore.NewTee(c, sentryCore)
//	// }))
//
// Entries at or above Options.BreadcrumbLevel (default Info) become
// breadcrumbs on the scope of the entry's context; entries at or above
// Options.EventLevel (default Error) become events. The other cores of the
// tee see exactly what they saw before. Entries at or above
// Options.LogsLevel (off unless set) are also sent as Sentry logs, the
// searchable Logs view:
//
//	zapsentry.NewCore(zapsentry.Options{LogsLevel: zapcore.InfoLevel})
//
// # Per-request scope
//
// A request logger carries the request's context in a field made by
// Context; its breadcrumbs go to that request's isolation scope and its
// events merge that request's scopes, so concurrent requests never mix:
//
//	ctx := core.NewIsolationScope(r.Context())
//	log := logger.With(zapsentry.Context(ctx))
//
// The field is a zap.Skip field to every other core: it prints nothing.
//
// # Record conversion
//
// Each entry becomes a log record for package core; the mapping of its attributes to Sentry
// data is the core's, shared by all bridges (see the core package doc):
//
//   - Level: Debug (and custom levels below it) → debug, Info → info,
//     Warn → warning, Error → error, DPanic, Panic and Fatal → fatal. Which
//     levels become breadcrumbs or events is decided by the two
//     zapcore.LevelEnablers in [Options]; [LevelOff] switches a range off.
//   - Logs: an entry sent as a Sentry log gets the level trace (below
//     Debug), debug, info, warn, error or fatal (DPanic and above); its
//     body is the message; its attributes are the fields flattened, nested
//     namespaces and objects as dotted keys ("http.route"), typed as the
//     core documents for logs; the first error
//     becomes exception.type and exception.message; the logger name is
//     logger.name; with zap.AddCaller the caller is code.file.path,
//     code.line.number and code.function.name; sentry.origin is [Origin].
//   - Message: the entry's message; an event's logentry.formatted and a
//     breadcrumb's message.
//   - Time: the entry's time.
//   - Logger name: the name built by Named ("api.users") → the event's
//     logger and the breadcrumb's category.
//   - Errors: zap.Error and zap.NamedError keep the error value, so it
//     becomes the exception chain (wrapping and errors.Join included). The
//     key "error" (or "err") wins as the primary error; other errors stay
//     in the log context as their message. zap.Errors becomes one
//     errors.Join of its non-nil errors: an exception group. The
//     exception's mechanism is [Origin].
//   - Fields: every zapcore.FieldType becomes a typed attribute: integers
//     and uintptrs as numbers, floats as numbers (NaN and infinities as
//     text), complex numbers as text ("1+2i"), bools, strings, byte strings
//     as text, binary as base64 text, durations and times, a Stringer as
//     its String (called during the entry), reflected values (zap.Reflect,
//     zap.Any of an unknown type) encoded to JSON during the entry, its
//     objects becoming nested groups (a *http.Request, a core.User, an
//     error or a context pass as they are), object marshalers as nested objects, array marshalers as
//     arrays, inline marshalers as fields of the entry itself; zap.Skip
//     adds nothing. A marshaler's returned error is added at key+"Error",
//     as zap's encoders do. A String, MarshalLogObject, MarshalLogArray or
//     MarshalJSON that panics leaves a marked value ("!PANIC in ...")
//     instead of taking the program down; a nil pointer Stringer reads
//     "<nil>", as in zap.
//   - Namespaces: zap.Namespace nests the fields after it, like a
//     slog group; in With it nests the later With fields and the entries'
//     fields as well. An empty namespace is left out.
//   - With: the fields are converted once, when With is called, and
//     accumulated in a new slice; the parent Core is never changed.
//   - Special keys (the core's mapping): "user" (object or namespace),
//     "fingerprint" (string or zap.Strings), "tags" (object or namespace)
//     and [Options.TagKeys], a *http.Request value (zap.Any).
//   - Everything else: the event's "log" context and the breadcrumb's data,
//     nested as the namespaces and objects were.
//   - Context: the context of the last [Context] field (of the entry, else of
//     With) selects the scope; without one, the global scope.
//   - Caller and stack: with zap.AddCaller the entry's caller marks where
//     the user's frames end, so the culprit is the user's line; the stack
//     is captured by the core with zap's and sentrylog's frames dropped.
//     zap's own stack text (zap.AddStacktrace) is not parsed.
//
// # Fatal, Panic and Sync
//
// Events at DPanic, Panic and Fatal are flushed before Write returns, with
// the client's ShutdownTimeout as the deadline, because zap panics or exits
// right after. Sync flushes with the same bound and returns ErrFlush when
// not everything was delivered: in time, or at all (what the client dropped
// since it last answered a Flush).
//
// # Cost
//
//   - Below both ranges, or without an enabled client, Check returns without
//     allocating, locking or adding the Core to the checked entry.
//   - A breadcrumb of at most five scalar fields (integers, float64s,
//     strings, bools, durations) costs no allocation; any other breadcrumb
//     costs one.
//   - Plain fields (numbers, strings, bools, durations, times, errors) are
//     converted without allocating; an event is built and sent on the
//     client's worker.
package zapsentry
