package core

import (
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"reflect"
	"slices"
	"strconv"
	"sync"
)

// maxExceptions bounds the exceptions made from one error tree, which also
// guards against cycles that escape the visited set (non-pointer errors).
const maxExceptions = 32

// maxErrorDepth bounds how deep a chain or group is followed before its
// middle is cut: a longer chain keeps its outermost errors and its last
// chainTail ones (the root cause) around a marker.
const maxErrorDepth = 16

// chainTail is how many of the innermost errors of a cut chain are kept.
const chainTail = 5

// maxChainScan bounds how far a chain is followed to find its root cause.
const maxChainScan = 4096

type excNode struct {
	err    error
	parent int // -1 for the root
	source string
	group  bool
	pcs    []uintptr
	key    uintptr // errorKey, 0 when none
	cut    int     // a marker: how many errors of the chain were left out here
}

// appendExceptionTree numbers err's tree depth first from the outermost error (id
// 0; dst is empty): single wrapping through Unwrap() error or Cause(), groups through
// Unwrap() []error. A chain deeper than maxErrorDepth, or longer than the
// room left to it, loses its middle: a marker node (err nil, cut > 0)
// stands between the outermost errors and the innermost ones (at most
// chainTail, the root cause last). A group shares the room left among its
// members, the first ones first, so that each member's chain keeps its
// root cause. Errors left out for lack of room or depth are counted in one
// last marker node, without children, under the parent of the first one
// left out. The nodes are appended to dst.
func appendExceptionTree(dst []excNode, err error) []excNode {
	w := treeWalk{nodes: dst, leftParent: -1}
	// One place stays free for the marker of what was left out.
	w.walk(err, -1, "", 0, maxExceptions-1)
	if w.left > 0 {
		w.nodes = append(w.nodes, excNode{parent: w.leftParent, source: "cut", cut: w.left})
	}
	return w.nodes
}

// treeWalk is the state of one appendExceptionTree walk.
type treeWalk struct {
	nodes      []excNode
	left       int // errors left out for lack of room or depth
	leftParent int // the parent of the first of them
	// counted counts the errors left out, each once however many of the
	// trees left out reach it (a sentinel error many members wrap).
	// Made on the first error left out: most trees have none.
	counted *errCounter
}

// walk appends e's tree, its nodes staying below index limit.
func (w *treeWalk) walk(e error, parent int, source string, depth, limit int) {
	if e == nil {
		return
	}
	// A cycle, or an error reached twice, ends the walk there. The tree is
	// small (maxExceptions): a scan beats a map.
	k := errorKey(e)
	if seenKey(w.nodes, k) {
		return
	}
	if len(w.nodes) >= limit || depth > maxErrorDepth {
		w.leave(e, parent)
		return
	}
	id := len(w.nodes)
	w.nodes = append(w.nodes, excNode{err: e, parent: parent, source: source, pcs: errorPCs(e), key: k})
	single, multi, src := unwrapSafe(e)
	switch {
	case multi != nil:
		w.nodes[id].group = true
		multi = flattenJoins(multi)
		// When the members do not all fit, each gets a share of the room
		// by the size of its tree, and at least one place while there
		// are places, the first members first.
		var sizes []int
		room, total := limit-len(w.nodes), 0
		for _, child := range multi {
			if total += countErrors(w.nodes, child, room+1); total > room {
				break
			}
		}
		if total > room {
			// A size beyond the room says no more than the room does.
			sizes = make([]int, len(multi))
			for i, child := range multi {
				sizes[i] = countErrors(w.nodes, child, room+1)
			}
		}
		for i, child := range multi {
			sub := limit
			if sizes != nil {
				room, total := limit-len(w.nodes), 0
				for _, n := range sizes[i:] {
					total += n
				}
				share := 0
				if total > 0 {
					share = max(1, room*sizes[i]/total)
				}
				share = max(0, min(share, room-(len(multi)-i-1)))
				if room < len(multi)-i {
					share = min(1, room)
				}
				sub = len(w.nodes) + share
			}
			w.walk(child, id, "errors["+strconv.Itoa(i)+"]", depth+1, sub)
		}
	case single != nil:
		room := limit - len(w.nodes)
		if depth+1 <= maxErrorDepth && room > 1+chainTail {
			w.walk(single, id, src, depth+1, limit)
			return
		}
		rest, ends := chainRest(w.nodes, single)
		if len(rest) <= min(room, chainTail) {
			w.walk(single, id, src, min(depth+1, maxErrorDepth+1-len(rest)), limit)
			return
		}
		keep := min(chainTail, room-1)
		if keep < 1 {
			w.leave(single, id)
			return
		}
		w.nodes = append(w.nodes, excNode{parent: id, source: "cut", cut: len(rest) - keep})
		// The tail keeps the source of the link into it.
		_, _, tsrc := unwrapSafe(rest[len(rest)-keep-1])
		if !ends {
			// An endless chain: the tail is what the scan reached, and
			// what lies beyond it is counted, not walked.
			limit = len(w.nodes) + keep
		}
		w.walk(rest[len(rest)-keep], len(w.nodes)-1, tsrc, maxErrorDepth+1-keep, limit)
	}
}

// joinErrorType is the type of errors.Join's errors.
var joinErrorType = reflect.TypeOf(errors.Join(errors.New("")))

// flattenJoins returns a group's members with those made by errors.Join
// replaced by their own members, and so on down: errors accumulated with
// err = errors.Join(err, next) become one group whose first members are the
// first errors, however many there were. Such a join has no text or type
// of its own to show (its message is its members'). members is returned
// as it is when it holds no join.
func flattenJoins(members []error) []error {
	nested := false
	for _, m := range members {
		if m != nil && reflect.TypeOf(m) == joinErrorType {
			nested = true
			break
		}
	}
	if !nested {
		return members
	}
	var out []error
	var add func(ms []error, depth int)
	add = func(ms []error, depth int) {
		for _, m := range ms {
			if len(out) >= maxChainScan {
				return
			}
			if m != nil && reflect.TypeOf(m) == joinErrorType && depth < maxChainScan {
				if inner, group, _ := unwrapSafe(m); inner == nil && group != nil {
					add(group, depth+1)
					continue
				}
			}
			out = append(out, m)
		}
	}
	add(members, 0)
	return out
}

// leave counts e's tree, left out under parent: each error once over the
// walk (several members may wrap one), up to maxChainScan errors in all,
// which bounds the work for a huge tree.
func (w *treeWalk) leave(e error, parent int) {
	c := w.counted
	if c == nil {
		c = &errCounter{bound: maxChainScan}
		c.seen = c.inline[:0]
		w.counted = c
	}
	c.nodes = w.nodes
	c.count(e)
	if c.n == w.left {
		return
	}
	if w.left == 0 {
		w.leftParent = parent
	}
	w.left = c.n
}

// countErrors counts the errors of e's tree not among nodes, each once,
// up to bound.
func countErrors(nodes []excNode, e error, bound int) int {
	c := errCounter{nodes: nodes, bound: bound}
	c.seen = c.inline[:0]
	c.count(e)
	return c.n
}

// errCounter is the state of one countErrors.
type errCounter struct {
	nodes   []excNode
	bound   int
	n       int
	inline  [16]uintptr
	seen    []uintptr
	seenMap map[uintptr]bool
}

func (c *errCounter) count(e error) {
	if e == nil || c.n >= c.bound {
		return
	}
	if k := errorKey(e); k != 0 {
		if seenKey(c.nodes, k) || c.seenMap[k] || slices.Contains(c.seen, k) {
			return
		}
		if len(c.seen) < cap(c.seen) {
			c.seen = append(c.seen, k)
		} else {
			if c.seenMap == nil {
				c.seenMap = make(map[uintptr]bool)
			}
			c.seenMap[k] = true
		}
	}
	c.n++
	single, multi, _ := unwrapSafe(e)
	for _, m := range multi {
		c.count(m)
	}
	c.count(single)
}

// excNodePool holds the node buffers of exceptions, which keeps none of
// them: an event's tree is walked on the worker, once per event.
var excNodePool = sync.Pool{New: func() any { b := make([]excNode, 0, 8); return &b }}

func seenKey(nodes []excNode, k uintptr) bool {
	if k == 0 {
		return false
	}
	for i := range nodes {
		if nodes[i].key == k {
			return true
		}
	}
	return false
}

// chainRest follows a single chain from e to its end (an error that wraps
// nothing, a group, a cycle or maxChainScan errors), returning its errors,
// and false when it stopped at maxChainScan.
func chainRest(nodes []excNode, e error) (rest []error, ends bool) {
	var seen map[uintptr]bool
	for e != nil {
		if len(rest) == maxChainScan {
			return rest, false
		}
		k := errorKey(e)
		if k != 0 {
			if seen == nil {
				seen = make(map[uintptr]bool)
			}
			if seen[k] || seenKey(nodes, k) {
				break
			}
			seen[k] = true
		}
		rest = append(rest, e)
		single, multi, _ := unwrapSafe(e)
		if multi != nil {
			break
		}
		e = single
	}
	return rest, true
}

// errorKey returns the address identifying e when that is safe, else 0:
// pointers only, since comparing other dynamic types may panic or conflate
// equal values.
func errorKey(e error) uintptr {
	v := reflect.ValueOf(e)
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		return v.Pointer()
	}
	return 0
}

// unwrapSafe calls the error's Unwrap or Cause method, recovering panics.
func unwrapSafe(e error) (single error, multi []error, source string) {
	defer func() {
		if recover() != nil {
			single, multi, source = nil, nil, ""
		}
	}()
	switch u := e.(type) {
	case interface{ Unwrap() []error }:
		return nil, u.Unwrap(), ""
	case interface{ Errors() []error }: // go.uber.org/multierr before v1.9
		return nil, u.Errors(), ""
	case interface{ Unwrap() error }:
		w := u.Unwrap()
		if w != nil && sameError(w, e) { // wraps itself: the chain ends here
			return nil, nil, ""
		}
		return w, nil, "unwrap"
	case interface{ Cause() error }:
		c := u.Cause()
		if c != nil && sameError(c, e) {
			return nil, nil, ""
		}
		return c, nil, "cause"
	}
	return nil, nil, ""
}

// safeErrorString returns err.Error(), or a marked text when it panics.
func safeErrorString(err error) (s string) {
	if err == nil {
		return ""
	}
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("!PANIC in Error: %v", r)
		}
	}()
	return err.Error()
}

// errorType returns the Go type of err ("*fs.PathError") and its package
// path.
func errorType(err error) (typ, module string) {
	if te, ok := err.(TypedError); ok {
		if typ, module, ok = ownType(te); ok {
			return typ, module
		}
	}
	t := reflect.TypeOf(err)
	typ = t.String()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return typ, t.PkgPath()
}

// TypedError is an error that names its own exception type, for one standing
// in for an error known only by its text; Sentry shows and groups by the
// type it names. An empty type, or a panic, falls back to the Go type.
type TypedError interface {
	error
	ExceptionType() (typ, module string)
}

// ownType calls ExceptionType, reporting false for an empty type or a panic.
func ownType(te TypedError) (typ, module string, ok bool) {
	defer func() {
		if recover() != nil {
			typ, module, ok = "", "", false
		}
	}()
	typ, module = te.ExceptionType()
	return typ, module, typ != ""
}

// cutType is the type of the marker that stands for the middle of a chain
// too deep to send whole.
const cutType = "sentrylog.ChainCut"

// exceptions turns err into exception values, root cause first and the
// outermost error last. The outermost error carries stack (when non-nil)
// unless an error of the tree recorded its own.
func (c *Client) exceptions(err error, origin string, handled bool, stack func() []protocol.Frame) []protocol.Exception {
	bp := excNodePool.Get().(*[]excNode)
	nodes := appendExceptionTree((*bp)[:0], err)
	defer func() {
		clear(nodes) // no references kept
		if cap(nodes) <= 4*maxExceptions {
			*bp = nodes[:0]
			excNodePool.Put(bp)
		}
	}()
	if len(nodes) == 0 {
		return nil
	}
	tree := len(nodes) > 1
	hasOwn := false
	for i := range nodes {
		if len(nodes[i].pcs) > 0 {
			hasOwn = true
			break
		}
	}
	if origin == "" {
		origin = "generic"
	}
	out := make([]protocol.Exception, len(nodes))
	// One allocation for the mechanisms and one for their numbers.
	mechs := make([]protocol.Mechanism, len(nodes))
	var ids []int // exception id, parent id
	if tree {
		ids = make([]int, 2*len(nodes))
	}
	for i, n := range nodes {
		var ex protocol.Exception
		if n.cut > 0 {
			what := " errors left out here" // room or depth ran out
			if i+1 < len(nodes) && nodes[i+1].parent == i {
				what = " errors of the chain left out here" // the tail follows
			}
			ex = protocol.Exception{Type: cutType, Value: strconv.Itoa(n.cut) + what}
		} else {
			typ, module := errorType(n.err)
			ex = protocol.Exception{Type: typ, Module: module, Value: safeErrorString(n.err)}
		}
		m := &mechs[i]
		m.Type = origin
		if i == 0 {
			m.Handled = &handled
		} else {
			m.Type = "chained"
			m.Source = n.source
			ids[2*i+1] = n.parent // i > 0: a tree
			m.ParentID = &ids[2*i+1]
		}
		if tree {
			ids[2*i] = i
			m.ExceptionID = &ids[2*i]
		}
		m.IsExceptionGroup = n.group
		if n.cut > 0 {
			m.Synthetic = true // Sentry leaves it out of grouping
			m.Data = map[string]any{"cut": n.cut}
		}
		if i == 0 {
			if typ, module, ok := title(nodes, 0); ok && typ != ex.Type {
				m.Data = c.goTypeData(ex.Type)
				ex.Type, ex.Module = typ, module
			}
		}
		ex.Mechanism = m
		if len(n.pcs) > 0 {
			if fr := c.framesFromPCs(n.pcs, 0); len(fr) > 0 {
				ex.Stacktrace = &protocol.Stacktrace{Frames: fr}
			}
		} else if i == 0 && !hasOwn && stack != nil {
			if fr := stack(); len(fr) > 0 {
				ex.Stacktrace = &protocol.Stacktrace{Frames: fr}
			}
		}
		out[len(nodes)-1-i] = ex
	}
	return out
}
