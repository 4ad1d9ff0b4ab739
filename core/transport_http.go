package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// HTTPTransport sends events to Sentry as gzip-compressed envelopes over
// HTTP, and a copy of each envelope to a Spotlight sidecar when configured
// (see ../shared/sentry/PROTOCOL.md). It is the client's default transport.
//
// Send only pushes the event onto a bounded queue; one worker goroutine,
// started by Configure and stopped by Close, serializes, compresses and
// posts, honours the server's rate limits, retries network errors with a
// bounded backoff and sends client reports. Every event that is not
// delivered is counted in the configured Outcomes with its reason.
//
// All methods are safe for concurrent use. Before Configure, Send drops
// without counting (there is nowhere to count) and Flush and Close return
// true.
type HTTPTransport struct {
	mu     sync.RWMutex // guards queue and closed against Send
	queue  chan *Event
	closed bool

	cfg        TransportConfig
	client     *http.Client
	url        string // envelope endpoint; "" without a DSN
	auth       string // X-Sentry-Auth, carries the secret: never log it
	userAgent  string
	dsnPublic  string // for envelope headers
	sdk        *SDK   // name and version, for envelope headers
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
	t.client = &http.Client{
		Timeout:   cfg.HTTPTimeout,
		Transport: newRoundTripper(),
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

// Flush waits until every event Send accepted before the call has been
// delivered or dropped, and a pending client report sent, or until ctx is
// done. It reports whether every event the worker finished with since the
// previous Flush was answered was delivered; false when ctx ended first.
func (t *HTTPTransport) Flush(ctx context.Context) bool {
	t.mu.RLock()
	started := t.queue != nil
	t.mu.RUnlock()
	if !started {
		return true
	}
	w := &flushWaiter{ch: make(chan bool, 1)}
	t.fmu.Lock()
	w.target = t.enq.Load()
	if t.stopped {
		ok := t.done >= w.target && t.nfail == t.resolvedFail
		t.resolvedFail = t.nfail
		t.fmu.Unlock()
		return ok
	}
	t.waiters = append(t.waiters, w)
	t.fmu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
	select {
	case ok := <-w.ch:
		return ok
	case <-ctx.Done():
		return false
	}
}

// Close stops accepting events, flushes like Flush until ctx is done, then
// stops the worker: a request still running is cancelled and its event
// counted as network_error, events still queued are counted as
// queue_overflow. No goroutine of the transport outlives Close. It reports
// whether everything was delivered. A second Close waits for the first
// (or for its own ctx) and reports the same.
func (t *HTTPTransport) Close(ctx context.Context) bool {
	t.mu.Lock()
	if t.queue == nil {
		t.closed = true
		t.mu.Unlock()
		return true
	}
	if t.closed {
		t.mu.Unlock()
		select {
		case <-t.closeDone:
			return t.closeOK.Load()
		case <-ctx.Done():
			return false
		}
	}
	t.closed = true
	t.mu.Unlock()

	ok := t.Flush(ctx)
	t.stopBy = time.Now().Add(defaultStopSpool)
	if d, has := ctx.Deadline(); has {
		// Flush may have used the whole deadline: leftovers still get a
		// short grace to reach the spool, so Close overruns by little.
		t.stopBy = d
		if grace := time.Now().Add(stopSpoolGrace); grace.After(d) {
			t.stopBy = grace
		}
	}
	close(t.stop)
	t.cancel()
	<-t.exited
	t.client.CloseIdleConnections()
	t.fmu.Lock()
	ok = ok && t.nfail == t.resolvedFail
	t.fmu.Unlock()
	t.closeOK.Store(ok)
	close(t.closeDone)
	return ok
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
		queue := t.queue
		var pause *time.Timer
		var resume <-chan time.Time
		if t.spool == nil {
			if d := t.downUntil.Sub(t.now()); d > 0 {
				queue = nil
				pause = time.NewTimer(d)
				resume = pause.C
			}
		}
		select {
		case ev := <-queue:
			t.finish(t.sendEvent(ev))
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

// finish records the outcome of one event and answers the Flush calls that
// waited for it.
func (t *HTTPTransport) finish(delivered bool) {
	t.fmu.Lock()
	t.done++
	if !delivered {
		t.nfail++
	}
	ready := false
	for _, w := range t.waiters {
		if w.target <= t.done {
			ready = true
			break
		}
	}
	t.fmu.Unlock()
	if ready {
		t.resolveFlushes()
	}
}

// resolveFlushes sends a pending client report and answers every Flush
// whose events are all done.
func (t *HTTPTransport) resolveFlushes() {
	t.fmu.Lock()
	var ready []*flushWaiter
	keep := t.waiters[:0]
	for _, w := range t.waiters {
		if w.target <= t.done {
			ready = append(ready, w)
		} else {
			keep = append(keep, w)
		}
	}
	clear(t.waiters[len(keep):])
	t.waiters = keep
	t.fmu.Unlock()
	if len(ready) == 0 {
		return
	}
	t.sendReport()
	t.answer(ready)
}

func (t *HTTPTransport) answer(ws []*flushWaiter) {
	if len(ws) == 0 {
		return
	}
	t.fmu.Lock()
	ok := t.nfail == t.resolvedFail
	t.resolvedFail = t.nfail
	t.fmu.Unlock()
	for _, w := range ws {
		w.ch <- ok
	}
}

// shutdown counts what Close's deadline left in the queue and answers
// every Flush still waiting.
func (t *HTTPTransport) shutdown() {
	dropped := 0
	for empty := false; !empty; {
		select {
		case ev := <-t.queue:
			if time.Now().After(t.stopBy) {
				dropped++ // Close's deadline: no time left to write files
				continue
			}
			if env := t.spoolable(ev); env != nil && t.toSpool(env) {
				t.fmu.Lock()
				t.done++
				t.nfail++
				t.fmu.Unlock()
				continue
			}
			dropped++
		default:
			empty = true
		}
	}
	if dropped > 0 {
		t.cfg.Outcomes.Add(ReasonQueueOverflow, CategoryError, dropped)
		t.cfg.Debug.Printf("transport closed with %d events unsent", dropped)
	}
	t.fmu.Lock()
	t.done += uint64(dropped)
	t.nfail += uint64(dropped)
	t.stopped = true
	ws := t.waiters
	t.waiters = nil
	t.fmu.Unlock()
	t.answer(ws)
}

// sendEvent delivers one event: to Spotlight when on, then to Sentry
// unless rate limited. It reports whether the event was delivered and
// counts it when it was not.
func (t *HTTPTransport) sendEvent(ev *Event) bool {
	now := t.now()
	toSentry := t.url != ""
	if toSentry && t.spotURL == "" && t.limits.limited(CategoryError, now) {
		t.cfg.Outcomes.Add(ReasonRateLimitBackoff, CategoryError, 1)
		return false
	}
	env := t.envelope(ev)
	if env == nil {
		return false
	}
	spotOK := false
	if t.spotURL != "" {
		spotOK = t.postSpotlight(env)
	}
	if !toSentry {
		if spotOK {
			t.cfg.Outcomes.Delivered.Add(1)
		} else {
			t.cfg.Outcomes.Add(ReasonNetworkError, CategoryError, 1)
		}
		return spotOK
	}
	if t.limits.limited(CategoryError, t.now()) {
		t.cfg.Outcomes.Add(ReasonRateLimitBackoff, CategoryError, 1)
		return false
	}
	if t.spool != nil && t.now().Before(t.downUntil) {
		// Unreachable moments ago: straight to the spool, no attempt.
		if t.toSpool(env) {
			return false
		}
	}
	var report []DiscardedItem
	if !t.limits.limited(CategoryInternal, now) {
		report = t.cfg.Outcomes.Take()
		env.Items = append(env.Items, clientReportItems(report, now)...)
	}
	status, err := t.post(env)
	switch {
	case err != nil:
		t.cfg.Outcomes.Restore(report)
		if t.toSpool(env) {
			return false
		}
		t.cfg.Outcomes.Add(ReasonNetworkError, CategoryError, 1)
		t.cfg.Debug.Printf("event %s not sent: %v", ev.EventID, err)
		return false
	case status >= 200 && status < 300:
		t.cfg.Outcomes.Delivered.Add(1)
		t.replaySpool(spoolBatch) // the receiver answers: send what waited
		return true
	case status == http.StatusTooManyRequests:
		// The server counted the event (it reports it itself); only the
		// report is kept, and the event is counted locally.
		t.cfg.Outcomes.Restore(report)
		t.cfg.Outcomes.ServerRateLimited.Add(1)
		return false
	case status >= 500 && t.toSpool(env):
		t.cfg.Outcomes.Restore(report)
		return false
	default:
		t.cfg.Outcomes.Restore(report)
		t.cfg.Outcomes.Add(ReasonSendError, CategoryError, 1)
		return false
	}
}

// envelope serializes ev into an envelope, trimming it when it is too
// large; nil (counted) when it cannot be sent at all.
func (t *HTTPTransport) envelope(ev *Event) *Envelope {
	payload, err := marshalEvent(ev)
	if err != nil {
		t.cfg.Outcomes.Add(ReasonInternalSDKError, CategoryError, 1)
		t.cfg.Debug.Printf("event %s not serializable: %v", ev.EventID, err)
		return nil
	}
	if len(payload) > maxEventSize {
		size := len(payload)
		if payload = shrinkEvent(ev); payload == nil {
			t.cfg.Outcomes.Add(ReasonSendError, CategoryError, 1)
			t.cfg.Debug.Printf("event %s is %d bytes, over Sentry's limit of %d even trimmed: dropped", ev.EventID, size, maxEventSize)
			return nil
		}
		t.cfg.Debug.Printf("event %s trimmed from %d to %d bytes", ev.EventID, size, len(payload))
	}
	env := &Envelope{
		Header: EnvelopeHeader{EventID: ev.EventID, DSN: t.dsnPublic, SDK: t.sdk},
		Items:  []EnvelopeItem{{Header: ItemHeader{Type: ItemTypeEvent}, Payload: payload}},
	}
	return env
}

// markDown starts or lengthens the period after a network failure in which
// sends are not retried: 1 s, doubled per failure, at most maxDown. Any
// answer from the receiver ends it (see postOnce).
func (t *HTTPTransport) markDown() {
	t.downFor = min(max(2*t.downFor, time.Second), maxDown)
	t.downUntil = t.now().Add(t.downFor)
	t.cfg.Debug.Printf("receiver unreachable: no retries for %v", t.downFor)
}

// marshalEvent serializes ev, turning a panic in user values into an error.
func marshalEvent(ev *Event) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("panic while encoding: %v", r)
		}
	}()
	return ev.MarshalJSON()
}

// post sends env to Sentry, retrying network errors other than timeouts
// with backoff, and applies the rate limits of the response. It returns the
// status, or an error when no response came; statuses other than 2xx are
// logged.
func (t *HTTPTransport) post(env *Envelope) (int, error) {
	// Right after a network failure, one attempt and no retries: retries
	// that will fail too would hold the queue.
	retry := !t.now().Before(t.downUntil)
	for attempt := 0; ; attempt++ {
		status, err := t.postOnce(env)
		if err == nil {
			return status, nil
		}
		var ne net.Error
		if !retry || attempt >= len(t.backoff) || t.ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
			// A request that timed out may have arrived, and retrying
			// it would hold the queue for HTTPTimeout again.
			if t.ctx.Err() == nil {
				t.markDown()
			}
			return 0, err
		}
		t.cfg.Debug.Printf("send failed (%v), retry %d in %v", err, attempt+1, t.backoff[attempt])
		timer := time.NewTimer(t.backoff[attempt])
		select {
		case <-timer.C:
		case <-t.ctx.Done():
			timer.Stop()
			return 0, err
		}
	}
}

func (t *HTTPTransport) postOnce(env *Envelope) (int, error) {
	env.Header.SentAt = t.now()
	raw := getBuffer()
	if err := env.appendTo(raw); err != nil {
		putBuffer(raw)
		return 0, err
	}
	body := gzipBody(raw)
	putBuffer(raw)
	req, err := http.NewRequestWithContext(t.ctx, http.MethodPost, t.url, body)
	if err != nil {
		body.Close()
		return 0, err
	}
	req.ContentLength = int64(body.Len())
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("User-Agent", t.userAgent)
	req.Header.Set("X-Sentry-Auth", t.auth)
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseDrain))
	resp.Body.Close()
	t.downFor, t.downUntil = 0, time.Time{} // the receiver answers
	now := t.now()
	if l := responseLimits(resp.StatusCode, resp.Header, now); !l.isZero() {
		t.limits.merge(l)
		t.cfg.Debug.Printf("rate limits: errors until %s, all until %s",
			limitTime(t.limits.until(CategoryError)), limitTime(t.limits.all))
	}
	t.logStatus(resp)
	return resp.StatusCode, nil
}

func limitTime(u time.Time) string {
	if u.IsZero() {
		return "-"
	}
	return u.UTC().Format(time.RFC3339)
}

// logStatus writes a diagnostic line for a response that is not a success.
func (t *HTTPTransport) logStatus(resp *http.Response) {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return
	}
	why := resp.Header.Get("X-Sentry-Error")
	if len(why) > 200 {
		why = why[:200]
	}
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden:
		t.cfg.Debug.Once(fmt.Sprint("auth", code), "Sentry refused the DSN's key (%s): %s; dropping events", resp.Status, why)
	case http.StatusTooManyRequests:
		t.cfg.Debug.Printf("rate limited (%s)", resp.Status)
	default:
		t.cfg.Debug.Printf("envelope rejected (%s): %s", resp.Status, why)
	}
}
