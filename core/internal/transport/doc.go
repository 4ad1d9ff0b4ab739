// Package transport delivers a client's events and logs to Sentry: the HTTP
// transport with its senders, retries and probes of an unreachable
// receiver, the server's rate limits, the offline spool, the DSN, client
// reports and the counts of everything that is not delivered.
//
// Package core is its only user: core's Client hands an HTTP transport a
// Config once, then events (Send) and log batches (QueueLogs), and reads
// the Outcomes it shares with it. The wire format is package protocol's.
package transport

import (
	"net/http"
	"time"

	"github.com/sentrylog/sentrylog/core/protocol"
)

// Event is the wire event the transport sends.
type Event = protocol.Event

// The envelope framing, from package protocol.
type (
	envelope       = protocol.Envelope
	envelopeHeader = protocol.EnvelopeHeader
	envelopeItem   = protocol.EnvelopeItem
	itemHeader     = protocol.ItemHeader
	clientReport   = protocol.ClientReport
	discardedItem  = protocol.DiscardedItem
)

const (
	itemTypeEvent        = protocol.ItemTypeEvent
	itemTypeClientReport = protocol.ItemTypeClientReport
	itemTypeLog          = protocol.ItemTypeLog
	itemTypeAttachment   = protocol.ItemTypeAttachment
	logContentType       = protocol.LogContentType
)

// Logger receives the transport's diagnostics. Both methods must be safe
// for concurrent use; the transport never logs through anything else.
type Logger interface {
	// Printf writes one line.
	Printf(format string, args ...any)
	// Once writes the line only the first time key is seen.
	Once(key, format string, args ...any)
}

// nopLogger discards diagnostics.
type nopLogger struct{}

func (nopLogger) Printf(string, ...any)       {}
func (nopLogger) Once(string, string, ...any) {}

// Config is what the client hands an HTTP transport, once, before the first
// Send.
type Config struct {
	// DSN says where events go; nil sends only to Spotlight.
	DSN *DSN
	// Outcomes counts deliveries and drops; nil gives the transport counts
	// of its own.
	Outcomes *Outcomes
	// Debug receives diagnostics; nil discards them.
	Debug Logger
	// QueueSize bounds the events waiting to be sent. Default 1000.
	QueueSize int
	// HTTPTimeout bounds one request. Default 10s.
	HTTPTimeout time.Duration
	// RoundTripper carries the requests; nil means a clone of
	// http.DefaultTransport, whose idle connections Close shuts.
	RoundTripper http.RoundTripper
	// Spotlight is the Spotlight setting: off, on, or a URL.
	Spotlight string
	// SDK names the SDK in envelope and request headers.
	SDK protocol.SDK
	// Spool configures the offline spool; off unless Spool.Dir is set.
	Spool SpoolOptions
	// Shrink makes an event whose payload of size bytes is over
	// MaxEventSize fit, and returns the new payload; nil when it cannot.
	// A nil Shrink drops such events (counted as send_error).
	Shrink func(ev *Event, size int) []byte
}

// SpoolOptions configure the offline spool (core's SpoolOptions documents
// them for users).
type SpoolOptions struct {
	// Dir is the spool directory; empty turns the spool off.
	Dir string
	// MaxFiles bounds the number of envelopes kept. Default 20,000.
	MaxFiles int
	// MaxBytes bounds the total size of the envelopes kept. Default 64 MiB.
	MaxBytes int64
}
