package core

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/internal/transport"
	"github.com/sentrylog/sentrylog/core/protocol"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Client turns captures into Sentry events and hands them to its transport.
// It is safe for concurrent use. A nil *Client, and a client without a DSN or
// transport, accept every call and do nothing.
type Client struct {
	// The logging goroutine does only what must happen there: it copies the
	// record, takes a snapshot of the scopes (pointers, no copies), records
	// the stack's program counters, applies storm control and queues the
	// capture without blocking. A worker goroutine builds the event and runs
	// the rest of the pipeline.

	opts      Options
	enabled   bool
	dsn       *dsn
	transport Transport
	global    *Scope
	outcomes  outcomeCounts
	debug     *debugLog
	sdk       protocol.SDK
	contexts  map[string]map[string]any // os, runtime, device; see shareDefaults
	inApp     inAppMatcher
	frames    frameCache
	// shareDefaults: no user code sees an event after it is built (no
	// IgnoreErrors rules or BeforeSend, the default scrubber, which copies
	// what it changes, and a transport that only serializes), so events may
	// share the default contexts' maps instead of each getting copies.
	shareDefaults bool
	storm         *storm
	logs          *logPipe // nil when the transport delivers no logs
	// memoOn: breadcrumbs' final forms are kept in memo (see crumbMemos).
	memoOn bool
	memo   crumbMemos // the worker's own
	// recycle: the worker builds events in boxes the transport hands back
	// (see eventBox); nil when it does not.
	recycle recycler

	// What every capture writes, on cache lines of its own: the worker
	// writes memo and the outcomes for each event.
	_        cacheLinePad
	queue    chan *pending
	done     chan struct{}
	wg       sync.WaitGroup
	closed   atomic.Bool
	inflight atomic.Int32 // enqueues between their closed check and their push
	_        cacheLinePad
	pool     sync.Pool
}

// cacheLinePad keeps fields that different goroutines write off each
// other's cache lines.
type cacheLinePad [64]byte

// outcomeCounts counts what happened to captured events, for Stats and client
// reports. Transports record deliveries and their own drops here.
type outcomeCounts struct {
	transport.Outcomes
	_ cacheLinePad // Captured is written by callers, the rest by the worker
	// Captured counts events accepted by a capture call.
	Captured atomic.Int64
	// ContextLost counts breadcrumbs dropped because their record had a
	// context the bridge could not recover (record.ContextLost). Breadcrumbs
	// are no client-report category; Stats lists them as
	// "context_lost:breadcrumb".
	ContextLost atomic.Int64
	// lostSeen is lost's value when Flush or Close last answered.
	lostSeen atomic.Int64
}

// lost returns how many captures a full queue has dropped so far: events,
// logs at the client's buffer, and logs at the transport's batch queue
// (which counts into the same outcomes).
func (o *outcomeCounts) lost() int64 {
	return o.Total(reasonQueueOverflow, categoryError) + o.Total(reasonQueueOverflow, categoryLogItem)
}

// lostMark returns lost's value when Flush or Close last answered: a call
// takes it as it starts (see lostSince).
func (o *outcomeCounts) lostMark() int64 { return o.lostSeen.Load() }

// lostSince reports whether a full queue dropped captures since mark, taken
// by lostMark as the call started, and records the answer. Mark is the
// call's own: Flush calls under way together each report a drop none of
// them has reported yet.
func (o *outcomeCounts) lostSince(mark int64) bool {
	n := o.lost()
	for {
		seen := o.lostSeen.Load()
		if seen >= n || o.lostSeen.CompareAndSwap(seen, n) {
			break
		}
	}
	return n != mark
}

// Stats is a snapshot of a client's outcomes.
type Stats struct {
	Captured  int64
	Delivered int64
	Spooled   int64
	// Replayed counts events earlier processes spooled and this one
	// delivered, and ForeignDropped those it dropped; neither is in Captured.
	Replayed       int64
	ForeignDropped int64
	// LogsDelivered counts logs a receiver accepted.
	LogsDelivered int64
	// Dropped maps "reason:category" to a count since start: items, or
	// bytes for the log_byte category.
	Dropped map[string]int64
}

// ErrInvalidDSN is wrapped by the error New returns for a malformed DSN.
var ErrInvalidDSN = errors.New("sentrylog: invalid DSN")

// New returns a client configured by opts. It fails only on invalid
// options, such as a malformed DSN or a sample rate outside [0, 1].
func New(opts Options) (*Client, error) {
	opts.applyDefaults()
	if r := *opts.SampleRate; r < 0 || r > 1 || r != r {
		return nil, fmt.Errorf("sentrylog: sample rate %v is outside [0, 1]", r)
	}
	c := &Client{opts: opts, global: NewScope()}
	c.global.prop = propagationFromEnv()
	if opts.Debug {
		c.debug = newDebugLog(opts.DebugWriter)
	}
	if opts.DSN != "" {
		d, err := parseDSN(opts.DSN)
		if err != nil {
			return nil, err
		}
		c.dsn = d
	}
	c.sdk = defaultSDK()
	c.contexts = defaultContexts()
	c.inApp = newInAppMatcher(opts.InAppInclude, opts.InAppExclude, mainModules())
	c.storm = newStorm(c.opts.Storm, c.inApp)
	ownScrubber := opts.Scrubber == nil
	opts.Scrubber = clientScrubber(&opts)
	c.opts.Scrubber = opts.Scrubber
	c.transport = opts.Transport
	if c.transport == nil && (c.dsn != nil || spotlightEnabled(opts.Spotlight)) {
		c.transport = newHTTPTransport()
	}
	switch c.transport.(type) {
	case *httpTransport, *DiscardTransport:
		c.shareDefaults = ownScrubber && opts.BeforeSend == nil && len(opts.IgnoreErrors) == 0
	}
	if c.transport == nil {
		return c, nil // disabled
	}
	c.memoOn = c.memoCrumbs()
	if r, ok := c.transport.(recycler); ok && c.sealed() {
		c.recycle = r
	}
	if t, ok := c.transport.(configurable); ok {
		err := t.configure(transportConfig{
			DSN: c.dsn, Outcomes: &c.outcomes, Debug: c.debug, QueueSize: opts.QueueSize,
			HTTPTimeout: opts.HTTPTimeout, RoundTripper: opts.HTTPRoundTripper,
			Spotlight: opts.Spotlight, SDK: c.sdk, Spool: opts.Spool,
		})
		if err != nil {
			return nil, fmt.Errorf("sentrylog: configure transport: %w", err)
		}
	}
	c.enabled = true
	c.queue = make(chan *pending, opts.QueueSize)
	c.done = make(chan struct{})
	c.pool.New = func() any { return new(pending) }
	c.wg.Add(1)
	go c.work(holdWorker)
	c.startLogs()
	return c, nil
}

var current atomic.Pointer[Client]

// Init creates a client with [New] and makes it the process-wide client,
// which the package-level functions and the bridges use by default; loggers
// made before Init bind to it on their next record.
func Init(opts Options) (*Client, error) {
	c, err := New(opts)
	if err != nil {
		return nil, err
	}
	current.Store(c)
	return c, nil
}

// SetCurrentClient makes c the process-wide client; nil unsets it.
func SetCurrentClient(c *Client) { current.Store(c) }

// CurrentClient returns the process-wide client, or nil before Init.
func CurrentClient() *Client { return current.Load() }

// Enabled reports whether the client sends anything.
func (c *Client) Enabled() bool { return c != nil && c.enabled && !c.closed.Load() }

// Options returns the client's options with defaults filled in.
func (c *Client) Options() Options {
	if c == nil {
		return Options{}
	}
	return c.opts
}

// Scope returns the client's global scope, merged into every event first.
func (c *Client) Scope() *Scope {
	if c == nil {
		return nil
	}
	return c.global
}

// Stats returns a snapshot of what happened to captured events so far.
func (c *Client) Stats() Stats {
	if c == nil {
		return Stats{}
	}
	st := Stats{
		Captured:  c.outcomes.Captured.Load(),
		Delivered: c.outcomes.Delivered.Load(),
		Spooled:   c.outcomes.Spooled.Load(),
		Dropped:   c.outcomes.Totals(),
		Replayed:  c.outcomes.Replayed.Load(),
		// Not part of the identity: other processes captured these.
		ForeignDropped: c.outcomes.ForeignDropped.Load(),
	}
	if n := c.outcomes.ServerRateLimited.Load(); n > 0 {
		st.Dropped["server_rate_limited:error"] = n
	}
	c.logStats(&st)
	if n := c.outcomes.ContextLost.Load(); n > 0 {
		st.Dropped["context_lost:breadcrumb"] = n
	}
	return st
}

// debugf writes a diagnostic line when Debug is on.
func (c *Client) debugf(format string, args ...any) {
	if c != nil {
		c.debug.Printf(format, args...)
	}
}

type pendingKind uint8

const (
	kindRecord pendingKind = iota
	kindException
	kindMessage
	kindEvent
	kindPanic
	kindFlush
)

const maxPCs = 64

// pending is one capture on its way from the logging goroutine to the worker.
type pending struct {
	kind    pendingKind
	id      EventID
	ctx     context.Context
	rec     record
	attrBuf []slog.Attr
	err     error
	ev      *Event
	msg     string
	level   Level
	when    time.Time
	pcs     []uintptr // the capture's stack; its array is reused
	global  scopeSnap
	iso     scopeSnap
	cur     scopeSnap
	storm   stormVerdict
	req     *Request // from a scope's request function, made at capture
	flushed chan struct{}
}

func (c *Client) getPending() *pending { return c.pool.Get().(*pending) }

func (c *Client) putPending(p *pending) {
	clear(p.attrBuf) // drop references
	buf := p.attrBuf[:0]
	if cap(buf) > 64 {
		buf = nil
	}
	*p = pending{attrBuf: buf, pcs: p.pcs[:0]}
	c.pool.Put(p)
}

// newEventID returns a random UUIDv4 as 32 lowercase hex characters.
func newEventID() EventID {
	var b [16]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := 0; i < 8; i++ {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var h [32]byte
	hex.Encode(h[:], b[:])
	return EventID(h[:])
}

// prepare fills what every capture takes on the logging goroutine.
func (c *Client) prepare(p *pending, ctx context.Context, skip int) {
	p.ctx = ctx
	p.when = time.Now()
	// A pending holds only the frames it has, which keeps it small (a
	// burst of captures queues many).
	p.pcs = stackPCs(p.pcs[:0], skip+1)
	p.global = c.global.snap()
	if cur := CurrentScope(ctx); cur != nil {
		p.iso = cur.isolation.snap()
		if cur != cur.isolation {
			p.cur = cur.snap()
		}
	}
}

// prepareRequest calls the request function of the innermost scope that has
// one and no request: for captures storm control let through only.
func (c *Client) prepareRequest(p *pending) {
	for _, d := range [3]*scopeData{p.cur.data, p.iso.data, p.global.data} {
		if d != nil && d.request == nil && d.requestFn != nil {
			p.req = c.callRequestFn(d.requestFn)
			break
		}
	}
}

func (c *Client) callRequestFn(fn func() *Request) (r *Request) {
	defer func() {
		if x := recover(); x != nil {
			c.debug.Printf("request function panicked: %v", x)
			r = nil
		}
	}()
	return fn()
}

// admitStorm runs storm control for a capture prepared (its stack and
// scopes recorded); a suppressed capture is counted and released.
func (c *Client) admitStorm(p *pending, in groupInput, err error) bool {
	if c.storm == nil {
		p.storm.ok = true
		return true
	}
	in.p = p
	p.storm = c.storm.admitAt(c.storm.key(&in, err), p.when) // prepare read the clock
	if p.storm.ok {
		return true
	}
	c.outcomes.Captured.Add(1)
	c.outcomes.Add(reasonEventProcessor, categoryError, 1)
	c.putPending(p)
	return false
}

// afterClose counts a capture refused because the client is closed (when
// capture says the call would have captured something), as Close's
// contract says. It returns the capture's empty ID.
func (c *Client) afterClose(capture bool) EventID {
	if capture && c != nil && c.enabled && c.closed.Load() {
		c.outcomes.Captured.Add(1)
		c.outcomes.Add(reasonQueueOverflow, categoryError, 1)
	}
	return ""
}

func (c *Client) enqueue(p *pending) EventID {
	c.prepareRequest(p)
	if p.id == "" { // made here, after storm control: it costs an allocation
		p.id = newEventID()
	}
	id := p.id
	// Close waits for in-flight enqueues before its last drain, so a
	// capture racing Close is either drained (and counted) or sees closed.
	c.inflight.Add(1)
	defer c.inflight.Add(-1)
	if c.closed.Load() {
		c.outcomes.Captured.Add(1)
		c.outcomes.Add(reasonQueueOverflow, categoryError, 1)
		c.putPending(p)
		return ""
	}
	select {
	case c.queue <- p:
		c.outcomes.Captured.Add(1)
		return id
	default:
		c.outcomes.Captured.Add(1)
		c.outcomes.Add(reasonQueueOverflow, categoryError, 1)
		if c.debug != nil { // no boxing of the argument when debug is off
			c.debug.Once("queue_overflow", "event queue full (%d): dropping events", cap(c.queue))
		}
		c.putPending(p)
		return ""
	}
}

// recordError returns the first error among r's top-level attributes, for
// storm control's grouping key.
func recordError(r *record) error {
	if err := attrsError(r.Attrs); err != nil {
		return err
	}
	return attrsError(r.Pre)
}

// attrsError returns the first top-level error value of attrs, or nil.
func attrsError(attrs []slog.Attr) error {
	for _, a := range attrs {
		if a.Value.Kind() == slog.KindAny {
			if err, ok := a.Value.Any().(error); ok {
				return err
			}
		}
	}
	return nil
}

// captureRecord implements bridge.CaptureRecord.
func (c *Client) captureRecord(r *record) EventID {
	if !c.Enabled() || r == nil {
		return c.afterClose(r != nil)
	}
	p := c.getPending()
	p.kind = kindRecord
	p.attrBuf = p.attrBuf[:0]
	if r.Decode != nil { // decoded first: an error in it keys storm control too
		p.attrBuf = ownAttrs(p.attrBuf, decodeRaw(r.Decode, r.Raw))
	}
	err := recordError(r)
	if err == nil {
		err = attrsError(p.attrBuf)
	}
	c.prepare(p, r.Context, 1)
	if !c.admitStorm(p, groupInput{rec: r, extra: p.attrBuf, msg: r.Message, from: r.PC}, err) {
		return ""
	}
	p.rec = *r
	p.rec.Raw, p.rec.Decode = "", nil
	p.attrBuf = ownAttrs(p.attrBuf, r.Attrs)
	p.rec.Attrs = p.attrBuf
	if !r.Time.IsZero() {
		p.when = r.Time
	}
	return c.enqueue(p)
}

// CaptureException captures err as an event with the call site's stack
// unless err carries its own.
func (c *Client) CaptureException(ctx context.Context, err error) EventID {
	if !c.Enabled() || err == nil {
		return c.afterClose(err != nil)
	}
	p := c.getPending()
	p.kind = kindException
	p.err = err
	p.level = LevelError
	c.prepare(p, ctx, 1)
	if !c.admitStorm(p, groupInput{}, err) {
		return ""
	}
	return c.enqueue(p)
}

// CapturePanic captures a value recovered from a panic as an unhandled fatal
// event with the panicking goroutine's stack; call it in the deferred
// function that recovered. origin names the mechanism (empty: "panic").
func (c *Client) CapturePanic(ctx context.Context, recovered any, origin string) EventID {
	if !c.Enabled() || recovered == nil {
		return c.afterClose(recovered != nil)
	}
	p := c.getPending()
	p.kind = kindPanic
	p.level = LevelFatal
	p.msg = origin
	if err, ok := recovered.(error); ok {
		p.err = err
	} else {
		p.err = &panicValue{v: recovered}
	}
	c.prepare(p, ctx, 1)
	return c.enqueue(p)
}

// panicValue carries a recovered value that is not an error.
type panicValue struct{ v any }

func (p *panicValue) Error() string { return anyString(p.v) }

// CaptureMessage captures a message event at the given level.
func (c *Client) CaptureMessage(ctx context.Context, msg string, level Level) EventID {
	if !c.Enabled() {
		return c.afterClose(true)
	}
	p := c.getPending()
	p.kind = kindMessage
	p.msg = msg
	p.level = level
	c.prepare(p, ctx, 1)
	if !c.admitStorm(p, groupInput{msg: msg, stack: c.opts.AttachStacktrace}, nil) {
		return ""
	}
	return c.enqueue(p)
}

// CaptureEvent captures a hand-built event. The client takes ownership of ev;
// an empty EventID or Timestamp is filled in, and an event without a Level
// is sent as LevelError, Sentry's default.
func (c *Client) CaptureEvent(ctx context.Context, ev *Event) EventID {
	if !c.Enabled() || ev == nil {
		return c.afterClose(ev != nil)
	}
	p := c.getPending()
	p.kind = kindEvent
	p.ev = ev
	c.prepare(p, ctx, 1)
	if ev.EventID != "" {
		p.id = ev.EventID
	}
	if !ev.Timestamp.IsZero() {
		p.when = ev.Timestamp
	}
	return c.enqueue(p)
}

// addRecordBreadcrumb copies lent's elements and never keeps the slice, so
// it does not make a caller's array escape.
func (c *Client) addRecordBreadcrumb(r *record, lent []slog.Attr) {
	if !c.Enabled() || r == nil || c.opts.MaxBreadcrumbs == 0 {
		return
	}
	s := IsolationScope(r.Context)
	if s == nil {
		if r.ContextLost {
			// A request's breadcrumb on the global scope would reach every
			// other request's events.
			c.outcomes.ContextLost.Add(1)
			return
		}
		s = c.global
	}
	ts, category := r.Time, r.Logger
	if ts.IsZero() {
		ts = time.Now()
	}
	if category == "" {
		category = "log"
	}
	var attrs []slog.Attr
	switch {
	case len(r.Attrs) == 0:
	case r.GiveAttrs:
		attrs = freezeAttrs(r.Attrs)
	default:
		attrs = ownAttrs(make([]slog.Attr, 0, len(r.Attrs)+len(lent)), r.Attrs)
	}
	inline := attrs == nil && len(lent) <= inlineAttrs && c.opts.BeforeBreadcrumb == nil
	for i := 0; inline && i < len(lent); i++ {
		// Kept as it is (what ownValue would return unchanged), else
		// converted into a slice.
		k := lent[i].Value.Kind()
		inline = k != slog.KindGroup && (k != slog.KindAny || immutable(lent[i].Value.Any()))
	}
	switch {
	case inline || len(lent) == 0:
	case attrs == nil:
		attrs = ownAttrs(make([]slog.Attr, 0, len(lent)), lent)
	default: // a slice of the core's own (given or copied above), its length only
		attrs = ownAttrs(slices.Clip(attrs), lent)
	}
	var raw string
	var decode func(string) []slog.Attr
	if r.Decode != nil {
		raw, decode = r.Raw, r.Decode
	}
	b := Breadcrumb{
		Timestamp: ts, Type: crumbType(r.Level), Category: category,
		Message: r.Message, Level: r.Level,
	}
	if c.opts.BeforeBreadcrumb == nil {
		// Written into the ring's entry, field by field: the entry is not
		// built first and copied in whole.
		s.mu.Lock()
		i := s.slot(c.opts.MaxBreadcrumbs)
		p := &s.ring[i]
		p.seq = crumbSeq.Add(1)
		p.b = b
		p.pre, p.groups, p.attrs, p.raw, p.decode = r.Pre, r.Groups, attrs, raw, decode
		if !inline {
			lent = nil
		}
		s.setInline(i, lent)
		s.mu.Unlock()
		return
	}
	cr := crumb{b: b, pre: r.Pre, groups: r.Groups, attrs: attrs, raw: raw, decode: decode}
	if cr.decode != nil { // the hint shows every attribute
		cr.attrs = slices.Concat(decodeRaw(cr.decode, cr.raw), cr.attrs) // Decode's slice is not ours
		cr.raw, cr.decode = "", nil
	}
	cr.b.Data = crumbData(&cr)
	rc := *r
	rc.Raw, rc.Decode = "", nil
	rc.Attrs = cr.attrs // the core's own copy
	cr.pre, cr.groups, cr.attrs = nil, nil, nil
	cp := new(Breadcrumb)
	*cp = cr.b
	nb := c.beforeBreadcrumb(cp, &Hint{Record: &rc, Context: r.Context})
	if nb == nil {
		return
	}
	cr.b = *nb
	s.push(&cr, c.opts.MaxBreadcrumbs)
}

// AddBreadcrumb adds b to ctx's isolation scope (the global scope when ctx
// has none), after BeforeBreadcrumb.
func (c *Client) AddBreadcrumb(ctx context.Context, b *Breadcrumb) {
	if !c.Enabled() || b == nil || c.opts.MaxBreadcrumbs == 0 {
		return
	}
	s := IsolationScope(ctx)
	if s == nil {
		s = c.global
	}
	cr := crumb{b: *b}
	if cr.b.Timestamp.IsZero() {
		cr.b.Timestamp = time.Now()
	}
	if c.opts.BeforeBreadcrumb != nil {
		// Only this branch lets the breadcrumb escape to the heap.
		cp := new(Breadcrumb)
		*cp = cr.b
		nb := c.beforeBreadcrumb(cp, &Hint{Context: ctx})
		if nb == nil {
			return
		}
		cr.b = *nb
	}
	s.push(&cr, c.opts.MaxBreadcrumbs)
}

func (c *Client) beforeBreadcrumb(b *Breadcrumb, h *Hint) (out *Breadcrumb) {
	defer func() {
		if r := recover(); r != nil {
			c.debug.Printf("BeforeBreadcrumb panicked: %v; breadcrumb kept unchanged", r)
			out = b
		}
	}()
	return c.opts.BeforeBreadcrumb(b, h)
}

func crumbType(l Level) string {
	switch {
	case l >= LevelError:
		return "error"
	case l != levelUnset && l <= LevelDebug:
		return "debug"
	default:
		return "default"
	}
}

// Flush waits until every capture made before the call is delivered, or ctx
// is done, and reports whether everything made before it was.
func (c *Client) Flush(ctx context.Context) bool {
	if c == nil || !c.enabled {
		return true
	}
	mark := c.outcomes.lostMark()
	ok := c.flush(ctx)
	return !c.outcomes.lostSince(mark) && ok
}

// flush is Flush but for the drops of a full queue.
func (c *Client) flush(ctx context.Context) bool {
	if c.closed.Load() {
		return c.transport.Flush(ctx)
	}
	m := &pending{kind: kindFlush, flushed: make(chan struct{})}
	select {
	case c.queue <- m:
	case <-ctx.Done():
		return false
	case <-c.done:
		return false
	}
	select {
	case <-m.flushed:
	case <-ctx.Done():
		return false
	}
	if !c.logs.flush(ctx) {
		return false
	}
	return c.transport.Flush(ctx)
}

// Close flushes like Flush (within ShutdownTimeout if ctx has no deadline)
// and stops the client; no goroutine of it outlives the deadline unless a
// BeforeSend or BeforeSendLog blocks. Captures after Close are dropped and
// counted. It reports whether everything captured was delivered.
func (c *Client) Close(ctx context.Context) bool {
	if c == nil || !c.enabled {
		return true
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.ShutdownTimeout)
		defer cancel()
	}
	mark := c.outcomes.lostMark()
	if c.closed.Swap(true) {
		ok := c.transport.Flush(ctx)
		return !c.outcomes.lostSince(mark) && ok
	}
	ok := c.flushQueue(ctx)
	ok = c.logs.flush(ctx) && ok
	close(c.done)
	ok = c.waitWorkers(ctx) && ok
	for c.inflight.Load() != 0 {
		runtime.Gosched()
	}
	// Anything that slipped in after the worker stopped is dropped, counted.
	for {
		select {
		case p := <-c.queue:
			if p.kind != kindFlush {
				c.outcomes.Add(reasonQueueOverflow, categoryError, 1)
			} else {
				close(p.flushed)
			}
			continue
		default:
		}
		break
	}
	c.dropQueuedLogs()
	ok = c.transport.Close(ctx) && ok
	ok = !c.outcomes.lostSince(mark) && ok
	if current.Load() == c {
		current.CompareAndSwap(c, nil)
	}
	return ok
}

// waitWorkers waits for the workers to stop, until ctx is done. A worker
// stays only while a BeforeSend or BeforeSendLog it called does not
// return: Close then returns at its deadline rather than hang the
// program's shutdown, and the worker stops when the callback returns,
// what it still sends counted as dropped by the closed transport.
func (c *Client) waitWorkers(ctx context.Context) bool {
	stopped := make(chan struct{})
	go func() {
		c.wg.Wait()
		close(stopped)
	}()
	select {
	case <-stopped:
		return true
	case <-ctx.Done():
		c.debug.Printf("Close: a worker is still in BeforeSend or BeforeSendLog at the deadline")
		return false
	}
}

func (c *Client) flushQueue(ctx context.Context) bool {
	m := &pending{kind: kindFlush, flushed: make(chan struct{})}
	select {
	case c.queue <- m:
	case <-ctx.Done():
		return false
	}
	select {
	case <-m.flushed:
		return true
	case <-ctx.Done():
		return false
	}
}

// holdWorker, when set (by the package's own tests), keeps new clients'
// workers from starting until it is closed: it lets tests measure the
// logging goroutine's cost alone.
var holdWorker chan struct{}

// drainRun bounds the captures the worker takes in a row without looking
// at done.
const drainRun = 64

func (c *Client) work(hold chan struct{}) {
	defer c.wg.Done()
	if h := hold; h != nil {
		select {
		case <-h:
		case <-c.done:
		}
	}
	for {
		select {
		case p := <-c.queue:
			c.handle(p)
			// What else is queued is taken with one-channel receives,
			// cheaper than the select: Close drains the queue anyway.
			for range drainRun {
				select {
				case p := <-c.queue:
					c.handle(p)
					continue
				default:
				}
				break
			}
		case <-c.done:
			for {
				select {
				case p := <-c.queue:
					c.handle(p)
				default:
					return
				}
			}
		}
	}
}

func (c *Client) handle(p *pending) {
	if p.kind == kindFlush {
		close(p.flushed)
		return
	}
	defer c.putPending(p)
	defer func() {
		if r := recover(); r != nil {
			c.outcomes.Add(reasonInternalSDKError, categoryError, 1)
			c.debug.Printf("dropping event %s: internal error: %v", p.id, r)
		}
	}()
	c.send(c.process(p))
}

// send hands ev, process's event (nil when it dropped it), to the
// transport, and its box when it has one (see eventBox).
func (c *Client) send(ev *Event) {
	box := c.memo.box
	c.memo.box = nil
	switch {
	case ev == nil:
		if box != nil {
			box.release() // dropped: nothing reads it
		}
	case box != nil && ev == &box.ev:
		c.recycle.sendRecycled(ev, box.done)
	default:
		c.transport.Send(ev)
	}
}

// process runs the pipeline on the worker and returns the event to send, or
// nil when it was dropped (and counted).
func (c *Client) process(p *pending) *Event {
	c.memo.n, c.memo.ctx, c.memo.excCur, c.memo.box = 0, c.memo.ctx[:0], nil, nil
	ev, err := c.buildEvent(p)
	// The record's own log context wins over a scope's and is converted
	// already; a scope's "log" context is not.
	ownLog := p.kind == kindRecord && ev.Contexts["log"] != nil
	if p.storm.suppressed > 0 {
		if ev.Contexts == nil {
			ev.Contexts = c.newContexts(0)
		}
		ev.Contexts["storm"] = map[string]any{
			"suppressed": p.storm.suppressed,
			"since":      p.storm.since.UTC().Format(time.RFC3339Nano),
		}
	}
	for _, rule := range c.opts.IgnoreErrors {
		if c.ignored(rule, err, ev) {
			c.outcomes.Add(reasonIgnored, categoryError, 1)
			return nil
		}
	}
	c.applyScopes(ev, p)
	// The scopes' breadcrumbs may be final already: the passes skip them.
	final := c.detachFinal(ev)
	c.detachFinalExc(ev)
	// Encodable (NaN, ±Inf) and bounded before the scrubber.
	normalizeEvent(ev, ownLog, p.kind == kindEvent)
	if !c.scrub(ev) {
		c.outcomes.Add(reasonInternalSDKError, categoryError, 1)
		return nil
	}
	// Cut after scrubbing, so that a secret straddling a cut is still
	// recognised, and before BeforeSend, which sees what is sent.
	c.trimWithFinal(ev, final, eventBudget)
	if c.opts.BeforeSend != nil {
		hint := &Hint{OriginalError: err, Context: p.ctx}
		if p.kind == kindRecord {
			hint.Record = &p.rec
		}
		if ev = c.beforeSend(ev, hint); ev == nil {
			c.outcomes.Add(reasonBeforeSend, categoryError, 1)
			return nil
		}
	}
	if r := *c.opts.SampleRate; r < 1 && (r <= 0 || rand.Float64() >= r) {
		c.outcomes.Add(reasonSampleRate, categoryError, 1)
		return nil
	}
	return ev
}

func (c *Client) ignored(rule IgnoreRule, err error, ev *Event) (yes bool) {
	defer func() {
		if r := recover(); r != nil {
			c.debug.Printf("ignore rule panicked: %v", r)
			yes = false
		}
	}()
	return rule(err, ev)
}

// scrub runs the scrubber; false when it failed, and the event must not be
// sent: a scrubber that fails must not let secrets through.
func (c *Client) scrub(ev *Event) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.debug.Printf("dropping event %s: the scrubber panicked: %v", ev.EventID, r)
			ok = false
		}
	}()
	c.opts.Scrubber.Scrub(ev)
	return true
}

func (c *Client) beforeSend(ev *Event, h *Hint) (out *Event) {
	defer func() {
		if r := recover(); r != nil {
			c.debug.Printf("BeforeSend panicked: %v; event dropped", r)
			out = nil
		}
	}()
	return c.opts.BeforeSend(ev, h)
}
