package core

import (
	"sync"

	"github.com/sentrylog/sentrylog/core/protocol"
)

// Events reused once delivered.
//
// The event of a record, its message and its two maps (the contexts and the
// record's log context) were most of the bytes the worker allocated per
// event: with the garbage collection they caused, about a third of what an
// event cost the worker. A sealed client (see sealed: no user code sees
// the event from its building to its encoding, and the transport is one of
// this package's) builds a record's event in an eventBox; the transport
// hands the box back once it is done with the event (DiscardTransport at
// once, the HTTP transport when the event is delivered or dropped, never
// while it holds it for a retry; MemoryTransport keeps its events and never
// does). A box handed back is cleared and taken by a later event: its maps
// keep their memory.
//
// Only what the worker itself made for the event is reused: the Event
// struct, the LogEntry, and the top-level maps it made (whether or not the
// passes replaced them on the event with copies). What the event shares
// (final contexts, exceptions and breadcrumbs, the SDK) is only let go of.

// eventBox is an event the worker builds and the parts of it it owns.
type eventBox struct {
	ev  Event
	msg protocol.LogEntry
	log map[string]any            // the record's log context, when it has one
	ctx map[string]map[string]any // the event's contexts
	// msgUsed and ctxUsed: msg and ctx are taken (each serves one use per
	// event: a map the passes let go of may be asked for again).
	msgUsed, ctxUsed bool
	// done hands the box back: the method value, made once per box, so
	// that passing it to the transport costs nothing.
	done func()
}

// maxBoxMap bounds the maps a box keeps: one that grew past a group of
// slots is let go, so that a rare large event does not make every later
// event clear a large table.
const maxBoxMap = 8

var eventBoxes sync.Pool

// getBox returns a cleared box.
func getBox() *eventBox {
	if b, ok := eventBoxes.Get().(*eventBox); ok {
		return b
	}
	b := new(eventBox)
	b.done = b.release
	return b
}

// release clears b and puts it back in the pool. Called once per use, by
// whoever is done with the event last.
func (b *eventBox) release() {
	b.ev, b.msg = Event{}, protocol.LogEntry{}
	b.msgUsed, b.ctxUsed = false, false
	if len(b.log) > maxBoxMap {
		b.log = nil
	} else {
		clear(b.log)
	}
	if len(b.ctx) > maxBoxMap {
		b.ctx = nil
	} else {
		clear(b.ctx)
	}
	eventBoxes.Put(b)
}

// logMap returns b's log map, empty, made on first use.
func (b *eventBox) logMap() map[string]any {
	if b.log == nil {
		b.log = make(map[string]any, maxBoxMap)
	}
	return b.log
}

// ctxMap returns b's contexts map, empty, made on first use.
func (b *eventBox) ctxMap() map[string]map[string]any {
	if b.ctx == nil {
		b.ctx = make(map[string]map[string]any, maxBoxMap)
	}
	return b.ctx
}

// recycler is implemented by the transports that hand an event back (see
// eventBox): done is called once the transport no longer reads ev.
type recycler interface {
	sendRecycled(ev *Event, done func())
}

// newLogEntry returns a message for the event being processed: the box's
// the first time, when it has one.
func (c *Client) newLogEntry(formatted string) *protocol.LogEntry {
	if b := c.memo.box; b != nil && !b.msgUsed {
		b.msgUsed = true
		b.msg.Formatted = formatted
		return &b.msg
	}
	return &protocol.LogEntry{Formatted: formatted}
}

// newContexts returns an empty contexts map for the event being processed:
// the box's the first time, when it has one.
func (c *Client) newContexts(hint int) map[string]map[string]any {
	if b := c.memo.box; b != nil && !b.ctxUsed {
		b.ctxUsed = true
		return b.ctxMap()
	}
	return make(map[string]map[string]any, hint)
}
