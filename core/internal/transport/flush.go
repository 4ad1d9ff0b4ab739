package transport

import (
	"context"
	"slices"
	"time"
)

// Flush and Close, and the worker's side of them: counting the events it is
// done with and answering the calls that wait for them.

// Flush waits until every event Send accepted before the call has been
// delivered or dropped, and a pending client report sent, or until ctx is
// done. It reports whether every event the worker finished with since the
// last answer to a Flush before the call was delivered; false when ctx
// ended first.
func (t *HTTP) Flush(ctx context.Context) bool { return t.flush(ctx, false) }

// flush is Flush; with stall (Close with a spool), it gives up as soon as
// no event was finished for closeStall while some wait: what is left is
// better spooled now than after the deadline is gone.
func (t *HTTP) flush(ctx context.Context, stall bool) bool {
	t.mu.RLock()
	started := t.queue != nil
	t.mu.RUnlock()
	if !started {
		return true
	}
	w := &flushWaiter{ch: make(chan bool, 1)}
	t.smu.Lock() // no push is under way: every event up to target is queued
	w.target = t.enq.Load()
	t.smu.Unlock()
	t.fmu.Lock()
	if t.stopped {
		ok := t.lowDone >= w.target && t.nfail == t.resolvedFail
		t.resolvedFail = t.nfail
		t.fmu.Unlock()
		return ok
	}
	w.mark = t.resolvedFail
	t.waiters = append(t.waiters, w)
	t.fmu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
	var tick <-chan time.Time
	if stall {
		ticker := time.NewTicker(closeStall / 4)
		defer ticker.Stop()
		tick = ticker.C
	}
	last, since := t.progress(), time.Now()
	for {
		select {
		case ok := <-w.ch:
			return ok
		case <-ctx.Done():
			return false
		case <-tick:
			if p := t.progress(); p != last {
				last, since = p, time.Now()
			} else if time.Since(since) >= closeStall {
				return false
			}
		}
	}
}

// closeStall is how long Close, with a spool, waits for a stalled
// receiver before it spools what is left.
const closeStall = 300 * time.Millisecond

// progress returns the number of events finished so far.
func (t *HTTP) progress() uint64 {
	t.fmu.Lock()
	defer t.fmu.Unlock()
	return t.lowDone + t.ahead.count()
}

// Close stops accepting events, flushes like Flush until ctx is done, then
// stops the workers: a request still running is cancelled and its event
// counted as network_error (or spooled), events held for an unreachable
// receiver are counted as network_error, and events still queued are
// counted as queue_overflow. With a spool, Close keeps a quarter of its
// deadline, and stops waiting once no event was done for 300 ms, to spool
// what is left instead (overrunning a deadline already spent by at most a
// short grace). No goroutine of the transport outlives Close. It reports
// whether everything was delivered. A second Close waits for the first
// (or for its own ctx) and reports the same.
func (t *HTTP) Close(ctx context.Context) bool {
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

	flushCtx := ctx
	if d, has := ctx.Deadline(); has && t.spool != nil {
		// A quarter of the time is kept to spool what is left: a write
		// is a fsync, and the queue may be full.
		if rem := time.Until(d); rem > 0 {
			var cancel context.CancelFunc
			flushCtx, cancel = context.WithDeadline(ctx, d.Add(-rem/4))
			defer cancel()
		}
	}
	ok := t.flush(flushCtx, t.spool != nil)
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
	// The replayer finishes the envelope in hand, within the deadline:
	// cancelled after the receiver got it, it would go back to the spool
	// and be sent twice.
	wait := time.NewTimer(time.Until(t.stopBy))
	select {
	case <-t.replayExited:
	case <-wait.C:
	}
	wait.Stop()
	t.cancel()
	t.wg.Wait()
	<-t.replayExited
	t.shutdown()
	if t.ownRT { // not a round tripper the program may share
		t.client.CloseIdleConnections()
	}
	t.fmu.Lock()
	ok = ok && t.nfail == t.resolvedFail
	t.fmu.Unlock()
	t.closeOK.Store(ok)
	close(t.closeDone)
	return ok
}

// finish records the outcome of the event with sequence number seq and
// answers the Flush calls that waited for it.
func (t *HTTP) finish(seq uint64, delivered bool) {
	if t.record(seq, delivered) {
		t.resolveFlushes()
	}
}

// record records the outcome of the event with sequence number seq and
// reports whether a Flush may now be answered.
func (t *HTTP) record(seq uint64, delivered bool) bool {
	t.fmu.Lock()
	if !delivered {
		t.nfail++
	}
	t.lowDone, t.ahead = t.ahead.add(t.lowDone, seq)
	ready := false
	for _, w := range t.waiters {
		if w.target <= t.lowDone {
			ready = true
			break
		}
	}
	t.fmu.Unlock()
	return ready
}

// resolveFlushes sends a pending client report and answers every Flush
// whose events are all done.
func (t *HTTP) resolveFlushes() {
	t.fmu.Lock()
	var ready []*flushWaiter
	keep := t.waiters[:0]
	for _, w := range t.waiters {
		if w.target <= t.lowDone {
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

func (t *HTTP) answer(ws []*flushWaiter) {
	if len(ws) == 0 {
		return
	}
	// Each against the mark of its own call: of the calls that wait
	// together, one answered first does not take the news from the others.
	t.fmu.Lock()
	nfail := t.nfail
	t.resolvedFail = nfail
	t.fmu.Unlock()
	for _, w := range ws {
		w.ch <- nfail == w.mark
	}
}

// shutdown, once the workers have exited, counts what is left: queued
// events as queue_overflow (the workers spooled what Close's deadline
// allowed), held ones as network_error; and answers every Flush still
// waiting.
func (t *HTTP) shutdown() {
	var left, held []uint64
	for empty := false; !empty; {
		select {
		case q := <-t.queue:
			left = append(left, q.seq)
		default:
			empty = true
		}
	}
	var leftLogs []uint64 // counted as logs when taken, not as events
	for empty := false; !empty; {
		select {
		case ql := <-t.logq:
			t.dropLogs(ReasonQueueOverflow, ql.b)
			leftLogs = append(leftLogs, ql.seq)
		default:
			empty = true
		}
	}
	for {
		q, ok := t.gate.unhold()
		if !ok {
			break
		}
		held = append(held, q.seq)
	}
	if n := len(left); n > 0 {
		t.cfg.Outcomes.Add(ReasonQueueOverflow, CategoryError, n)
		t.cfg.Debug.Printf("transport closed with %d events unsent", n)
	}
	if n := len(held); n > 0 {
		t.cfg.Outcomes.Add(ReasonNetworkError, CategoryError, n)
		t.cfg.Debug.Printf("transport closed with %d events the receiver never took", n)
	}
	for _, seq := range slices.Concat(left, held, leftLogs) {
		t.finish(seq, false)
	}
	if t.spool != nil {
		t.spool.sync()
	}
	t.fmu.Lock()
	t.stopped = true
	ws := t.waiters
	t.waiters = nil
	t.fmu.Unlock()
	t.answer(ws)
}

// seqRanges are the sequence numbers done beyond the first one not done:
// sorted, disjoint ranges that do not touch. The gaps between them are
// events in flight or held, so there are few ranges however many events
// finish meanwhile (a full queue dropping its oldest during an outage
// finishes a contiguous run).
type seqRanges []seqRange

type seqRange struct{ lo, hi uint64 }

// add marks seq done, given low (every sequence number up to it is done),
// and returns the new low and ranges.
func (r seqRanges) add(low, seq uint64) (uint64, seqRanges) {
	switch {
	case seq <= low:
		return low, r
	case seq == low+1:
		low = seq
		if len(r) > 0 && r[0].lo == low+1 {
			low = r[0].hi
			r = slices.Delete(r, 0, 1)
		}
		return low, r
	}
	i, _ := slices.BinarySearchFunc(r, seq, func(x seqRange, s uint64) int {
		switch {
		case x.hi < s:
			return -1
		case x.lo > s:
			return 1
		}
		return 0
	})
	if i < len(r) && r[i].lo <= seq && seq <= r[i].hi {
		return low, r // already done
	}
	joinPrev := i > 0 && r[i-1].hi+1 == seq
	joinNext := i < len(r) && r[i].lo == seq+1
	switch {
	case joinPrev && joinNext:
		r[i-1].hi = r[i].hi
		r = slices.Delete(r, i, i+1)
	case joinPrev:
		r[i-1].hi = seq
	case joinNext:
		r[i].lo = seq
	default:
		r = slices.Insert(r, i, seqRange{seq, seq})
	}
	return low, r
}

// count returns how many sequence numbers the ranges hold.
func (r seqRanges) count() uint64 {
	var n uint64
	for _, x := range r {
		n += x.hi - x.lo + 1
	}
	return n
}
