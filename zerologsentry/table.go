package zerologsentry

import (
	"sync"
	"sync/atomic"
)

// handoff carries values (a record's context, an error) from the code that
// runs while a zerolog event is being built (the hook, the stack marshaler) to
// the writer that receives the event's bytes a moment later on the same
// goroutine. The bytes carry only a number; the value waits here.
//
// Most values are taken within microseconds, so a small array of slots
// indexed by the number serves them without allocating. A value whose bytes
// never reach a Writer (the hook used with another writer, an event
// discarded by a later hook) would keep its slot forever, so a slot whose
// value is older than staleAfter numbers is reused; while it is young, the
// newcomer goes to a small overflow map instead. The table therefore holds at
// most len(slots)+maxOverflow values.
type handoff struct {
	next     atomic.Uint64
	slots    [handoffSlots]handoffSlot
	mu       sync.Mutex
	overflow map[uint64]any
}

const (
	handoffSlots = 256
	staleAfter   = 1 << 16
	maxOverflow  = 1024
)

type handoffSlot struct {
	mu sync.Mutex
	id uint64
	v  any
}

// put stores v and returns its number, never 0; 0 means it was not stored
// (the table is full of young values).
func (h *handoff) put(v any) uint64 {
	id := h.next.Add(1)
	s := &h.slots[id%handoffSlots]
	s.mu.Lock()
	if s.id == 0 || id-s.id >= staleAfter {
		s.id, s.v = id, v
		s.mu.Unlock()
		return id
	}
	s.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.overflow) >= maxOverflow {
		return 0
	}
	if h.overflow == nil {
		h.overflow = make(map[uint64]any)
	}
	h.overflow[id] = v
	return id
}

// take removes and returns the value stored under id.
func (h *handoff) take(id uint64) (any, bool) {
	if id == 0 {
		return nil, false
	}
	s := &h.slots[id%handoffSlots]
	s.mu.Lock()
	if s.id == id {
		v := s.v
		s.id, s.v = 0, nil
		s.mu.Unlock()
		return v, true
	}
	s.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.overflow[id]
	if ok {
		delete(h.overflow, id)
	}
	return v, ok
}
