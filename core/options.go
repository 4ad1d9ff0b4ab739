package core

import (
	"context"
	"errors"
	"github.com/sentrylog/sentrylog/core/protocol"
	"io"
	"net/http"
	"os"
	"regexp"
	"time"
)

// Options configure a [Client]. A field's zero value means the default its
// comment states.
type Options struct {
	// DSN says where events go. Default: $SENTRY_DSN. Empty disables sending.
	DSN string
	// Environment of the release. Default: $SENTRY_ENVIRONMENT, else "production".
	Environment string
	// Release is the program's version. Default: $SENTRY_RELEASE, else the
	// build info's VCS revision or module version.
	Release string
	// Dist distinguishes builds of the same release. Default: empty.
	Dist string
	// ServerName names the host. Default: os.Hostname().
	ServerName string

	// SampleRate is the chance, 0 to 1, that an event is sent. Default
	// (nil) 1; set zero with [Rate](0).
	SampleRate *float64
	// SendDefaultPII allows personal data (IP addresses, cookies, e-mail).
	SendDefaultPII bool
	// AttachStacktrace adds the call site's stack to message events.
	AttachStacktrace bool
	// MaxBreadcrumbs caps a scope's breadcrumbs. Default 100; negative: none.
	MaxBreadcrumbs int

	// IgnoreErrors drops events whose error matches a rule.
	IgnoreErrors []IgnoreRule
	// BeforeSend may change an event or drop it (nil). It runs on the
	// client's worker, after the scopes are merged and the event scrubbed.
	BeforeSend func(ev *Event, hint *Hint) *Event
	// BeforeBreadcrumb may change a breadcrumb or drop it (nil). It runs on
	// the logging goroutine.
	BeforeBreadcrumb func(b *Breadcrumb, hint *Hint) *Breadcrumb
	// Scrubber removes secrets from each event before BeforeSend. Default:
	// package scrub's default, which also honours SendDefaultPII and
	// MaxRequestBodySize; [NoScrubber] turns scrubbing off.
	Scrubber Scrubber
	// MaxRequestBodySize bounds request bodies on events. Default BodySizeMedium.
	MaxRequestBodySize BodySize

	// InAppInclude lists package path prefixes whose frames are in-app, as
	// the main module's are; it wins over InAppExclude.
	InAppInclude []string
	// InAppExclude lists package path prefixes whose frames are not in-app.
	InAppExclude []string

	// Debug writes the SDK's own diagnostics to DebugWriter (default os.Stderr).
	Debug       bool
	DebugWriter io.Writer

	// Transport delivers events. Default: an HTTP transport to the DSN.
	Transport Transport
	// QueueSize bounds the events waiting to be processed, and to be sent.
	// Default 1000.
	QueueSize int
	// ShutdownTimeout bounds Close without a context deadline, and the flush
	// after a fatal record. Default 2s.
	ShutdownTimeout time.Duration
	// HTTPTimeout bounds one HTTP request of the default transport. Default 10s.
	HTTPTimeout time.Duration
	// HTTPRoundTripper carries the default transport's requests. Default: a
	// clone of http.DefaultTransport.
	HTTPRoundTripper http.RoundTripper
	// Spotlight copies every envelope to a Spotlight sidecar: "1" or "true"
	// for the local default, or a URL. Default: $SENTRY_SPOTLIGHT.
	Spotlight string

	// Spool keeps undeliverable events on disk. Default: off, or on in
	// $SENTRY_SPOOL_DIR when that is set.
	Spool SpoolOptions

	// Storm caps events from an error logged in a hot loop.
	Storm StormOptions

	// LogsBuffer bounds the logs waiting for the log worker; logs beyond
	// it are dropped and counted (queue_overflow). Default 1000. While the
	// worker is behind it holds up to as many again, those it took from
	// the buffer: up to twice LogsBuffer logs are then in memory, besides
	// the batches the transport holds. Which records become logs is set
	// per bridge (off by default).
	LogsBuffer int
	// BeforeSendLog may change a log or drop it (nil), after scrubbing.
	BeforeSendLog func(l *Log) *Log
	// LogStorm caps logs per call site as Storm caps events (default burst
	// 1000, then 100/s; 5000, then 1000/s, for all logs); the next log sent
	// carries the count held back in sentrylog.storm.suppressed.
	LogStorm StormOptions
	// SpanFromContext returns a tracing library's active span in ctx, which
	// wins over the scope's trace; it must be cheap and safe for concurrent
	// use. otelsentry.SpanFromContext reads OpenTelemetry's.
	SpanFromContext func(ctx context.Context) (traceID [16]byte, spanID [8]byte, ok bool)
}

// Rate returns a pointer to r, for Options.SampleRate.
func Rate(r float64) *float64 { return &r }

// BodySize is the policy for request bodies on events.
type BodySize int

const (
	// BodySizeMedium keeps bodies up to 10,000 bytes (the default).
	BodySizeMedium BodySize = iota
	// BodySizeNever drops request bodies.
	BodySizeNever
	// BodySizeSmall keeps bodies up to 1,000 bytes.
	BodySizeSmall
	// BodySizeAlways keeps every body.
	BodySizeAlways
)

// Limit returns the largest body kept, or -1 for no limit.
func (b BodySize) Limit() int {
	switch b {
	case BodySizeNever:
		return 0
	case BodySizeSmall:
		return 1000
	case BodySizeAlways:
		return -1
	default:
		return 10000
	}
}

// IgnoreRule reports whether an event is ignored.
type IgnoreRule func(err error, ev *Event) bool

// IgnoreError ignores events whose error matches target by errors.Is.
func IgnoreError(target error) IgnoreRule {
	return func(err error, _ *Event) bool { return err != nil && errors.Is(err, target) }
}

// IgnoreType ignores events whose error chain holds a T, by errors.As:
// core.IgnoreType[*net.OpError]().
func IgnoreType[T error]() IgnoreRule {
	return func(err error, _ *Event) bool {
		if err == nil {
			return false
		}
		var t T
		return errors.As(err, &t)
	}
}

// IgnoreMessage ignores events whose error message, or message when there is
// no error, matches re.
func IgnoreMessage(re *regexp.Regexp) IgnoreRule {
	return func(err error, ev *Event) bool {
		if err != nil {
			return re.MatchString(safeErrorString(err))
		}
		if ev != nil && ev.Message != nil {
			return re.MatchString(ev.Message.Message) || re.MatchString(ev.Message.Formatted)
		}
		return false
	}
}

// Scrubber removes secrets from an event in place. Implementations must be
// safe for concurrent use and must not panic.
type Scrubber interface {
	Scrub(ev *Event)
}

// NoScrubber turns scrubbing off when set as Options.Scrubber.
var NoScrubber Scrubber = noScrubber{}

type noScrubber struct{}

func (noScrubber) Scrub(*Event) {}

// Transport delivers events. Implementations must be safe for concurrent use.
type Transport interface {
	// Send takes ownership of ev and delivers it without blocking.
	Send(ev *Event)
	// Flush waits until what Send was given is delivered or dropped, or ctx
	// is done, and reports whether all was delivered.
	Flush(ctx context.Context) bool
	// Close flushes, then stops the transport's goroutines.
	Close(ctx context.Context) bool
}

// transportConfig is what a client hands to a transport that implements
// configurable, once, before the first Send.
type transportConfig struct {
	DSN         *dsn
	Outcomes    *outcomeCounts
	Debug       *debugLog
	QueueSize   int
	HTTPTimeout time.Duration
	// RoundTripper carries the requests; nil means a clone of
	// http.DefaultTransport.
	RoundTripper http.RoundTripper
	Spotlight    string
	SDK          protocol.SDK
	Spool        SpoolOptions
}

// configurable is implemented by transports that need the client's settings.
type configurable interface {
	configure(cfg transportConfig) error
}

func (o *Options) applyDefaults() {
	if o.DSN == "" {
		o.DSN = os.Getenv("SENTRY_DSN")
	}
	if o.Release == "" {
		o.Release = os.Getenv("SENTRY_RELEASE")
	}
	if o.Release == "" {
		o.Release = buildRelease()
	}
	if o.Environment == "" {
		o.Environment = os.Getenv("SENTRY_ENVIRONMENT")
	}
	if o.Environment == "" {
		o.Environment = "production"
	}
	if o.Spotlight == "" {
		o.Spotlight = os.Getenv("SENTRY_SPOTLIGHT")
	}
	if o.Spool.Dir == "" {
		o.Spool.Dir = os.Getenv("SENTRY_SPOOL_DIR")
	}
	if o.ServerName == "" {
		o.ServerName, _ = os.Hostname()
	}
	if o.SampleRate == nil {
		o.SampleRate = Rate(1)
	}
	if o.MaxBreadcrumbs == 0 {
		o.MaxBreadcrumbs = 100
	} else if o.MaxBreadcrumbs < 0 {
		o.MaxBreadcrumbs = 0
	}
	if o.DebugWriter == nil {
		o.DebugWriter = os.Stderr
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 1000
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 2 * time.Second
	}
	if o.HTTPTimeout <= 0 {
		o.HTTPTimeout = 10 * time.Second
	}
	o.Storm.applyDefaults()
	o.applyLogDefaults()
}
