package core

import (
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"reflect"
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
// 0): single wrapping through Unwrap() error or Cause(), groups through
// Unwrap() []error. A chain deeper than maxErrorDepth loses its middle: a
// marker node (err nil, cut > 0) stands between the outermost errors and the
// innermost chainTail ones. The nodes are appended to dst.
func appendExceptionTree(dst []excNode, err error) []excNode {
	w := treeWalk{nodes: dst}
	w.walk(err, -1, "", 0)
	return w.nodes
}

// treeWalk is the state of one appendExceptionTree walk.
type treeWalk struct {
	nodes   []excNode
	cutDone bool
}

func (w *treeWalk) walk(e error, parent int, source string, depth int) {
	if e == nil || len(w.nodes) >= maxExceptions || depth > maxErrorDepth {
		return
	}
	// A cycle, or an error reached twice, ends the walk there. The tree is
	// small (maxExceptions): a scan beats a map.
	k := errorKey(e)
	if seenKey(w.nodes, k) {
		return
	}
	id := len(w.nodes)
	w.nodes = append(w.nodes, excNode{err: e, parent: parent, source: source, pcs: errorPCs(e), key: k})
	single, multi, src := unwrapSafe(e)
	switch {
	case multi != nil:
		w.nodes[id].group = true
		for i, child := range multi {
			w.walk(child, id, "errors["+strconv.Itoa(i)+"]", depth+1)
		}
	case single != nil && depth+1 > maxErrorDepth && !w.cutDone && len(w.nodes) < maxExceptions-chainTail:
		w.cutDone = true
		rest := chainRest(w.nodes, single)
		if len(rest) <= chainTail {
			w.walk(single, id, src, depth+1-chainTail)
			return
		}
		tail := rest[len(rest)-chainTail:]
		w.nodes = append(w.nodes, excNode{parent: id, source: "cut", cut: len(rest) - chainTail})
		// The tail keeps the source of the link into it.
		_, _, tsrc := unwrapSafe(rest[len(rest)-chainTail-1])
		w.walk(tail[0], len(w.nodes)-1, tsrc, maxErrorDepth-chainTail)
	case single != nil:
		w.walk(single, id, src, depth+1)
	}
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
// nothing, a group, a cycle or maxChainScan errors), returning its errors.
func chainRest(nodes []excNode, e error) []error {
	var rest []error
	var seen map[uintptr]bool
	for e != nil && len(rest) < maxChainScan {
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
	return rest
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
		return u.Unwrap(), nil, "unwrap"
	case interface{ Cause() error }:
		c := u.Cause()
		if c == e {
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
			ex = protocol.Exception{Type: cutType, Value: strconv.Itoa(n.cut) + " errors of the chain left out here"}
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
