// Package zerologsentry sends what github.com/rs/zerolog logs to Sentry,
// through the sentrylog core: records at or above a breadcrumb level become
// breadcrumbs on the request's scope, records at or above an event level
// become events, with their fields, their error and the request's context.
// Records at or above a logs level (off unless set) are also sent as Sentry
// logs, the searchable Logs view (see "Record conversion" for what a log
// carries):
//
//	zerologsentry.NewWriter(os.Stderr, zerologsentry.Options{LogsLevel: zerologsentry.Level(zerolog.InfoLevel)})
//
// # Set-up
//
// One value is both the logger's writer, wrapping the program's own output,
// and its hook:
//
//	w := zerologsentry.NewWriter(os.Stderr, zerologsentry.Options{})
//	logger := zerolog.New(w).Hook(w).With().Timestamp().Logger()
//
// Every line reaches the output byte for byte as zerolog wrote it. The
// Writer may also sit beside the output, in a zerolog.MultiLevelWriter (see
// below for the set-ups that carry the request's context). The Writer binds to core.CurrentClient() on every record unless
// Options.Client names one, so it may be made before core.Init. Records go
// to the scope of the context they were logged with: Event.Ctx(ctx), or a
// logger made with Context.Ctx(ctx), for instance kept in the context for
// zerolog.Ctx. Behind the sentryhttp middleware, which gives every
// request its own isolation scope, a middleware of the program's binds the
// logger to the request:
//
//	ctx := r.Context()
//	ctx = logger.With().Ctx(ctx).Str("path", r.URL.Path).Logger().WithContext(ctx)
//	next.ServeHTTP(w, r.WithContext(ctx))
//
// and the handlers log as usual:
//
//	zerolog.Ctx(r.Context()).Info().Msg("handling")  // a breadcrumb on this request only
//	zerolog.Ctx(r.Context()).Error().Err(err).Send() // an event with that breadcrumb
//
// For the error's Go types, chain and stack, set the stack marshaler and ask
// for stacks (see MarshalStack):
//
//	zerolog.ErrorStackMarshaler = zerologsentry.MarshalStack
//	logger = logger.With().Stack().Logger()
//
// # Which set-ups carry the request's context
//
// The Writer takes each record's context from the hook, on the goroutine
// that logged it, so the context arrives when the hook is on the logger and
// the Writer receives the line during the logging call. These set-ups do,
// and any combination of them:
//
//	zerolog.New(w).Hook(w)                                  // w wraps the output
//	zerolog.New(zerolog.MultiLevelWriter(os.Stdout, w)).Hook(w)
//	zerolog.New(zerolog.MultiLevelWriter(w, file)).Hook(w)
//	zerolog.New(zerolog.SyncWriter(w)).Hook(w)
//	zerologsentry.NewWriter(zerolog.ConsoleWriter{Out: os.Stdout}, opts) // as w
//
// These cannot: a writer in front of the Writer that writes later or on
// another goroutine (diode.NewWriter, a channel), Logger.Output, which
// keeps the hook but replaces the writer, and loggers without the hook.
// Their records are still sent correctly, without a context: an event
// with the global scope only; a breadcrumb to the global scope while the
// hook has never seen a context, and once it has, dropped (counted in
// core.Client.Stats as "context_lost:breadcrumb"), since it may be a
// request's and the global scope is in every request's events. Put
// asynchronous writers inside the Writer instead:
//
//	w := zerologsentry.NewWriter(diode.NewWriter(os.Stdout, 1000, 0, nil), opts)
//
// In every set-up the program's own output is byte for byte what zerolog
// writes: neither the hook nor MarshalStack adds anything to a line.
//
// # Why a writer that is also the hook
//
// zerolog gives an integration two places to stand, and each sees half of a
// record. A Hook runs in Msg, before the line is written, and sees the
// level, the message and the event's context (Event.GetCtx), but not the
// fields already added: they are private encoded bytes. A
// LevelWriter sees the whole encoded line but not the context. A hook alone
// loses the fields; a writer alone loses the request, and its breadcrumbs
// leak into every request's events. Reading zerolog's private buffer through
// unsafe or reflection would break with any zerolog release.
//
// So the Writer is both. zerolog runs the hooks and then writes the line,
// on the logging goroutine, within the logging call: the hook leaves the
// event's level, message and context for that goroutine, and the Writer,
// given the line, takes what its goroutine left for a line of that level
// and message. What is left for a line that never reaches the Writer (an
// event a later hook discards, a health check say) is replaced by the
// goroutine's next record, and a bounded table holds it meanwhile: nothing
// accumulates, however many events are discarded.
//
// # Record conversion
//
// Each line becomes a log record for package core; the mapping of its
// fields to Sentry data is the core's, shared by all bridges (see the core
// package doc):
//
//   - Level: Trace and Debug → debug, Info → info, Warn → warning,
//     Error → error, Fatal and Panic → fatal. NoLevel (Logger.Log) and
//     Disabled are never sent. A record below [Options.BreadcrumbLevel]
//     (default Info) is not decoded at all; from there up to
//     [Options.EventLevel] (default Error) it is a breadcrumb, from
//     EventLevel up an event. Level([LevelOff]) switches either
//     range off.
//   - Logs: a record sent as a log gets the level trace, debug, info,
//     warn, error or fatal (Fatal and Panic); its body is the message, its
//     time the line's timestamp (else the time of the write); its fields
//     become attributes, dicts flattened into dotted keys ("req.id"), typed
//     as the core documents for logs; the error (Err) becomes
//     exception.type and exception.message; [Options.Logger] is
//     logger.name; sentry.origin is [Origin]. The line is decoded
//     on the client's log worker, not on the logging goroutine.
//   - Message: the zerolog.MessageFieldName field; an event's message and
//     a breadcrumb's message.
//   - Time: the zerolog.TimestampFieldName field read as
//     zerolog.TimeFieldFormat wrote it; when it agrees with the clock to
//     its own precision (RFC 3339 has whole seconds), the clock's finer
//     reading is used so breadcrumbs keep their order. Without one, the
//     time the Writer received the line. A breadcrumb takes its time from
//     the field only where zerolog's timestamp hook (Context.Timestamp)
//     puts it, right before the message; elsewhere the field stays in the
//     breadcrumb's data. The level, message and timestamp fields are not
//     repeated among the attributes.
//   - Logger name: zerolog has none; [Options.Logger], when set, is the
//     event's logger and the breadcrumb's category.
//   - Errors: the zerolog.ErrorFieldName field (Event.Err) becomes the
//     event's exception, with the mechanism [Origin].
//     zerolog writes only the error's text, so without [MarshalStack] the
//     exception is a *[LoggedError] holding that text, of the type "error"
//     (the real one is unknown), and its stack is the logging call's,
//     without zerolog's and sentrylog's frames. With MarshalStack and
//     Stack(), the error itself reaches the core: its types, its wrapped
//     and joined errors and its own stack. Another stack marshaler's output
//     (zerolog's pkgerrors format: an array of {"func", "source", "line"},
//     innermost first) becomes the exception's frames. On breadcrumbs the
//     error is its text and the stack is dropped. Other errors (AnErr,
//     Errs) are fields like any other.
//   - Fields: fields keep their JSON types: strings, booleans, integers
//     (int64, or uint64 above its range), other numbers (float64), null;
//     arrays become lists. zerolog writes non-finite floats as the strings
//     "NaN", "+Inf" and "-Inf", durations as numbers in
//     zerolog.DurationFieldUnit and times as strings: they arrive so.
//   - Dicts: dicts (Dict, Object, RawJSON objects, Interface values that
//     encode as objects) become nested groups.
//   - With: fields added with Logger.With are part of every line zerolog
//     writes, so they arrive as the record's own fields do.
//   - Special keys (the core's mapping, as for every logger): a "user" dict
//     to the event's user, "fingerprint" to its fingerprint, a "tags" dict
//     and [Options.TagKeys] to tags.
//   - Everything else: the "log" context on events and the data of
//     breadcrumbs.
//   - Context: Event.GetCtx, through the hook, selects the scope; none
//     means the global scope (see above for the set-ups where the context
//     cannot be known).
//   - Caller and stack: the core captures the stack of the call to Msg and
//     drops zerolog's and sentrylog's frames, so the culprit is the
//     program's own line; storm control groups errors by their in-app
//     frames, as Sentry does. zerolog's "caller" field, when Caller() is
//     used, is an ordinary field.
//
// # Fatal and Panic
//
// A Fatal or Panic event is flushed before WriteLevel returns, bounded by
// the client's ShutdownTimeout, since zerolog exits or panics next.
//
// # Cost
//
//   - Below the breadcrumb level the Writer passes the line on after one
//     level comparison: no decoding, no allocation.
//   - A breadcrumb costs one allocation, a copy of the line; its fields are
//     decoded only when an event carries it or BeforeBreadcrumb sees it.
//   - An event decodes the line on the logging goroutine, without allocating
//     for unescaped text and scalar values; it is built and sent on the
//     client's worker.
//
// # Binary (CBOR) builds
//
// Built with zerolog's binary_log tag, zerolog writes CBOR, which this
// package does not decode: the Writer then passes every line through
// unchanged, sends nothing, and says so once through the client's debug log
// (core.Options.Debug).
package zerologsentry
