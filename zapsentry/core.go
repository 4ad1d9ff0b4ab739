package zapsentry

import (
	"context"
	"errors"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"log/slog"
	"slices"

	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
)

// Core is a zapcore.Core that turns entries into Sentry breadcrumbs and
// events. Tee it with the core you already have:
//
//	logger := zap.New(zapcore.NewTee(existing, zapsentry.NewCore(zapsentry.Options{})))
//
// A Core is immutable and safe for concurrent use; With derives a new one.
type Core struct {
	client  *core.Client
	crumb   zapcore.LevelEnabler
	event   zapcore.LevelEnabler
	logs    zapcore.LevelEnabler
	tagKeys []string

	// pre holds the attributes of the With fields, pre-nested under the
	// namespaces open at the time; groups are the namespaces open now. Both
	// are never modified once set: With derives new slices.
	pre    []slog.Attr
	groups []string
	// ctx is the context given to With through Context, or nil.
	ctx context.Context
}

var (
	_ zapcore.Core                       = (*Core)(nil)
	_ interface{ Level() zapcore.Level } = (*Core)(nil)
)

// ErrFlush is returned by Sync when not every event was delivered: the
// deadline (the client's ShutdownTimeout) passed first, the transport failed
// to deliver, or the client dropped captures (a full queue, a closed client)
// since it last answered a Flush (see core.Client.Flush).
var ErrFlush = errors.New("zapsentry: events not delivered")

// Origin is the mechanism type of exceptions, and the sentry.origin of
// Sentry logs, made from zap entries.
const Origin = "auto.log.zap"

// NewCore returns a Core configured by opts (see Options for defaults).
func NewCore(opts Options) *Core {
	opts.applyDefaults()
	return &Core{
		client:  opts.Client,
		crumb:   opts.BreadcrumbLevel,
		event:   opts.EventLevel,
		logs:    opts.LogsLevel,
		tagKeys: slices.Clip(opts.TagKeys),
	}
}

func (c *Core) clientFor() *core.Client {
	if c.client != nil {
		return c.client
	}
	return core.CurrentClient()
}

// Enabled reports whether entries at level l become breadcrumbs, events or
// logs. It does not look at the client; Check does.
func (c *Core) Enabled(l zapcore.Level) bool {
	return c.event.Enabled(l) || c.crumb.Enabled(l) || c.logs.Enabled(l)
}

// Level returns the lowest level the Core handles, so that
// zapcore.LevelOf need not probe; zapcore.InvalidLevel when both ranges are
// off.
func (c *Core) Level() zapcore.Level {
	return min(zapcore.LevelOf(c.crumb), zapcore.LevelOf(c.event), zapcore.LevelOf(c.logs))
}

// With returns a Core that adds fields to every entry. It never changes c:
// the accumulated attributes are copied into a new slice. A Namespace field
// nests the fields after it, in this and later With calls and in entries. A
// Context field sets the context of the entries.
func (c *Core) With(fields []zapcore.Field) zapcore.Core {
	if len(fields) == 0 {
		return c
	}
	d := *c
	var e *encoder // none when the fields only set the context (a request's logger)
	for i := range fields {
		if ctx, ok := contextOf(&fields[i]); ok {
			d.ctx = ctx
			continue
		}
		if e == nil {
			e = &encoder{}
		}
		e.addField(&fields[i])
	}
	var opened []string
	var attrs []slog.Attr
	if e != nil {
		opened = e.close()
		attrs = bridge.OwnAttrs(e.attrs) // kept by the core as Record.Pre: freeze now
	}
	for i := len(c.groups) - 1; i >= 0 && len(attrs) > 0; i-- {
		attrs = []slog.Attr{{Key: c.groups[i], Value: slog.GroupValue(attrs...)}}
	}
	if len(attrs) > 0 {
		d.pre = slices.Clip(append(slices.Clip(c.pre), attrs...))
	}
	if len(opened) > 0 {
		d.groups = slices.Clip(append(slices.Clip(c.groups), opened...))
	}
	return &d
}

// Check adds c to ce when the entry's level is in one of its ranges and
// its client is enabled. Below both ranges it returns ce as it is, without
// allocating or locking.
func (c *Core) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if (c.event.Enabled(ent.Level) || c.crumb.Enabled(ent.Level) || c.logs.Enabled(ent.Level)) && bridge.Accepts(c.clientFor()) {
		return ce.AddCore(ent, c)
	}
	return ce
}

// Write turns ent and fields into a breadcrumb (level in BreadcrumbLevel
// but not EventLevel) or an event (level in EventLevel). fields are read
// during the call only. DPanic, Panic and Fatal events are flushed before
// Write returns, bounded by the client's ShutdownTimeout, because zap
// panics or exits next. Write never blocks on the network otherwise, never
// panics, and returns nil: what the client drops it counts itself.
func (c *Core) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	cl := c.clientFor()
	if !bridge.Accepts(cl) {
		return nil
	}
	event := c.event.Enabled(ent.Level)
	asLog := c.logs.Enabled(ent.Level) && bridge.LogsEnabled(cl)
	if !event {
		if asLog {
			c.writeLog(cl, &ent, fields)
		}
		if c.crumb.Enabled(ent.Level) {
			c.writeBreadcrumb(cl, &ent, fields)
		}
		if asLog && flushes(ent.Level) {
			c.flush(cl)
		}
		return nil
	}
	// The event's code stays in Write, near its start: the stack capture
	// reads each frame's tables from the function's start up to the call,
	// so code before the call costs every event.
	e := getEncoder()
	pooled := e.attrs // the core copies an event's attributes
	ctx := c.encode(e, fields)
	rec := bridge.Record{
		Time:    ent.Time,
		Level:   sentryLevel(ent.Level),
		Message: ent.Message,
		Logger:  ent.LoggerName,
		Context: ctx,
		Pre:     c.pre,
		Groups:  c.groups,
		Attrs:   e.attrs,
		TagKeys: c.tagKeys,
		Origin:  Origin,
		PC:      entryPC(&ent),
	}
	bridge.CaptureRecord(cl, &rec)
	if asLog {
		bridge.CaptureLog(cl, &rec, logLevel(ent.Level), nil)
	}
	e.attrs = pooled
	putEncoder(e)
	if flushes(ent.Level) {
		c.flush(cl)
	}
	return nil
}

// writeLog hands the entry to the client as a Sentry log; the client
// copies the attributes, so a few scalar fields are lent from the stack.
func (c *Core) writeLog(cl *core.Client, ent *zapcore.Entry, fields []zapcore.Field) {
	pc := entryPC(ent)
	if len(fields) <= bridge.InlineAttrs {
		var buf [bridge.InlineAttrs]slog.Attr
		if attrs, ctx, ok := scalarAttrs(buf[:0], fields, c.ctx); ok {
			bridge.CaptureLog(cl, c.crumbRecord(ent, ctx, pc), logLevel(ent.Level), attrs)
			return
		}
	}
	e := getEncoder()
	rec := c.crumbRecord(ent, c.encode(e, fields), pc)
	bridge.CaptureLog(cl, rec, logLevel(ent.Level), e.attrs)
	putEncoder(e)
}

// writeBreadcrumb hands the entry to the client as a breadcrumb.
func (c *Core) writeBreadcrumb(cl *core.Client, ent *zapcore.Entry, fields []zapcore.Field) {
	pc := entryPC(ent)
	// Scalar fields, the usual ones, need no encoder; a few of them are
	// lent to the core from an array on the stack, which it copies without
	// allocating.
	if len(fields) <= bridge.InlineAttrs {
		var buf [bridge.InlineAttrs]slog.Attr
		if attrs, ctx, ok := scalarAttrs(buf[:0], fields, c.ctx); ok {
			bridge.AddBreadcrumbAttrs(cl, c.crumbRecord(ent, ctx, pc), attrs)
			return
		}
	}
	// Otherwise the core keeps the attributes: a slice of their own, handed
	// over (GiveAttrs). Many scalar fields still need no encoder.
	attrs := make([]slog.Attr, 0, len(fields))
	if len(fields) > bridge.InlineAttrs {
		if attrs, ctx, ok := scalarAttrs(attrs, fields, c.ctx); ok {
			rec := c.crumbRecord(ent, ctx, pc)
			rec.Attrs, rec.GiveAttrs = attrs, true
			bridge.AddRecordBreadcrumb(cl, rec)
			return
		}
	}
	e := getEncoder()
	pooled := e.attrs
	e.attrs = attrs[:0]
	rec := c.crumbRecord(ent, c.encode(e, fields), pc)
	rec.Attrs, rec.GiveAttrs = e.attrs, true
	bridge.AddRecordBreadcrumb(cl, rec)
	e.attrs = pooled
	putEncoder(e)
}

// encode converts fields into e's attributes and returns the entry's
// context: the Core's, or the one a Context field gives.
func (c *Core) encode(e *encoder, fields []zapcore.Field) context.Context {
	ctx := c.ctx
	for i := range fields {
		if fctx, ok := contextOf(&fields[i]); ok {
			ctx = fctx
			continue
		}
		e.addField(&fields[i])
	}
	e.close()
	return ctx
}

// crumbRecord is the record of a breadcrumb, without its attributes.
// Small enough to be inlined, so that the record stays on the caller's
// stack.
func (c *Core) crumbRecord(ent *zapcore.Entry, ctx context.Context, pc uintptr) *bridge.Record {
	return &bridge.Record{
		Time: ent.Time, Level: sentryLevel(ent.Level), Message: ent.Message, Logger: ent.LoggerName,
		Context: ctx, Pre: c.pre, Groups: c.groups, TagKeys: c.tagKeys, Origin: Origin,
		PC: pc, // for BeforeBreadcrumb's hint
	}
}

// entryPC is the entry's call site as the core takes it, or 0.
func entryPC(ent *zapcore.Entry) uintptr {
	if ent.Caller.Defined && ent.Caller.PC != 0 {
		return callerPC(ent.Caller.PC)
	}
	return 0
}

// callerPC turns zap's caller PC (runtime.Frame.PC, the call instruction)
// into the return address runtime.Callers reports, which is what the core
// compares with the stack it captures.
func callerPC(pc uintptr) uintptr { return pc + 1 }

// Sync flushes the client: it waits until the events captured so far are
// delivered, at most the client's ShutdownTimeout. It returns ErrFlush when
// not everything was delivered (see ErrFlush).
func (c *Core) Sync() error {
	if !c.flush(c.clientFor()) {
		return ErrFlush
	}
	return nil
}

func (c *Core) flush(cl *core.Client) bool {
	if !bridge.Accepts(cl) { // a closed client answers at once
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), cl.Options().ShutdownTimeout)
	defer cancel()
	return cl.Flush(ctx)
}
