package core

import (
	"context"
	"time"
)

// Flush and Close, and the worker's side of them: counting the events it is
// done with and answering the calls that wait for them.

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
	for empty := false; !empty; {
		select {
		case b := <-t.logq:
			t.dropLogs(ReasonQueueOverflow, b)
			t.fmu.Lock()
			t.done++
			t.nfail++
			t.fmu.Unlock()
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
