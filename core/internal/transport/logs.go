package transport

import (
	"net/http"
	"sync/atomic"
)

// LogOutcomes counts what happened to captured logs, beside Outcomes'
// events; drops are in Outcomes' Discards under log_item and log_byte.
type LogOutcomes struct {
	// Delivered counts logs a receiver accepted.
	Delivered atomic.Int64
	// ServerRateLimited and ServerRateLimitedBytes count logs the server
	// answered 429 to. The server accounts for them itself, so they are not
	// in client reports; Stats lists them as "server_rate_limited:log_item"
	// and "server_rate_limited:log_byte".
	ServerRateLimited      atomic.Int64
	ServerRateLimitedBytes atomic.Int64
}

// logBatchQueue bounds the log batches waiting in the HTTP transport. One
// of its workers sends them, beside events, so a log storm holds at most one
// worker and its surplus is dropped (counted) rather than queued.
const logBatchQueue = 4

// LogBatchQueue is how many log batches the HTTP transport holds before it
// drops one: a log worker that reuses payload buffers keeps this many and a
// few more.
const LogBatchQueue = logBatchQueue

// LogBatch is one envelope's worth of logs, encoded.
type LogBatch struct {
	// Count is the number of logs.
	Count int
	// Payload is the log item's payload: {"version":2,"items":[...]}.
	Payload []byte
	// Bytes is the logs' size as Sentry counts it for log_byte.
	Bytes int
	// Release, when set, is called once the transport is done with
	// Payload (sent from a copy, or dropped); Payload is not used after.
	Release func()
}

// release calls b.Release when set.
func (b LogBatch) release() {
	if b.Release != nil {
		b.Release()
	}
}

// QueueLogs queues a log batch for delivery and returns at once; it takes
// ownership of b.Payload. When the queue of batches is full, or after
// Close, the batch is dropped and counted as queue_overflow.
func (t *HTTP) QueueLogs(b LogBatch) {
	if b.Count == 0 {
		return
	}
	t.mu.RLock()
	if t.queue == nil {
		t.mu.RUnlock()
		return
	}
	if !t.closed {
		t.smu.Lock()
		seq := t.enq.Load() + 1
		select {
		case t.logq <- queuedLogs{b: b, seq: seq}:
			t.enq.Store(seq)
			t.smu.Unlock()
			t.mu.RUnlock()
			return
		default:
		}
		t.smu.Unlock()
	}
	t.mu.RUnlock()
	t.dropLogs(ReasonQueueOverflow, b)
	t.cfg.Debug.Once("transport_log_queue_full", "transport log queue full: dropping logs")
}

func (t *HTTP) dropLogs(r Reason, b LogBatch) {
	t.cfg.Outcomes.Add(r, CategoryLogItem, b.Count)
	t.cfg.Outcomes.Add(r, CategoryLogByte, b.Bytes)
	b.release()
}

// logsLimited reports whether either logs category is rate limited.
func (t *HTTP) logsLimited() bool {
	now := t.now()
	return t.limits.limited(CategoryLogItem, now) || t.limits.limited(CategoryLogByte, now)
}

// logEnvelope wraps a batch in an envelope of its own: one log item, no
// event and no trace header.
func (t *HTTP) logEnvelope(b LogBatch) *envelope {
	return &envelope{
		Header: envelopeHeader{DSN: t.dsnPublic, SDK: t.sdk},
		Items: []envelopeItem{{
			Header:  itemHeader{Type: itemTypeLog, ItemCount: b.Count, ContentType: logContentType},
			Payload: b.Payload,
		}},
	}
}

// sendLogs delivers one batch: to Spotlight when on, then to Sentry unless
// rate limited. It reports whether the batch was delivered and counts it
// when it was not. Logs are not spooled.
func (t *HTTP) sendLogs(b LogBatch) bool {
	defer b.release()
	toSentry := t.url != ""
	if toSentry && t.spotURL == "" && t.logsLimited() {
		t.dropLogs(ReasonRateLimitBackoff, b)
		return false
	}
	env := t.logEnvelope(b)
	spotOK := false
	if t.spotURL != "" {
		spotOK = t.postSpotlight(env)
	}
	if !toSentry {
		if spotOK {
			t.cfg.Outcomes.Logs.Delivered.Add(int64(b.Count))
		} else {
			t.dropLogs(ReasonNetworkError, b)
		}
		return spotOK
	}
	if t.logsLimited() {
		t.dropLogs(ReasonRateLimitBackoff, b)
		return false
	}
	if t.gate.down.Load() {
		// The receiver was unreachable moments ago: only probes go out
		// until it answers, and logs are not spooled.
		t.dropLogs(ReasonNetworkError, b)
		return false
	}
	status, err := t.post(env, true)
	switch {
	case err != nil:
		t.dropLogs(ReasonNetworkError, b)
		t.cfg.Debug.Printf("%d logs not sent: %v", b.Count, err)
		return false
	case status >= 200 && status < 300:
		t.cfg.Outcomes.Logs.Delivered.Add(int64(b.Count))
		return true
	case status == http.StatusTooManyRequests:
		t.cfg.Outcomes.Logs.ServerRateLimited.Add(int64(b.Count))
		t.cfg.Outcomes.Logs.ServerRateLimitedBytes.Add(int64(b.Bytes))
		return false
	default:
		t.dropLogs(ReasonSendError, b)
		return false
	}
}
