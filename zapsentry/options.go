package zapsentry

import (
	"math"

	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
)

// Options configure a Core. The zero value is ready to use: it sends
// through the process-wide client with the default levels.
type Options struct {
	// Client receives the breadcrumbs and events. Default: nil, which means
	// core.CurrentClient(), looked up on every entry, so a Core built before
	// core.Init starts sending once the client exists. A nil or disabled
	// client makes the Core a no-op.
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

// LevelOff is a level above every level a program logs at. Set
// BreadcrumbLevel or EventLevel to it to switch that range off:
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
