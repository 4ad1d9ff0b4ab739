package core

import (
	"github.com/sentrylog/sentrylog/core/protocol"
)

// The wire types.
type (
	Event      = protocol.Event
	EventID    = protocol.EventID
	Breadcrumb = protocol.Breadcrumb
	User       = protocol.User
	Request    = protocol.Request
	Level      = protocol.Level
)

// The levels of events and breadcrumbs.
const (
	LevelDebug   = protocol.LevelDebug
	LevelInfo    = protocol.LevelInfo
	LevelWarning = protocol.LevelWarning
	LevelError   = protocol.LevelError
	LevelFatal   = protocol.LevelFatal
	// levelUnset is the zero Level: an event without one is sent as error.
	levelUnset Level = 0
)

// SDKName and SDKVersion identify this SDK in events and request headers.
const (
	SDKName    = "sentry.go.sentrylog"
	SDKVersion = "0.2.0"
)
