package zapsentry

import (
	"math"

	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
)

// Options configure a Core. The zero value is ready to use: it sends
// through the process-wide client with the default levels.
type Options struct {
	// Client receives the records. Default (nil): the process-wide client
	// ([core.CurrentClient]), looked up on every record, so a Core made before
	// [core.Init] sends once Init has run. Without a client, or with a
	// disabled or closed one, the Core sends nothing.
	Client *core.Client
	// BreadcrumbLevel enables the levels that become breadcrumbs when
	// EventLevel does not enable them. Default zapcore.InfoLevel. Use LevelOff to
	// add no breadcrumbs.
	BreadcrumbLevel zapcore.LevelEnabler
	// EventLevel enables the levels that become events. Default
	// zapcore.ErrorLevel. Use LevelOff to send no events (breadcrumbs only).
	EventLevel zapcore.LevelEnabler
	// LogsLevel enables the levels that are also sent as Sentry logs (the
	// Logs view), whatever else the entry becomes. Default LevelOff: no
	// logs. Set it to send them, for example
	// zapsentry.Options{LogsLevel: zapcore.InfoLevel}.
	LogsLevel zapcore.LevelEnabler
	// TagKeys names field keys whose values become tags; a field nested in
	// a namespace or object is named by its dotted path, such as
	// "http.route". Fields inside a "tags" namespace or object are tags
	// too. Default: none. The slice must not be changed afterwards.
	TagKeys []string
}

// LevelOff is above every level a program logs at. As the value of
// [Options.BreadcrumbLevel], [Options.EventLevel] or [Options.LogsLevel] it
// switches that output off:
//
//	zapsentry.NewCore(zapsentry.Options{EventLevel: zapsentry.LevelOff})
const LevelOff = zapcore.Level(math.MaxInt8)

func (o *Options) applyDefaults() {
	if o.BreadcrumbLevel == nil {
		o.BreadcrumbLevel = zapcore.InfoLevel
	}
	if o.EventLevel == nil {
		o.EventLevel = zapcore.ErrorLevel
	}
	if o.LogsLevel == nil {
		o.LogsLevel = LevelOff
	}
}
