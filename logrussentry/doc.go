// Package logrussentry sends what a github.com/sirupsen/logrus logger logs
// to Sentry: a logrus.Hook, added beside the logger's own output, which
// stays as it is.
//
//	client, err := core.Init(core.Options{}) // the DSN from SENTRY_DSN
//	...
//	defer client.Close(context.Background())
//	logrus.AddHook(logrussentry.NewHook(logrussentry.Options{}))
//
// Records at or above Options.BreadcrumbLevel (default Info) become
// breadcrumbs; records at or above Options.EventLevel (default Error) become
// events, which carry the breadcrumbs logged before them in the same scope.
// Log with the request's context (logger.WithContext(ctx), or
// entry.WithContext(ctx)) so that both land in the request's scope; the
// sentryhttp middleware (sentryhttp) gives every request its own:
//
//	log := logger.WithContext(r.Context()).WithField("path", r.URL.Path)
//	log.Info("handling")                 // a breadcrumb on this request only
//	log.WithError(err).Error("failed")   // an event with that breadcrumb
//
// Records at or above Options.LogsLevel (off unless set) are also sent as
// Sentry logs, the searchable Logs view (see "Record conversion" for what a
// log carries):
//
//	logrussentry.NewHook(logrussentry.Options{LogsLevel: logrussentry.Level(logrus.InfoLevel)})
//
// A hook made without Options.Client uses the process-wide client of
// core.Init, looked up on each record: it can be made, and added to a
// logger, before Init, and starts sending once Init has run.
//
// # Record conversion
//
// Each entry becomes a log record for package core; the mapping of its fields to Sentry
// data is the core's, shared by all bridges (see the core package doc):
//
//   - Level: Trace and Debug → debug, Info → info, Warn → warning,
//     Error → error, Fatal and Panic → fatal. Which levels become
//     breadcrumbs or events is decided by [Options.BreadcrumbLevel] and
//     [Options.EventLevel]; [Level]([LevelOff]) switches either off. Levels
//     returns every level from Panic down to the less severe of the two,
//     so logrus does not call the hook for the others.
//   - Logs: an entry sent as a Sentry log gets the level trace, debug,
//     info, warn, error or fatal (Fatal and Panic); its body is the
//     message; its fields become attributes (nested logrus.Fields as dotted
//     keys, typed as package core documents for logs); WithError's error
//     becomes exception.type and exception.message; with SetReportCaller
//     the caller is code.file.path, code.line.number and
//     code.function.name; sentry.origin is [Origin].
//   - Message: the entry's message; an event's logentry.formatted and a
//     breadcrumb's message. An event without an error is a message event.
//   - Time: the entry's time, which logrus sets when the program did not
//     (WithTime).
//   - Logger name: logrus has none; [Options.Logger], when set, is the
//     event's logger and the breadcrumb's category.
//   - Errors: an error value at any field, and in nested logrus.Fields,
//     becomes the exception chain (wrapping and errors.Join included) with
//     the mechanism [Origin]. When there are several, the one at "error"
//     (logrus.ErrorKey, which WithError sets) or "err" is primary, then the
//     one at logrus.ErrorKey if the program renamed it, else the first in
//     key order; the others stay in the log context as their text.
//   - Fields: each field is an attribute, converted during Fire and typed
//     as the other bridges type theirs: numbers stay numbers (NaN and
//     infinities as text), bools, strings, times as RFC 3339 text,
//     durations their String form, []byte as text (base64 when not UTF-8),
//     other maps, slices and structs their JSON form, a Stringer its
//     String, nil pointers null. A value whose String, Error or MarshalJSON
//     panics is kept as a marked string ("!PANIC in ...") and the record is
//     still sent.
//   - Nested fields: a logrus.Fields or map[string]any value becomes a
//     nested group, like a slog group; an empty one is left out.
//   - With: the fields of WithField, WithFields and WithError are the
//     entry's fields (Entry.Data), read during Fire like any other.
//   - Special keys (the core's mapping): "user" (nested fields with id,
//     email, username, ip_address, name; a core.User; or an id) and
//     "user.<field>" keys, "fingerprint" (a string or []string), "tags"
//     (nested fields) and [Options.TagKeys], a *http.Request value.
//   - Everything else: the event's "log" context and the breadcrumb's data.
//   - Context: the entry's context (Entry.Context) selects the scope: its
//     isolation scope receives breadcrumbs and its scopes are merged into
//     events. Without one, the global scope.
//   - Caller and stack: the event's stack is the logging goroutine's, cut
//     at the user's call into logrus, so the culprit is the user's line and
//     never logrus's or sentrylog's. With ReportCaller the entry's caller
//     marks that call.
//
// # Fatal and Panic
//
// Fatal and Panic events are flushed before Fire returns, with the
// client's ShutdownTimeout as the deadline: logrus exits (Logger.Exit)
// or panics right after its hooks.
//
// # Cost
//
//   - logrus calls the hook only for the levels of Levels; below the hook's
//     thresholds, or without an enabled client, Fire compares a level and
//     returns.
//   - A breadcrumb of at most five fields that are not nested costs no
//     allocation; any other breadcrumb costs one.
//   - An event is built and sent on the client's worker.
package logrussentry
