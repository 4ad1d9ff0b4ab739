package zerologsentry

import (
	"sync"
	"sync/atomic"
)

// handoff carries a value (a record's context, an error) from the code that
// runs while a zerolog event is being built (the hook, the stack marshaler)
// to the write of the event's bytes, which follows on the same goroutine:
// zerolog's Event.msg runs the hooks, appends the message and calls the
// writer's WriteLevel, all on the logging goroutine. Nothing is added to the
// bytes, so every writer, ours or not, gets exactly what zerolog wrote. The
// value is keyed by the goroutine (curg).
//
// A value whose bytes never reach the Writer on that goroutine (an event a
// later hook discards, a hook used with another writer, an asynchronous
// writer in front of the Writer, a marshaler of a logger that is not ours)
// is never taken. Each goroutine has at most one entry, replaced by its next
// put, and the table is a fixed set of buckets of a few ways each: a put into
// a full bucket evicts its oldest entry. The table never fills up, and a
// value nobody takes costs one entry until it is replaced or evicted.
//
// An evicted entry whose write is still to come is lost: its write finds
// nothing, and the caller must treat that as "unknown", never as "none" (see
// Writer.send). Eviction picks the oldest put, so that takes several newer
// puts of other goroutines into the same bucket while one write is under
// way; with 128 buckets of 8 ways, when 64 goroutines all sit between the
// hook and the write (behind a blocked output, say), one bucket or more
// holds 9 of them with a probability of about 4e-7.
//
// A descriptor of an exited goroutine may be reused by a new one, which then
// finds the old goroutine's entry if it was never taken: callers check that
// an entry matches the line (its level and message, or its stack) before
// using it, and take only entries that do.
type handoff[T any] struct {
	buckets atomic.Pointer[[handoffBuckets]handoffBucket[T]] // allocated by the first put
	mu      sync.Mutex                                       // for the allocation
}

const (
	handoffBuckets = 1 << handoffBits
	handoffBits    = 7
	handoffWays    = 8
)

type handoffBucket[T any] struct {
	mu  sync.Mutex
	seq uint64 // puts so far
	e   [handoffWays]handoffEntry[T]
}

type handoffEntry[T any] struct {
	g   uintptr // 0: free
	seq uint64  // the bucket's seq when it was put
	v   T
}

// bucket returns g's bucket, or nil before the first put.
func (h *handoff[T]) bucket(g uintptr) *handoffBucket[T] {
	b := h.buckets.Load()
	if b == nil {
		return nil
	}
	// Descriptors are aligned heap addresses: multiply, keep the top bits.
	return &b[uint64(g)*0x9e3779b97f4a7c15>>(64-handoffBits)]
}

// put leaves v for goroutine g, replacing what g left before.
func (h *handoff[T]) put(g uintptr, v T) {
	b := h.bucket(g)
	if b == nil {
		h.mu.Lock()
		if h.buckets.Load() == nil {
			h.buckets.Store(new([handoffBuckets]handoffBucket[T]))
		}
		h.mu.Unlock()
		b = h.bucket(g)
	}
	b.mu.Lock()
	b.seq++
	at := -1
	for i := range b.e {
		e := &b.e[i]
		if e.g == g {
			at = i
			break
		}
		if at < 0 || b.e[at].g != 0 && (e.g == 0 || e.seq < b.e[at].seq) {
			at = i // a free way, else the oldest
		}
	}
	b.e[at] = handoffEntry[T]{g: g, seq: b.seq, v: v}
	b.mu.Unlock()
}

// take removes and returns what goroutine g left, when match accepts it.
// An entry match refuses stays.
func (h *handoff[T]) take(g uintptr, match func(*T) bool) (v T, ok bool) {
	b := h.bucket(g)
	if b == nil {
		return v, false
	}
	b.mu.Lock()
	for i := range b.e {
		if e := &b.e[i]; e.g == g {
			if ok = match(&e.v); ok {
				v = e.v
				*e = handoffEntry[T]{}
			}
			break
		}
	}
	b.mu.Unlock()
	return v, ok
}
