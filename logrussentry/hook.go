package logrussentry

import (
	"context"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"log/slog"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/sentrylog/sentrylog/core"
)

// Origin is the mechanism type of exceptions, and the sentry.origin of
// Sentry logs, made from logrus records.
const Origin = "auto.log.logrus"

// Hook is a logrus.Hook that sends records to Sentry: breadcrumbs from
// Options.BreadcrumbLevel, events from Options.EventLevel (see the package
// doc for how a record is converted). Add it to a logger with AddHook.
//
// A Hook is immutable and safe for concurrent use, by any number of
// loggers. The zero value is not usable: call NewHook.
type Hook struct {
	cfg config
}

var _ logrus.Hook = (*Hook)(nil)

// NewHook returns a hook configured by opts; the zero Options give
// breadcrumbs from Info, events from Error, sent through the process-wide
// client.
func NewHook(opts Options) *Hook {
	return &Hook{cfg: newConfig(opts)}
}

// Levels returns the levels the hook fires for, from Panic down to the less
// severe of BreadcrumbLevel and EventLevel; logrus reads it once, in
// AddHook, and calls Fire only for these. The slice is the caller's.
func (h *Hook) Levels() []logrus.Level {
	var ls []logrus.Level
	for _, l := range logrus.AllLevels {
		if int64(l) <= h.cfg.lowest() {
			ls = append(ls, l)
		}
	}
	return ls
}

// Fire sends e to Sentry: as an event when e.Level is at or above
// EventLevel, as a breadcrumb on the isolation scope of e.Context when it is
// at or above BreadcrumbLevel, not at all otherwise (Fire gates by itself,
// so calling it for any level is safe). It never blocks on the network: the
// event is built and sent by the client's worker. Fatal and Panic events
// are flushed before Fire returns, bounded by the client's ShutdownTimeout,
// because logrus exits or panics next; logrus holds the logger's lock
// around its hooks unless it was made with SetNoLock, so other records of
// that logger wait for the flush.
//
// Fire reads e during the call only and never changes it. It always
// returns nil, which logrus would otherwise print for every record: what
// the client cannot take it drops and counts (core.Client.Stats).
func (h *Hook) Fire(e *logrus.Entry) error {
	if e == nil {
		return nil
	}
	l := int64(e.Level)
	event := l <= h.cfg.event
	asLog := l <= h.cfg.logs
	if !event && l > h.cfg.crumb && !asLog {
		return nil
	}
	c := h.cfg.clientFor()
	if !bridge.Accepts(c) {
		return nil
	}
	asLog = asLog && bridge.LogsEnabled(c)
	if !event {
		if asLog {
			h.log(c, e)
		}
		if l <= h.cfg.crumb {
			h.breadcrumb(c, e)
		}
		if asLog && flushes(e.Level) {
			flush(c)
		}
		return nil
	}
	// An event's attributes are copied by the core: a pooled buffer lends
	// them.
	bp := getBuf()
	attrs := appendFields((*bp)[:0], e.Data, 0)
	rec := bridge.Record{
		Time:    e.Time,
		Level:   sentryLevel(e.Level),
		Message: e.Message,
		Logger:  h.cfg.logger,
		Context: e.Context,
		PC:      callSite(e),
		Attrs:   attrs,
		TagKeys: h.cfg.tagKeys,
		Origin:  Origin,
	}
	bridge.CaptureRecord(c, &rec)
	if asLog {
		bridge.CaptureLog(c, &rec, logLevel(e.Level), nil)
	}
	*bp = attrs // keep a grown buffer
	putBuf(bp)
	if flushes(e.Level) {
		flush(c)
	}
	return nil
}

// log hands e to the client as a Sentry log; the client copies the
// attributes, so a few scalar fields are lent from the stack.
func (h *Hook) log(c *core.Client, e *logrus.Entry) {
	rec := bridge.Record{Time: e.Time, Message: e.Message, Logger: h.cfg.logger, Context: e.Context, Origin: Origin}
	if f := e.Caller; f != nil && f.PC != 0 && !ownFrame(f.Function, f.File) {
		rec.PC = f.PC + 1 // the call site as logrus reports it (SetReportCaller): no stack walk
	}
	if len(e.Data) <= bridge.InlineAttrs {
		var buf [bridge.InlineAttrs]slog.Attr
		if attrs, ok := scalarFields(buf[:0], e.Data); ok {
			bridge.CaptureLog(c, &rec, logLevel(e.Level), attrs)
			return
		}
	}
	bp := getBuf()
	attrs := appendFields((*bp)[:0], e.Data, 0)
	bridge.CaptureLog(c, &rec, logLevel(e.Level), attrs)
	*bp = attrs
	putBuf(bp)
}

// breadcrumb hands e to the client as a breadcrumb.
func (h *Hook) breadcrumb(c *core.Client, e *logrus.Entry) {
	rec := bridge.Record{
		Time:    e.Time,
		Level:   sentryLevel(e.Level),
		Message: e.Message,
		Logger:  h.cfg.logger,
		Context: e.Context,
		TagKeys: h.cfg.tagKeys,
		Origin:  Origin,
	}
	rec.PC = callSite(e) // for BeforeBreadcrumb's hint
	if len(e.Data) <= bridge.InlineAttrs {
		// A few scalar fields are lent from an array on the stack; the
		// core copies them without allocating.
		var buf [bridge.InlineAttrs]slog.Attr
		if attrs, ok := scalarFields(buf[:0], e.Data); ok {
			bridge.AddBreadcrumbAttrs(c, &rec, attrs)
			return
		}
	}
	// Others are kept by the core: a slice of their own, handed over.
	rec.Attrs, rec.GiveAttrs = appendFields(make([]slog.Attr, 0, len(e.Data)), e.Data, 0), true
	bridge.AddRecordBreadcrumb(c, &rec)
}

// flush delivers what c holds, bounded by its ShutdownTimeout. It does not
// use the record's context: a request that is being cancelled must not cut
// the delivery of its fatal record short.
func flush(c *core.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), c.Options().ShutdownTimeout)
	defer cancel()
	c.Flush(ctx)
}

// nAttrsInline is the capacity of a pooled attribute buffer; larger buffers
// (a record with many fields) are not kept, so the pool stays small.
const (
	nAttrsInline = 16
	maxPooledBuf = 256
)

// bufPool holds the buffers events' fields are converted into. The core
// copies the attributes of an event before CaptureRecord returns, so a
// buffer is free again after the call.
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
