package slogsentry

import (
	"context"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"log/slog"
	"slices"
	"sync"

	"github.com/sentrylog/sentrylog/core"
)

// Origin is the mechanism type of exceptions, and the sentry.origin of
// Sentry logs, made from slog records.
const Origin = "auto.log.slog"

// nAttrsInline is the capacity of a pooled attribute buffer; larger buffers
// (a record with many attributes) are not kept, so the pool stays small.
const (
	nAttrsInline = 16
	maxPooledBuf = 256
)

// bufPool holds the buffers records' attributes are converted into. The core
// copies the attributes it keeps before CaptureRecord and
// AddRecordBreadcrumb return, so a buffer is free again after the call. A
// buffer on the stack would do, were it not that the core's record
// parameter leaks its contents (escape analysis moves it to the heap).
var bufPool = sync.Pool{New: func() any {
	b := make([]slog.Attr, 0, nAttrsInline)
	return &b
}}

func getBuf() *[]slog.Attr { return bufPool.Get().(*[]slog.Attr) }

func putBuf(b *[]slog.Attr) {
	if cap(*b) > maxPooledBuf {
		return
	}
	clear(*b) // drop references to the record's values
	*b = (*b)[:0]
	bufPool.Put(b)
}

// Handler is a slog.Handler that sends records to Sentry: breadcrumbs at or
// above Options.BreadcrumbLevel, events at or above Options.EventLevel (see
// the package doc for how a record is converted).
//
// A Handler is immutable and safe for concurrent use; WithAttrs and
// WithGroup return new handlers that share the configuration and never
// change the receiver. The zero value is not usable: call NewHandler.
type Handler struct {
	cfg *config
	// pre holds the attributes of WithAttrs, already resolved, rewritten and
	// nested under the groups open when they were added. Never appended to in
	// place: every derivation copies.
	pre []slog.Attr
	// groups are the open group names (WithGroup), clipped.
	groups []string
}

var _ slog.Handler = (*Handler)(nil)

// NewHandler returns a handler configured by opts; the zero Options give
// breadcrumbs from Info, events from Error, sent through the process-wide
// client.
func NewHandler(opts Options) *Handler {
	return &Handler{cfg: newConfig(opts)}
}

// Enabled reports whether a record at level would be sent: the level is at or
// above the lower of BreadcrumbLevel and EventLevel, and there is an enabled
// client (closed or not: a closed client counts what it drops). It does not
// allocate or lock.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	if h.cfg.below(level) {
		return false
	}
	return bridge.Accepts(h.cfg.clientFor())
}

// Handle sends r to Sentry: as an event when r.Level is at or above
// EventLevel, as a breadcrumb on the isolation scope of ctx when it is at or
// above BreadcrumbLevel, not at all otherwise (Handle gates by itself, so
// calling it without Enabled is safe). It never blocks on the network: the
// event is built and sent by the client's worker. Records at LevelFatal and
// above are flushed before Handle returns, bounded by the client's
// ShutdownTimeout, so a program that exits next has sent them.
//
// Handle does not keep r or its attributes past the call. It always returns
// nil: events the client cannot take are dropped and counted by the client
// (core.Client.Stats), not reported to the logging call.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	c := h.cfg.clientFor()
	if !bridge.Accepts(c) {
		return nil
	}
	crumbLevel, eventLevel := h.cfg.levels()
	event := r.Level >= eventLevel
	asLog := r.Level >= h.cfg.logsAt() && bridge.LogsEnabled(c)
	if !event && r.Level < crumbLevel && !asLog {
		return nil
	}
	// Field by field: a composite literal copies a template of the whole
	// record first.
	var rec bridge.Record
	rec.Time, rec.Level, rec.Message, rec.Logger = r.Time, sentryLevel(r.Level), r.Message, h.cfg.logger
	rec.Context, rec.PC, rec.Pre, rec.Groups = ctx, r.PC, h.pre, h.groups
	rec.TagKeys, rec.Origin = h.cfg.tagKeys, Origin
	if !event {
		if asLog {
			h.log(c, &r, &rec)
		}
		if r.Level >= crumbLevel {
			h.breadcrumb(c, &r, &rec)
		}
		if asLog && rec.Level == core.LevelFatal {
			flush(c)
		}
		return nil
	}
	// An event's attributes are copied by the core: a pooled buffer lends
	// them. (The event's code stays in Handle, before the breadcrumb's: the
	// stack capture reads each frame's tables from the function's start up
	// to the call.)
	bp := getBuf()
	attrs := h.convert((*bp)[:0], &r, &rec)
	defer func() { *bp = attrs; putBuf(bp) }() // keep a grown buffer
	rec.Attrs = attrs
	bridge.CaptureRecord(c, &rec)
	if asLog {
		bridge.CaptureLog(c, &rec, logLevel(r.Level), nil)
	}
	if rec.Level == core.LevelFatal {
		flush(c)
	}
	return nil
}

// log hands the record to the client as a Sentry log. The source is not an
// attribute there: the core records the call site as code.* attributes.
func (h *Handler) log(c *core.Client, r *slog.Record, rec *bridge.Record) {
	if h.cfg.replaceAttr == nil {
		// Attributes that need no conversion, the usual ones, are copied
		// by the client from r into its buffer.
		if bridge.CaptureSlogLog(c, rec, logLevel(r.Level), r) {
			return
		}
		// A few plain attributes are lent from an array on the stack.
		// (plainAttrs counts them: NumAttrs copies the record.)
		var buf [bridge.InlineAttrs]slog.Attr
		if lent, ok := plainAttrs(buf[:0], r); ok {
			bridge.CaptureLog(c, rec, logLevel(r.Level), lent)
			return
		}
	}
	bp := getBuf()
	attrs := h.convertAttrs((*bp)[:0], r)
	bridge.CaptureLog(c, rec, logLevel(r.Level), attrs)
	*bp = attrs
	putBuf(bp)
}

// breadcrumb hands the record to the client as a breadcrumb.
func (h *Handler) breadcrumb(c *core.Client, r *slog.Record, rec *bridge.Record) {
	n := r.NumAttrs()
	if h.cfg.addSource {
		n++
	}
	if n <= bridge.InlineAttrs && h.cfg.replaceAttr == nil {
		// A few plain attributes are lent from an array on the stack; the
		// core copies them without allocating.
		var buf [bridge.InlineAttrs]slog.Attr
		if lent, ok := plainAttrs(buf[:0], r); ok {
			bridge.AddBreadcrumbAttrs(c, rec, h.appendSource(lent, r, rec))
			return
		}
	}
	// Others are kept by the core: a slice of their own, handed over.
	rec.Attrs, rec.GiveAttrs = h.convert(make([]slog.Attr, 0, n), r, rec), true
	bridge.AddRecordBreadcrumb(c, rec)
}

// convert appends the attributes of r to attrs and returns them, with the
// source attribute when AddSource asks for it (see appendSource).
func (h *Handler) convert(attrs []slog.Attr, r *slog.Record, rec *bridge.Record) []slog.Attr {
	return h.appendSource(h.convertAttrs(attrs, r), r, rec)
}

// convertAttrs appends the attributes of r to attrs and returns them.
func (h *Handler) convertAttrs(attrs []slog.Attr, r *slog.Record) []slog.Attr {
	cv := converter{replace: h.cfg.replaceAttr}
	if r.NumAttrs() > 0 {
		r.Attrs(func(a slog.Attr) bool {
			if cv.replace == nil && plain(a) {
				attrs = append(attrs, a) // the common case, without a call
			} else {
				attrs = cv.appendAttr(attrs, h.groups, a)
			}
			return true
		})
	}
	return attrs
}

// plain reports whether a needs no conversion: a key, and a value that is
// neither a group nor a LogValuer.
func plain(a slog.Attr) bool {
	k := a.Value.Kind()
	return a.Key != "" && k != slog.KindGroup && k != slog.KindLogValuer
}

// plainAttrs appends the attributes of r to attrs when all of them are
// plain and fit in its capacity, and reports whether they were. It does
// not call the converter, whose recursion would make attrs escape to the
// heap.
func plainAttrs(attrs []slog.Attr, r *slog.Record) (_ []slog.Attr, ok bool) {
	ok = true
	r.Attrs(func(a slog.Attr) bool {
		if ok = plain(a) && len(attrs) < cap(attrs); ok {
			attrs = append(attrs, a)
		}
		return ok
	})
	return attrs, ok
}

// appendSource appends the source attribute when AddSource asks for it,
// or puts it in rec.Pre when groups are open, since it sits outside them.
func (h *Handler) appendSource(attrs []slog.Attr, r *slog.Record, rec *bridge.Record) []slog.Attr {
	if h.cfg.addSource && r.PC != 0 {
		cv := converter{replace: h.cfg.replaceAttr}
		if src, ok := cv.sourceAttr(r.PC); ok {
			if len(h.groups) == 0 {
				attrs = append(attrs, src)
			} else {
				// Source sits outside the groups: derive a Pre that has it.
				pre := make([]slog.Attr, 0, len(h.pre)+1)
				rec.Pre = append(append(pre, h.pre...), src)
			}
		}
	}
	return attrs
}

// flush delivers what c holds, bounded by its ShutdownTimeout. It does not
// use the record's context: a request that is being cancelled must not cut
// the delivery of its fatal record short.
func flush(c *core.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), c.Options().ShutdownTimeout)
	defer cancel()
	c.Flush(ctx)
}

// WithAttrs returns a handler whose records carry attrs as well, nested under
// the groups open on h. The attributes are resolved and rewritten by
// ReplaceAttr now, once, and copied: the caller may reuse attrs.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	cv := converter{replace: h.cfg.replaceAttr, own: true}
	var conv []slog.Attr
	for _, a := range attrs {
		conv = cv.appendAttr(conv, h.groups, a)
	}
	if len(conv) == 0 {
		return h
	}
	conv = bridge.OwnAttrs(conv) // kept by the core as Record.Pre: freeze now
	for i := len(h.groups) - 1; i >= 0; i-- {
		conv = []slog.Attr{{Key: h.groups[i], Value: slog.GroupValue(conv...)}}
	}
	pre := make([]slog.Attr, 0, len(h.pre)+len(conv))
	pre = append(append(pre, h.pre...), conv...)
	return &Handler{cfg: h.cfg, pre: pre, groups: h.groups}
}

// WithGroup returns a handler whose later attributes, from WithAttrs and from
// records, are nested under name. An empty name returns h, as slog requires.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &Handler{cfg: h.cfg, pre: h.pre, groups: slices.Clip(append(slices.Clip(h.groups), name))}
}
