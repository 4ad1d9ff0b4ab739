package slogsentry

import (
	"log/slog"

	"github.com/sentrylog/sentrylog/core"
)

// LevelFatal is the lowest slog level that maps to Sentry's fatal level.
// slog has no fatal level of its own; programs that want one commonly use
// slog.LevelError+4.
const LevelFatal = slog.LevelError + 4

// sentryLevel maps a slog level, custom levels included, to a Sentry level
// by range:
//
//	level <  Info      debug
//	level <  Warn      info
//	level <  Error     warning
//	level <  Error+4   error
//	level >= Error+4   fatal
func sentryLevel(l slog.Level) core.Level {
	switch {
	case l < slog.LevelInfo:
		return core.LevelDebug
	case l < slog.LevelWarn:
		return core.LevelInfo
	case l < slog.LevelError:
		return core.LevelWarning
	case l < LevelFatal:
		return core.LevelError
	default:
		return core.LevelFatal
	}
}

// logLevel maps a slog level to the level of a Sentry log by range:
//
//	level <  Debug     trace
//	level <  Info      debug
//	level <  Warn      info
//	level <  Error     warn
//	level <  Error+4   error
//	level >= Error+4   fatal
func logLevel(l slog.Level) core.LogLevel {
	switch {
	case l < slog.LevelDebug:
		return core.LogTrace
	case l < slog.LevelInfo:
		return core.LogDebug
	case l < slog.LevelWarn:
		return core.LogInfo
	case l < slog.LevelError:
		return core.LogWarn
	case l < LevelFatal:
		return core.LogError
	default:
		return core.LogFatal
	}
}
