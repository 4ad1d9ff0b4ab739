package sentrytest

import (
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"math"
	"time"

	"github.com/sentrylog/sentrylog/internal/logcheck"
)

// Log is one Sentry log as the server received it.
type Log struct {
	Timestamp time.Time
	TraceID   string
	SpanID    string
	// Level is the log's level name: trace, debug, info, warn, error or
	// fatal.
	Level string
	Body  string
	// Attributes maps each attribute's key to its value: a string, bool,
	// int64, float64 or []any (an array).
	Attributes map[string]any
}

// DecodeLogs decodes a log item, checking it by the rules Sentry's ingestion
// (Relay) enforces: content type, item count, at most 100 logs, required
// fields, level names, timestamps in seconds and typed attributes.
func DecodeLogs(it protocol.EnvelopeItem) ([]Log, error) {
	ls, err := logcheck.CheckItem(it.Header, it.Payload)
	if err != nil {
		return nil, fmt.Errorf("sentrylog/sentrytest: log item: %w", err)
	}
	out := make([]Log, len(ls))
	for i, l := range ls {
		sec, frac := math.Modf(l.Timestamp)
		out[i] = Log{
			Timestamp: time.Unix(int64(sec), int64(frac*1e9)).UTC(),
			TraceID:   l.TraceID, SpanID: l.SpanID, Level: l.Level, Body: l.Body,
			Attributes: l.Attributes,
		}
	}
	return out, nil
}

// Logs returns the logs of the envelopes accepted so far, oldest first.
func (s *Server) Logs() []Log {
	var out []Log
	for _, env := range s.Envelopes() {
		for _, it := range env.Items {
			if it.Header.Type != protocol.ItemTypeLog {
				continue
			}
			ls, err := DecodeLogs(it)
			if err == nil { // checked when accepted; cannot fail
				out = append(out, ls...)
			}
		}
	}
	return out
}

// WaitForLogs waits until at least n logs have arrived or timeout has
// passed, like WaitForEvents.
func (s *Server) WaitForLogs(n int, timeout time.Duration) ([]Log, error) {
	return waitFor(s, n, timeout, "logs", (*Server).Logs)
}
