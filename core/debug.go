package core

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// debugLog writes the SDK's own diagnostics. It writes straight to an
// io.Writer, never through a logger, so diagnostics cannot flow back into a
// logging bridge. A nil *debugLog discards everything.
type debugLog struct {
	mu   sync.Mutex
	w    io.Writer
	once sync.Map // messages logged once
}

// newDebugLog returns a debugLog writing to w, or nil when w is nil.
func newDebugLog(w io.Writer) *debugLog {
	if w == nil {
		return nil
	}
	return &debugLog{w: w}
}

// Printf writes one line of diagnostics.
func (d *debugLog) Printf(format string, args ...any) {
	if d == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.w, "[sentrylog] %s %s\n", time.Now().UTC().Format(time.RFC3339), msg)
}

// Once writes the line only the first time key is seen.
func (d *debugLog) Once(key, format string, args ...any) {
	if d == nil {
		return
	}
	if _, loaded := d.once.LoadOrStore(key, struct{}{}); loaded {
		return
	}
	d.Printf(format, args...)
}
