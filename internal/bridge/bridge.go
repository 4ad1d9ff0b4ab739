// Package bridge is what the logging bridges (slogsentry, zapsentry,
// zerologsentry, logrussentry) and sentryhttp share with package core and
// applications never call: the logger-neutral [Record] and the calls that
// hand one to a client.
//
// Package core implements the calls and sets the function variables behind
// them in its init; every bridge imports core, so they are set before a
// bridge runs. A client argument is a *core.Client (typed as [Client] here,
// since this package cannot import core).
package bridge

import (
	"context"
	"log/slog"
	"net/http"
	"time"
	"unsafe"

	"github.com/sentrylog/sentrylog/core/protocol"
)

// Client is a *core.Client; nil is a valid, disabled client.
type Client interface {
	Enabled() bool
}

// InlineAttrs is how many attributes lent to [AddBreadcrumbAttrs] a
// breadcrumb keeps without allocating: as many as slog.Record keeps
// inline, enough for most log calls.
const InlineAttrs = 5

// Record is the logger-neutral form of one log record. The bridges build one
// from their native record (slog.Record, zapcore.Entry and fields, a zerolog
// line) and hand it to [CaptureRecord] or [AddRecordBreadcrumb];
// only the core knows how a record becomes Sentry data.
//
// Attributes use log/slog's typed Attr and Value, groups kept as nested
// KindGroup values. The mapping of attributes to event fields is documented in
// package core's doc ("Attribute mapping").
type Record struct {
	// Time is when the record was made; the zero time means now.
	Time time.Time
	// Level is the Sentry level the bridge mapped the record's level to.
	Level protocol.Level
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
	// copying. Bridges pass the attributes through [OwnAttrs] when they are
	// accumulated, so that mutable values are converted once, then.
	Pre []slog.Attr
	// Groups are the open group names that Attrs are nested under (slog's
	// WithGroup). The same rule as Pre applies.
	Groups []string
	// Attrs are the record's own attributes. They are borrowed for the call
	// only: the core copies what it keeps before returning, unless
	// GiveAttrs is set. (To lend a few from an array on the stack, pass
	// them to [AddBreadcrumbAttrs] instead: here the array would move
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
	Frames []protocol.Frame
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

// Hooks is what package core provides; it sets [Impl] in its init.
type Hooks struct {
	CaptureRecord func(c Client, r *Record) protocol.EventID
	AddBreadcrumb func(c Client, r *Record, attrs []slog.Attr)
	Frame         func(c Client, function, file string, line int) protocol.Frame
	Debugf        func(c Client, format string, args ...any)
	OwnAttrs      func(attrs []slog.Attr) []slog.Attr
	PanicValue    func(method string, recovered any) slog.Value
	ErrorPCs      func(err error) []uintptr

	CaptureLog  func(c Client, r *Record, level int8, attrs []slog.Attr)
	LogsEnabled func(c Client) bool
	Accepts     func(c Client) bool
	LogBatches  func(mt any) []LogBatch

	CaptureSlogLog func(c Client, r *Record, level int8, sr *slog.Record) bool

	NewRequest         func(r *http.Request, pii bool, body []byte) *protocol.Request
	SetRequestFunc     func(scope any, fn func() *protocol.Request)
	SetTransactionFunc func(scope any, fn func() (name, source string))
}

// Accepts reports whether c takes records: it is enabled, closed or not. A
// closed client drops what it is given and counts it (Stats, client
// reports), so the bridges hand it records rather than dropping them
// unseen.
func Accepts(c Client) bool { return Impl.Accepts(c) }

// Impl holds package core's implementations.
var Impl Hooks

// CaptureRecord captures a log record as an event and returns its ID, or ""
// when it was not queued. r is only read during the call (see [Record] for
// what may be kept). It never blocks and never panics.
func CaptureRecord(c Client, r *Record) protocol.EventID {
	leakContent(r)
	return Impl.CaptureRecord(c, hide(r))
}

// AddRecordBreadcrumb adds a log record as a breadcrumb to the isolation
// scope of r.Context, or to the global scope. r is only read during the
// call, except what it hands over: Attrs with GiveAttrs (kept, and its
// mutable values converted in place), and Raw.
func AddRecordBreadcrumb(c Client, r *Record) {
	leakContent(r)
	Impl.AddBreadcrumb(c, hide(r), nil)
}

// AddBreadcrumbAttrs is [AddRecordBreadcrumb] with more of the record's own
// attributes, after r.Attrs, passed apart and lent for the call only. The
// core copies them (converting the values the program could change), into
// the breadcrumb itself when r.Attrs is empty and there are at most
// [InlineAttrs] of them: a bridge that builds them in an array on its stack
// adds the breadcrumb without allocating. (In r.Attrs the array would move
// to the heap: escape analysis does not tell a Record's fields apart, and
// the core may keep r.Attrs.)
func AddBreadcrumbAttrs(c Client, r *Record, attrs []slog.Attr) {
	leakContent(r)
	leakAttrs(attrs)
	Impl.AddBreadcrumb(c, hide(r), hideAttrs(attrs))
}

// LogsEnabled reports whether the client sends logs: it is enabled and its
// transport delivers logs. Bridges ask it before they build a log.
func LogsEnabled(c Client) bool { return Impl.LogsEnabled(c) }

// CaptureLog queues a log record to be sent as a Sentry log at level (a
// core.LogLevel). The record's own attributes are r.Attrs followed by
// attrs; both are lent for the call only (the core copies them, converting
// the values the program could change), so a bridge may pass an array on
// its stack as attrs. r.Pre, r.Groups, r.Raw and r.Decode are kept as
// [Record] describes; r.TagKeys and r.Frames are not used.
//
// It never blocks and never panics: the log is converted, scrubbed,
// batched and sent by the client's log worker. A log the buffer
// (Options.LogsBuffer) cannot take is dropped and counted as
// queue_overflow in the log_item and log_byte categories.
func CaptureLog[L ~int8](c Client, r *Record, level L, attrs []slog.Attr) {
	leakContent(r)
	leakAttrs(attrs)
	Impl.CaptureLog(c, hide(r), int8(level), hideAttrs(attrs))
}

// CaptureSlogLog is [CaptureLog] for a record of log/slog whose own
// attributes are sr's, none needing conversion: each has a key and a value
// that is neither a group nor a LogValuer nor of KindAny. The core copies
// them from sr straight into its buffer. It reports false, having queued
// and counted nothing, when it leaves the record to CaptureLog: when an
// attribute needs converting, or for records the core handles only there
// (r.Attrs set, a payload in r.Raw, ...). sr is only read during the call.
func CaptureSlogLog[L ~int8](c Client, r *Record, level L, sr *slog.Record) bool {
	leakContent(r)
	leakRecord(sr)
	return Impl.CaptureSlogLog(c, hide(r), int8(level), hideRecord(sr))
}

// LogBatch is one log envelope item a core.MemoryTransport kept.
type LogBatch struct {
	Count   int    // the logs in the item
	Payload []byte // the item's payload
}

// LogBatches returns the log items mt (a *core.MemoryTransport) kept so
// far, oldest first, for tests that check their wire form.
func LogBatches(mt any) []LogBatch { return Impl.LogBatches(mt) }

// Frame describes one stack frame the way the client describes the frames
// it captures: the module is the function's package path, the file name is
// module-relative, and in_app follows the client's InAppInclude and
// InAppExclude. Bridges use it for stacks their logger reports as text. A
// nil client marks no frame in-app.
func Frame(c Client, function, file string, line int) protocol.Frame {
	return Impl.Frame(c, function, file, line)
}

// Debugf writes a diagnostic line to the client's debug output when its
// Debug option is on.
func Debugf(c Client, format string, args ...any) { Impl.Debugf(c, format, args...) }

// OwnAttrs returns a copy of attrs the core may keep: groups are copied and
// values the program could change later (maps, slices, pointers to structs)
// are converted now. Bridges call it for the attributes they accumulate in
// With/WithAttrs, which Record.Pre hands over without a copy.
func OwnAttrs(attrs []slog.Attr) []slog.Attr { return Impl.OwnAttrs(attrs) }

// PanicValue is the marked value that replaces an attribute whose user code
// (String, Error, LogValue, MarshalJSON, a zap marshaler) panicked while it
// was being converted. method names the call that panicked; the value reads
// "!PANIC in <method>: <recovered>", so the event still goes out and shows
// what went wrong.
func PanicValue(method string, recovered any) slog.Value {
	return Impl.PanicValue(method, recovered)
}

// ErrorPCs returns the program counters err itself recorded where it was
// made (a Callers method, or a pkg/errors-style StackTrace), or nil; it does
// not follow the chain.
func ErrorPCs(err error) []uintptr { return Impl.ErrorPCs(err) }

// NewRequest describes r for an event. Cookies, credentials and the client's
// address are only included when pii is true (SendDefaultPII). body is the
// request body already read by the caller (the HTTP middleware reads at most
// MaxRequestBodySize); nil leaves it out. r's body is never read.
func NewRequest(r *http.Request, pii bool, body []byte) *protocol.Request {
	return Impl.NewRequest(r, pii, body)
}

// SetRequestFunc attaches the HTTP request to scope (a *core.Scope) lazily:
// fn is called on the capturing goroutine when an event is captured under
// the scope, so a request that never produces an event costs nothing to
// describe. A request set with Scope.SetRequest wins.
func SetRequestFunc(scope any, fn func() *protocol.Request) { Impl.SetRequestFunc(scope, fn) }

// SetTransactionFunc names the transaction of scope (a *core.Scope) lazily:
// fn returns the name and its source (protocol.SourceRoute, ...) when an
// event or an outgoing request needs it, on the client's worker or the
// calling goroutine, so it must be safe for concurrent use. A name set with
// Scope.SetTransaction wins; an empty name from fn means none.
func SetTransactionFunc(scope any, fn func() (name, source string)) {
	Impl.SetTransactionFunc(scope, fn)
}

// The calls above reach package core through function variables, and Go's
// escape analysis assumes that whatever is passed to a function variable
// escapes: a Record or an attribute array a bridge keeps on its stack would
// move to the heap, one allocation per log call. The core's implementations
// keep neither r nor the attrs array (only what r's fields point to, as
// documented on Record), so the pointers are laundered past the analysis
// (as the runtime's noescape does), and leakContent and leakAttrs tell it
// what does escape: the values r's fields and the attributes point to.

// sink is never written: leak is always false, but the compiler cannot know.
var (
	leak bool
	sink struct {
		r  Record
		a  slog.Attr
		sr slog.Record
	}
)

func leakContent(r *Record) {
	if leak {
		sink.r = *r
	}
}

func leakAttrs(attrs []slog.Attr) {
	if leak {
		for _, a := range attrs {
			sink.a = a
		}
	}
}

func leakRecord(sr *slog.Record) {
	if leak {
		sink.sr = *sr
	}
}

// The laundering holds a pointer in a uintptr, which the runtime does not
// update when it moves the goroutine's stack: a Record or an array on the
// caller's stack would then be read at its old place (freed, and soon
// another goroutine's stack or heap objects), and what it points to would
// not be seen by the garbage collector. So nothing in these functions may
// call anything that can grow the stack. Built with -race or checkptr, the
// compiler instruments the conversions below with calls into the runtime
// that can: the pragmas turn the instrumentation off, which also keeps the
// functions from being inlined into instrumented callers (where the calls
// around them could move the stack), and leaves them leaf functions that
// take the pointer as an argument (updated by a stack move) and return it.

// hideRecord returns sr, unknown to escape analysis.
//
//go:nocheckptr
//go:norace
func hideRecord(sr *slog.Record) *slog.Record {
	x := uintptr(unsafe.Pointer(sr))
	return *(**slog.Record)(unsafe.Pointer(&x))
}

// hide returns r, unknown to escape analysis.
//
//go:nocheckptr
//go:norace
func hide(r *Record) *Record {
	x := uintptr(unsafe.Pointer(r))
	return *(**Record)(unsafe.Pointer(&x))
}

// hideAttrs returns attrs, its array unknown to escape analysis.
//
//go:nocheckptr
//go:norace
func hideAttrs(attrs []slog.Attr) []slog.Attr {
	if len(attrs) == 0 {
		return nil
	}
	x := uintptr(unsafe.Pointer(unsafe.SliceData(attrs)))
	return unsafe.Slice(*(**slog.Attr)(unsafe.Pointer(&x)), len(attrs))
}
