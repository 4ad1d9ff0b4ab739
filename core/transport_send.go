package core

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// The HTTP transport's sending of one event: the envelope, the request with
// its retries, and what the response says (status, rate limits). The
// worker (transport_http.go) calls sendEvent for each event it takes.

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
		if payload = shrinkEvent(ev, size); payload == nil {
			t.cfg.Outcomes.Add(ReasonSendError, CategoryError, 1)
			t.cfg.Debug.Printf("event %s is %d bytes, over Sentry's limit of %d even trimmed: dropped", ev.EventID, size, maxEventSize)
			return nil
		}
		t.cfg.Debug.Printf("event %s trimmed from %d to %d bytes", ev.EventID, size, len(payload))
	}
	env := &Envelope{
		Header: EnvelopeHeader{EventID: ev.EventID, DSN: t.dsnPublic, SDK: t.sdk, Trace: ev.DSC},
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
	compressed := raw.Len() >= compressFrom
	var body *pooledBody
	if compressed {
		body = gzipBody(raw)
		putBuffer(raw)
	} else {
		body = newPooledBody(raw) // gives raw back when closed
	}
	req, err := http.NewRequestWithContext(t.ctx, http.MethodPost, t.url, body)
	if err != nil {
		body.Close()
		return 0, err
	}
	req.ContentLength = int64(body.Len())
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
