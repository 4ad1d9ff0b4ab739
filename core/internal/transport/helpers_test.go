package transport

import (
	"fmt"
	"io"
	"sync"

	"github.com/sentrylog/sentrylog/core/protocol"
)

// The wire types and the SDK's identity, as the tests name them.
type (
	Level      = protocol.Level
	EventID    = protocol.EventID
	Breadcrumb = protocol.Breadcrumb
	User       = protocol.User
	Request    = protocol.Request
)

const (
	LevelDebug   = protocol.LevelDebug
	LevelInfo    = protocol.LevelInfo
	LevelWarning = protocol.LevelWarning
	LevelError   = protocol.LevelError
	LevelFatal   = protocol.LevelFatal

	SDKName    = "sentry.go.sentrylog"
	SDKVersion = "0.0.0-test"
	sdkPath    = "github.com/sentrylog/sentrylog"
)

// testLog is a Logger writing lines to w, as the client's debug log does.
type testLog struct {
	mu   sync.Mutex
	w    io.Writer
	once sync.Map
}

func newDebugLog(w io.Writer) *testLog { return &testLog{w: w} }

func (l *testLog) Printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "[sentrylog] %s\n", fmt.Sprintf(format, args...))
}

func (l *testLog) Once(key, format string, args ...any) {
	if _, loaded := l.once.LoadOrStore(key, struct{}{}); !loaded {
		l.Printf(format, args...)
	}
}

// testShrink stands in for the client's Config.Shrink: it drops the
// event's extra data, where the tests put their large values.
func testShrink(ev *Event, _ int) []byte {
	ev.Extra = nil
	b, err := MarshalEvent(ev)
	if err != nil || len(b) > MaxEventSize {
		return nil
	}
	return b
}
