package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// The HTTP transport's sending of one event: the envelope, the request with
// its retries, and what the response says (status, rate limits). The
// worker (http.go) calls sendEvent for each event it takes.

// outcome is what became of an event a worker took.
type outcome uint8

const (
	outcomeDropped   outcome = iota // not delivered: counted, or spooled
	outcomeDelivered                // a receiver took it
	outcomeHeld                     // kept for when the receiver answers again
)

// sendEvent delivers one event: to Spotlight when on, then to Sentry
// unless rate limited. It counts the event when it is not delivered, and
// holds it (without a spool) when the receiver is unreachable. A probe is
// sent while the receiver is down, once, without retries.
func (t *HTTP) sendEvent(q queued, probe bool) outcome {
	ev := q.ev
	now := t.now()
	toSentry := t.url != ""
	if toSentry && t.spotURL == "" && t.limits.limited(CategoryError, now) {
		t.cfg.Outcomes.Add(ReasonRateLimitBackoff, CategoryError, 1)
		return outcomeDropped
	}
	if toSentry && t.spool == nil && !probe && t.spotURL == "" && t.gate.down.Load() {
		// Taken as the receiver went down: no attempt.
		t.gate.hold(q)
		return outcomeHeld
	}
	env := t.envelope(ev)
	if env == nil {
		return outcomeDropped
	}
	spotOK := false
	if t.spotURL != "" {
		spotOK = t.postSpotlight(env)
	}
	if !toSentry {
		if spotOK {
			t.cfg.Outcomes.Delivered.Add(1)
			return outcomeDelivered
		}
		t.cfg.Outcomes.Add(ReasonNetworkError, CategoryError, 1)
		return outcomeDropped
	}
	if t.limits.limited(CategoryError, t.now()) {
		t.cfg.Outcomes.Add(ReasonRateLimitBackoff, CategoryError, 1)
		return outcomeDropped
	}
	down := t.gate.down.Load()
	if t.spool != nil && down {
		// Unreachable moments ago: straight to the spool, no attempt; the
		// spool's replay probes.
		if t.toSpool(env, ev.Timestamp) {
			return outcomeDropped
		}
	}
	var report []discardedItem
	if !t.limits.limited(CategoryInternal, now) {
		report = t.cfg.Outcomes.Take()
		env.Items = append(env.Items, clientReportItems(report, now)...)
	}
	status, err := t.post(env, !down && !probe)
	switch {
	case err != nil:
		t.cfg.Outcomes.Restore(report)
		if t.toSpool(env, ev.Timestamp) {
			return outcomeDropped
		}
		var ne net.Error
		if t.spool == nil && t.ctx.Err() == nil && !(errors.As(err, &ne) && ne.Timeout()) && t.spotURL == "" {
			// Not a timeout (the request may have arrived): kept for
			// when the receiver answers again.
			t.gate.hold(q)
			t.cfg.Debug.Printf("event %s not sent, held: %v", ev.EventID, err)
			return outcomeHeld
		}
		t.cfg.Outcomes.Add(ReasonNetworkError, CategoryError, 1)
		t.cfg.Debug.Printf("event %s not sent: %v", ev.EventID, err)
		return outcomeDropped
	case status >= 200 && status < 300:
		t.cfg.Outcomes.Delivered.Add(1)
		if t.spool != nil && (t.spool.pending() || t.spool.rescanDue()) {
			// The receiver answers: send what waited, and what other
			// processes left (looked for at most once a second).
			t.kickReplay()
		}
		return outcomeDelivered
	case status == http.StatusTooManyRequests:
		// The server counted the event (it reports it itself); only the
		// report is kept, and the event is counted locally.
		t.cfg.Outcomes.Restore(report)
		t.cfg.Outcomes.ServerRateLimited.Add(1)
		return outcomeDropped
	case status >= 500 && t.toSpool(env, ev.Timestamp):
		t.cfg.Outcomes.Restore(report)
		return outcomeDropped
	default:
		t.cfg.Outcomes.Restore(report)
		t.cfg.Outcomes.Add(ReasonSendError, CategoryError, 1)
		return outcomeDropped
	}
}

// envelope serializes ev into an envelope, trimming it when it is too
// large; nil (counted) when it cannot be sent at all.
func (t *HTTP) envelope(ev *Event) *envelope {
	payload, err := MarshalEvent(ev)
	if err != nil {
		t.cfg.Outcomes.Add(ReasonInternalSDKError, CategoryError, 1)
		t.cfg.Debug.Printf("event %s not serializable: %v", ev.EventID, err)
		return nil
	}
	if len(payload) > MaxEventSize {
		size := len(payload)
		if t.cfg.Shrink != nil {
			payload = t.cfg.Shrink(ev, size)
		} else {
			payload = nil
		}
		if payload == nil {
			t.cfg.Outcomes.Add(ReasonSendError, CategoryError, 1)
			t.cfg.Debug.Printf("event %s is %d bytes, over Sentry's limit of %d even trimmed: dropped", ev.EventID, size, MaxEventSize)
			return nil
		}
		t.cfg.Debug.Printf("event %s trimmed from %d to %d bytes", ev.EventID, size, len(payload))
	}
	env := &envelope{
		Header: envelopeHeader{EventID: ev.EventID, DSN: t.dsnPublic, SDK: t.sdk, Trace: ev.DSC},
		Items:  []envelopeItem{{Header: itemHeader{Type: itemTypeEvent}, Payload: payload}},
	}
	return env
}

// MarshalEvent serializes ev, turning a panic in user values into an error.
func MarshalEvent(ev *Event) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("panic while encoding: %v", r)
		}
	}()
	return ev.MarshalJSON()
}

// post sends env to Sentry and applies the rate limits of the response.
// With retry, network errors other than timeouts are retried with backoff
// while the receiver stays up. A network failure takes the gate down. It
// returns the status, or an error when no response came; statuses other
// than 2xx are logged.
func (t *HTTP) post(env *envelope, retry bool) (int, error) {
	for attempt := 0; ; attempt++ {
		status, err := t.postOnce(env)
		if err == nil {
			return status, nil
		}
		var ne net.Error
		if !retry || attempt >= len(t.backoff) || t.ctx.Err() != nil || t.gate.down.Load() || errors.As(err, &ne) && ne.Timeout() {
			// A request that timed out may have arrived, and retrying
			// it would hold a worker for HTTPTimeout again.
			if t.ctx.Err() == nil {
				t.gate.markDown(t.now())
				t.cfg.Debug.Printf("receiver unreachable (%v): probing every %v", err, probeEvery)
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

func (t *HTTP) postOnce(env *envelope) (int, error) {
	env.Header.SentAt = t.now()
	raw := getBuffer()
	if err := env.AppendTo(raw); err != nil {
		putBuffer(raw)
		return 0, err
	}
	compressed := raw.Len() >= compressFrom
	var b []byte
	if compressed {
		gz := gzipBody(raw)
		b = bytes.Clone(gz.buf.Load().Bytes())
		gz.Close()
	} else {
		b = bytes.Clone(raw.Bytes())
	}
	putBuffer(raw)
	// A body in a bytes.Reader is one net/http knows to be in memory: it
	// writes the headers and the body with one system call, where a body
	// of another type has the headers flushed first (two writes a
	// request). The copy is the price: the transport may read the body
	// after Do returns, so it cannot come from a pool.
	ctx, cancel := context.WithTimeout(t.ctx, t.cfg.HTTPTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	if compressed {
		req.Header.Set("Content-Encoding", "gzip")
	}
	req.Header.Set("User-Agent", t.userAgent)
	req.Header.Set("X-Sentry-Auth", t.auth)
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseDrain))
	resp.Body.Close()
	t.gate.answered()
	now := t.now()
	if l := responseLimits(resp.StatusCode, resp.Header, now); !l.isZero() {
		t.limits.merge(l)
		t.cfg.Debug.Printf("rate limits: errors until %s, all until %s",
			limitTime(t.limits.until(CategoryError)), limitTime(t.limits.until(CategoryInternal)))
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
func (t *HTTP) logStatus(resp *http.Response) {
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
