package core

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// HTTPTransport sends events to Sentry as envelopes over HTTP,
// gzip-compressed from 8 KB (smaller ones are not worth the CPU), and a copy of each envelope to a Spotlight sidecar when configured
// (see ../shared/sentry/PROTOCOL.md). It is the client's default transport.
//
// Send only pushes the event onto a bounded queue; one worker goroutine,
// started by Configure and stopped by Close, serializes, compresses and
// posts them, honours the server's rate limits, retries network errors with a
// bounded backoff and sends client reports. Every event that is not
// delivered is counted in the configured Outcomes with its reason.
//
// All methods are safe for concurrent use. Before Configure, Send drops
// without counting (there is nowhere to count) and Flush and Close return
// true.
type HTTPTransport struct {
	mu     sync.RWMutex // guards queue and closed against Send
	queue  chan *Event
	logq   chan *LogBatch
	closed bool

	cfg        TransportConfig
	client     *http.Client
	url        string // envelope endpoint; "" without a DSN
	auth       string // X-Sentry-Auth, carries the secret: never log it
	userAgent  string
	dsnPublic  string // for envelope headers
	sdk        *SDK   // name and version, for envelope headers
	ownRT      bool   // the round tripper is the transport's own: Close may shut its connections
	spotURL    string // "" when Spotlight is off
	spotlightT time.Duration

	wake   chan struct{} // a Flush is waiting
	stop   chan struct{} // closed by Close: the worker drains and exits
	exited chan struct{} // closed by the worker when it returns

	closeDone chan struct{} // closed when the first Close has finished
	closeOK   atomic.Bool   // what it reported
	ctx       context.Context
	cancel    context.CancelFunc

	enq atomic.Uint64 // events accepted by Send

	fmu          sync.Mutex // guards the fields below
	done         uint64     // events the worker finished with
	nfail        uint64     // ... of which were not delivered
	resolvedFail uint64     // nfail when Flush last answered
	waiters      []*flushWaiter
	stopped      bool

	spool        *spool      // nil when off
	spoolPending atomic.Bool // the spool may hold envelopes

	stopBy time.Time // Close's deadline for spooling leftovers; set before stop closes

	// Owned by the worker goroutine.
	downUntil   time.Time     // after a network failure: no attempts before this
	downFor     time.Duration // the current pause, doubled per failure
	limits      rateLimits
	reportEvery time.Duration
	backoff     []time.Duration
	now         func() time.Time
}

type flushWaiter struct {
	target uint64
	ch     chan bool // buffered: the worker never blocks on an abandoned Flush
}

// Defaults of the HTTP transport.
const (
	defaultReportInterval = 30 * time.Second
	defaultSpotlightURL   = "http://localhost:8969/stream"
	maxSpotlightTimeout   = 2 * time.Second
	maxResponseDrain      = 64 << 10
	// maxDown bounds the pause after repeated network failures.
	maxDown = 5 * time.Second
	// defaultStopSpool bounds the spooling of leftovers when Close's
	// context has no deadline.
	defaultStopSpool = 2 * time.Second
	// stopSpoolGrace is how long Close may spool leftovers past a deadline
	// that Flush used up.
	stopSpoolGrace = 250 * time.Millisecond
)

// networkBackoff is the pause before each retry of a network error: four
// attempts in all, about 0.7 s of waiting, always cut short by Close.
var networkBackoff = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}

var _ Transport = (*HTTPTransport)(nil)
var _ Configurable = (*HTTPTransport)(nil)

// NewHTTPTransport returns an unconfigured HTTP transport. The client calls
// Configure with its settings before the first Send; a transport made by a
// user and passed as Options.Transport is configured the same way.
func NewHTTPTransport() *HTTPTransport {
	return &HTTPTransport{
		reportEvery: defaultReportInterval,
		backoff:     networkBackoff,
		now:         time.Now,
	}
}

// Configure applies the client's settings and starts the worker goroutine.
// It fails when the transport was configured before, or when there is
// neither a DSN nor a Spotlight URL to send to. A Spotlight value that is
// not a URL turns Spotlight off with a diagnostic line.
func (t *HTTPTransport) Configure(cfg TransportConfig) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.queue != nil || t.closed {
		return errors.New("sentrylog: HTTP transport configured twice or after Close")
	}
	spot, err := spotlightURL(cfg.Spotlight)
	if err != nil {
		cfg.Debug.Printf("spotlight off: %v", err)
	}
	if cfg.DSN == nil && spot == "" {
		return errors.New("sentrylog: HTTP transport needs a DSN or Spotlight")
	}
	if cfg.Outcomes == nil {
		cfg.Outcomes = new(Outcomes)
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 1000
	}
	if cfg.HTTPTimeout <= 0 {
		cfg.HTTPTimeout = 10 * time.Second
	}
	t.cfg = cfg
	name, version := sdkIdent(cfg.SDK)
	t.sdk = &SDK{Name: name, Version: version}
	t.userAgent = name + "/" + version
	if cfg.DSN != nil {
		t.url = cfg.DSN.EnvelopeURL()
		t.auth = cfg.DSN.AuthHeader(cfg.SDK)
		t.dsnPublic = cfg.DSN.public()
	}
	t.spotURL = spot
	t.spotlightT = min(cfg.HTTPTimeout, maxSpotlightTimeout)
	rt := cfg.RoundTripper
	t.ownRT = rt == nil
	if rt == nil {
		rt = newRoundTripper()
	}
	t.client = &http.Client{
		Timeout:   cfg.HTTPTimeout,
		Transport: rt,
		// A redirect would turn the POST into a bodiless GET: answer it
		// as the status it is.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.reportEvery <= 0 {
		t.reportEvery = defaultReportInterval
	}
	if cfg.Spool.Dir != "" && t.url != "" {
		sp, err := newSpool(cfg.Spool)
		if err != nil {
			return err
		}
		t.spool = sp
		t.spoolPending.Store(true)
	}
	t.queue = make(chan *Event, cfg.QueueSize)
	t.logq = make(chan *LogBatch, logBatchQueue)
	t.wake = make(chan struct{}, 1)
	t.stop = make(chan struct{})
	t.exited = make(chan struct{})
	t.closeDone = make(chan struct{})
	t.ctx, t.cancel = context.WithCancel(context.Background())
	go t.run()
	return nil
}

// newRoundTripper returns a private copy of the default transport, so that
// Close can shut its idle connections without touching the program's.
func newRoundTripper() http.RoundTripper {
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		return dt.Clone()
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
}

// Send queues ev for delivery and returns at once; it takes ownership of
// ev. When the queue is full, or after Close, ev is dropped and counted as
// queue_overflow.
func (t *HTTPTransport) Send(ev *Event) {
	if ev == nil {
		return
	}
	t.mu.RLock()
	if t.queue == nil {
		t.mu.RUnlock()
		return
	}
	if !t.closed {
		select {
		case t.queue <- ev:
			t.enq.Add(1)
			t.mu.RUnlock()
			return
		default:
		}
	}
	closed := t.closed
	t.mu.RUnlock()
	t.cfg.Outcomes.Add(ReasonQueueOverflow, CategoryError, 1)
	if closed {
		t.cfg.Debug.Once("transport_closed", "transport closed: dropping events")
	} else {
		t.cfg.Debug.Once("transport_queue_full", "transport queue full (%d): dropping events", cap(t.queue))
	}
}

// run is the worker goroutine.
func (t *HTTPTransport) run() {
	defer close(t.exited)
	ticker := time.NewTicker(t.reportEvery)
	defer ticker.Stop()
	t.replaySpool(spoolBatch) // what earlier processes left
	for {
		select {
		case <-t.stop:
			t.shutdown()
			return
		default:
		}
		// While the receiver is unreachable and there is no spool, events
		// wait in the queue (new ones overflow, counted) rather than being
		// tried and lost one by one: when it answers again, what the queue
		// kept is delivered.
		queue, logq := t.queue, t.logq
		var pause *time.Timer
		var resume <-chan time.Time
		if t.spool == nil {
			if d := t.downUntil.Sub(t.now()); d > 0 {
				queue, logq = nil, nil
				pause = time.NewTimer(d)
				resume = pause.C
			}
		}
		select {
		case ev := <-queue:
			t.finish(t.sendEvent(ev))
		case b := <-logq:
			t.finish(t.sendLogs(b))
		case <-resume:
		case <-t.wake:
			t.resolveFlushes()
		case <-ticker.C:
			t.sendReport()
			t.replaySpool(spoolBatch)
		case <-t.stop:
			if pause != nil {
				pause.Stop()
			}
			t.shutdown()
			return
		}
		if pause != nil {
			pause.Stop()
		}
	}
}
