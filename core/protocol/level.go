package protocol

import (
	"fmt"
	"strings"
)

// Level is the severity of an event or breadcrumb. The zero value means
// unset, and reads as Sentry's defaults: the client sends an event without
// a level as error, and a breadcrumb without one is written as info.
type Level int8

// The five levels Sentry knows, from least to most severe.
const (
	LevelDebug   Level = 1
	LevelInfo    Level = 2
	LevelWarning Level = 3
	LevelError   Level = 4
	LevelFatal   Level = 5
)

// String returns the level's wire name: debug, info, warning, error or fatal.
// The zero value (unset) is "info", Sentry's default for a breadcrumb;
// other out-of-range values clamp to the nearest level.
func (l Level) String() string {
	switch {
	case l == 0 || l == LevelInfo:
		return "info"
	case l <= LevelDebug:
		return "debug"
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
