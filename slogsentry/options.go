package slogsentry

import (
	"log/slog"
	"math"
	"reflect"
	"slices"

	"github.com/sentrylog/sentrylog/core"
)

// LevelOff is above every level a program logs at. As the value of
// [Options.BreadcrumbLevel], [Options.EventLevel] or [Options.LogsLevel] it
// switches that output off:
//
//	slogsentry.NewHandler(slogsentry.Options{EventLevel: slogsentry.LevelOff})
const LevelOff = slog.Level(math.MaxInt)

// Options configure a Handler. The zero value of each field means its
// default, stated in the field's comment; NewHandler fills the defaults in.
type Options struct {
	// Client receives the records. Default (nil): the process-wide client
	// ([core.CurrentClient]), looked up on every record, so a Handler made before
	// [core.Init] sends once Init has run. Without a client, or with a
	// disabled or closed one, the Handler sends nothing.
	Client *core.Client

	// BreadcrumbLevel is the lowest level that becomes a breadcrumb. Records
	// at or above it and below EventLevel are added as breadcrumbs to the
	// isolation scope of the record's context. Default slog.LevelInfo.
	// LevelOff, or any level at or above EventLevel, means no breadcrumbs.
	// A *slog.LevelVar changes it at run time; a nil one means the default.
	BreadcrumbLevel slog.Leveler

	// EventLevel is the lowest level that becomes a Sentry event. Default
	// slog.LevelError. LevelOff means no events.
	EventLevel slog.Leveler

	// LogsLevel is the lowest level that is also sent as a Sentry log
	// (Sentry's Logs view), whatever else the record becomes. Default
	// LevelOff: no logs. Set it to send them, for example
	// slogsentry.Options{LogsLevel: slog.LevelInfo}.
	LogsLevel slog.Leveler

	// TagKeys lists attribute keys whose values become tags rather than
	// entries of the "log" context. Keys inside groups are written as dotted
	// paths ("http.route" for slog.Group("http", "route", ...)); groups
	// opened with WithGroup count. A group named "tags" always becomes tags.
	// Default: none. The slice must not change after NewHandler.
	TagKeys []string

	// AddSource records the call site's function, file and line as the
	// "source" attribute (a group with keys function, file and line) at the
	// top level of the breadcrumb data or the "log" context, outside any
	// group, as slog's own handlers do. Events get the call site as their
	// stack's culprit either way. Default false.
	AddSource bool

	// ReplaceAttr, when set, rewrites each attribute before it is kept, as
	// in slog.HandlerOptions: it is called for every attribute that is not a
	// group (with the names of the groups it is in, outermost first; the
	// slice must not be kept), after LogValuers are resolved, and for the
	// source attribute when AddSource is set (with nil groups; its value is
	// a *slog.Source). It is not called for time, level and message: those
	// are fields of Sentry events and breadcrumbs, not attributes. Returning
	// an Attr with an empty key drops the attribute. Attributes given to
	// WithAttrs are rewritten once, when WithAttrs is called. A panic in
	// ReplaceAttr keeps the key and marks the value.
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr

	// Logger names the logger: it becomes the event's "logger" and the
	// breadcrumb's category. Default empty (the core then uses the
	// category "log").
	Logger string
}

// config is the immutable configuration shared by a handler and every
// handler derived from it.
type config struct {
	client *core.Client
	crumb  slog.Leveler
	event  slog.Leveler
	logs   slog.Leveler
	// fixed is set when both levels are plain slog.Level values, which
	// cannot change: the gate then compares with minLevel and makes no
	// interface call.
	fixed                bool
	crumbLevel, minLevel slog.Level
	eventLevel           slog.Level
	logsLevel            slog.Level
	tagKeys              []string
	addSource            bool
	replaceAttr          func(groups []string, a slog.Attr) slog.Attr
	logger               string
}

func newConfig(o Options) *config {
	c := &config{
		client:      o.Client,
		crumb:       o.BreadcrumbLevel,
		event:       o.EventLevel,
		logs:        o.LogsLevel,
		tagKeys:     slices.Clip(o.TagKeys),
		addSource:   o.AddSource,
		replaceAttr: o.ReplaceAttr,
		logger:      o.Logger,
	}
	if isNil(c.crumb) {
		c.crumb = slog.LevelInfo
	}
	if isNil(c.event) {
		c.event = slog.LevelError
	}
	if isNil(c.logs) {
		c.logs = LevelOff
	}
	cl, ok1 := c.crumb.(slog.Level)
	el, ok2 := c.event.(slog.Level)
	ll, ok3 := c.logs.(slog.Level)
	if ok1 && ok2 && ok3 {
		c.fixed = true
		c.crumbLevel, c.eventLevel, c.logsLevel, c.minLevel = cl, el, ll, min(cl, el, ll)
	}
	return c
}

// isNil reports whether l is nil or a nil pointer (such as a nil
// *slog.LevelVar), whose Level method would panic on every record.
func isNil(l slog.Leveler) bool {
	if l == nil {
		return true
	}
	v := reflect.ValueOf(l)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// levels returns the breadcrumb and event levels now.
func (c *config) levels() (crumb, event slog.Level) {
	if c.fixed {
		return c.crumbLevel, c.eventLevel
	}
	return c.levelsNow()
}

func (c *config) levelsNow() (crumb, event slog.Level) {
	return c.crumb.Level(), c.event.Level()
}

// logsAt returns the logs level now.
func (c *config) logsAt() slog.Level {
	if c.fixed {
		return c.logsLevel
	}
	return c.logs.Level()
}

// below reports whether a record at l is below the three levels.
func (c *config) below(l slog.Level) bool {
	if c.fixed {
		return l < c.minLevel
	}
	return c.belowNow(l)
}

func (c *config) belowNow(l slog.Level) bool {
	return l < c.crumb.Level() && l < c.event.Level() && l < c.logs.Level()
}

// clientFor returns the configured client, else the process-wide one.
func (c *config) clientFor() *core.Client {
	if c.client != nil {
		return c.client
	}
	return core.CurrentClient()
}
