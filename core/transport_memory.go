package core

import (
	"context"
	"sync"
)

// MemoryTransport keeps events in memory instead of sending them: for tests
// and examples. It is safe for concurrent use.
type MemoryTransport struct {
	mu       sync.Mutex
	events   []*Event
	logs     []*Log
	batches  []*logBatch
	outcomes *outcomeCounts
}

// NewMemoryTransport returns an empty MemoryTransport.
func NewMemoryTransport() *MemoryTransport {
	return &MemoryTransport{}
}

// Configure records where to count deliveries.
func (t *MemoryTransport) configure(cfg transportConfig) error {
	t.mu.Lock()
	t.outcomes = cfg.Outcomes
	t.mu.Unlock()
	return nil
}

// Send keeps ev.
func (t *MemoryTransport) Send(ev *Event) {
	t.mu.Lock()
	t.events = append(t.events, ev)
	o := t.outcomes
	t.mu.Unlock()
	if o != nil {
		o.Delivered.Add(1)
	}
}

// Flush returns true: a kept event counts as delivered.
func (t *MemoryTransport) Flush(context.Context) bool { return true }

// Close returns true.
func (t *MemoryTransport) Close(context.Context) bool { return true }

// Events returns the events kept so far, oldest first. The events may
// share parts (exceptions, contexts, frames) with each other and with
// the client: read them, never modify them.
func (t *MemoryTransport) Events() []*Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*Event(nil), t.events...)
}

// Reset forgets the events kept so far.
func (t *MemoryTransport) Reset() {
	t.mu.Lock()
	t.events, t.logs, t.batches = nil, nil, nil
	t.mu.Unlock()
}

// DiscardTransport drops every event silently but counts it delivered: for
// benchmarks that measure only in-process cost.
type DiscardTransport struct{ outcomes *outcomeCounts }

// Configure records where to count deliveries.
func (t *DiscardTransport) configure(cfg transportConfig) error {
	t.outcomes = cfg.Outcomes
	return nil
}

// Send discards ev.
func (t *DiscardTransport) Send(*Event) {
	if t.outcomes != nil {
		t.outcomes.Delivered.Add(1)
	}
}

// sendRecycled discards ev and hands it back.
func (t *DiscardTransport) sendRecycled(ev *Event, done func()) {
	t.Send(ev)
	done()
}

// Flush returns true.
func (t *DiscardTransport) Flush(context.Context) bool { return true }

// Close returns true.
func (t *DiscardTransport) Close(context.Context) bool { return true }

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

// keepsLogs says that Logs returns the logs of the batches taken.
func (t *MemoryTransport) keepsLogs() {}

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
