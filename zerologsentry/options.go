package zerologsentry

import (
	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
)

// Options configure a Writer. The zero value is ready to use: each field's
// comment states its default.
type Options struct {
	// Client receives the records. Default (nil): the process-wide client
	// ([core.CurrentClient]), looked up on every record, so a Writer made before
	// [core.Init] sends once Init has run. Without a client, or with a
	// disabled or closed one, the Writer sends nothing (and still writes to its out).
	Client *core.Client
	// BreadcrumbLevel is the lowest zerolog level that becomes a breadcrumb;
	// levels from EventLevel up become events instead. Default
	// zerolog.InfoLevel. Set it with [Level]; Level([LevelOff]) turns
	// breadcrumbs off.
	BreadcrumbLevel *zerolog.Level
	// EventLevel is the lowest zerolog level that becomes an event. Default
	// zerolog.ErrorLevel. Set it with [Level]; Level([LevelOff]) turns
	// events off.
	EventLevel *zerolog.Level
	// LogsLevel is the lowest zerolog level that is also sent as a Sentry
	// log (the Logs view), whatever else the record becomes. Default: none
	// ([LevelOff]). Set it with [Level] to send logs, for example
	// zerologsentry.Options{LogsLevel: zerologsentry.Level(zerolog.InfoLevel)}.
	LogsLevel *zerolog.Level
	// Logger is the logger name reported as the event's logger and the
	// breadcrumb's category. Default empty (the core then uses "log" as the
	// breadcrumb category).
	Logger string
	// TagKeys names fields (dotted paths for fields inside dicts, such as
	// "http.route") whose values become event tags. Default none; a "tags"
	// dict always does. It must not be changed after NewWriter.
	TagKeys []string
}

// LevelOff is zerolog.Disabled, above every level a program logs at. As the
// value of [Options.BreadcrumbLevel], [Options.EventLevel] or
// [Options.LogsLevel], through [Level], it switches that output off:
//
//	zerologsentry.NewWriter(os.Stderr, zerologsentry.Options{EventLevel: zerologsentry.Level(zerologsentry.LevelOff)})
const LevelOff = zerolog.Disabled

// Level returns a pointer to l, for the level options: the zero
// zerolog.Level is DebugLevel, so a plain value could not say "unset".
func Level(l zerolog.Level) *zerolog.Level { return &l }

// sentryLevel maps a zerolog level to the Sentry level. ok is false for
// NoLevel, Disabled and unknown levels, which are never sent.
func sentryLevel(l zerolog.Level) (lvl core.Level, ok bool) {
	switch l {
	case zerolog.TraceLevel, zerolog.DebugLevel:
		return core.LevelDebug, true
	case zerolog.InfoLevel:
		return core.LevelInfo, true
	case zerolog.WarnLevel:
		return core.LevelWarning, true
	case zerolog.ErrorLevel:
		return core.LevelError, true
	case zerolog.FatalLevel, zerolog.PanicLevel:
		return core.LevelFatal, true
	}
	return core.LevelInfo, false
}

// logLevel maps a zerolog level to the level of a Sentry log.
func logLevel(l zerolog.Level) core.LogLevel {
	switch l {
	case zerolog.TraceLevel:
		return core.LogTrace
	case zerolog.DebugLevel:
		return core.LogDebug
	case zerolog.InfoLevel:
		return core.LogInfo
	case zerolog.WarnLevel:
		return core.LogWarn
	case zerolog.ErrorLevel:
		return core.LogError
	}
	return core.LogFatal
}
