package zapsentry

import (
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
)

// sentryLevel maps a zap level to a Sentry level: Debug (and below) to
// debug, Info to info, Warn to warning, Error to error, DPanic, Panic, Fatal
// (and above) to fatal.
func sentryLevel(l zapcore.Level) core.Level {
	switch {
	case l < zapcore.InfoLevel:
		return core.LevelDebug
	case l == zapcore.InfoLevel:
		return core.LevelInfo
	case l == zapcore.WarnLevel:
		return core.LevelWarning
	case l == zapcore.ErrorLevel:
		return core.LevelError
	default:
		return core.LevelFatal
	}
}

// flushes reports whether an entry at level l is flushed before Write
// returns: zap panics or exits after writing DPanic (in development), Panic
// and Fatal entries.
func flushes(l zapcore.Level) bool { return l >= zapcore.DPanicLevel }

// logLevel maps a zap level to the level of a Sentry log: levels below Debug
// to trace, Debug to debug, Info to info, Warn to warn, Error to error,
// DPanic, Panic, Fatal (and above) to fatal.
func logLevel(l zapcore.Level) core.LogLevel {
	switch {
	case l < zapcore.DebugLevel:
		return core.LogTrace
	case l == zapcore.DebugLevel:
		return core.LogDebug
	case l == zapcore.InfoLevel:
		return core.LogInfo
	case l == zapcore.WarnLevel:
		return core.LogWarn
	case l == zapcore.ErrorLevel:
		return core.LogError
	default:
		return core.LogFatal
	}
}
