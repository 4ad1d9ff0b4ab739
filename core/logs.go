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
// log worker: the record's fields, its own attributes copied into a buffer
// the entry keeps across uses (pooled), and pointers to the scopes' data.
type logEntry struct {
	when    time.Time
	level   LogLevel
	msg     string
	logger  string
	origin  string
	pc      uintptr
	pre     []slog.Attr // immutable, shared with the logger
	groups  []string    // immutable, shared with the logger
	attrs   []slog.Attr // owned
	raw     string
	decode  func(string) []slog.Attr
	global  *scopeData
	iso     *scopeData
	cur     *scopeData
	ctx     context.Context // for the trace, read on the worker
	flushed chan struct{}   // a flush marker when non-nil
	// inl holds the attributes of most records, so that a new entry is one
	// allocation; attrs starts out on it.
	inl [8]slog.Attr
}

// maxPooledLogAttrs keeps entries of records with many attributes out of
// the pool.
const maxPooledLogAttrs = 64

// logFreeList is how many used entries a pipe keeps for reuse. The worker
// hands entries back through a channel rather than a sync.Pool: it runs on
// another P than the logging goroutines, whose own pools would stay empty.
const logFreeList = 2 * maxLogsPerEnvelope

// getEntry returns a used entry, or a new one.
func (lp *logPipe) getEntry() *logEntry {
	select {
	case e := <-lp.free:
		return e
	default:
		e := new(logEntry)
		e.attrs = e.inl[:0]
		return e
	}
}

// putEntry keeps e for reuse, unless its buffer is large or enough are kept.
func (lp *logPipe) putEntry(e *logEntry) {
	if cap(e.attrs) > maxPooledLogAttrs {
		return
	}
	clear(e.attrs)
	*e = logEntry{attrs: e.attrs[:0]}
	select {
	case lp.free <- e:
	default:
	}
}

// logsEnabled implements bridge.LogsEnabled.
func (c *Client) logsEnabled() bool { return c.Enabled() && c.logs != nil }

// captureLog implements bridge.CaptureLog.
func (c *Client) captureLog(r *record, level LogLevel, attrs []slog.Attr) {
	if !c.logsEnabled() || r == nil {
		return
	}
	e := c.logs.getEntry()
	e.when = r.Time
	if e.when.IsZero() {
		e.when = time.Now()
	}
	e.level, e.msg, e.logger, e.origin, e.pc = level, r.Message, r.Logger, r.Origin, r.PC
	e.pre, e.groups = r.Pre, r.Groups
	if r.Decode != nil {
		e.raw, e.decode = r.Raw, r.Decode
	}
	e.attrs = ownAttrs(ownAttrs(e.attrs[:0], r.Attrs), attrs)
	c.logs.snapScopes(e, r.Context)
	c.logs.enqueue(e)
}

// snapScopes records, without copying, the scope data the log takes: the
// user (with SendDefaultPII) and the trace.
func (lp *logPipe) snapScopes(e *logEntry, ctx context.Context) {
	e.global = lp.c.global.load()
	if cur := CurrentScope(ctx); cur != nil {
		e.iso = cur.isolation.load()
		if cur != cur.isolation {
			e.cur = cur.load()
		}
	}
	e.ctx = ctx
}

// traceForLog sets the trace of a log captured under ctx: the active span
// of Options.SpanFromContext, else the propagation context of ctx's
// isolation scope (the global scope's without one), whose span is no real
// span and is not sent. It runs on the log worker.
func traceForLog(c *Client, l *Log, ctx context.Context) {
	trace, span, real := c.traceOf(ctx)
	l.TraceID = hex.EncodeToString(trace[:])
	if real {
		l.SpanID = hex.EncodeToString(span[:])
	}
}

// estimateLogSize approximates a log's size for the log_byte category when
// it is dropped before being encoded: body and attribute keys plus a fixed
// share per field, as Relay counts bytes.
func estimateLogSize(e *logEntry) int {
	n := len(e.msg) + 60
	for _, a := range e.attrs {
		n += len(a.Key) + 20
		if a.Value.Kind() == slog.KindString {
			n += len(a.Value.String())
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
// log worker stopped (Close).
func (c *Client) dropQueuedLogs() {
	if c.logs == nil {
		return
	}
	for {
		select {
		case e := <-c.logs.q:
			if e.flushed != nil {
				close(e.flushed)
				continue
			}
			c.outcomes.Add(reasonQueueOverflow, categoryLogItem, 1)
			c.outcomes.Add(reasonQueueOverflow, categoryLogByte, estimateLogSize(e))
			continue
		default:
		}
		return
	}
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
	s := &o.LogStorm
	if s.GroupBurst <= 0 {
		s.GroupBurst = 1000
	}
	if s.GroupRate <= 0 {
		s.GroupRate = 100
	}
	if s.GlobalBurst <= 0 {
		s.GlobalBurst = 5000
	}
	if s.GlobalRate <= 0 {
		s.GlobalRate = 1000
	}
	if s.MaxGroups <= 0 {
		s.MaxGroups = 4096
	}
}
