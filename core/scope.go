package core

import (
	"cmp"
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Scope holds data merged into every event captured under it: tags, user,
// contexts, extra, fingerprint, level, transaction, request and breadcrumbs.
// It is safe for concurrent use; a fork sees its parent's data and
// breadcrumbs as they were at the fork.
type Scope struct {
	mu   sync.Mutex
	data *scopeData // immutable once published; replaced on write
	// owned: data was made by update and not handed out since (by load or
	// fork), so update may change it in place: a handler that sets several
	// fields in a row copies the data once.
	owned bool

	isolation *Scope // the isolation scope this scope belongs to; itself for one

	// prop is the propagation context of an isolation or global scope,
	// set before the scope is shared (trace.go); trace caches what events
	// carry of it.
	prop  propagation
	trace atomic.Pointer[traceCache]

	// Breadcrumbs: a ring of this scope's own entries, plus inherited, the
	// parent's entries as they were at the fork.
	ring []crumb
	// inl holds, beside ring (the same length and indices), the few
	// attributes of entries that keep them inline (crumb.ninl). It is
	// allocated with the first such entry, so a scope whose breadcrumbs
	// have none does not carry it.
	inl  [][inlineAttrs]slog.Attr
	head int // index of the oldest entry when the ring is full
	// shared: a fork's crumbView holds ring and inl; the entries it sees
	// are copied before one is overwritten (copy on write), so a fork keeps
	// what it inherited while its parent goes on logging.
	shared    bool
	inherited *crumbView
	// spare is room for the inline attributes of a one-entry ring, made
	// with an isolation scope (isoBlock): used by the scope's first entry
	// that keeps attributes inline, then let go.
	spare *[1][inlineAttrs]slog.Attr
}

// crumbView is an immutable view of a scope's breadcrumbs at a fork: the
// scope's ring as it was (its arrays are never written while shared), then
// what that scope had inherited itself.
type crumbView struct {
	ring []crumb
	inl  [][inlineAttrs]slog.Attr
	head int
	next *crumbView
}

// scopeData is one immutable version of a scope's data.
type scopeData struct {
	tags        map[string]string
	user        *User
	contexts    map[string]map[string]any
	extra       map[string]any
	fingerprint []string
	level       *Level
	transaction string
	txSource    string
	txFn        func() (name, source string)
	request     *Request
	requestFn   func() *Request
}

var emptyScopeData = &scopeData{}

// crumbSeq orders breadcrumbs process-wide, so forks can see "everything
// before the fork" and layers merge in order.
var crumbSeq atomic.Uint64

// crumb is a breadcrumb in a scope's ring. Data is materialised lazily from
// the record's attributes when an event is built.
type crumb struct {
	seq uint64
	b   Breadcrumb
	// Lazy data: pre and groups are immutable and shared, attrs owned.
	pre    []slog.Attr
	groups []string
	attrs  []slog.Attr
	// ninl counts the record's own attributes kept, instead of attrs, in
	// the scope's inl at the entry's index: a breadcrumb then costs no
	// allocation. Copies made by appendCrumbs have them in attrs.
	ninl   int
	raw    string // record.Raw, decoded by decode when the data is needed
	decode func(string) []slog.Attr
}

// NewScope returns an empty, unattached scope.
func NewScope() *Scope {
	s := &Scope{data: emptyScopeData, prop: newTrace()}
	s.isolation = s
	return s
}

func (s *Scope) fork() *Scope {
	f := new(Scope)
	s.forkInto(f)
	return f
}

// forkInto makes f, a new scope, a fork of s.
func (s *Scope) forkInto(f *Scope) {
	s.mu.Lock()
	f.data, f.inherited = s.data, s.inherited
	if len(s.ring) > 0 {
		// Only the entries up to len(s.ring) are seen: appends beyond it,
		// into the same arrays, are invisible to the view.
		f.inherited = &crumbView{ring: s.ring, inl: s.inl, head: s.head, next: s.inherited}
		s.shared = true
	}
	s.owned = false
	s.mu.Unlock()
}

// load returns the current data snapshot.
func (s *Scope) load() *scopeData {
	s.mu.Lock()
	d := s.data
	s.owned = false
	s.mu.Unlock()
	return d
}

// update applies fn to the data: in place while no reader has it, else
// to a copy that it then publishes. fn must copy the maps it changes.
func (s *Scope) update(fn func(d *scopeData)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.owned {
		fn(s.data)
	} else {
		d := *s.data
		fn(&d)
		s.data, s.owned = &d, true
	}
	s.mu.Unlock()
}

// SetTag sets one tag.
func (s *Scope) SetTag(key, value string) {
	s.update(func(d *scopeData) {
		d.tags = maps.Clone(d.tags)
		if d.tags == nil {
			d.tags = map[string]string{}
		}
		d.tags[key] = value
	})
}

// SetTags sets several tags.
func (s *Scope) SetTags(tags map[string]string) {
	s.update(func(d *scopeData) {
		d.tags = maps.Clone(d.tags)
		if d.tags == nil {
			d.tags = make(map[string]string, len(tags))
		}
		maps.Copy(d.tags, tags)
	})
}

// RemoveTag removes one tag.
func (s *Scope) RemoveTag(key string) {
	s.update(func(d *scopeData) {
		d.tags = maps.Clone(d.tags)
		delete(d.tags, key)
	})
}

// SetUser sets the user; nil clears it. The scope keeps its own copy.
func (s *Scope) SetUser(u *User) {
	var c *User
	if u != nil {
		cp := *u
		cp.Data = maps.Clone(u.Data)
		c = &cp
	}
	s.update(func(d *scopeData) { d.user = c })
}

// SetContext sets the named context (nil removes it); the map must not change.
func (s *Scope) SetContext(name string, value map[string]any) {
	s.update(func(d *scopeData) {
		d.contexts = maps.Clone(d.contexts)
		if value == nil {
			delete(d.contexts, name)
			return
		}
		if d.contexts == nil {
			d.contexts = map[string]map[string]any{}
		}
		d.contexts[name] = value
	})
}

// SetExtra sets one extra value (Sentry prefers contexts).
func (s *Scope) SetExtra(key string, value any) {
	s.update(func(d *scopeData) {
		d.extra = maps.Clone(d.extra)
		if d.extra == nil {
			d.extra = map[string]any{}
		}
		d.extra[key] = value
	})
}

// SetFingerprint sets the fingerprint; "{{ default }}" is Sentry's grouping.
func (s *Scope) SetFingerprint(fp []string) {
	fp = slices.Clone(fp)
	s.update(func(d *scopeData) { d.fingerprint = fp })
}

// SetLevel forces the level of events captured under the scope.
func (s *Scope) SetLevel(l Level) {
	s.update(func(d *scopeData) { d.level = &l })
}

// SetTransaction names the transaction events belong to.
func (s *Scope) SetTransaction(name string) {
	s.update(func(d *scopeData) { d.transaction, d.txSource = name, sourceCustom })
}

// setTransactionFunc names the transaction lazily: fn returns the name and
// its source (sourceRoute, sourceURL, ...) when an event or an outgoing
// request needs it, on the client's worker or the calling goroutine, so it
// must be safe for concurrent use. The HTTP middleware uses it to name a
// request after the route its router matched. A name set with
// SetTransaction wins; an empty name from fn means none.
func (s *Scope) setTransactionFunc(fn func() (name, source string)) {
	s.update(func(d *scopeData) { d.txFn = fn })
}

// transactionName returns the transaction named by d, if any.
func (d *scopeData) transactionName() (name, source string) {
	if d.transaction != "" {
		return d.transaction, cmp.Or(d.txSource, sourceCustom)
	}
	if d.txFn != nil {
		name, source = callTxFn(d.txFn)
	}
	return name, source
}

func callTxFn(fn func() (string, string)) (name, source string) {
	defer func() {
		if recover() != nil {
			name, source = "", ""
		}
	}()
	return fn()
}

// transactionName returns the transaction named by the scope, if any.
func (s *Scope) transactionName() (name, source string) {
	return s.load().transactionName()
}

// SetRequest attaches the HTTP request, which must not change afterwards.
func (s *Scope) SetRequest(r *Request) {
	s.update(func(d *scopeData) { d.request = r })
}

// setRequestFunc attaches the HTTP request lazily: fn is called on the
// capturing goroutine when an event is captured under the scope, so a request
// that never produces an event costs nothing to describe. The HTTP middleware
// uses it. A request set with SetRequest wins.
func (s *Scope) setRequestFunc(fn func() *Request) {
	s.update(func(d *scopeData) { d.requestFn = fn })
}

// Clear resets the scope's data and breadcrumbs.
func (s *Scope) Clear() {
	s.mu.Lock()
	s.data, s.owned = emptyScopeData, false
	s.ring, s.inl, s.head, s.shared, s.inherited, s.spare = nil, nil, 0, false, nil, nil
	s.mu.Unlock()
}

// AddBreadcrumb adds b, keeping the newest max entries, without
// BeforeBreadcrumb (the package-level [AddBreadcrumb] applies it).
func (s *Scope) AddBreadcrumb(b *Breadcrumb, max int) {
	if s == nil || b == nil || max <= 0 {
		return
	}
	c := crumb{b: *b}
	if c.b.Timestamp.IsZero() {
		c.b.Timestamp = time.Now()
	}
	s.push(&c, max)
}

// push copies c into the ring (c is a pointer only to spare a copy).
func (s *Scope) push(c *crumb, max int) {
	s.mu.Lock()
	c.seq = crumbSeq.Add(1)
	i := s.slot(max)
	s.setInline(i, nil)
	s.ring[i] = *c
	s.mu.Unlock()
}

// slot returns the index of the ring's entry for the next breadcrumb,
// keeping at most max entries: a new one, or the oldest, to be overwritten
// whole. s.mu is held.
func (s *Scope) slot(max int) int {
	if len(s.ring) < max {
		s.ring = append(s.ring, crumb{})
		if s.inl != nil {
			s.inl = append(s.inl, [inlineAttrs]slog.Attr{})
		}
		return len(s.ring) - 1
	}
	if len(s.ring) > max {
		s.shrink(max) // new arrays: no longer shared
	} else if s.shared {
		// A fork sees these entries: overwrite a copy.
		s.ring = slices.Clone(s.ring)
		if s.inl != nil {
			s.inl = slices.Clone(s.inl)
		}
	}
	s.shared = false
	i := s.head
	s.head = (s.head + 1) % len(s.ring)
	return i
}

// shrink keeps the newest max entries, oldest first, when a client with a
// smaller MaxBreadcrumbs adds to the scope. s.mu is held.
func (s *Scope) shrink(max int) {
	order := make([]int, len(s.ring))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(s.ring[a].seq, s.ring[b].seq) })
	order = order[len(order)-max:]
	ring := make([]crumb, len(order))
	var inl [][inlineAttrs]slog.Attr
	if s.inl != nil {
		inl = make([][inlineAttrs]slog.Attr, len(order))
	}
	for j, i := range order {
		ring[j] = s.ring[i]
		if inl != nil {
			inl[j] = s.inl[i]
		}
	}
	s.ring, s.inl, s.head = ring, inl, 0
}

// setInline stores attrs (at most inlineAttrs) as entry i's inline
// attributes, clearing what the entry's previous breadcrumb left there, and
// sets the entry's count. s.mu is held.
func (s *Scope) setInline(i int, attrs []slog.Attr) {
	n := 0
	if len(attrs) > 0 {
		if s.inl == nil {
			if s.spare != nil && cap(s.ring) == 1 {
				s.inl = s.spare[:]
			} else {
				s.inl = make([][inlineAttrs]slog.Attr, len(s.ring), cap(s.ring))
			}
			s.spare = nil
		}
		n = copy(s.inl[i][:], attrs)
	}
	if old := s.ring[i].ninl; old > n {
		clear(s.inl[i][n:old])
	}
	s.ring[i].ninl = n
}

// appendCrumbs appends the breadcrumbs of s with seq <= upTo, then those it
// inherited at its fork, each ring oldest first.
func (s *Scope) appendCrumbs(dst []crumb, upTo uint64) []crumb {
	s.mu.Lock()
	dst = appendRing(dst, s.ring, s.inl, s.head, upTo)
	v := s.inherited
	s.mu.Unlock()
	for ; v != nil; v = v.next { // immutable: read without a lock
		dst = appendRing(dst, v.ring, v.inl, v.head, upTo)
	}
	return dst
}

// appendRing appends ring's entries with seq <= limit, oldest first, their
// inline attributes copied out in one allocation.
func appendRing(dst, ring []crumb, inl [][inlineAttrs]slog.Attr, head int, limit uint64) []crumb {
	n := len(ring)
	var slab []slog.Attr
	if inl != nil {
		total := 0
		for i := range ring {
			if ring[i].seq <= limit {
				total += ring[i].ninl
			}
		}
		slab = make([]slog.Attr, 0, total)
	}
	for i := 0; i < n; i++ {
		j := (head + i) % n
		c := ring[j]
		if c.seq > limit {
			continue
		}
		if c.ninl > 0 {
			start := len(slab)
			slab = append(slab, inl[j][:c.ninl]...)
			c.attrs, c.ninl = slab[start:len(slab):len(slab)], 0
		}
		dst = append(dst, c)
	}
	return dst
}

// Breadcrumbs returns the scope's breadcrumbs, with those inherited at its
// fork, oldest first.
func (s *Scope) Breadcrumbs() []Breadcrumb {
	if s == nil {
		return nil
	}
	cs := s.appendCrumbs(nil, crumbSeq.Load())
	slices.SortStableFunc(cs, func(a, b crumb) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]Breadcrumb, len(cs))
	for i := range cs {
		out[i] = cs[i].b
		out[i].Data = crumbData(&cs[i])
	}
	return out
}

// scopeSnap is a point-in-time view of a scope, taken on the logging
// goroutine without copying: the data is immutable and breadcrumbs are read
// later up to seq.
type scopeSnap struct {
	s    *Scope
	data *scopeData
	seq  uint64
}

func (s *Scope) snap() scopeSnap {
	if s == nil {
		return scopeSnap{}
	}
	return scopeSnap{s: s, data: s.load(), seq: crumbSeq.Load()}
}

type scopeKey struct{}

// NewIsolationScope returns a context with a new isolation scope, forked
// from ctx's when it has one (keeping its trace, with a span of its own),
// else with a new trace. Call it per task or job so that its breadcrumbs and
// data stay its own; sentryhttp does so per request.
func NewIsolationScope(ctx context.Context) context.Context {
	return newIsolationScope(ctx, propagation{})
}

// newIsolationScope is NewIsolationScope with the scope's propagation
// context given (ContinueTrace), or made as NewIsolationScope says when
// prop is the zero value.
func newIsolationScope(ctx context.Context, prop propagation) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	b := new(isoBlock)
	s := &b.scope
	if cur, _ := ctx.Value(scopeKey{}).(*Scope); cur != nil {
		cur.isolation.forkInto(s)
		if prop.trace == ([16]byte{}) {
			prop = cur.isolation.prop.child()
		}
	} else {
		if prop.trace == ([16]byte{}) {
			prop = newTrace()
		}
		s.data = emptyScopeData
	}
	s.prop = prop
	s.isolation = s
	s.ring, s.spare = b.crumb[:0], &b.inl
	b.ctx = scopeCtx{Context: ctx, s: s}
	return &b.ctx
}

// isoBlock is what newIsolationScope makes, in one allocation instead of
// four: the scope, the context that carries it, and the arrays of its
// first breadcrumb (a ring of one entry and its inline attributes). A
// request's scope that logs one breadcrumb allocates nothing more; a
// second one moves the ring to arrays of their own, as append would.
type isoBlock struct {
	ctx   scopeCtx
	scope Scope
	crumb [1]crumb
	inl   [1][inlineAttrs]slog.Attr
}

// scopeCtx is a context carrying a scope, as context.WithValue(ctx,
// scopeKey{}, s) would make it.
type scopeCtx struct {
	context.Context
	s *Scope
}

// Value returns the scope for scopeKey, and asks the parent for any
// other key.
func (c *scopeCtx) Value(key any) any {
	if _, ok := key.(scopeKey); ok {
		return c.s
	}
	return c.Context.Value(key)
}

// String names the context as context.WithValue's contexts do.
func (c *scopeCtx) String() string {
	parent := "context"
	if s, ok := c.Context.(interface{ String() string }); ok {
		parent = s.String()
	}
	return parent + ".WithValue(sentrylog isolation scope)"
}

// WithScope returns a context with a current scope forked from ctx's:
// changes to it do not leak back; the isolation scope is shared.
func WithScope(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	cur, _ := ctx.Value(scopeKey{}).(*Scope)
	var s *Scope
	switch {
	case cur == nil:
		ctx = NewIsolationScope(ctx)
		cur = ctx.Value(scopeKey{}).(*Scope)
		s = &Scope{data: emptyScopeData, isolation: cur}
	case cur.isolation == cur:
		s = &Scope{data: emptyScopeData, isolation: cur}
	default:
		s = cur.fork()
		s.isolation = cur.isolation
	}
	return context.WithValue(ctx, scopeKey{}, s)
}

// IsolationScope returns ctx's isolation scope, or nil when it has none.
func IsolationScope(ctx context.Context) *Scope {
	if ctx == nil {
		return nil
	}
	if cur, _ := ctx.Value(scopeKey{}).(*Scope); cur != nil {
		return cur.isolation
	}
	return nil
}

// CurrentScope returns ctx's current scope (else its isolation scope), or nil.
func CurrentScope(ctx context.Context) *Scope {
	if ctx == nil {
		return nil
	}
	cur, _ := ctx.Value(scopeKey{}).(*Scope)
	return cur
}
