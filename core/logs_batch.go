package core

import (
	"context"
	"hash/maphash"
	"log/slog"
	"sync"
	"time"
)

// logTransport is implemented by transports that deliver Sentry logs. The
// client's log worker hands them batches of at most maxLogsPerEnvelope
// logs; a transport without the method receives no logs (the client's
// LogsEnabled is false).
type logTransport interface {
	// queueLogs takes ownership of b and delivers it in the background, as
	// one envelope with one log item. It never blocks on the network; a
	// batch it cannot take is dropped and counted in the log_item and
	// log_byte categories.
	queueLogs(b *logBatch)
}

// logKeeper is implemented by transports that keep the logs of the
// batches they take (MemoryTransport): their logs must not be built in the
// log worker's reused arrays.
type logKeeper interface{ keepsLogs() }

// logBatch is one envelope's worth of logs.
type logBatch struct {
	// Logs are the logs, in the order they were captured.
	Logs []*Log
	// Payload is the log item's payload: {"version":2,"items":[...]}.
	Payload []byte
	// Bytes is the logs' size as Sentry counts it for log_byte.
	Bytes int
	// pool takes Payload back for the log worker to reuse (see release).
	pool chan []byte
}

// maxPooledPayload bounds the payloads kept for reuse: a batch of 100
// logs of ordinary size takes about 100 KB, and a rare larger one is not
// kept (the pool holds a few, see logPipe.payloads).
const maxPooledPayload = 256 << 10

// release hands the batch's payload back to the log worker that encoded
// it, once the transport is done with it: sent (the envelope is written
// from a copy) or dropped. A transport that keeps the batch never calls
// it. The payload must not be used afterwards; a second call does nothing.
func (b *logBatch) release() {
	p := b.Payload
	if b.pool == nil || p == nil || cap(p) > maxPooledPayload {
		return
	}
	b.Payload = nil
	select {
	case b.pool <- p[:0]:
	default:
	}
}

// Batching, as Sentry's telemetry processor specifies it for logs.
const (
	// maxLogsPerEnvelope is the most logs one envelope carries.
	maxLogsPerEnvelope = 100
	// defaultLogsBuffer bounds the logs waiting for the log worker.
	defaultLogsBuffer = 1000
)

// logFlushAfter is how long the first buffered log waits for others (a
// variable for tests).
var logFlushAfter = 5 * time.Second

// logPipe is a client's log path: the bounded buffer the logging
// goroutines append to and the worker goroutine that converts, scrubs,
// batches and hands the batches to the transport. It is separate from the
// event worker, so logs never delay events there.
//
// A logging goroutine copies its record into the last of chunks, under mu,
// by value: no allocation and no channel operation. The worker takes the
// list of chunks and works through the records without the lock, then
// gives the chunks back for reuse.
//
// The worker is not woken for every log: a goroutine's wake-up costs the
// logging goroutine more than the rest of a log does. Logs wait in the
// queue until it holds a batch (maxLogsPerEnvelope) or is full (max),
// until the timer of the first waiting log fires, or until a flush; a log
// is the first one to wait when armed is false, and only that log wakes
// the worker, to start the timer.
type logPipe struct {
	c    *Client
	kick chan struct{} // capacity 1: wakes the worker
	// payloads holds the payloads of sent batches, for reuse.
	payloads chan []byte
	lt       logTransport
	storm    *storm
	// max is Options.LogsBuffer: the most records queued. Records the
	// worker took are no longer queued (as the entry a channel's reader
	// took): a worker that is behind converts up to max taken records
	// while up to max more wait.
	max int

	// What the logging goroutines write is kept on cache lines of its
	// own: the worker writes its fields for every log, and a line shared
	// with them would be taken from the logging goroutine's core each time.
	_       [64]byte
	mu      sync.Mutex
	chunks  []*logChunk     // the queue, oldest first; the last one fills
	queued  int             // the records in chunks
	free    []*logChunk     // emptied chunks, for reuse
	armed   bool            // logs are waiting and the timer runs
	waiters []chan struct{} // Flush calls waiting for the worker
	stopped bool            // the worker is gone: records are dropped
	_       [64]byte

	// Owned by the worker goroutine.
	taken []*logChunk // the list that chunks was, for reuse
	buf   []*Log
	timer *time.Timer
	srcs  map[uintptr]logSrc
	// defaults are the client's default attributes, as a block.
	defaults *logBlock
	encSize  int // the previous payload's size
	// keep says that batches keep their logs: the transport keeps them
	// (MemoryTransport) or BeforeSendLog may. Otherwise the logs and their
	// attributes are built in arrays the worker reuses for every batch, and
	// a batch carries only the encoded payload (see logBatch).
	keep bool
	// Arrays that logs and their attributes are cut from (see convert).
	logSlab  []Log
	attrSlab []slog.Attr
	stale    bool        // the arrays hold what logs of a sent batch held
	logBase  []Log       // the array logSlab is the free tail of
	attrBase []slog.Attr // the array attrSlab is the free tail of
	trace    struct {
		id  [16]byte
		hex string
	}
	span struct {
		id  [8]byte
		hex string
	}
	text  logText
	sc    logScrubBuf
	after func(time.Duration) *time.Timer // for tests
}

// newLogPipe returns the client's log path, or nil when its transport does
// not deliver logs.
func newLogPipe(c *Client) *logPipe {
	lt, ok := c.transport.(logTransport)
	if !ok {
		return nil
	}
	// Asked by method, not by type, so that a transport that embeds
	// MemoryTransport (and so delivers logs through it) is one too.
	_, mem := lt.(logKeeper)
	return &logPipe{
		c:        c,
		kick:     make(chan struct{}, 1),
		payloads: make(chan []byte, logBatchQueue+2),
		lt:       lt,
		storm:    newStorm(c.opts.LogStorm, c.inApp),
		max:      c.opts.LogsBuffer,
		keep:     mem || c.opts.BeforeSendLog != nil,
		after:    time.NewTimer,
	}
}

// enqueue appends r at level and time when (Unix nanoseconds), with the
// record's attributes own and lent and its extra x (nil without one), to
// the buffer without blocking, counting it when the buffer is full.
func (lp *logPipe) enqueue(r *record, level LogLevel, when int64, own, lent []slog.Attr, x *logExtra) {
	lp.mu.Lock()
	ch := lp.room()
	if ch == nil {
		lp.mu.Unlock()
		raw := ""
		if x != nil {
			raw = x.raw
		}
		lp.overflow(estimateLogSize(r.Message, raw, own, lent))
		return
	}
	ch.put(r, level, when, own, lent, x)
	lp.queued1()
}

// enqueueSlog is enqueue for a record whose attributes are sr's, copied
// into the buffer as they are (see captureSlogLog). It reports false, with
// nothing queued or counted, when one of them needs converting (see
// storable).
func (lp *logPipe) enqueueSlog(r *record, level LogLevel, when int64, sr *slog.Record) bool {
	lp.mu.Lock()
	ch := lp.room()
	if ch == nil {
		lp.mu.Unlock()
		n, ok := len(r.Message)+60, true
		sr.Attrs(func(a slog.Attr) bool {
			if ok = storable(a); ok {
				n += estimateAttrSize(a)
			}
			return ok
		})
		if ok {
			lp.overflow(n)
		}
		return ok
	}
	// Under the lock: slog.Record.Attrs runs none of the program's code.
	a0, ok := len(ch.attrs), true
	sr.Attrs(func(a slog.Attr) bool {
		if ok = storable(a); ok {
			ch.attrs = append(ch.attrs, a)
		}
		return ok
	})
	if !ok {
		clear(ch.attrs[a0:])
		ch.attrs = ch.attrs[:a0]
		lp.mu.Unlock()
		return false
	}
	ch.putEntry(r, level, when, a0, nil)
	lp.queued1()
	return true
}

// storable reports whether a is kept as it is: it has a key and a value
// that is neither a group nor a LogValuer (which the bridge converts), nor
// one the program could change later (which ownAttrs converts).
func storable(a slog.Attr) bool {
	k := a.Value.Kind()
	return a.Key != "" && k != slog.KindGroup && k != slog.KindLogValuer && k != slog.KindAny
}

// room returns the chunk the next record goes into, under lp.mu, or nil
// when the buffer takes no more.
func (lp *logPipe) room() *logChunk {
	if lp.stopped || lp.queued >= lp.max || lp.c.closed.Load() {
		return nil
	}
	if k := len(lp.chunks); k > 0 && lp.chunks[k-1].n < logChunkLen {
		return lp.chunks[k-1]
	}
	var ch *logChunk
	if len(lp.free) > 0 {
		// The chunk emptied longest ago: the worker's core has likely
		// let go of its cache lines, which this core writes now.
		ch = lp.free[0]
		lp.free[0] = nil
		lp.free = lp.free[1:]
	} else {
		ch = newLogChunk()
	}
	lp.chunks = append(lp.chunks, ch)
	return ch
}

// queued1 counts the record just put into the buffer and unlocks lp.mu,
// waking the worker when the buffer holds a batch, is full, or has its
// first record to wait.
func (lp *logPipe) queued1() {
	lp.queued++
	n, armed := lp.queued, lp.armed
	lp.mu.Unlock()
	// A buffer half full wakes the worker too: records that wait there
	// for the timer hold its room, so a buffer smaller than a batch would
	// otherwise fill, dropping logs, while the worker sleeps. At half, a
	// burst of up to half the buffer always finds room.
	if n == maxLogsPerEnvelope || n == lp.max/2 || n == lp.max || n == 1 && !armed {
		lp.wake()
	}
}

// overflow counts a record of about size bytes that the buffer could not
// take.
func (lp *logPipe) overflow(size int) { lp.drop(size, false) }

// dropClosed counts a record of about size bytes given to the client after
// Close.
func (lp *logPipe) dropClosed(size int) { lp.drop(size, true) }

// drop counts a record of about size bytes as dropped, and says why in the
// debug log (once per reason).
func (lp *logPipe) drop(size int, closed bool) {
	c := lp.c
	c.outcomes.Add(reasonQueueOverflow, categoryLogItem, 1)
	c.outcomes.Add(reasonQueueOverflow, categoryLogByte, size)
	switch {
	case c.debug == nil:
	case closed:
		c.debug.Once("log_after_close", "client closed: dropping logs")
	default:
		c.debug.Once("log_queue_overflow", "log buffer full (%d): dropping logs", lp.max)
	}
}

// maxFree is how many emptied chunks the pipe keeps: as many as a full
// buffer (Options.LogsBuffer) takes, so that a worker that falls behind
// does not make every chunk a new allocation.
func (lp *logPipe) maxFree() int { return (lp.max+logChunkLen-1)/logChunkLen + 1 }

// wake wakes the worker unless a wake-up is pending already.
func (lp *logPipe) wake() {
	select {
	case lp.kick <- struct{}{}:
	default:
	}
}

// flush waits until every log queued before the call has been handed to
// the transport, or until ctx is done or the client stops.
func (lp *logPipe) flush(ctx context.Context) bool {
	if lp == nil {
		return true
	}
	w := make(chan struct{})
	lp.mu.Lock()
	if lp.stopped {
		lp.mu.Unlock()
		return false
	}
	lp.waiters = append(lp.waiters, w)
	lp.mu.Unlock()
	lp.wake()
	select {
	case <-w:
		return true
	case <-ctx.Done():
		return false
	}
}

// run is the log worker goroutine; it stops when the client's done channel
// closes, after sending what the buffer still holds.
func (lp *logPipe) run() {
	defer lp.c.wg.Done()
	defer lp.release() // a closed client may stay referenced
	defer lp.stopTimer()
	for {
		var fire <-chan time.Time
		if lp.timer != nil {
			fire = lp.timer.C
		}
		select {
		case <-lp.kick:
			lp.drain()
		case <-fire:
			lp.timer = nil
			lp.drain()
			lp.send()
		case <-lp.c.done:
			lp.drain()
			lp.send()
			return
		}
		lp.arm()
	}
}

// arm starts the timer when logs wait, and says so in armed. When none
// wait, a log queued while armed still read true would wait unseen: the
// buffer is read once more after armed is cleared.
func (lp *logPipe) arm() {
	for {
		if len(lp.buf) > 0 && lp.timer == nil {
			lp.timer = lp.after(logFlushAfter)
		}
		armed := lp.timer != nil
		lp.mu.Lock()
		lp.armed = armed
		pending := lp.queued > 0 || len(lp.waiters) > 0
		lp.mu.Unlock()
		if armed {
			return
		}
		if !pending {
			lp.release()
			return
		}
		lp.drain()
	}
}

// drain takes every record the buffer holds now, then answers the flushes
// that were waiting.
func (lp *logPipe) drain() {
	lp.mu.Lock()
	chunks := lp.chunks
	lp.chunks, lp.taken, lp.queued = lp.taken, nil, 0
	waiters := lp.waiters
	lp.waiters = nil
	lp.mu.Unlock()
	for _, ch := range chunks {
		for i := range ch.ents[:ch.n] {
			lp.take(ch, &ch.ents[i])
		}
		ch.reset()
	}
	if len(chunks) > 0 {
		lp.mu.Lock()
		for _, ch := range chunks {
			if len(lp.free) < lp.maxFree() {
				lp.free = append(lp.free, ch)
			}
		}
		lp.mu.Unlock()
		clear(chunks)
	}
	lp.taken = chunks[:0]
	if waiters != nil {
		lp.send()
		for _, w := range waiters {
			close(w)
		}
	}
}

// take handles one record.
func (lp *logPipe) take(b *logChunk, e *logEntry) {
	lp.add(b, e)
	if len(lp.buf) >= maxLogsPerEnvelope {
		lp.send()
	}
}

func (lp *logPipe) stopTimer() {
	if lp.timer != nil {
		lp.timer.Stop()
		lp.timer = nil
	}
}

// add converts e into a log and buffers it, unless storm control holds it
// back (counted).
func (lp *logPipe) add(b *logChunk, e *logEntry) {
	c := lp.c
	defer func() {
		if r := recover(); r != nil {
			c.outcomes.Add(reasonInternalSDKError, categoryLogItem, 1)
			c.outcomes.Add(reasonInternalSDKError, categoryLogByte, b.sizeOf(e))
			c.debug.Printf("dropping log: internal error: %v", r)
		}
	}()
	var suppressed int64
	if lp.storm != nil {
		v := lp.storm.admit(logStormKey(lp.storm, e))
		if !v.ok {
			c.outcomes.Add(reasonEventProcessor, categoryLogItem, 1)
			c.outcomes.Add(reasonEventProcessor, categoryLogByte, b.sizeOf(e))
			return
		}
		suppressed = v.suppressed
	}
	l := lp.convert(e, b.extraOf(e), b.attrsOf(e))
	if suppressed > 0 {
		l.Attributes = append(l.Attributes, intAttr("sentrylog.storm.suppressed", suppressed))
	}
	lp.buf = append(lp.buf, l)
}

// logStormKey groups a log with the others of its call site, or of its
// message when the logger gives no call site.
func logStormKey(s *storm, e *logEntry) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	if e.pc != 0 {
		writeUint64(&h, uint64(e.pc))
		h.WriteString(e.logger)
	} else {
		h.WriteByte('m')
		h.WriteString(e.msg)
	}
	k := h.Sum64()
	if k == 0 {
		k = 1 // 0 is the overflow group
	}
	return k
}

// send runs the buffered logs through the pipeline (scrub, cut,
// BeforeSendLog, encode) and hands them to the transport as one batch.
func (lp *logPipe) send() {
	lp.stopTimer()
	if len(lp.buf) == 0 {
		return
	}
	logs := lp.buf
	defer lp.recycle(logs)
	c := lp.c
	if !lp.scrub(logs) {
		n, size := 0, 0
		for _, l := range logs {
			n++
			size += logSize(l)
		}
		c.outcomes.Add(reasonInternalSDKError, categoryLogItem, n)
		c.outcomes.Add(reasonInternalSDKError, categoryLogByte, size)
		return
	}
	kept := logs[:0]
	for _, l := range logs {
		if lp.keep {
			// Cut where the logs are seen; otherwise only their encoding
			// is, which appendLog cuts.
			cutLog(l)
		}
		if c.opts.BeforeSendLog != nil {
			size := logSize(l)
			if l = lp.beforeSend(l); l == nil {
				c.outcomes.Add(reasonBeforeSend, categoryLogItem, 1)
				c.outcomes.Add(reasonBeforeSend, categoryLogByte, size)
				continue
			}
		}
		kept = append(kept, l)
	}
	clear(logs[len(kept):])
	if len(kept) == 0 {
		return
	}
	b := &logBatch{Logs: kept}
	if !lp.keep {
		// The logs live in the worker's reused arrays: the transport,
		// which reads only the payload and the number of logs, gets a list
		// of that length.
		b.Logs = noLogs[:len(kept):len(kept)]
	}
	// Encoded into a payload the transport released, or a buffer of the
	// previous payload's size, so that it seldom grows: a batch's payload
	// is about 80 KB, and fresh memory of that size costs the worker more
	// than encoding into it.
	var p []byte
	select {
	case p = <-lp.payloads:
	default:
		p = make([]byte, 0, min(lp.encSize+lp.encSize/8, maxKeptEncodeBuf))
	}
	b.pool = lp.payloads
	b.Payload, b.Bytes = appendLogs(p, kept)
	lp.encSize = len(b.Payload)
	lp.lt.queueLogs(b)
}

// noLogs is the list of logs of batches whose logs no one sees: nil
// elements, never written.
var noLogs [maxLogsPerEnvelope]*Log

// recycle readies the worker's arrays for the next batch after logs were
// sent: batches that keep their logs take the arrays along, others leave
// them to be reused.
func (lp *logPipe) recycle(logs []*Log) {
	if lp.keep {
		lp.buf = nil
		return
	}
	clear(logs)
	lp.buf = logs[:0]
	// The next batch overwrites the arrays; what they still point to is
	// released when the pipe goes idle (see arm), rather than cleared
	// after every batch.
	lp.logSlab, lp.attrSlab = lp.logBase, lp.attrBase
	lp.stale = true
}

// release clears the reused arrays, so that they keep nothing of the
// program's alive while no logs come.
func (lp *logPipe) release() {
	lp.sc.release()
	if lp.stale {
		clear(lp.logBase)
		clear(lp.attrBase)
		lp.stale = false
	}
}

func (lp *logPipe) beforeSend(l *Log) (out *Log) {
	defer func() {
		if r := recover(); r != nil {
			lp.c.debug.Printf("BeforeSendLog panicked: %v; log dropped", r)
			out = nil
		}
	}()
	return lp.c.opts.BeforeSendLog(l)
}
