package core

import (
	"github.com/sentrylog/sentrylog/core/protocol"
	"hash/maphash"
	"log/slog"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// groupInput is what storm control groups a capture by, as the logging
// goroutine has it: nothing here is resolved into frames or strings first.
// The error is passed apart: it escapes (as an interface it is on the heap
// already), and a field would make the whole struct, the record with it,
// escape too.
type groupInput struct {
	rec   *record // the record's attributes and frames, or nil
	extra []slog.Attr
	p     *pending
	msg   string
	from  uintptr // the record's call site, or 0
	stack bool    // a message event that carries the stack
}

// key hashes a capture's group: its fingerprint, with "{{ default }}"
// standing for the default key, else the default key (see StormOptions).
func (s *storm) key(in *groupInput, err error) uint64 {
	fp, ok := in.fingerprint()
	if !ok {
		return s.defaultKey(in, err)
	}
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.WriteByte('f')
	for i := 0; i < fp.len(); i++ {
		x := fp.at(i)
		if isDefaultFingerprint(x) {
			writeUint64(&h, s.defaultKey(in, err))
		} else {
			h.WriteString(x)
		}
		h.WriteByte(0)
	}
	return h.Sum64()
}

func isDefaultFingerprint(x string) bool {
	return strings.HasPrefix(x, "{{") && strings.HasSuffix(x, "}}") &&
		strings.TrimSpace(x[2:len(x)-2]) == "default"
}

// fpValue is a fingerprint as it was logged: a []string, a []any or one
// string, read without converting it first.
type fpValue struct {
	strs []string
	anys []any
	one  string
	kind int // 1 strs, 2 anys, 3 one
}

func (f fpValue) len() int {
	switch f.kind {
	case 1:
		return len(f.strs)
	case 2:
		return len(f.anys)
	}
	return 1
}

func (f fpValue) at(i int) string {
	switch f.kind {
	case 1:
		return f.strs[i]
	case 2:
		return anyString(f.anys[i])
	}
	return f.one
}

// fingerprint returns the fingerprint the event will have: the record's own
// (the last top-level "fingerprint" attribute the attribute mapping takes),
// else the innermost scope's.
func (in *groupInput) fingerprint() (fpValue, bool) {
	var fp fpValue
	found := false
	scan := func(attrs []slog.Attr) {
		for _, a := range attrs {
			if a.Key != "fingerprint" {
				continue
			}
			switch v := a.Value; v.Kind() {
			case slog.KindString:
				fp, found = fpValue{one: v.String(), kind: 3}, true
			case slog.KindAny:
				switch x := v.Any().(type) {
				case []string:
					fp, found = fpValue{strs: x, kind: 1}, true
				case []any:
					fp, found = fpValue{anys: x, kind: 2}, true
				}
			}
		}
	}
	if r := in.rec; r != nil {
		scan(r.Pre)
		if len(r.Groups) == 0 { // else nested: not the event's fingerprint
			scan(in.extra)
			scan(r.Attrs)
		}
	}
	if found {
		return fp, true
	}
	if p := in.p; p != nil {
		for _, d := range [3]*scopeData{p.cur.data, p.iso.data, p.global.data} {
			if d != nil && d.fingerprint != nil {
				return fpValue{strs: d.fingerprint, kind: 1}, true
			}
		}
	}
	return fpValue{}, false
}

// defaultKey hashes what Sentry groups an event without a fingerprint by:
// for an error, the types of its chain (the names its exceptions carry: a
// sentinel's or TypedError's name, else the Go type) and the in-app frames
// of its stack, the error's own when it recorded one; for a message, the
// message, its numbers left out (and the stack when the event carries one).
func (s *storm) defaultKey(in *groupInput, err error) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	if err == nil {
		h.WriteByte('m')
		hashMessage(&h, in.msg)
		if in.stack {
			s.hashPCs(&h, in.p.pcs)
		}
		return h.Sum64()
	}
	h.WriteByte('e')
	n := 0
	own := s.hashErrors(&h, err, 0, &n)
	switch {
	case in.rec != nil && len(in.rec.Frames) > 0:
		hashFrames(&h, in.rec.Frames)
	case !own:
		s.hashPCs(&h, fromCallSite(in.p.pcs, in.from))
	}
	return h.Sum64()
}

// hashErrors writes the names of err's tree, depth first, as appendExceptionTree
// walks it (bounded the same way), and the in-app frames of the stacks the
// errors recorded; it reports whether any did.
func (s *storm) hashErrors(h *maphash.Hash, err error, depth int, n *int) (own bool) {
	if err == nil || *n >= maxExceptions {
		return false
	}
	if depth > maxErrorDepth {
		hashChainTail(h, err)
		return false
	}
	*n++
	h.WriteByte(byte(depth))
	h.WriteString(groupName(err))
	if mayHaveStack(err) {
		if pcs := errorPCs(err); len(pcs) > 0 {
			s.hashPCs(h, pcs)
			own = true
		}
	}
	single, multi, _ := unwrapSafe(err)
	for _, e := range multi {
		own = s.hashErrors(h, e, depth+1, n) || own
	}
	if single != nil {
		own = s.hashErrors(h, single, depth+1, n) || own
	}
	return own
}

// hashMessage writes msg with its parameters as placeholders, as Sentry
// parameterizes messages before grouping them: a UUID, a hexadecimal word
// of 8 digits or more (a hash, an object id) or one that starts with 0x,
// and each run of decimal digits. "user 17 not found" and "user 4242 not
// found" are one group, so are "job 7f9c2ba4-e88f-4f0b-8a4e-6f1c3b2d9e11
// failed" and the same with another id, and a message with a counter or
// an id in it does not make every event of a hot loop a new group.
func hashMessage(h *maphash.Hash, msg string) {
	start := 0
	placeholder := func(i, j int) {
		h.WriteString(msg[start:i])
		h.WriteByte(0)
		start = j
	}
	for i := 0; i < len(msg); {
		if !isAlnum(msg[i]) {
			i++
			continue
		}
		j := i + 1 // the word msg[i:j]
		for j < len(msg) && isAlnum(msg[j]) {
			j++
		}
		switch {
		case isUUIDAt(msg, i):
			j = i + 36
			placeholder(i, j)
		case j-i >= 8 && isHex(msg[i:j]), j-i > 2 && msg[i] == '0' && (msg[i+1] == 'x' || msg[i+1] == 'X') && isHex(msg[i+2:j]):
			placeholder(i, j)
		default:
			for k := i; k < j; k++ {
				if msg[k] < '0' || msg[k] > '9' {
					continue
				}
				d := k
				for k < j && msg[k] >= '0' && msg[k] <= '9' {
					k++
				}
				placeholder(d, k)
			}
		}
		i = j
	}
	h.WriteString(msg[start:])
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

// isUUIDAt reports whether a UUID (8-4-4-4-12 hexadecimal digits) starts
// at msg[i] and ends a word.
func isUUIDAt(msg string, i int) bool {
	if len(msg)-i < 36 || (len(msg)-i > 36 && isAlnum(msg[i+36])) {
		return false
	}
	for k := 0; k < 36; k++ {
		c := msg[i+k]
		if k == 8 || k == 13 || k == 18 || k == 23 {
			if c != '-' {
				return false
			}
		} else if !isHexDigit(c) {
			return false
		}
	}
	return true
}

// hashChainTail writes the names of the innermost chainTail errors of the
// chain from err: those a cut chain keeps, its root cause among them.
func hashChainTail(h *maphash.Hash, err error) {
	var tail [chainTail]error
	n := 0
	for e := err; e != nil && n < maxChainScan; {
		tail[n%chainTail] = e
		n++
		single, multi, _ := unwrapSafe(e)
		if multi != nil {
			break
		}
		e = single
	}
	for i := max(0, n-chainTail); i < n; i++ {
		h.WriteString(groupName(tail[i%chainTail]))
		h.WriteByte(0)
	}
}

// hashPCs writes the functions of the in-app program counters of pcs, or,
// when none is in-app, of those that are not sentrylog's or a logging
// library's. Functions, not lines, as Sentry groups frames: two calls from
// one function are one group, calls from two functions two.
func (s *storm) hashPCs(h *maphash.Hash, pcs []uintptr) {
	n := 0
	for _, pc := range pcs {
		if f := s.funcs.lookup(pc, &s.inApp); f.kind == pcInApp {
			h.WriteString(f.name)
			h.WriteByte(0)
			n++
		}
	}
	if n > 0 {
		return
	}
	for _, pc := range pcs {
		if f := s.funcs.lookup(pc, &s.inApp); f.kind == pcUser {
			h.WriteString(f.name)
			h.WriteByte(0)
		}
	}
}

// hashFrames writes the in-app frames of a stack a logger reported as text.
func hashFrames(h *maphash.Hash, frames []protocol.Frame) {
	inApp := false
	for i := range frames {
		inApp = inApp || frames[i].InApp
	}
	for i := range frames {
		if frames[i].InApp || !inApp {
			h.WriteString(frames[i].Module)
			h.WriteByte('.')
			h.WriteString(frames[i].Function)
			h.WriteByte(0)
		}
	}
}

// stackTypes remembers which error types have a StackTrace method, so that
// errors without one are not looked at through reflection on every capture.
var stackTypes sync.Map // reflect.Type → bool

func mayHaveStack(err error) bool {
	if _, ok := err.(interface{ Callers() []uintptr }); ok {
		return true
	}
	t := reflect.TypeOf(err)
	if v, ok := stackTypes.Load(t); ok {
		return v.(bool)
	}
	_, has := t.MethodByName("StackTrace")
	stackTypes.Store(t, has)
	return has
}

// pcFunc is what storm control needs of a program counter: the innermost
// function's name and whether it is in-app (pcInApp), the user's but not
// in-app (pcUser), sentrylog's or a logging library's (pcLibrary).
type pcFunc struct {
	pc   uintptr
	kind uint8
	name string
}

// funcTable remembers the functions of program counters for one client (in
// in-app depends on its options): looking a function up costs a few hundred
// nanoseconds and the same call paths log again and again. Direct-mapped,
// lock-free: a miss allocates one entry, a collision only costs a lookup.
type funcTable [1024]atomic.Pointer[pcFunc]

var unknownFunc = &pcFunc{kind: pcUnknown}

func (t *funcTable) lookup(pc uintptr, m *inAppMatcher) *pcFunc {
	slot := &t[(pc^pc>>10)%uintptr(len(t))]
	if f := slot.Load(); f != nil && f.pc == pc {
		return f
	}
	fn := runtime.FuncForPC(pc - 1)
	if fn == nil {
		return unknownFunc
	}
	file, _ := fn.FileLine(pc - 1)
	f := &pcFunc{pc: pc, name: fn.Name(), kind: pcUser}
	switch module, _ := splitFunction(f.name); {
	case isLibraryFrame(f.name, file):
		f.kind = pcLibrary
	case m.inApp(module):
		f.kind = pcInApp
	}
	slot.Store(f)
	return f
}

func writeUint64(h *maphash.Hash, v uint64) {
	var b [8]byte
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	h.Write(b[:])
}
