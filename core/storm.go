package core

import (
	"hash/maphash"
	"sync"
	"time"
)

// Storm control groups captures as Sentry groups events: by the fingerprint
// when one is set (on the record or a scope, "{{ default }}" standing for the
// default grouping), else by the types of the error chain (as exception
// titles name them) and the in-app frames of the stack, else, for message
// events, by the message with each run of digits as a placeholder. Events
// that are each a new group (a fingerprint or message made from an id other
// than a number) all pass; the bounded queue then drops what it cannot hold.
// It runs on the logging goroutine, before anything else is done with the
// capture but after the stack's program counters are recorded: the only
// place it protects the process as well as the quota.

// StormOptions configure storm control. The first event of a group (events
// Sentry would group together) always passes; repeats pass a token bucket
// per group and one for all repeats, so one error in a hot loop yields
// GroupBurst events, then GroupRate a second, and never holds back another.
// Suppressed events count as event_processor drops; the group's next event
// carries their count in its "storm" context.
type StormOptions struct {
	// Disabled turns storm control off.
	Disabled bool
	// GroupBurst and GroupRate bound one group's events. Default 10, then 1/s.
	GroupBurst int
	GroupRate  float64
	// GlobalBurst and GlobalRate bound all groups' repeats. Default 200, 50/s.
	GlobalBurst int
	GlobalRate  float64
	// MaxGroups bounds the groups tracked (least recent forgotten). Default 4096.
	MaxGroups int
}

func (o *StormOptions) applyDefaults() {
	o.fillFrom(StormOptions{GroupBurst: 10, GroupRate: 1, GlobalBurst: 200, GlobalRate: 50, MaxGroups: 4096})
}

// fillFrom sets each limit of o that is not positive to d's.
func (o *StormOptions) fillFrom(d StormOptions) {
	if o.GroupBurst <= 0 {
		o.GroupBurst = d.GroupBurst
	}
	if o.GroupRate <= 0 {
		o.GroupRate = d.GroupRate
	}
	if o.GlobalBurst <= 0 {
		o.GlobalBurst = d.GlobalBurst
	}
	if o.GlobalRate <= 0 {
		o.GlobalRate = d.GlobalRate
	}
	if o.MaxGroups <= 0 {
		o.MaxGroups = d.MaxGroups
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

type stormGroup struct {
	bucket
	key        uint64
	suppressed int64
	since      time.Time
	prev, next *stormGroup // recency list: head is the most recent
}

type storm struct {
	opts    StormOptions
	seed    maphash.Seed
	inApp   inAppMatcher
	funcs   funcTable
	mu      sync.Mutex
	global  bucket
	groups  map[uint64]*stormGroup
	head    *stormGroup // most recently seen
	tail    *stormGroup // least recently seen: evicted first
	evicted int64
	now     func() time.Time // for tests
}

func newStorm(o StormOptions, inApp inAppMatcher) *storm {
	if o.Disabled {
		return nil
	}
	return &storm{opts: o, seed: maphash.MakeSeed(), inApp: inApp, groups: make(map[uint64]*stormGroup), now: time.Now}
}

// stormVerdict is what admit decided.
type stormVerdict struct {
	ok         bool
	suppressed int64     // suppressed in the group since its last event
	since      time.Time // when the first of those was suppressed
}

// admit decides whether the capture keyed by key goes on. A nil storm
// admits everything. The first event of a group (one not in the table)
// always passes, and takes a global token if one is left; a repeat needs a
// token of its group and a global one.
func (s *storm) admit(key uint64) stormVerdict {
	if s == nil {
		return stormVerdict{ok: true}
	}
	return s.admitAt(key, s.now())
}

// admitAt is admit at a time the caller read already.
func (s *storm) admitAt(key uint64, now time.Time) stormVerdict {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key]
	if g == nil {
		g = s.insert(key)
		g.take(now, s.opts.GroupRate, s.opts.GroupBurst)
		s.global.take(now, s.opts.GlobalRate, s.opts.GlobalBurst)
		return stormVerdict{ok: true}
	}
	s.touch(g)
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

// insert adds a group for key at the head of the recency list; when the
// table is full it reuses the least recently seen group. A repeat of the
// forgotten group is a first event again: the table bounds memory, never
// which groups are seen. (What the forgotten group had suppressed is
// already counted in client reports; only the count its next event would
// have carried is lost.)
func (s *storm) insert(key uint64) *stormGroup {
	var g *stormGroup
	if len(s.groups) >= s.opts.MaxGroups && s.tail != nil {
		g = s.tail
		s.unlink(g)
		delete(s.groups, g.key)
		s.evicted++
		*g = stormGroup{}
	} else {
		g = &stormGroup{}
	}
	g.key = key
	s.groups[key] = g
	s.pushFront(g)
	return g
}

func (s *storm) touch(g *stormGroup) {
	if s.head != g {
		s.unlink(g)
		s.pushFront(g)
	}
}

func (s *storm) unlink(g *stormGroup) {
	if g.prev != nil {
		g.prev.next = g.next
	} else {
		s.head = g.next
	}
	if g.next != nil {
		g.next.prev = g.prev
	} else {
		s.tail = g.prev
	}
	g.prev, g.next = nil, nil
}

func (s *storm) pushFront(g *stormGroup) {
	g.next = s.head
	if s.head != nil {
		s.head.prev = g
	}
	s.head = g
	if s.tail == nil {
		s.tail = g
	}
}
