package transport

import (
	"sync"
	"sync/atomic"
	"time"
)

// gate is the HTTP transport's shared view of the receiver, for its
// workers: up, or down after a network failure until any answer comes.
// While it is down no worker sends (without a spool, events wait in the
// queue; with one, they go to the spool) except one probe at a time, every
// probeEvery: the oldest waiting event or spooled envelope, sent for real,
// so that the first delivery follows the receiver's return by at most
// probeEvery plus one request, with no fixed back-off to sleep out.
type gate struct {
	down atomic.Bool

	mu        sync.Mutex
	nextProbe time.Time
	probing   bool
	up        chan struct{} // closed when the receiver answers again
	// held are events taken for sending that could not reach the receiver
	// (or were taken as it went down), oldest first; without a spool they
	// are sent before the queue once it answers. At most about two per
	// worker: a worker takes from the queue only while the gate is up.
	held []queued
}

// probeEvery is the interval between probes of an unreachable receiver.
const probeEvery = 500 * time.Millisecond

func newGate() *gate {
	g := &gate{up: make(chan struct{})}
	close(g.up)
	return g
}

// markDown records a network failure: the gate goes down, or, when it
// was down, the next probe waits a full interval.
func (g *gate) markDown(now time.Time) {
	g.mu.Lock()
	if !g.down.Load() {
		g.up = make(chan struct{})
		g.down.Store(true)
	}
	g.nextProbe = now.Add(probeEvery)
	g.mu.Unlock()
}

// answered records a response from the receiver: the gate is up.
func (g *gate) answered() {
	if !g.down.Load() {
		return
	}
	g.mu.Lock()
	if g.down.Load() {
		g.down.Store(false)
		close(g.up)
	}
	g.mu.Unlock()
}

// paused reports whether the gate is down and, if so, when the next probe
// is due and a channel closed once it is up again.
func (g *gate) paused() (down bool, probeAt time.Time, up <-chan struct{}) {
	if !g.down.Load() {
		return false, time.Time{}, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.down.Load(), g.nextProbe, g.up
}

// takeProbe reports whether the caller may probe now: the gate is down,
// the probe is due and nobody else is probing. The caller must call
// endProbe.
func (g *gate) takeProbe(now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.down.Load() || g.probing || now.Before(g.nextProbe) {
		return false
	}
	g.probing = true
	return true
}

// endProbe ends a probe; the next is due probeEvery later.
func (g *gate) endProbe(now time.Time) {
	g.mu.Lock()
	g.probing = false
	if next := now.Add(probeEvery); next.After(g.nextProbe) {
		g.nextProbe = next
	}
	g.mu.Unlock()
}

// hold keeps q for a later attempt, in order of sequence.
func (g *gate) hold(q queued) {
	g.mu.Lock()
	i := len(g.held)
	for i > 0 && g.held[i-1].seq > q.seq {
		i--
	}
	g.held = append(g.held, queued{})
	copy(g.held[i+1:], g.held[i:])
	g.held[i] = q
	g.mu.Unlock()
}

// unhold returns the oldest held event.
func (g *gate) unhold() (queued, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.held) == 0 {
		return queued{}, false
	}
	q := g.held[0]
	g.held[0] = queued{}
	g.held = g.held[1:]
	if len(g.held) == 0 {
		g.held = nil
	}
	return q, true
}
