package core

import (
	"net/http"
	"sync/atomic"
)

// logOutcomes counts what happened to captured logs, beside outcomeCounts'
// events; drops are in outcomeCounts' discardCounts under log_item and log_byte.
type logOutcomes struct {
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

var _ logTransport = (*httpTransport)(nil)

// queueLogs queues a log batch for delivery and returns at once. When the
// queue of batches is full, or after Close, the batch is dropped and
// counted as queue_overflow.
func (t *httpTransport) queueLogs(b *logBatch) {
	if b == nil || len(b.Logs) == 0 {
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
	t.dropLogs(reasonQueueOverflow, b)
	t.cfg.Debug.Once("transport_log_queue_full", "transport log queue full: dropping logs")
}

func (t *httpTransport) dropLogs(r dropReason, b *logBatch) {
	t.cfg.Outcomes.Add(r, categoryLogItem, len(b.Logs))
	t.cfg.Outcomes.Add(r, categoryLogByte, b.Bytes)
	b.release()
}

// logsLimited reports whether either logs category is rate limited.
func (t *httpTransport) logsLimited() bool {
	now := t.now()
	return t.limits.limited(categoryLogItem, now) || t.limits.limited(categoryLogByte, now)
}

// logEnvelope wraps a batch in an envelope of its own: one log item, no
// event and no trace header.
func (t *httpTransport) logEnvelope(b *logBatch) *envelope {
	return &envelope{
		Header: envelopeHeader{DSN: t.dsnPublic, SDK: t.sdk},
		Items: []envelopeItem{{
			Header:  itemHeader{Type: itemTypeLog, ItemCount: len(b.Logs), ContentType: logContentType},
			Payload: b.Payload,
		}},
	}
}

// sendLogs delivers one batch: to Spotlight when on, then to Sentry unless
// rate limited. It reports whether the batch was delivered and counts it
// when it was not. Logs are not spooled.
func (t *httpTransport) sendLogs(b *logBatch) bool {
	defer b.release()
	toSentry := t.url != ""
	if toSentry && t.spotURL == "" && t.logsLimited() {
		t.dropLogs(reasonRateLimitBackoff, b)
		return false
	}
	env := t.logEnvelope(b)
	spotOK := false
	if t.spotURL != "" {
		spotOK = t.postSpotlight(env)
	}
	if !toSentry {
		if spotOK {
			t.cfg.Outcomes.Logs.Delivered.Add(int64(len(b.Logs)))
		} else {
			t.dropLogs(reasonNetworkError, b)
		}
		return spotOK
	}
	if t.logsLimited() {
		t.dropLogs(reasonRateLimitBackoff, b)
		return false
	}
	if t.gate.down.Load() {
		// The receiver was unreachable moments ago: only probes go out
		// until it answers, and logs are not spooled.
		t.dropLogs(reasonNetworkError, b)
		return false
	}
	status, err := t.post(env, true)
	switch {
	case err != nil:
		t.dropLogs(reasonNetworkError, b)
		t.cfg.Debug.Printf("%d logs not sent: %v", len(b.Logs), err)
		return false
	case status >= 200 && status < 300:
		t.cfg.Outcomes.Logs.Delivered.Add(int64(len(b.Logs)))
		return true
	case status == http.StatusTooManyRequests:
		t.cfg.Outcomes.Logs.ServerRateLimited.Add(int64(len(b.Logs)))
		t.cfg.Outcomes.Logs.ServerRateLimitedBytes.Add(int64(b.Bytes))
		return false
	default:
		t.dropLogs(reasonSendError, b)
		return false
	}
}

// queueLogs keeps the batch's logs.
func (t *MemoryTransport) queueLogs(b *logBatch) {
	t.mu.Lock()
	t.logs = append(t.logs, b.Logs...)
	t.batches = append(t.batches, b)
	o := t.outcomes
	t.mu.Unlock()
	if o != nil {
		o.Logs.Delivered.Add(int64(len(b.Logs)))
	}
}

// Logs returns the logs kept so far, oldest first.
func (t *MemoryTransport) Logs() []*Log {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*Log(nil), t.logs...)
}

// logBatches returns the log batches kept so far, oldest first.
func (t *MemoryTransport) logBatches() []*logBatch {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*logBatch(nil), t.batches...)
}

// queueLogs discards the batch but counts its logs delivered.
func (t *DiscardTransport) queueLogs(b *logBatch) {
	b.release()
	if t.outcomes != nil {
		t.outcomes.Logs.Delivered.Add(int64(len(b.Logs)))
	}
}
