package transport

import (
	"context"
	"errors"
	"github.com/sentrylog/sentrylog/core/protocol"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// HTTP sends events to Sentry as envelopes over HTTP,
// gzip-compressed from 8 KB (smaller ones are not worth the CPU), and a
// copy of each envelope to a Spotlight sidecar when configured. It is the
// client's default transport.
//
// Send only pushes the event onto a bounded queue. A few worker
// goroutines, started by Configure and stopped by Close, take events from
// it and each serializes, compresses and posts its own, over kept-alive
// connections, so that several requests are in flight under load. They
// share the server's rate limits and the receiver's state: after a network
// failure no worker sends until the receiver answers again, which one
// probe at a time, twice a second, finds out (meanwhile events go to the
// spool when there is one, see spool.go; without one they wait in the
// queue, the oldest giving way when it is full). Network errors are retried
// with a short backoff while the receiver is up. Client reports ride on
// event envelopes or go alone periodically and on Flush. Every event that
// is not delivered is counted in the configured Outcomes with its reason.
// Events are sent in the order of Send, but several may be in flight at
// once, so they may arrive out of order.
//
// All methods are safe for concurrent use. Before Configure, Send drops
// without counting (there is nowhere to count) and Flush and Close return
// true.
type HTTP struct {
	mu     sync.RWMutex // guards queue and closed against Send
	queue  chan queued
	logq   chan queuedLogs
	closed bool
	smu    sync.Mutex // serializes pushes, so that sequence numbers follow the queue's order

	cfg        Config
	client     *http.Client
	url        string // envelope endpoint; "" without a DSN
	auth       string // X-Sentry-Auth, carries the secret: never log it
	userAgent  string
	dsnPublic  string        // for envelope headers
	sdk        *protocol.SDK // name and version, for envelope headers
	ownRT      bool          // the round tripper is the transport's own: Close may shut its connections
	spotURL    string        // "" when Spotlight is off
	spotlightT time.Duration
	senders    int // worker goroutines

	wake chan struct{}  // a Flush is waiting
	stop chan struct{}  // closed by Close: the workers drain and exit
	kick chan struct{}  // the spool may be replayed now
	wg   sync.WaitGroup // the workers

	replayExited chan struct{} // closed when the spool's replayer returns

	closeDone chan struct{} // closed when the first Close has finished
	closeOK   atomic.Bool   // what it reported
	ctx       context.Context
	cancel    context.CancelFunc

	enq atomic.Uint64 // sequence number of the last event queued

	fmu          sync.Mutex // guards the fields below
	lowDone      uint64     // every event up to this sequence number is done
	ahead        seqRanges  // done events after lowDone+1
	nfail        uint64     // events not delivered
	resolvedFail uint64     // nfail when Flush last answered
	waiters      []*flushWaiter
	stopped      bool

	spool *spool // nil when off

	stopBy time.Time // Close's deadline for spooling leftovers; set before stop closes

	gate        *gate
	limits      sharedLimits
	reportEvery time.Duration
	backoff     []time.Duration
	now         func() time.Time
}

// queued is an event in the queue with its sequence number, by which Flush
// knows when everything queued before it is done.
type queued struct {
	ev  *Event
	seq uint64
	// done, when set, is called once the transport no longer reads ev
	// (see SendDone).
	done func()
}

// release calls q's done, if any.
func (q queued) release() {
	if q.done != nil {
		q.done()
	}
}

// queuedLogs is a log batch in the transport's queue of batches, numbered
// in the same sequence as events so that Flush waits for it too.
type queuedLogs struct {
	b   LogBatch
	seq uint64
}

type flushWaiter struct {
	target uint64
	mark   uint64    // resolvedFail as the call started
	ch     chan bool // buffered: the worker never blocks on an abandoned Flush
}

// Defaults of the HTTP transport.
const (
	defaultReportInterval = 30 * time.Second
	defaultSpotlightURL   = "http://localhost:8969/stream"
	maxSpotlightTimeout   = 2 * time.Second
	maxResponseDrain      = 64 << 10
	// defaultSenders is the number of worker goroutines: enough requests
	// in flight to keep a loopback receiver and the client's CPU busy
	// (1 sender: 5,200 events/s, 4: see bench/load), few connections.
	defaultSenders = 4
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

// NewHTTP returns an unconfigured HTTP transport. The client calls
// Configure with its settings before the first Send.
func NewHTTP() *HTTP {
	return &HTTP{
		senders:     defaultSenders,
		reportEvery: defaultReportInterval,
		backoff:     networkBackoff,
		now:         time.Now,
		cfg:         Config{Debug: nopLogger{}},
	}
}

// Configure applies the client's settings and starts the worker goroutines.
// It fails when the transport was configured before, or when there is
// neither a DSN nor a Spotlight URL to send to. A Spotlight value that is
// not a URL turns Spotlight off with a diagnostic line.
func (t *HTTP) Configure(cfg Config) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.queue != nil || t.closed {
		return errors.New("sentrylog: HTTP transport configured twice or after Close")
	}
	if cfg.Debug == nil {
		cfg.Debug = nopLogger{}
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
	t.sdk = &protocol.SDK{Name: name, Version: version}
	t.userAgent = name + "/" + version
	if cfg.DSN != nil {
		t.url = cfg.DSN.EnvelopeURL()
		t.auth = cfg.DSN.AuthHeader(cfg.SDK)
		t.dsnPublic = cfg.DSN.Public()
	}
	t.spotURL = spot
	t.spotlightT = min(cfg.HTTPTimeout, maxSpotlightTimeout)
	if t.senders <= 0 {
		t.senders = defaultSenders
	}
	rt := cfg.RoundTripper
	t.ownRT = rt == nil
	if rt == nil {
		rt = newRoundTripper(t.senders + 2) // the senders, Spotlight, a probe
	}
	t.client = &http.Client{
		// No Client.Timeout: it costs a goroutine and a timer per request;
		// each request has a context with HTTPTimeout instead (see post).
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
	}
	t.gate = newGate()
	t.queue = make(chan queued, cfg.QueueSize)
	t.logq = make(chan queuedLogs, logBatchQueue)
	t.wake = make(chan struct{}, 1)
	t.stop = make(chan struct{})
	t.kick = make(chan struct{}, 1)
	t.closeDone = make(chan struct{})
	t.ctx, t.cancel = context.WithCancel(context.Background())
	for i := range t.senders {
		t.wg.Add(1)
		go t.work(i == 0)
	}
	t.replayExited = make(chan struct{})
	if t.spool != nil {
		go t.replayer()
	} else {
		close(t.replayExited)
	}
	return nil
}

// newRoundTripper returns a private copy of the default transport, so that
// Close can shut its idle connections without touching the program's; it
// keeps idle connections for every sender (the default keeps two per host).
func newRoundTripper(conns int) http.RoundTripper {
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		c := dt.Clone()
		c.MaxIdleConnsPerHost = max(c.MaxIdleConnsPerHost, conns)
		// A request of a typical envelope (2-8 KB) in one write.
		c.WriteBufferSize = 16 << 10
		return c
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: conns}
}

// debugOn reports whether diagnostics go anywhere.
func (t *HTTP) debugOn() bool {
	_, nop := t.cfg.Debug.(nopLogger)
	return t.cfg.Debug != nil && !nop
}

// Send queues ev for delivery and returns at once; it takes ownership of
// ev. When the queue is full, the oldest queued event is dropped to make
// room, so that the latest events are the ones delivered when an
// unreachable receiver answers again; after Close, ev is dropped. Drops
// are counted as queue_overflow.
func (t *HTTP) Send(ev *Event) { t.SendDone(ev, nil) }

// SendDone is Send, and calls done (when not nil) once the transport no
// longer reads ev: after its delivery, or its drop when the queue is full
// or the receiver refuses it. An event that is held for a retry, spooled
// at Close or left over when the transport stops is never handed back:
// done is then not called.
func (t *HTTP) SendDone(ev *Event, done func()) {
	if ev == nil {
		return
	}
	t.mu.RLock()
	if t.queue == nil {
		t.mu.RUnlock()
		if done != nil {
			done()
		}
		return
	}
	if !t.closed {
		t.smu.Lock()
		seq := t.enq.Load() + 1
		select {
		case t.queue <- queued{ev: ev, seq: seq, done: done}:
			t.enq.Store(seq)
			t.smu.Unlock()
			t.mu.RUnlock()
			return
		default:
		}
		if t.gate != nil {
			// Full: the oldest waiting event gives way, so that what the
			// queue holds, when an unreachable receiver answers again or
			// a burst is over, is the latest. (Only Send pushes, under
			// smu: the room taken is still free.)
			select {
			case old := <-t.queue:
				t.queue <- queued{ev: ev, seq: seq, done: done}
				t.enq.Store(seq)
				t.smu.Unlock()
				t.mu.RUnlock()
				t.cfg.Outcomes.Add(ReasonQueueOverflow, CategoryError, 1)
				if t.debugOn() { // no boxing of the argument when debug is off
					t.cfg.Debug.Once("transport_queue_full", "transport queue full (%d): dropping the oldest events", cap(t.queue))
				}
				t.record(old.seq, false)
				old.release()
				select { // a worker answers the Flush calls this may complete
				case t.wake <- struct{}{}:
				default:
				}
				return
			default:
			}
		}
		t.smu.Unlock()
	}
	closed := t.closed
	t.mu.RUnlock()
	if done != nil {
		done()
	}
	t.cfg.Outcomes.Add(ReasonQueueOverflow, CategoryError, 1)
	if closed {
		t.cfg.Debug.Once("transport_closed", "transport closed: dropping events")
	} else if t.debugOn() {
		t.cfg.Debug.Once("transport_queue_full", "transport queue full (%d): dropping events", cap(t.queue))
	}
}

// work is a worker goroutine; the first also sends the periodic client
// reports.
func (t *HTTP) work(reports bool) {
	defer t.wg.Done()
	var tick <-chan time.Time
	if reports {
		ticker := time.NewTicker(t.reportEvery)
		defer ticker.Stop()
		tick = ticker.C
	}
	// One worker, the one that sends client reports, sends the log
	// batches: they arrive in order, and a log storm holds at most one of
	// the workers.
	var logq <-chan queuedLogs
	if reports {
		logq = t.logq
	}
	for {
		select { // Close first: a worker does not take one more event
		case <-t.stop:
			t.drain()
			return
		default:
		}
		if t.spool == nil {
			// Without a spool, while the receiver is unreachable, events
			// wait (in the queue and held) rather than being tried and
			// lost one by one; one worker probes with the oldest.
			if down, probeAt, up := t.gate.paused(); down {
				if !t.paused(probeAt, up, tick) {
					return
				}
				continue
			}
			if q, ok := t.gate.unhold(); ok {
				t.send(q, false)
				continue
			}
		}
		select {
		case q := <-t.queue:
			t.send(q, false)
		case ql := <-logq:
			t.finish(ql.seq, t.sendLogs(ql.b))
		case <-t.wake:
			t.resolveFlushes()
		case <-tick:
			t.sendReport()
		case <-t.stop:
			t.drain()
			return
		}
	}
}

// paused is a worker's turn while the receiver is down and there is no
// spool: it probes when the probe is due and nobody else does, else it
// waits for the receiver, the probe's time, a Flush or Close. It returns
// false when the worker must exit.
func (t *HTTP) paused(probeAt time.Time, up <-chan struct{}, tick <-chan time.Time) bool {
	now := t.now()
	if !now.Before(probeAt) && t.gate.takeProbe(now) {
		defer func() { t.gate.endProbe(t.now()) }()
		q, ok := t.gate.unhold()
		if !ok {
			select {
			case q = <-t.queue:
			case <-up:
				return true
			case <-t.wake:
				t.resolveFlushes()
				return true
			case <-t.stop:
				t.drain()
				return false
			}
		}
		t.send(q, true)
		return true
	}
	d := probeAt.Sub(now)
	if d <= 0 {
		d = probeEvery / 10 // another worker is probing
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-up:
	case <-timer.C:
	case <-t.wake:
		t.resolveFlushes()
	case <-tick:
		t.sendReport()
	case <-t.stop:
		t.drain()
		return false
	}
	return true
}

// send sends one event and records its outcome; a held event is not done.
func (t *HTTP) send(q queued, probe bool) {
	// Released before finish: a Flush that returns has the events back.
	switch t.sendEvent(q, probe) {
	case outcomeDelivered:
		q.release()
		t.finish(q.seq, true)
	case outcomeHeld:
	default:
		q.release()
		t.finish(q.seq, false)
	}
}

// drain, on Close, spools what is left in the queue until Close's
// deadline, in batches: the workers do it together. What is left after it
// is counted by shutdown.
func (t *HTTP) drain() {
	if t.spool == nil {
		return
	}
	batch := make([]queued, 0, drainBatch)
	for time.Now().Before(t.stopBy) {
		batch = batch[:0]
	fill:
		for len(batch) < drainBatch {
			select {
			case q := <-t.queue:
				batch = append(batch, q)
			default:
				break fill
			}
		}
		if len(batch) == 0 {
			return
		}
		t.spoolLeftovers(batch)
	}
}

// drainBatch is how many leftovers a worker spools with one round of
// fsyncs.
const drainBatch = 64
