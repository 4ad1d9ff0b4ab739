package transport

import (
	"bytes"
	"github.com/sentrylog/sentrylog/core/protocol"
	"net/http"
	"time"
)

// spoolBytes serializes env for the spool: its event items only (client
// reports are counts of this moment and go back to the counters), without
// sent_at (set when it is finally sent). nil when it cannot be written.
func (t *HTTP) spoolBytes(env *envelope, buf *bytes.Buffer) []byte {
	keep := envelope{Header: env.Header}
	keep.Header.SentAt = time.Time{}
	for _, it := range env.Items {
		if it.Header.Type != itemTypeClientReport {
			keep.Items = append(keep.Items, it)
		}
	}
	if err := keep.AppendTo(buf); err != nil {
		t.cfg.Debug.Printf("event %s not spooled: %v", env.Header.EventID, err)
		return nil
	}
	return buf.Bytes()
}

// toSpool writes env, of an event captured at the time at, to the spool.
// It reports whether the event is now spooled; false when the spool is
// off or the write failed, and the caller counts the drop.
func (t *HTTP) toSpool(env *envelope, at time.Time) bool {
	if t.spool == nil {
		return false
	}
	buf := getBuffer()
	defer putBuffer(buf)
	b := t.spoolBytes(env, buf)
	if b == nil {
		return false
	}
	evicted, err := t.spool.write(b, at)
	if err != nil {
		t.cfg.Debug.Printf("event %s not spooled: %v", env.Header.EventID, err)
		return false
	}
	t.cfg.Outcomes.Spooled.Add(1)
	t.countEvicted(evicted)
	t.kickReplay()
	return true
}

// spoolLeftovers writes events Close left in the queue to the spool in one
// batch, and counts each as spooled or, when it could not be written, as
// queue_overflow.
func (t *HTTP) spoolLeftovers(qs []queued) {
	envs := make([][]byte, 0, len(qs))
	ats := make([]time.Time, 0, len(qs))
	idx := make([]int, 0, len(qs))
	for i, q := range qs {
		env := t.envelope(q.ev) // nil: counted
		if env == nil {
			continue
		}
		if b := t.spoolBytes(env, new(bytes.Buffer)); b != nil {
			envs, ats, idx = append(envs, b), append(ats, q.ev.Timestamp), append(idx, i)
		} else {
			t.cfg.Outcomes.Add(ReasonQueueOverflow, CategoryError, 1)
		}
	}
	stored, ev := t.spool.writeBatch(envs, ats)
	n := 0
	for _, ok := range stored {
		if ok {
			n++
		}
	}
	t.cfg.Outcomes.Spooled.Add(int64(n))
	t.cfg.Outcomes.Add(ReasonQueueOverflow, CategoryError, len(stored)-n)
	t.countEvicted(ev)
	for _, q := range qs {
		t.finish(q.seq, false)
	}
}

// countEvicted accounts for envelopes the spool's bounds pushed out.
func (t *HTTP) countEvicted(ev evicted) {
	if ev.own > 0 {
		t.cfg.Outcomes.Spooled.Add(-int64(ev.own))
		t.cfg.Outcomes.Add(ReasonCacheOverflow, CategoryError, ev.own)
	}
	if ev.foreign > 0 {
		// Spooled by another process: reported, outside this process's
		// accounting.
		t.cfg.Outcomes.AddForeign(ReasonCacheOverflow, CategoryError, ev.foreign)
		t.cfg.Outcomes.ForeignDropped.Add(int64(ev.foreign))
	}
	if ev.own+ev.foreign > 0 {
		t.cfg.Debug.Printf("spool full: %d oldest envelopes dropped", ev.own+ev.foreign)
	}
}

// kickReplay wakes the spool's replayer.
func (t *HTTP) kickReplay() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// replayer is the goroutine that sends the spool, oldest first, one
// envelope at a time, beside the workers that send new events: at start
// (what earlier processes left), when a worker's delivery shows the
// receiver answers, and after a failure every probeEvery (it is then the
// probe of an unreachable receiver). It also lists the directory again
// every reportEvery for what other processes left.
func (t *HTTP) replayer() {
	defer close(t.replayExited)
	rescan := time.NewTicker(t.reportEvery)
	defer rescan.Stop()
	for {
		var timer *time.Timer
		var retryC <-chan time.Time
		if retry := t.replay(); retry > 0 {
			timer = time.NewTimer(retry)
			retryC = timer.C
		}
		select {
		case <-t.stop:
		case <-t.kick:
		case <-retryC:
		case <-rescan.C:
			t.spool.rescan(spoolRescan)
		}
		if timer != nil {
			timer.Stop()
		}
		select {
		case <-t.stop:
			return
		default:
		}
	}
}

// replay sends spooled envelopes until the spool is empty, one cannot be
// delivered now, or Close. It returns when to try again: 0 to wait for a
// kick.
func (t *HTTP) replay() time.Duration {
	for {
		select {
		case <-t.stop:
			return 0
		default:
		}
		now := t.now()
		if t.limits.limited(CategoryError, now) {
			return max(t.limits.until(CategoryError).Sub(now), probeEvery/10)
		}
		if !t.spool.pending() {
			t.spool.rescan(spoolRescan) // another process's envelopes
			if !t.spool.pending() {
				return 0
			}
		}
		if down, probeAt, _ := t.gate.paused(); down {
			if !t.gate.takeProbe(now) {
				return max(probeAt.Sub(now), probeEvery/10)
			}
			ok := t.replayOne()
			t.gate.endProbe(t.now())
			if !ok {
				return probeEvery
			}
			continue
		}
		if !t.replayOne() {
			return probeEvery
		}
	}
}

// replayOne sends the oldest spooled envelope. It reports false when the
// envelope could not be delivered now (it goes back to the spool) or the
// spool is empty.
func (t *HTTP) replayOne() bool {
	c, ok := t.spool.claim()
	if !ok {
		return false
	}
	env, err := protocol.ParseEnvelope(bytes.NewReader(c.data))
	if err != nil {
		t.cfg.Debug.Printf("spooled envelope %s unreadable, removed: %v", c.path, err)
		t.spool.done(c)
		t.settleSpooled(c, ReasonInvalid)
		return true
	}
	status, err := t.post(env, false)
	switch {
	case err != nil, status >= 500, status == http.StatusTooManyRequests:
		t.countEvicted(t.spool.release(c))
		return false
	case status >= 200 && status < 300:
		t.spool.done(c)
		if c.own {
			t.cfg.Outcomes.Spooled.Add(-1)
			t.cfg.Outcomes.Delivered.Add(1)
		} else {
			t.cfg.Outcomes.Replayed.Add(1)
		}
	default:
		t.spool.done(c)
		t.settleSpooled(c, ReasonSendError)
	}
	return true
}

// settleSpooled counts a spooled envelope that will never be sent.
func (t *HTTP) settleSpooled(c spoolClaimed, why Reason) {
	if !c.own {
		t.cfg.Outcomes.AddForeign(why, CategoryError, 1)
		t.cfg.Outcomes.ForeignDropped.Add(1)
		return
	}
	t.cfg.Outcomes.Spooled.Add(-1)
	t.cfg.Outcomes.Add(why, CategoryError, 1)
}
