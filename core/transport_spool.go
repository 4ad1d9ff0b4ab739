package core

import (
	"bytes"
	"github.com/sentrylog/sentrylog/core/protocol"
	"net/http"
	"time"
)

// spoolBatch is how many spooled envelopes one replay sends at most, so
// that new events are not held up for long behind old ones.
const spoolBatch = 50

// toSpool writes env (its event items only: client reports are counts of
// this moment and go back to the counters) to the spool. It reports whether
// the event is now spooled; false when the spool is off or the write
// failed, and the caller counts the drop.
func (t *httpTransport) toSpool(env *envelope) bool {
	if t.spool == nil {
		return false
	}
	keep := envelope{Header: env.Header}
	keep.Header.SentAt = time.Time{} // set when it is finally sent
	for _, it := range env.Items {
		if it.Header.Type != itemTypeClientReport {
			keep.Items = append(keep.Items, it)
		}
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := keep.AppendTo(buf); err != nil {
		t.cfg.Debug.Printf("event %s not spooled: %v", env.Header.EventID, err)
		return false
	}
	evicted, err := t.spool.write(buf.Bytes())
	if err != nil {
		t.cfg.Debug.Printf("event %s not spooled: %v", env.Header.EventID, err)
		return false
	}
	t.cfg.Outcomes.Spooled.Add(1)
	t.spoolPending.Store(true)
	t.countEvicted(evicted)
	t.cfg.Debug.Printf("event %s spooled", env.Header.EventID)
	return true
}

// countEvicted accounts for envelopes the spool's bounds pushed out.
func (t *httpTransport) countEvicted(ev evicted) {
	if ev.own > 0 {
		t.cfg.Outcomes.Spooled.Add(-int64(ev.own))
		t.cfg.Outcomes.Add(reasonCacheOverflow, categoryError, ev.own)
	}
	if ev.foreign > 0 {
		// Spooled by another process: reported, outside this process's
		// accounting.
		t.cfg.Outcomes.AddForeign(reasonCacheOverflow, categoryError, ev.foreign)
		t.cfg.Outcomes.ForeignDropped.Add(int64(ev.foreign))
	}
	if ev.own+ev.foreign > 0 {
		t.cfg.Debug.Printf("spool full: %d oldest envelopes dropped", ev.own+ev.foreign)
	}
}

// spoolable builds the envelope of an event Close could not send.
func (t *httpTransport) spoolable(ev *Event) *envelope {
	if t.spool == nil {
		return nil
	}
	return t.envelope(ev)
}

// replaySpool sends up to max spooled envelopes, oldest first, and stops at
// the first that cannot be delivered now (it goes back to the spool).
func (t *httpTransport) replaySpool(max int) {
	if t.spool == nil || !t.spoolPending.Load() {
		return
	}
	for i := 0; i < max; i++ {
		if t.ctx.Err() != nil || t.limits.limited(categoryError, t.now()) || t.now().Before(t.downUntil) {
			return
		}
		c, ok := t.spool.claim()
		if !ok {
			t.spoolPending.Store(false)
			return
		}
		env, err := protocol.ParseEnvelope(bytes.NewReader(c.data))
		if err != nil {
			t.cfg.Debug.Printf("spooled envelope %s unreadable, removed: %v", c.path, err)
			t.spool.done(c)
			t.settleSpooled(c, reasonInvalid)
			continue
		}
		status, err := t.post(env)
		switch {
		case err != nil, status >= 500, status == http.StatusTooManyRequests:
			t.spool.release(c)
			return
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
			t.settleSpooled(c, reasonSendError)
		}
	}
}

// settleSpooled counts a spooled envelope that will never be sent.
func (t *httpTransport) settleSpooled(c spoolClaimed, why dropReason) {
	if !c.own {
		t.cfg.Outcomes.AddForeign(why, categoryError, 1)
		t.cfg.Outcomes.ForeignDropped.Add(1)
		return
	}
	t.cfg.Outcomes.Spooled.Add(-1)
	t.cfg.Outcomes.Add(why, categoryError, 1)
}
