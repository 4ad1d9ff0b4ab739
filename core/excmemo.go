package core

import (
	"hash/maphash"
	"reflect"
	"slices"

	"github.com/sentrylog/sentrylog/core/protocol"
)

// Exceptions made final once and shared between events.
//
// The same error logged again and again (the usual case: one failing
// dependency, one bad input) makes the same exceptions each time: the same
// types, values, title, mechanisms and frames, scrubbed and cut the same
// way. Building, scrubbing and measuring them was about a fifth of what an
// event cost the process. For a sealed client (no user code sees the event;
// see sealed) the worker keeps each distinct exception list in its final
// form (normalized, scrubbed, cut to the field limits) with its first-pass
// size, keyed by everything the list is made from, and an event made from
// the same inputs shares it: the pipeline's passes skip it, and it goes on
// the event after them, as the final contexts do. No pass writes into it
// (they copy what they change).
//
// The key holds, for each error of the tree: its Go type, the type a
// TypedError names, its text, the sentinel it is (by identity, as titles
// are chosen), its place in the tree and the stack it recorded; then the
// capture's stack when the outermost error uses it, the origin and the
// sentinel registry. Errors made anew for each call, as fmt.Errorf makes
// them, share a list when those are equal.

// excMemo is one exception list in final form and what it was made from.
type excMemo struct {
	hash   uint64
	atoms  []excAtom
	origin string
	stack  []uintptr // the capture's stack, when the outermost error has none of its own
	set    *sentinelSet
	final  []protocol.Exception
	size   int
}

// excAtom is what one error of the tree contributes to its exceptions.
type excAtom struct {
	t           reflect.Type
	own, ownMod string // a TypedError's own type, "" when none
	value       string
	sentinel    string // the sentinel's name, "" when none
	parent, cut int
	source      string
	group       bool
	pcs         []uintptr
}

// maxExcMemos bounds the memo; when full it starts again.
const maxExcMemos = 256

// maxExcMemoText bounds the text of the errors of a list the memo keeps
// (their key): at most 256 x 16 KiB stay alive for it.
const maxExcMemoText = 16 << 10

var excSeed = maphash.MakeSeed()

// recordExceptions returns the exceptions of a record's event on a sealed
// client, from the memo when it has them (see above), and notes them as
// final for the pipeline. stack is the capture's stack (from the call site
// on).
func (c *Client) recordExceptions(err error, origin string, stack []uintptr) []protocol.Exception {
	m := &c.memo
	nodes := appendExceptionTree(m.nodes[:0], err)
	defer func() {
		clear(nodes)
		m.nodes = nil
		if cap(nodes) <= 4*maxExceptions {
			m.nodes = nodes[:0]
		}
	}()
	if len(nodes) == 0 {
		return nil
	}
	atoms := m.atoms[:0]
	keyText := 0
	defer func() { clear(m.atoms) }() // no references kept
	hasOwn := false
	for i := range nodes {
		n := &nodes[i]
		a := excAtom{parent: n.parent, cut: n.cut, source: n.source, group: n.group, pcs: n.pcs}
		if n.cut == 0 {
			a.t = reflect.TypeOf(n.err)
			if te, ok := n.err.(TypedError); ok {
				if typ, mod, ok := ownType(te); ok {
					a.own, a.ownMod = typ, mod
				}
			}
			a.value = safeErrorString(n.err)
			if s, ok := lookupSentinel(n.err); ok {
				a.sentinel = s.name
			}
		}
		hasOwn = hasOwn || len(n.pcs) > 0
		keyText += len(a.value) + len(a.own)
		atoms = append(atoms, a)
	}
	m.atoms = atoms
	if keyText > maxExcMemoText {
		// Long texts are not kept: the memo would hold them (up to
		// maxExcMemos of them) after their events are gone.
		return c.exceptions(err, origin, true, func() []protocol.Frame {
			return c.framesFromPCs(stack, 0)
		})
	}
	if hasOwn {
		stack = nil
	}
	set := sentinels.Load()
	same := func(e *excMemo) bool {
		return e != nil && e.set == set && e.origin == origin &&
			slices.Equal(e.stack, stack) && slices.EqualFunc(e.atoms, atoms, sameAtom)
	}
	// The same error again, the usual case, needs no hashing.
	if same(m.excLast) {
		m.excCur = m.excLast
		return m.excLast.final
	}
	sum := hashAtoms(atoms, stack, origin)
	if e := m.exc[sum]; same(e) {
		m.excCur, m.excLast = e, e
		return e.final
	}
	exs := c.exceptions(err, origin, true, func() []protocol.Frame {
		return c.framesFromPCs(stack, 0)
	})
	scratch := Event{Exception: exs}
	normalizeEvent(&scratch, false, false)
	c.opts.Scrubber.Scrub(&scratch)
	var t trimmer
	t.exceptions(&scratch)
	e := &excMemo{hash: sum, atoms: slices.Clone(atoms), origin: origin, stack: slices.Clone(stack),
		set: set, final: slices.Clip(scratch.Exception), size: t.size}
	for i := range e.atoms {
		e.atoms[i].pcs = slices.Clone(e.atoms[i].pcs)
	}
	if m.exc == nil || len(m.exc) >= maxExcMemos {
		m.exc = make(map[uint64]*excMemo, 64)
	}
	m.exc[sum] = e
	m.excCur, m.excLast = e, e
	return e.final
}

// hashAtoms is the memo's key of atoms, stack and origin.
func hashAtoms(atoms []excAtom, stack []uintptr, origin string) uint64 {
	var h maphash.Hash
	h.SetSeed(excSeed)
	for i := range atoms {
		a := &atoms[i]
		if a.t != nil {
			h.WriteString(a.t.String())
		}
		h.WriteString(a.own)
		h.WriteString(a.value)
		h.WriteString(a.sentinel)
		h.WriteString(a.source)
		writeInt(&h, uint64(a.parent)^uint64(a.cut)<<32)
		for _, pc := range a.pcs {
			writeInt(&h, uint64(pc))
		}
	}
	for _, pc := range stack {
		writeInt(&h, uint64(pc))
	}
	h.WriteString(origin)
	return h.Sum64()
}

func sameAtom(a, b excAtom) bool {
	return a.t == b.t && a.own == b.own && a.ownMod == b.ownMod && a.value == b.value &&
		a.sentinel == b.sentinel && a.parent == b.parent && a.cut == b.cut &&
		a.source == b.source && a.group == b.group && slices.Equal(a.pcs, b.pcs)
}

func writeInt(h *maphash.Hash, v uint64) {
	var b [8]byte
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	h.Write(b[:])
}

// detachFinalExc takes the event's exceptions off it when they are final,
// so that the pipeline's passes skip them.
func (c *Client) detachFinalExc(ev *Event) {
	if c.memo.excCur != nil {
		ev.Exception = nil
	}
}

// attachFinalExc puts final exceptions back on ev and returns their
// first-pass size.
func (c *Client) attachFinalExc(ev *Event) int {
	e := c.memo.excCur
	if e == nil {
		return 0
	}
	c.memo.excCur = nil
	ev.Exception = e.final
	return e.size
}
