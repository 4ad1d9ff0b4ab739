package zerologsentry

import (
	"crypto/rand"
	"encoding/binary"
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
//
// The number in the bytes is a token: the value's id and a check of it keyed
// by a secret of the process, so that a number a program logs under the
// marker's key (a request's own data, say) names no other record's value.
type handoff struct {
	next     atomic.Uint32
	slots    [handoffSlots]handoffSlot
	mu       sync.Mutex
	overflow map[uint32]any
}

const (
	handoffSlots = 256
	staleAfter   = 1 << 16
	maxOverflow  = 1024
)

type handoffSlot struct {
	mu sync.Mutex
	id uint32
	v  any
}

// tokenKey keys the tokens' check.
var tokenKey = func() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics rather than return an error)
	return binary.LittleEndian.Uint64(b[:])
}()

// token is id's token: id in the high half, its check in the low half.
func token(id uint32) uint64 { return uint64(id)<<32 | uint64(check(id)) }

// check is a keyed hash of id (the SplitMix64 finalizer of id and the key).
func check(id uint32) uint32 {
	x := uint64(id) ^ tokenKey
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return uint32(x ^ x>>31)
}

// idOf returns the id a token names, or false when the token is not one.
func idOf(tok uint64) (uint32, bool) {
	id := uint32(tok >> 32)
	return id, id != 0 && check(id) == uint32(tok)
}

// put stores v and returns its token, never 0; 0 means it was not stored
// (the table is full of young values).
func (h *handoff) put(v any) uint64 {
	id := h.next.Add(1)
	if id == 0 { // wrapped: 0 is no id
		id = h.next.Add(1)
	}
	s := &h.slots[id%handoffSlots]
	s.mu.Lock()
	if s.id == 0 || id-s.id >= staleAfter {
		s.id, s.v = id, v
		s.mu.Unlock()
		return token(id)
	}
	s.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.overflow) >= maxOverflow {
		return 0
	}
	if h.overflow == nil {
		h.overflow = make(map[uint32]any)
	}
	h.overflow[id] = v
	return token(id)
}

// take removes and returns the value stored under the token tok.
func (h *handoff) take(tok uint64) (any, bool) {
	id, ok := idOf(tok)
	if !ok {
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
