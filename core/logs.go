package core

import (
	"context"
	"encoding/hex"
	"log/slog"
	"time"
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
// log worker: the record's fields and pointers to the scopes' data, stored
// by value in a logChunk, whose attribute array holds the record's own
// attributes (attrs[a0:a1]).
type logEntry struct {
	when   time.Time
	level  LogLevel
	msg    string
	logger string
	origin string
	pc     uintptr
	pre    []slog.Attr // immutable, shared with the logger
	groups []string    // immutable, shared with the logger
	a0, a1 int32
	raw    string
	decode func(string) []slog.Attr
	global *scopeData
	iso    *scopeData
	cur    *scopeData
	ctx    context.Context // for the trace, read on the worker
}

// logChunk holds records the logging goroutines queued: entries by value
// and their attributes, copied into one array, so that queueing a record
// allocates nothing once the pipe has the chunks it needs. The queue is a
// list of chunks; the worker takes the whole list at once (see logPipe).
type logChunk struct {
	n     int // the entries in use
	attrs []slog.Attr
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

// reset empties ch, releasing what its entries point to; an attribute
// array that a record with many attributes grew is dropped.
func (ch *logChunk) reset() {
	clear(ch.ents[:ch.n])
	clear(ch.attrs)
	ch.n, ch.attrs = 0, ch.attrs[:0]
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
	when := r.Time
	if when.IsZero() {
		when = time.Now()
	}
	e := logEntry{
		when: when, level: level, msg: r.Message, logger: r.Logger, origin: r.Origin, pc: r.PC,
		pre: r.Pre, groups: r.Groups, ctx: r.Context,
	}
	if r.Decode != nil {
		e.raw, e.decode = r.Raw, r.Decode
	}
	if c.opts.SendDefaultPII {
		// The user is all a log takes from the scopes (the trace comes
		// from ctx), and only with personal data: a snapshot locks the
		// scope, a cost the other logs do not pay.
		e.global = c.global.load()
		if cur := CurrentScope(r.Context); cur != nil {
			e.iso = cur.isolation.load()
			if cur != cur.isolation {
				e.cur = cur.load()
			}
		}
	}
	own, lent := r.Attrs, attrs
	if changing(own) || changing(lent) {
		// Values the program could change are converted now, before the
		// queue's lock: the conversion may run the program's code.
		own, lent = ownAttrs(make([]slog.Attr, 0, len(own)+len(lent)), own), nil
		own = ownAttrs(own, attrs)
	}
	c.logs.enqueue(&e, own, lent)
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
func estimateLogSize(e *logEntry, attrs ...[]slog.Attr) int {
	n := len(e.msg) + 60
	for _, as := range attrs {
		for _, a := range as {
			n += len(a.Key) + 20
			if a.Value.Kind() == slog.KindString {
				n += len(a.Value.String())
			}
		}
	}
	return n + len(e.raw)
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
			c.outcomes.Add(reasonQueueOverflow, categoryLogByte, estimateLogSize(e, ch.attrsOf(e)))
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
