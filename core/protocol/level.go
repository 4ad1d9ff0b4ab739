package protocol

import (
	"fmt"
	"strings"
)

// Level is the severity of an event or breadcrumb. The zero value is LevelInfo
// so that an unset level in a hand-built event reads as Sentry's default.
type Level int8

// The five levels Sentry knows, from least to most severe.
const (
	LevelDebug   Level = -1
	LevelInfo    Level = 0
	LevelWarning Level = 1
	LevelError   Level = 2
	LevelFatal   Level = 3
)

// String returns the level's wire name: debug, info, warning, error or fatal.
// Out-of-range values clamp to the nearest level.
func (l Level) String() string {
	switch {
	case l <= LevelDebug:
		return "debug"
	case l == LevelInfo:
		return "info"
	case l == LevelWarning:
		return "warning"
	case l == LevelError:
		return "error"
	default:
		return "fatal"
	}
}

// MarshalText encodes the level as its wire name.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText accepts the wire names, plus "warn" and "critical" as aliases.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// ParseLevel maps a level name (case-insensitive) to a Level.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(s) {
	case "debug", "trace":
		return LevelDebug, nil
	case "info", "log", "":
		return LevelInfo, nil
	case "warning", "warn":
		return LevelWarning, nil
	case "error":
		return LevelError, nil
	case "fatal", "critical", "panic":
		return LevelFatal, nil
	}
	return LevelInfo, fmt.Errorf("protocol: unknown level %q", s)
}
