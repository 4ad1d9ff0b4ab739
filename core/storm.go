package core

import (
	"hash/maphash"
	"reflect"
	"sync"
	"time"
)

// StormOptions configure storm control: the cap on events from an error
// logged in a hot loop. Two token buckets decide whether a capture goes on:
// one per group of identical events, one for all events. A group is the
// capture's call site, its message template and the types of its error chain,
// the things Sentry groups by, so identical events are deduplicated beyond
// GroupBurst while different errors still get through.
//
// Storm control runs on the logging goroutine, before anything else is done
// with the capture, because that is the only place it can protect the process
// as well as the quota. Suppressed events are counted in client reports as
// "event_processor" drops, and the next event of the group that goes through
// carries how many were suppressed in its "storm" context
// ({"suppressed": N, "since": first suppression}).
type StormOptions struct {
	// Disabled turns storm control off.
	Disabled bool
	// GroupBurst is how many identical events pass at once before the
	// group's bucket throttles them. Default 10.
	GroupBurst int
	// GroupRate is how many identical events per second pass once the burst
	// is spent. Default 1.
	GroupRate float64
	// GlobalBurst is how many events of any group pass at once. Default 200.
	GlobalBurst int
	// GlobalRate is how many events per second pass once the global burst
	// is spent. Default 50.
	GlobalRate float64
	// MaxGroups bounds the groups tracked; when full, idle groups are
	// forgotten and, failing that, new groups share one overflow bucket.
	// Default 4096.
	MaxGroups int
}

func (o *StormOptions) applyDefaults() {
	if o.GroupBurst <= 0 {
		o.GroupBurst = 10
	}
	if o.GroupRate <= 0 {
		o.GroupRate = 1
	}
	if o.GlobalBurst <= 0 {
		o.GlobalBurst = 200
	}
	if o.GlobalRate <= 0 {
		o.GlobalRate = 50
	}
	if o.MaxGroups <= 0 {
		o.MaxGroups = 4096
	}
}

// bucket is a token bucket; tokens are refilled lazily on take.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) take(now time.Time, rate float64, burst int) bool {
	if b.last.IsZero() {
		b.tokens = float64(burst)
	} else if d := now.Sub(b.last).Seconds(); d > 0 {
		b.tokens = min(float64(burst), b.tokens+d*rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// full reports whether the bucket would be back at its burst by now.
func (b *bucket) full(now time.Time, rate float64, burst int) bool {
	return b.tokens+now.Sub(b.last).Seconds()*rate >= float64(burst)
}

type stormGroup struct {
	bucket
	suppressed int64
	since      time.Time
}

type storm struct {
	opts   StormOptions
	seed   maphash.Seed
	mu     sync.Mutex
	global bucket
	groups map[uint64]*stormGroup
	now    func() time.Time // for tests
}

func newStorm(o StormOptions) *storm {
	if o.Disabled {
		return nil
	}
	return &storm{opts: o, seed: maphash.MakeSeed(), groups: make(map[uint64]*stormGroup), now: time.Now}
}

// stormVerdict is what admit decided.
type stormVerdict struct {
	ok         bool
	suppressed int64     // suppressed in the group since its last event
	since      time.Time // when the first of those was suppressed
}

// admit decides whether the capture keyed by key goes on. A nil storm
// admits everything.
func (s *storm) admit(key uint64) stormVerdict {
	if s == nil {
		return stormVerdict{ok: true}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key]
	if g == nil {
		if len(s.groups) >= s.opts.MaxGroups {
			s.evict(now)
		}
		if len(s.groups) >= s.opts.MaxGroups {
			key = 0 // the overflow group
			g = s.groups[0]
		}
		if g == nil {
			g = &stormGroup{}
			s.groups[key] = g
		}
	}
	if !g.take(now, s.opts.GroupRate, s.opts.GroupBurst) || !s.global.take(now, s.opts.GlobalRate, s.opts.GlobalBurst) {
		if g.suppressed == 0 {
			g.since = now
		}
		g.suppressed++
		return stormVerdict{}
	}
	v := stormVerdict{ok: true, suppressed: g.suppressed, since: g.since}
	g.suppressed = 0
	return v
}

// evict forgets groups that are idle: back at full burst with nothing
// suppressed to report.
func (s *storm) evict(now time.Time) {
	for k, g := range s.groups {
		if k != 0 && g.suppressed == 0 && g.full(now, s.opts.GroupRate, s.opts.GroupBurst) {
			delete(s.groups, k)
		}
	}
}

// stormKey hashes a capture's grouping inputs without allocating.
func (s *storm) key(pc uintptr, msg string, err error) uint64 {
	if s == nil {
		return 0
	}
	var h maphash.Hash
	h.SetSeed(s.seed)
	var b [8]byte
	putUint64(b[:], uint64(pc))
	h.Write(b[:])
	h.WriteString(msg)
	for i := 0; err != nil && i < 8; i++ {
		h.WriteString(reflect.TypeOf(err).String())
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	k := h.Sum64()
	if k == 0 {
		k = 1 // 0 is the overflow group
	}
	return k
}

func putUint64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}
