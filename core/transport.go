package core

import (
	"github.com/sentrylog/sentrylog/core/internal/transport"
)

// The delivery machinery (the HTTP transport, rate limits, the spool, the
// DSN, client reports and the drop counts) is package transport's; this
// file is core's side of the seam.

// SpoolOptions configure the offline spool. It is off unless Dir is set (or
// $SENTRY_SPOOL_DIR names a directory, see Options.Spool).
//
// With the spool on, an event that cannot be delivered now (the receiver
// is unreachable or answers 5xx, or Close's deadline leaves it queued) is
// written to Dir instead of being dropped, and is sent, oldest first, as
// soon as the receiver answers again, or by the next process that starts
// with the same directory. A crash never leaves a partial envelope; an
// envelope is sent at most once by the processes sharing the directory,
// unless the receiver took it but its answer was lost; one pushed out by
// the bounds is counted as cache_overflow. Nothing is written while the
// receiver takes the events.
type SpoolOptions struct {
	// Dir is the spool directory; empty turns the spool off (the default).
	// It is created when missing. Several processes may share it: each
	// sends what it finds there, and the bounds hold for the directory as
	// each process last listed it.
	Dir string
	// MaxFiles bounds the number of envelopes kept; the oldest are
	// removed beyond it. Default 20,000.
	MaxFiles int
	// MaxBytes bounds the total size of the envelopes kept; the oldest are
	// removed beyond it. Default 64 MiB.
	MaxBytes int64
}

// httpTransport is the client's default transport: package transport's
// HTTP transport, configured from the client's settings.
type httpTransport struct{ *transport.HTTP }

var (
	_ Transport    = (*httpTransport)(nil)
	_ configurable = (*httpTransport)(nil)
	_ logTransport = (*httpTransport)(nil)
	_ recycler     = (*httpTransport)(nil)
	_ recycler     = (*DiscardTransport)(nil)
)

func newHTTPTransport() *httpTransport { return &httpTransport{transport.NewHTTP()} }

// configure applies the client's settings and starts the senders.
func (t *httpTransport) configure(cfg transportConfig) error {
	tc := transport.Config{
		DSN: cfg.DSN, QueueSize: cfg.QueueSize, HTTPTimeout: cfg.HTTPTimeout,
		RoundTripper: cfg.RoundTripper, Spotlight: cfg.Spotlight, SDK: cfg.SDK,
		Spool:  transport.SpoolOptions(cfg.Spool),
		Shrink: shrinkEvent,
	}
	if cfg.Outcomes != nil {
		tc.Outcomes = &cfg.Outcomes.Outcomes
	}
	if cfg.Debug != nil {
		tc.Debug = cfg.Debug
	}
	return t.HTTP.Configure(tc)
}

// sendRecycled queues ev and hands it back once delivered or dropped.
func (t *httpTransport) sendRecycled(ev *Event, done func()) { t.HTTP.SendDone(ev, done) }

// logBatchQueue is how many log batches the HTTP transport holds.
const logBatchQueue = transport.LogBatchQueue

// queueLogs hands the batch's payload to the transport.
func (t *httpTransport) queueLogs(b *logBatch) {
	if b == nil {
		return
	}
	t.HTTP.QueueLogs(transport.LogBatch{Count: len(b.Logs), Payload: b.Payload, Bytes: b.Bytes, Release: b.release})
}

// spotlightEnabled reports whether Options.Spotlight turns Spotlight on,
// so that a client without a DSN still makes an HTTP transport for it.
func spotlightEnabled(v string) bool { return transport.SpotlightEnabled(v) }

type dsn = transport.DSN

// parseDSN parses s as a Sentry DSN; its error wraps ErrInvalidDSN.
func parseDSN(s string) (*dsn, error) {
	d, err := transport.ParseDSN(s)
	if err != nil {
		return nil, invalidDSN{err}
	}
	return d, nil
}

// invalidDSN is the error of parseDSN: transport's, with its message (which
// never holds the secret), that is also ErrInvalidDSN.
type invalidDSN struct{ err error }

func (e invalidDSN) Error() string   { return e.err.Error() }
func (e invalidDSN) Unwrap() []error { return []error{ErrInvalidDSN, e.err} }

// The drop reasons and data categories of client reports and Stats.
const (
	reasonQueueOverflow    = transport.ReasonQueueOverflow
	reasonCacheOverflow    = transport.ReasonCacheOverflow
	reasonRateLimitBackoff = transport.ReasonRateLimitBackoff
	reasonNetworkError     = transport.ReasonNetworkError
	reasonSampleRate       = transport.ReasonSampleRate
	reasonBeforeSend       = transport.ReasonBeforeSend
	reasonEventProcessor   = transport.ReasonEventProcessor
	reasonSendError        = transport.ReasonSendError
	reasonInternalSDKError = transport.ReasonInternalSDKError
	reasonBufferOverflow   = transport.ReasonBufferOverflow
	reasonIgnored          = transport.ReasonIgnored
	reasonInvalid          = transport.ReasonInvalid

	categoryError    = transport.CategoryError
	categoryLogItem  = transport.CategoryLogItem
	categoryLogByte  = transport.CategoryLogByte
	categoryInternal = transport.CategoryInternal
)
