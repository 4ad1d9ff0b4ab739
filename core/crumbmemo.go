package core

import (
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/sentrylog/sentrylog/scrub"
)

// Breadcrumbs made final once and shared between events.
//
// A breadcrumb of a scope is sent with every event captured under the scope
// while it stays in the ring: with a full ring of 100, materialising each
// one's data from the record's attributes, then scrubbing and measuring it
// again for every event cost about 80 µs and 400 allocations per event. The
// result depends on the breadcrumb and the client only: the scrubber of the
// scrub package (or none) treats each breadcrumb on its own, normalizing
// and the trimmer's first pass likewise. So when no user code sees the
// event after it is built (no BeforeSend, a scrubber of the scrub package,
// a transport of this package, which only reads), the worker keeps each
// breadcrumb's final form (data mapped, normalized, scrubbed, cut to the
// field limits) keyed by its sequence number, and later events share it:
// its Data map is never written (every later step copies what it changes).
//
// The memo is the worker's own: only the worker goroutine touches it.

// crumbMemo is a breadcrumb in its final form and the size the trimmer's
// first pass counts for it.
type crumbMemo struct {
	b    Breadcrumb
	size int
}

// crumbMemos maps breadcrumb sequence numbers to their final forms, in two
// generations: a lookup that finds an entry in the old one moves it to the
// current one, and when the current one is full the old one is dropped.
// Entries of breadcrumbs no longer in any ring thus go after at most two
// generations.
type crumbMemos struct {
	cur, old map[uint64]*crumbMemo
	slab     []crumbMemo // memos are allocated in chunks

	// Per event, reused: the refs of the merge, the misses' copies, and
	// the scratch event the scrubber sees one breadcrumb in.
	refs    []crumbRef
	merge   [2][]crumbRef // scratch of mergeLayers
	misses  []crumb
	scratch Event
	one     [1]Breadcrumb

	// last is the final breadcrumbs of an event that had no own ones and
	// whose scopes' breadcrumbs were all final, lastMemos their memos: an
	// event with the same ones shares the slice (no pass writes into it).
	last      []Breadcrumb
	lastMemos []*crumbMemo

	// goTypes holds the mechanism data naming an error's Go type, shared
	// by the events of a sealed client (see goTypeData).
	goTypes map[string]map[string]any

	// n is how many breadcrumbs at the start of the event being processed
	// are final (set by mergeBreadcrumbs), and size their first-pass size.
	n, size int

	// ctx is the contexts in final form that the event being processed
	// gets after the passes (see finalCtx); defaults is the client's
	// default contexts in final form, made on first use.
	ctx      []finalCtx
	defaults []finalCtx

	// exc holds exception lists in final form (see excMemo); excCur is
	// the event's own when they are final; atoms is scratch.
	exc     map[uint64]*excMemo
	excCur  *excMemo
	excLast *excMemo // the entry the last event used, looked at first
	atoms   []excAtom
	nodes   []excNode // scratch of recordExceptions

	// box is the box the event being processed is built in, nil when it
	// has none (see eventBox).
	box *eventBox
}

// finalCtx is a context in its final form (normalized, scrubbed, cut to the
// field limits) with its first-pass size. The contexts every event of a
// sealed client carries unchanged (the defaults: os, runtime, device; a
// scope's trace context) are made final once and shared: the pipeline's
// passes skip them, and they are put on the event after the passes, where
// it has no context of that name, as the passes would have left them.
type finalCtx struct {
	name string
	m    map[string]any
	size int
}

// makeFinalCtx returns the context m named name in its final form.
func (c *Client) makeFinalCtx(name string, m map[string]any) finalCtx {
	if nm, ch := normalizeMap(m, 0); ch {
		m = nm
	}
	scratch := Event{Contexts: map[string]map[string]any{name: m}}
	c.opts.Scrubber.Scrub(&scratch)
	m = scratch.Contexts[name]
	var t trimmer
	t.size = jsonStrLen(name) + 1
	m, _ = t.mapAny(m)
	return finalCtx{name: name, m: m, size: t.size}
}

// deferDefaults notes that the client's default contexts go on the event
// after the passes (see finalCtx).
func (c *Client) deferDefaults() {
	m := &c.memo
	if m.defaults == nil {
		for _, name := range slices.Sorted(maps.Keys(c.contexts)) {
			m.defaults = append(m.defaults, c.makeFinalCtx(name, c.contexts[name]))
		}
	}
	m.ctx = append(m.ctx, m.defaults...)
}

// attachFinalCtx puts the contexts in final form on ev where it has none of
// their names, and returns their first-pass size.
func (c *Client) attachFinalCtx(ev *Event) int {
	m := &c.memo
	size := 0
	for _, fc := range m.ctx {
		if _, ok := ev.Contexts[fc.name]; ok {
			continue
		}
		if ev.Contexts == nil {
			ev.Contexts = c.newContexts(len(m.ctx))
		}
		ev.Contexts[fc.name] = fc.m
		size += fc.size
	}
	m.ctx = m.ctx[:0]
	return size
}

// memoGeneration is how many breadcrumbs a generation holds: enough for
// the rings of many requests' scopes beside the global one.
const memoGeneration = 4096

type crumbRef struct {
	ts   time.Time
	seq  uint64
	memo *crumbMemo
	miss int // index in misses when memo is nil
}

// memoCrumbs reports whether the client keeps breadcrumbs' final forms (see
// above).
func (c *Client) memoCrumbs() bool {
	if c.opts.BeforeSend != nil {
		return false
	}
	switch c.opts.Scrubber.(type) {
	case *scrub.Scrubber, noScrubber:
	default:
		return false
	}
	switch c.transport.(type) {
	case *httpTransport, *DiscardTransport, *MemoryTransport:
		return true
	}
	return false
}

// sealed reports whether no user code sees an event from its building to
// its encoding (memoCrumbs, and no IgnoreErrors rule either): its parts may
// then be shared with other events.
func (c *Client) sealed() bool {
	return c.memoOn && len(c.opts.IgnoreErrors) == 0
}

func (m *crumbMemos) get(seq uint64) *crumbMemo {
	if p := m.cur[seq]; p != nil {
		return p
	}
	if p := m.old[seq]; p != nil {
		delete(m.old, seq)
		m.put(seq, p)
		return p
	}
	return nil
}

func (m *crumbMemos) put(seq uint64, p *crumbMemo) {
	if m.cur == nil {
		m.cur = make(map[uint64]*crumbMemo, 256)
	}
	if len(m.cur) >= memoGeneration {
		m.old, m.cur = m.cur, m.old
		clear(m.cur)
		if m.cur == nil {
			m.cur = make(map[uint64]*crumbMemo, memoGeneration)
		}
	}
	m.cur[seq] = p
}

func (m *crumbMemos) alloc() *crumbMemo {
	if len(m.slab) == 0 {
		m.slab = make([]crumbMemo, 64)
	}
	p := &m.slab[0]
	m.slab = m.slab[1:]
	return p
}

// collect appends refs to the entries of one ring with seq <= limit, oldest
// first: the memo when there is one, else a copy of the entry (its inline
// attributes copied out) in misses.
func (m *crumbMemos) collect(ring []crumb, inl [][inlineAttrs]slog.Attr, head int, limit uint64) {
	n := len(ring)
	for i := 0; i < n; i++ {
		j := (head + i) % n
		e := &ring[j]
		if e.seq > limit {
			continue
		}
		r := crumbRef{ts: e.b.Timestamp, seq: e.seq}
		if e.b.Data == nil {
			r.memo = m.get(e.seq)
		}
		if r.memo == nil {
			cp := *e
			if cp.ninl > 0 {
				cp.attrs, cp.ninl = slices.Clone(inl[j][:cp.ninl]), 0
			}
			r.miss = len(m.misses)
			m.misses = append(m.misses, cp)
		}
		m.refs = append(m.refs, r)
	}
}

// mergeMemo is mergeBreadcrumbs with the breadcrumbs' final forms: the
// same breadcrumbs in the same order, each made final (from the memo, or
// now), followed by the event's own. It sets m.n and m.size.
func (c *Client) mergeMemo(ev *Event, layers [3]*scopeSnap, max int) {
	m := &c.memo
	m.refs, m.misses, m.n, m.size = m.refs[:0], m.misses[:0], 0, 0
	var ends [len(layers)]int
	for i, l := range layers {
		if s := l.s; s != nil {
			s.mu.Lock()
			m.collect(s.ring, s.inl, s.head, l.seq)
			v := s.inherited
			s.mu.Unlock()
			for ; v != nil; v = v.next { // immutable: read without a lock
				m.collect(v.ring, v.inl, v.head, l.seq)
			}
		}
		ends[i] = len(m.refs)
	}
	defer func() { clear(m.misses) }() // drop references to attributes
	if len(m.refs) == 0 && len(ev.Breadcrumbs) <= max {
		return
	}
	refs := mergeLayers(m.refs, ends[:], &m.merge,
		func(r crumbRef) uint64 { return r.seq },
		func(r crumbRef) time.Time { return r.ts })
	own := ev.Breadcrumbs
	keep := max - len(own)
	if keep < 0 {
		own = own[len(own)-max:]
		keep = 0
	}
	if len(refs) > keep {
		refs = refs[len(refs)-keep:]
	}
	if len(own) == 0 && m.sameAsLast(refs) {
		for i := range refs {
			m.size += refs[i].memo.size
		}
		m.n = len(refs)
		ev.Breadcrumbs = m.last
		return
	}
	hits := true
	out := make([]Breadcrumb, 0, len(refs)+len(own))
	for i := range refs {
		r := &refs[i]
		p := r.memo
		if p == nil {
			cr := &m.misses[r.miss]
			p = c.finalCrumb(cr)
			if cr.b.Data == nil {
				m.put(cr.seq, p)
				r.memo = p
			} else {
				hits = false
			}
		}
		out = append(out, p.b)
		m.size += p.size
	}
	m.n = len(out)
	if len(own) == 0 && hits {
		m.last, m.lastMemos = out, m.lastMemos[:0]
		for i := range refs {
			m.lastMemos = append(m.lastMemos, refs[i].memo)
		}
	}
	ev.Breadcrumbs = append(out, own...)
}

// sameAsLast reports whether refs are m.last's breadcrumbs.
func (m *crumbMemos) sameAsLast(refs []crumbRef) bool {
	if len(refs) == 0 || len(refs) != len(m.lastMemos) {
		return false
	}
	for i := range refs {
		if refs[i].memo != m.lastMemos[i] {
			return false
		}
	}
	return true
}

// finalCrumb returns cr in its final form: data mapped from the record's
// attributes (or hand-built data normalized), scrubbed, cut to the field
// limits, and its first-pass size.
func (c *Client) finalCrumb(cr *crumb) *crumbMemo {
	m := &c.memo
	b := cr.b
	if len(cr.pre) == 0 && len(cr.attrs) == 0 && cr.decode == nil {
		if d, ch := normalizeMap(b.Data, 0); ch {
			b.Data = d
		}
	} else {
		b.Data = crumbData(cr)
	}
	m.one[0] = b
	m.scratch = Event{Breadcrumbs: m.one[:]}
	c.opts.Scrubber.Scrub(&m.scratch)
	var t trimmer
	t.breadcrumbs(&m.scratch)
	p := m.alloc()
	p.b, p.size = m.scratch.Breadcrumbs[0], t.size
	m.scratch, m.one[0] = Event{}, Breadcrumb{}
	return p
}

// detachFinal takes the final breadcrumbs (the first m.n) off ev, so that
// the pipeline's later passes skip them, and returns them.
func (c *Client) detachFinal(ev *Event) []Breadcrumb {
	n := c.memo.n
	if n == 0 {
		return nil
	}
	all := ev.Breadcrumbs
	ev.Breadcrumbs = all[n:]
	return all
}

// attachFinal puts back the final breadcrumbs detachFinal took, before the
// rest, which the passes may have replaced (with a copy, of the same
// length: they never add or remove breadcrumbs before trimming).
func (c *Client) attachFinal(ev *Event, all []Breadcrumb) {
	n := c.memo.n
	if n == 0 {
		return
	}
	rest := ev.Breadcrumbs
	if len(rest) > 0 && &rest[0] != &all[n] {
		copy(all[n:], rest)
	}
	ev.Breadcrumbs = all
	c.memo.n = 0
}

// trimWithFinal is trimEvent for an event whose final breadcrumbs are
// detached (all, from detachFinal): when the rest and their size fit the
// budget, the first pass over the rest was all the trimming needed;
// otherwise the whole event is trimmed again from the start, which the
// first pass leaves as it was (its cuts are idempotent).
func (c *Client) trimWithFinal(ev *Event, all []Breadcrumb, budget int) {
	if c.memo.n == 0 && len(c.memo.ctx) == 0 && c.memo.excCur == nil {
		trimEvent(ev, budget)
		return
	}
	extra := 0
	if c.memo.n > 0 {
		extra = c.memo.size
	}
	var t trimmer
	t.event(ev)
	c.attachFinal(ev, all)
	extra += c.attachFinalCtx(ev)
	extra += c.attachFinalExc(ev)
	if t.size+extra <= budget {
		return
	}
	trimEvent(ev, budget)
}

// maxGoTypes bounds crumbMemos.goTypes.
const maxGoTypes = 256

// goTypeData returns the mechanism data that names an error's Go type when
// the exception's type is its title. A sealed client's events share one map
// per type: no pass writes into it (they copy what they change). Called on
// the worker only.
func (c *Client) goTypeData(typ string) map[string]any {
	if !c.sealed() {
		return map[string]any{"go_type": typ}
	}
	m := &c.memo
	if d, ok := m.goTypes[typ]; ok {
		return d
	}
	if m.goTypes == nil || len(m.goTypes) >= maxGoTypes {
		m.goTypes = make(map[string]map[string]any, 16)
	}
	d := map[string]any{"go_type": typ}
	m.goTypes[typ] = d
	return d
}
