package core

import (
	"context"
	"hash/maphash"
	"log/slog"
	"sync/atomic"
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

// logBatch is one envelope's worth of logs.
type logBatch struct {
	// Logs are the logs, in the order they were captured.
	Logs []*Log
	// Payload is the log item's payload: {"version":2,"items":[...]}.
	Payload []byte
	// Bytes is the logs' size as Sentry counts it for log_byte.
	Bytes int
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

// logPipe is a client's log path: the bounded queue the logging goroutines
// push to and the worker goroutine that converts, scrubs, batches and hands
// the batches to the transport. It is separate from the event worker, so
// logs never delay events there.
//
// The worker is not woken for every log: a goroutine's wake-up costs the
// logging goroutine more than the rest of a log does. Logs wait in the
// queue until it holds a batch (maxLogsPerEnvelope), until the timer of the
// first waiting log fires, or until a flush; a log is the first one to wait
// when armed is false, and only that log wakes the worker, to start the
// timer.
type logPipe struct {
	c     *Client
	q     chan *logEntry
	kick  chan struct{}  // capacity 1: wakes the worker
	free  chan *logEntry // used entries, for reuse
	armed atomic.Bool    // logs are waiting and the timer runs
	lt    logTransport
	storm *storm

	// Owned by the worker goroutine.
	buf     []*Log
	sizes   []int
	timer   *time.Timer
	srcs    map[uintptr]logSrc
	encSize int // the previous payload's size
	// Slabs that logs and their attributes are cut from (see convert).
	logSlab  []Log
	attrSlab []slog.Attr
	sc       logScrubBuf
	after    func(time.Duration) *time.Timer // for tests
}

// newLogPipe returns the client's log path, or nil when its transport does
// not deliver logs.
func newLogPipe(c *Client) *logPipe {
	lt, ok := c.transport.(logTransport)
	if !ok {
		return nil
	}
	n := c.opts.LogsBuffer
	return &logPipe{
		c:     c,
		q:     make(chan *logEntry, n),
		kick:  make(chan struct{}, 1),
		free:  make(chan *logEntry, logFreeList),
		lt:    lt,
		storm: newStorm(c.opts.LogStorm, c.inApp),
		after: time.NewTimer,
	}
}

// enqueue pushes e without blocking, counting it when the queue is full.
func (lp *logPipe) enqueue(e *logEntry) {
	c := lp.c
	c.inflight.Add(1)
	defer c.inflight.Add(-1)
	if !c.closed.Load() {
		select {
		case lp.q <- e:
			if n := len(lp.q); n >= maxLogsPerEnvelope || !lp.armed.Load() {
				lp.wake()
			}
			return
		default:
		}
	}
	c.outcomes.Add(reasonQueueOverflow, categoryLogItem, 1)
	c.outcomes.Add(reasonQueueOverflow, categoryLogByte, estimateLogSize(e))
	if c.debug != nil {
		c.debug.Once("log_queue_overflow", "log buffer full (%d): dropping logs", cap(lp.q))
	}
	lp.putEntry(e)
}

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
	m := &logEntry{flushed: make(chan struct{})}
	select {
	case lp.q <- m:
	case <-ctx.Done():
		return false
	case <-lp.c.done:
		return false
	}
	lp.wake()
	select {
	case <-m.flushed:
		return true
	case <-ctx.Done():
		return false
	}
}

// run is the log worker goroutine; it stops when the client's done channel
// closes, after sending what the queue still holds.
func (lp *logPipe) run() {
	defer lp.c.wg.Done()
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
// queue is read once more after armed is cleared.
func (lp *logPipe) arm() {
	for {
		if len(lp.buf) > 0 && lp.timer == nil {
			lp.timer = lp.after(logFlushAfter)
		}
		lp.armed.Store(lp.timer != nil)
		if lp.timer != nil {
			return
		}
		select {
		case e := <-lp.q:
			lp.take(e)
		default:
			return
		}
	}
}

// drain takes every entry the queue holds now.
func (lp *logPipe) drain() {
	for {
		select {
		case e := <-lp.q:
			lp.take(e)
		default:
			return
		}
	}
}

// take handles one queue entry: a flush marker or a log.
func (lp *logPipe) take(e *logEntry) {
	if e.flushed != nil {
		lp.send()
		close(e.flushed)
		return
	}
	lp.add(e)
	lp.putEntry(e)
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
func (lp *logPipe) add(e *logEntry) {
	c := lp.c
	defer func() {
		if r := recover(); r != nil {
			c.outcomes.Add(reasonInternalSDKError, categoryLogItem, 1)
			c.outcomes.Add(reasonInternalSDKError, categoryLogByte, estimateLogSize(e))
			c.debug.Printf("dropping log: internal error: %v", r)
		}
	}()
	var suppressed int64
	if lp.storm != nil {
		v := lp.storm.admit(logStormKey(lp.storm, e))
		if !v.ok {
			c.outcomes.Add(reasonEventProcessor, categoryLogItem, 1)
			c.outcomes.Add(reasonEventProcessor, categoryLogByte, estimateLogSize(e))
			return
		}
		suppressed = v.suppressed
	}
	l := lp.convert(e)
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
	lp.buf = nil
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
		cutLog(l)
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
	// Encoded into a buffer of the previous payload's size, so that it
	// seldom grows; the batch keeps it.
	b.Payload, b.Bytes = appendLogs(make([]byte, 0, min(lp.encSize+lp.encSize/8, maxKeptEncodeBuf)), kept)
	lp.encSize = len(b.Payload)
	lp.lt.queueLogs(b)
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
