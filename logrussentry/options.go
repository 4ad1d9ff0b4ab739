package logrussentry

import (
	"math"
	"slices"

	"github.com/sirupsen/logrus"

	"github.com/sentrylog/sentrylog/core"
)

// Options configure a Hook. The zero value is ready to use: each field's
// comment states its default, filled in by NewHook.
type Options struct {
	// Client receives the records. Default (nil): the process-wide client
	// ([core.CurrentClient]), looked up on every record, so a Hook made before
	// [core.Init] sends once Init has run. Without a client, or with a
	// disabled or closed one, the Hook sends nothing.
	Client *core.Client

	// BreadcrumbLevel is the least severe logrus level that becomes a
	// breadcrumb; records from EventLevel up become events instead. Default
	// logrus.InfoLevel. Set it with Level; Level(LevelOff) means no
	// breadcrumbs.
	BreadcrumbLevel *logrus.Level

	// EventLevel is the least severe logrus level that becomes an event.
	// Default logrus.ErrorLevel. Set it with Level; Level(LevelOff) means no
	// events.
	EventLevel *logrus.Level

	// LogsLevel is the least severe logrus level that is also sent as a
	// Sentry log (the Logs view), whatever else the record becomes. Default:
	// none (LevelOff). Set it with Level to send logs, for example
	// logrussentry.Options{LogsLevel: logrussentry.Level(logrus.InfoLevel)}.
	LogsLevel *logrus.Level

	// TagKeys names fields (dotted paths for fields inside nested
	// logrus.Fields, such as "http.route") whose values become event tags.
	// Default none; a "tags" field holding logrus.Fields always does. The
	// slice must not change after NewHook.
	TagKeys []string

	// Logger names the logger: it becomes the event's "logger" and the
	// breadcrumb's category. Default empty (the core then uses the category
	// "log"). logrus has no logger names of its own.
	Logger string
}

// LevelOff is above every level a program logs at. As the value of
// [Options.BreadcrumbLevel], [Options.EventLevel] or [Options.LogsLevel],
// through [Level], it switches that output off:
//
//	logrussentry.NewHook(logrussentry.Options{EventLevel: logrussentry.Level(logrussentry.LevelOff)})
const LevelOff = logrus.Level(math.MaxUint32)

// Level returns a pointer to l, for the level options: the zero
// logrus.Level is PanicLevel, so a plain value could not say "unset".
func Level(l logrus.Level) *logrus.Level { return &l }

// off is a threshold no level reaches. logrus levels grow less severe:
// a record at l passes threshold t when int64(l) <= t.
const off = -1

// config is a Hook's immutable configuration.
type config struct {
	client  *core.Client
	crumb   int64 // threshold of breadcrumbs, or off
	event   int64 // threshold of events, or off
	logs    int64 // threshold of Sentry logs, or off
	tagKeys []string
	logger  string
}

func newConfig(o Options) config {
	return config{
		client:  o.Client,
		crumb:   threshold(o.BreadcrumbLevel, logrus.InfoLevel),
		event:   threshold(o.EventLevel, logrus.ErrorLevel),
		logs:    logsThreshold(o.LogsLevel),
		tagKeys: slices.Clip(o.TagKeys),
		logger:  o.Logger,
	}
}

func threshold(l *logrus.Level, def logrus.Level) int64 {
	switch {
	case l == nil:
		return int64(def)
	case *l == LevelOff:
		return off
	}
	return int64(*l)
}

// logsThreshold is the threshold of Sentry logs: off unless set.
func logsThreshold(l *logrus.Level) int64 {
	if l == nil {
		return off
	}
	return threshold(l, logrus.InfoLevel)
}

// lowest is the least severe threshold: the hook fires from there up.
func (c *config) lowest() int64 { return max(c.crumb, c.event, c.logs) }

// clientFor returns the configured client, else the process-wide one.
func (c *config) clientFor() *core.Client {
	if c.client != nil {
		return c.client
	}
	return core.CurrentClient()
}

// sentryLevel maps a logrus level to a Sentry level: Trace and Debug to
// debug, Info to info, Warn to warning, Error to error, Fatal and Panic to
// fatal. Levels beyond Trace, which logrus does not define, are debug.
func sentryLevel(l logrus.Level) core.Level {
	switch l {
	case logrus.PanicLevel, logrus.FatalLevel:
		return core.LevelFatal
	case logrus.ErrorLevel:
		return core.LevelError
	case logrus.WarnLevel:
		return core.LevelWarning
	case logrus.InfoLevel:
		return core.LevelInfo
	}
	return core.LevelDebug
}

// flushes reports whether a record at l is flushed before Fire returns:
// logrus exits after a Fatal record and panics after a Panic one.
func flushes(l logrus.Level) bool { return l <= logrus.FatalLevel }

// logLevel maps a logrus level to the level of a Sentry log: Trace to
// trace, Debug to debug, Info to info, Warn to warn, Error to error, Fatal
// and Panic to fatal.
func logLevel(l logrus.Level) core.LogLevel {
	switch l {
	case logrus.PanicLevel, logrus.FatalLevel:
		return core.LogFatal
	case logrus.ErrorLevel:
		return core.LogError
	case logrus.WarnLevel:
		return core.LogWarn
	case logrus.InfoLevel:
		return core.LogInfo
	case logrus.DebugLevel:
		return core.LogDebug
	}
	return core.LogTrace
}
