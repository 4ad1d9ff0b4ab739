package core

import (
	"context"
	"encoding/hex"
	"log/slog"
	"time"
	"unsafe"
)

// LogLevel is the severity of a Sentry log: one of trace, debug, info,
// warn, error and fatal. The zero value is LogInfo.
type LogLevel int8

// The levels of Sentry logs.
const (
	LogTrace LogLevel = iota - 2
	LogDebug
	LogInfo
	LogWarn
	LogError
	LogFatal
)

// String returns the level's wire name ("warn", never "warning").
func (l LogLevel) String() string {
	switch {
	case l <= LogTrace:
		return "trace"
	case l == LogDebug:
		return "debug"
	case l == LogInfo:
		return "info"
	case l == LogWarn:
		return "warn"
	case l == LogError:
		return "error"
	default:
		return "fatal"
	}
}

// SeverityNumber returns the lowest OpenTelemetry severity number of the
// level's range: 1, 5, 9, 13, 17 or 21.
func (l LogLevel) SeverityNumber() int {
	l = max(min(l, LogFatal), LogTrace)
	return 1 + 4*int(l-LogTrace)
}

// Log is one Sentry structured log, as BeforeSendLog sees it and
// MemoryTransport keeps it. Attributes are flat and typed: strings, bools,
// int64s, float64s or slices of them; any other value is sent as JSON text.
type Log struct {
	Timestamp time.Time
	// TraceID is the trace the log belongs to: 32 lowercase hex digits.
	TraceID string
	// SpanID is the active span, 16 hex digits, or empty without one.
	SpanID     string
	Level      LogLevel
	Body       string
	Attributes []slog.Attr

	// scrubN counts the leading attributes the scrubber sees: the record's
	// own; the defaults after them are the SDK's.
	scrubN int
	// src and defs, when set, are blocks of Attributes, at srcAt and
	// defsAt, that encode as the blocks' encoding (see logBlock).
	src, defs     *logBlock
	srcAt, defsAt int
}

// Attr returns the value of the attribute named key, and whether there is
// one.
func (l *Log) Attr(key string) (slog.Value, bool) {
	for _, a := range l.Attributes {
		if a.Key == key {
			return a.Value, true
		}
	}
	return slog.Value{}, false
}

// logEntry is one log record on its way from the logging goroutine to the
// log worker, stored by value in a logChunk, whose attribute array holds
// the record's own attributes (attrs[a0:a1]).
//
// The logging goroutine's cost of a log is mostly the cache lines it
// writes into the chunk, which the worker's core read last: the entry is
// kept small (120 bytes, against 208 with the record's fields as they
// come), and what few records have (an encoded payload, a time outside
// int64 nanoseconds, the scopes' data with SendDefaultPII) is in an extra
// beside it.
type logEntry struct {
	when   int64 // Unix nanoseconds, unless the extra has the time
	msg    string
	logger string
	origin string
	ctx    context.Context // for the trace, read on the worker
	pc     uintptr
	// pre and groups are the arrays of the record's Pre and Groups, npre
	// and ngroups long: immutable, shared with the logger.
	pre           *slog.Attr
	groups        *string
	npre, ngroups int32
	a0, a1        int32
	x             int32 // 1 + the index of the entry's logExtra, or 0
	level         LogLevel
}

// logExtra holds what an entry has only for some records.
type logExtra struct {
	// when is the record's time when it is outside the range of int64
	// nanoseconds (the years 1678 to 2262), with wide set.
	when   time.Time
	wide   bool
	raw    string
	decode func(string) []slog.Attr
	global *scopeData
	iso    *scopeData
	cur    *scopeData
}

// logChunk holds records the logging goroutines queued: entries by value
// and their attributes, copied into one array, so that queueing a record
// allocates nothing once the pipe has the chunks it needs. The queue is a
// list of chunks; the worker takes the whole list at once (see logPipe).
type logChunk struct {
	n     int // the entries in use
	attrs []slog.Attr
	xs    []logExtra // the entries' extras, allocated when first needed
	ents  [logChunkLen]logEntry
}

// A chunk holds logChunkLen records and, before its array grows,
// logChunkAttrs attributes: four per record.
const (
	logChunkLen   = 128
	logChunkAttrs = 4 * logChunkLen
)

func newLogChunk() *logChunk {
	return &logChunk{attrs: make([]slog.Attr, 0, logChunkAttrs)}
}

// attrsOf returns the record attributes of e, an entry of ch.
func (ch *logChunk) attrsOf(e *logEntry) []slog.Attr { return ch.attrs[e.a0:e.a1:e.a1] }

// extraOf returns the extra of e, an entry of ch; the zero extra when it
// has none.
func (ch *logChunk) extraOf(e *logEntry) *logExtra {
	if e.x == 0 {
		return &noExtra
	}
	return &ch.xs[e.x-1]
}

// noExtra is the extra of entries without one; never written.
var noExtra logExtra

// sizeOf returns estimateLogSize of e, an entry of ch.
func (ch *logChunk) sizeOf(e *logEntry) int {
	return estimateLogSize(e.msg, ch.extraOf(e).raw, ch.attrsOf(e))
}

// put fills the next entry of ch, which has room, with r and its
// attributes own and lent, and returns the entry.
func (ch *logChunk) put(r *record, level LogLevel, when int64, own, lent []slog.Attr, x *logExtra) *logEntry {
	a0 := len(ch.attrs)
	// A call of the runtime's copy (typedslicecopy) costs more than the
	// few attributes it copies: none for an empty list.
	if len(own) > 0 {
		ch.attrs = append(ch.attrs, own...)
	}
	if len(lent) > 0 {
		ch.attrs = append(ch.attrs, lent...)
	}
	return ch.putEntry(r, level, when, a0, x)
}

// putEntry fills the next entry of ch, whose attributes were appended to
// ch.attrs from a0 on.
func (ch *logChunk) putEntry(r *record, level LogLevel, when int64, a0 int, x *logExtra) *logEntry {
	e := &ch.ents[ch.n]
	ch.n++
	e.when, e.level, e.msg, e.logger, e.origin, e.ctx, e.pc = when, level, r.Message, r.Logger, r.Origin, r.Context, r.PC
	e.pre, e.npre = nil, int32(len(r.Pre))
	if len(r.Pre) > 0 {
		e.pre = unsafe.SliceData(r.Pre)
	}
	e.groups, e.ngroups = nil, int32(len(r.Groups))
	if len(r.Groups) > 0 {
		e.groups = unsafe.SliceData(r.Groups)
	}
	e.a0, e.a1, e.x = int32(a0), int32(len(ch.attrs)), 0
	if x != nil {
		if ch.xs == nil {
			ch.xs = make([]logExtra, 0, logChunkLen)
		}
		ch.xs = append(ch.xs, *x)
		e.x = int32(len(ch.xs))
	}
	return e
}

// The fields of an entry as the worker reads them.

func (e *logEntry) preAttrs() []slog.Attr { return unsafe.Slice(e.pre, e.npre) }
func (e *logEntry) groupNames() []string  { return unsafe.Slice(e.groups, e.ngroups) }

func (e *logEntry) time(x *logExtra) time.Time {
	if x.wide {
		return x.when
	}
	return time.Unix(0, e.when)
}

// reset empties ch, releasing what its entries point to; an attribute
// array that a record with many attributes grew is dropped.
func (ch *logChunk) reset() {
	clear(ch.ents[:ch.n])
	clear(ch.attrs)
	clear(ch.xs)
	ch.n, ch.attrs, ch.xs = 0, ch.attrs[:0], ch.xs[:0]
	if cap(ch.attrs) > 2*logChunkAttrs {
		ch.attrs = make([]slog.Attr, 0, logChunkAttrs)
	}
}

// logsEnabled implements bridge.LogsEnabled.
func (c *Client) logsEnabled() bool { return c.accepts() && c.logs != nil }

// accepts reports whether the bridges hand c records: c is enabled, and
// after Close too, so that what c drops then is counted.
func (c *Client) accepts() bool { return c != nil && c.enabled }

// captureLog implements bridge.CaptureLog.
func (c *Client) captureLog(r *record, level LogLevel, attrs []slog.Attr) {
	if !c.logsEnabled() || r == nil {
		return
	}
	if c.closed.Load() {
		// Counted before anything is converted: the program's LogValuers
		// do not run for a log that is dropped.
		c.logs.dropClosed(estimateLogSize(r.Message, r.Raw, r.Attrs, attrs))
		return
	}
	when := r.Time
	if when.IsZero() {
		when = time.Now()
	}
	ns, inRange := unixNano(when)
	own, lent := r.Attrs, attrs
	if changing(own) || changing(lent) {
		// Values the program could change are converted now, before the
		// queue's lock: the conversion may run the program's code.
		own, lent = ownAttrs(make([]slog.Attr, 0, len(own)+len(lent)), own), nil
		own = ownAttrs(own, attrs)
	}
	if inRange && r.Decode == nil && !c.opts.SendDefaultPII {
		c.logs.enqueue(r, level, ns, own, lent, nil) // the usual record
		return
	}
	var x logExtra
	if !inRange {
		x.when, x.wide = when, true
	}
	if r.Decode != nil {
		x.raw, x.decode = r.Raw, r.Decode
	}
	if c.opts.SendDefaultPII {
		// The user is all a log takes from the scopes (the trace comes
		// from ctx), and only with personal data: a snapshot locks the
		// scope, a cost the other logs do not pay.
		x.global = c.global.load()
		if cur := CurrentScope(r.Context); cur != nil {
			x.iso = cur.isolation.load()
			if cur != cur.isolation {
				x.cur = cur.load()
			}
		}
	}
	c.logs.enqueue(r, level, ns, own, lent, &x)
}

// captureSlogLog implements bridge.CaptureSlogLog: captureLog for the
// usual record of slog, whose attributes are copied from sr into the
// queue's chunk, with no copy on the way. It reports false, having done
// nothing, for a record it leaves to captureLog: one with an attribute to
// convert (see storable), with r.Attrs, a zerolog payload or a time out of
// range, or with SendDefaultPII (the user is taken from the scopes).
func (c *Client) captureSlogLog(r *record, level LogLevel, sr *slog.Record) bool {
	if !c.logsEnabled() || r == nil {
		return true
	}
	if c.closed.Load() {
		n := len(r.Message) + 60
		sr.Attrs(func(a slog.Attr) bool { n += estimateAttrSize(a); return true })
		c.logs.dropClosed(n)
		return true
	}
	if len(r.Attrs) > 0 || r.Decode != nil || c.opts.SendDefaultPII {
		return false
	}
	when := r.Time
	if when.IsZero() {
		when = time.Now()
	}
	ns, inRange := unixNano(when)
	return inRange && c.logs.enqueueSlog(r, level, ns, sr)
}

// unixNano returns t as Unix nanoseconds, and whether it is in their range.
func unixNano(t time.Time) (int64, bool) {
	// Within 292 years of 1970, as a whole number of seconds too.
	if s := t.Unix(); s <= -9_223_372_036 || s >= 9_223_372_036 {
		return 0, false
	}
	return t.UnixNano(), true
}

// changing reports whether attrs has a value ownAttrs converts.
func changing(attrs []slog.Attr) bool {
	for _, a := range attrs {
		if mayChange(a.Value) {
			return true
		}
	}
	return false
}

// traceFor sets the trace of a log captured under ctx: the active span of
// Options.SpanFromContext, else the propagation context of ctx's isolation
// scope (the global scope's without one), whose span is no real span and
// is not sent. It runs on the log worker, which remembers the last ids'
// text: the logs of one trace share it.
func (lp *logPipe) traceFor(l *Log, ctx context.Context) {
	trace, span, real := lp.c.traceOf(ctx)
	if lp.trace.hex == "" || lp.trace.id != trace {
		lp.trace.id, lp.trace.hex = trace, hex.EncodeToString(trace[:])
	}
	l.TraceID = lp.trace.hex
	if real {
		if lp.span.hex == "" || lp.span.id != span {
			lp.span.id, lp.span.hex = span, hex.EncodeToString(span[:])
		}
		l.SpanID = lp.span.hex
	}
}

// estimateLogSize approximates a log's size for the log_byte category when
// it is dropped before being encoded: body and attribute keys plus a fixed
// share per field, as Relay counts bytes.
func estimateLogSize(msg, raw string, attrs ...[]slog.Attr) int {
	n := len(msg) + 60
	for _, as := range attrs {
		for _, a := range as {
			n += estimateAttrSize(a)
		}
	}
	return n + len(raw)
}

// estimateAttrSize is an attribute's share of estimateLogSize.
func estimateAttrSize(a slog.Attr) int {
	n := len(a.Key) + 20
	if a.Value.Kind() == slog.KindString {
		n += len(a.Value.String())
	}
	return n
}

// startLogs starts the log worker when the transport delivers logs.
func (c *Client) startLogs() {
	c.logs = newLogPipe(c)
	if c.logs != nil {
		c.wg.Add(1)
		go c.logs.run()
	}
}

// dropQueuedLogs counts the logs that slipped into the queue after the
// log worker stopped (Close); later ones are counted as they come.
func (c *Client) dropQueuedLogs() {
	if c.logs == nil {
		return
	}
	lp := c.logs
	lp.mu.Lock()
	defer lp.mu.Unlock()
	lp.stopped = true
	for _, ch := range lp.chunks {
		for i := range ch.ents[:ch.n] {
			e := &ch.ents[i]
			c.outcomes.Add(reasonQueueOverflow, categoryLogItem, 1)
			c.outcomes.Add(reasonQueueOverflow, categoryLogByte, ch.sizeOf(e))
		}
		ch.reset()
	}
	lp.chunks, lp.queued = nil, 0
	for _, w := range lp.waiters {
		close(w)
	}
	lp.waiters = nil
}

// logStats adds the log counts to a Stats.
func (c *Client) logStats(st *Stats) {
	lo := &c.outcomes.Logs
	st.LogsDelivered = lo.Delivered.Load()
	if n := lo.ServerRateLimited.Load(); n > 0 {
		st.Dropped["server_rate_limited:log_item"] = n
		st.Dropped["server_rate_limited:log_byte"] = lo.ServerRateLimitedBytes.Load()
	}
}

// applyLogDefaults fills the logs options' defaults.
func (o *Options) applyLogDefaults() {
	if o.LogsBuffer <= 0 {
		o.LogsBuffer = defaultLogsBuffer
	}
	o.LogStorm.fillFrom(StormOptions{GroupBurst: 1000, GroupRate: 100, GlobalBurst: 5000, GlobalRate: 1000, MaxGroups: 4096})
}
