package core

import (
	"context"
	"log/slog"
	"time"
)

// Record is the logger-neutral form of one log record. The bridges build one
// from their native record (slog.Record, zapcore.Entry and fields, a zerolog
// line) and hand it to Client.CaptureRecord or Client.AddRecordBreadcrumb;
// only the core knows how a record becomes Sentry data.
//
// Attributes use log/slog's typed Attr and Value, groups kept as nested
// KindGroup values. The mapping of attributes to event fields is documented in
// the package doc ("Attribute mapping").
type Record struct {
	// Time is when the record was made; the zero time means now.
	Time time.Time
	// Level is the Sentry level the bridge mapped the record's level to.
	Level Level
	// Message is the record's message.
	Message string
	// Logger is the logger's name (zap's Named); it becomes the event's logger
	// and the breadcrumb's category.
	Logger string
	// Context selects the scope: its isolation scope receives breadcrumbs
	// and its scopes are merged into events. Nil means the global scope.
	Context context.Context
	// PC is the program counter of the logging call site, or 0: a return
	// address as runtime.Callers reports it (slog.Record.PC), or a frame's
	// PC (runtime.Frame.PC, zapcore.EntryCaller.PC), which is one less. When set it
	// marks where the user's frames end, so the culprit is the user's line.
	PC uintptr
	// Pre holds attributes accumulated on the logger (With, WithAttrs). It
	// must not change after it is handed over: the core may keep it without
	// copying. Bridges pass the attributes through OwnAttrs when they are
	// accumulated, so that mutable values are converted once, then.
	Pre []slog.Attr
	// Groups are the open group names that Attrs are nested under (slog's
	// WithGroup). The same rule as Pre applies.
	Groups []string
	// Attrs are the record's own attributes. They are borrowed for the call
	// only: the core copies what it keeps before returning, unless
	// GiveAttrs is set. (To lend a few from an array on the stack, pass
	// them to Client.AddBreadcrumbAttrs instead: here the array would move
	// to the heap.)
	Attrs []slog.Attr
	// GiveAttrs hands Attrs over instead of lending them: a breadcrumb
	// keeps the slice itself, with the values the program could change
	// converted in place. The caller must neither reuse nor change the
	// slice afterwards. A bridge that allocates the slice for one record
	// sets it and saves the core's copy.
	GiveAttrs bool
	// Raw and Decode let a breadcrumb keep attributes still encoded: a
	// bridge whose records arrive as bytes (zerolog's lines) hands over a
	// copy in Raw and a function that decodes it. The core calls
	// Decode(Raw) only when the breadcrumb's data is needed (by an event
	// that carries it, or by BeforeBreadcrumb): perhaps never, perhaps more
	// than once, on any goroutine, so Decode must be safe for concurrent
	// use. A panic in it becomes a marked value. The decoded attributes
	// come before Attrs. CaptureRecord decodes at once.
	Raw    string
	Decode func(raw string) []slog.Attr
	// TagKeys names attribute keys (dotted paths for nested groups) whose
	// values become tags. Not modified or kept past the call... except by
	// reference: it must not change after it is handed over.
	TagKeys []string
	// Frames, when set, is the stack of the primary error as the logger
	// reported it (zerolog's stack marshaler), caller to callee. It wins over
	// the stack the error carries and the one captured at the call site.
	Frames []Frame
	// Origin is the mechanism type of exceptions made from this record, such
	// as "auto.log.slog". Empty means "generic".
	Origin string
	// ContextLost says the record may have been logged with a context that
	// the bridge could not recover. Such a record is never put on the global
	// scope: without an isolation scope in Context, a breadcrumb is dropped
	// (counted in Stats.Dropped as "context_lost:breadcrumb"); an event is
	// captured as usual, with the global scope only.
	ContextLost bool
}

// Hint carries what an event or breadcrumb was made from to BeforeSend and
// BeforeBreadcrumb. It is only valid during the callback.
type Hint struct {
	// OriginalError is the error the event was made from, if any.
	OriginalError error
	// Record is the log record the event or breadcrumb was made from, if any.
	// Its Attrs are a copy owned by the core.
	Record *Record
	// Context is the context of the capture.
	Context context.Context
}
