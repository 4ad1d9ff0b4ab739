package core

import (
	"encoding/binary"
	"github.com/sentrylog/sentrylog/core/protocol"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// maxFrames is how many frames an event keeps; Sentry trims beyond about 50.
// When a stack is longer, its middle goes: the outermost callers and the
// frames nearest the error are what matter.
const maxFrames = 50

// libraryPrefixes are function-name prefixes of frames that are never the
// user's: sentrylog itself and the logging libraries it bridges. Frames from
// _test.go files of these packages are kept, so the library's own tests
// see their call sites.
var libraryPrefixes = []string{
	"github.com/sentrylog/sentrylog/core.",
	"github.com/sentrylog/sentrylog/core/",
	"github.com/sentrylog/sentrylog/internal/",
	"github.com/sentrylog/sentrylog/scrub.",
	"github.com/sentrylog/sentrylog/sentryhttp.",
	"github.com/sentrylog/sentrylog/logrussentry.",
	"github.com/sentrylog/sentrylog/slogsentry.",
	"github.com/sentrylog/sentrylog/zapsentry.",
	"github.com/sentrylog/sentrylog/zerologsentry.",
	"github.com/sentrylog/sentrylog/logrussentry.",
	"log/slog.",
	"go.uber.org/zap.",
	"go.uber.org/zap/",
	"github.com/rs/zerolog.",
	"github.com/rs/zerolog/",
	"github.com/sirupsen/logrus.",
	"github.com/sirupsen/logrus/",
}

func isLibraryFrame(function, file string) bool {
	for _, p := range libraryPrefixes {
		if strings.HasPrefix(function, p) {
			return !strings.HasSuffix(file, "_test.go")
		}
	}
	return function == "runtime.goexit"
}

// inAppMatcher decides frames' in_app flag from module-path prefixes.
type inAppMatcher struct {
	include, exclude, main []string
}

// newInAppMatcher: main is the default in-app prefixes (the main module).
func newInAppMatcher(include, exclude, main []string) inAppMatcher {
	return inAppMatcher{include: include, exclude: exclude, main: main}
}

func hasPathPrefix(path, prefix string) bool {
	return strings.HasPrefix(path, prefix) &&
		(len(path) == len(prefix) || path[len(prefix)] == '/' || strings.HasSuffix(prefix, "/"))
}

// inApp: an include match wins (as in Sentry's Python SDK), then an exclude
// match; the main module and package main are the user's; everything else
// (the standard library, dependencies) is not. So InAppInclude adds to the
// main module, and InAppExclude can carve a package out of it.
func (m inAppMatcher) inApp(module string) bool {
	for _, p := range m.include {
		if hasPathPrefix(module, p) {
			return true
		}
	}
	for _, p := range m.exclude {
		if hasPathPrefix(module, p) {
			return false
		}
	}
	for _, p := range m.main {
		if hasPathPrefix(module, p) {
			return true
		}
	}
	return module == "main"
}

// splitFunction splits a runtime function name such as
// "github.com/a/b/pkg.(*T).Method" into the package path and the rest.
func splitFunction(name string) (module, function string) {
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot < 0 {
		return "", name
	}
	dot += slash + 1
	return name[:dot], name[dot+1:]
}

// framesFromPCs resolves program counters (callee first, as runtime.Callers
// returns them) into Sentry frames (caller first), without library frames.
// When from is not 0 and found among pcs, frames nearer the callee than it are
// dropped: from is the user's call site.
func (c *Client) framesFromPCs(pcs []uintptr, from uintptr) []protocol.Frame {
	pcs = fromCallSite(pcs, from)
	if len(pcs) == 0 {
		return nil
	}
	if c.sealed() {
		// No user code sees the event: it may share the cached frames,
		// which no pass writes into (they copy what they change).
		if fr, ok := c.frames.peek(pcs); ok {
			return slices.Clip(fr)
		}
	} else if fr, ok := c.frames.get(pcs); ok {
		return fr
	}
	fr := c.resolveFrames(pcs)
	c.frames.put(pcs, fr)
	if c.sealed() {
		return slices.Clip(fr)
	}
	return slices.Clone(fr)
}

// fromCallSite drops the frames of pcs nearer the callee than from, when
// from is not 0 and found among them.
func fromCallSite(pcs []uintptr, from uintptr) []uintptr {
	if from != 0 {
		for i, pc := range pcs {
			// A return address, as runtime.Callers gives; a frame's PC
			// (runtime.Frame.PC, zap's caller) is one less.
			if pc == from || pc == from+1 {
				return pcs[i:]
			}
		}
	}
	return pcs
}

// resolveFrames symbolises pcs: the work frameCache saves.
func (c *Client) resolveFrames(pcs []uintptr) []protocol.Frame {
	frames := make([]protocol.Frame, 0, len(pcs))
	it := runtime.CallersFrames(pcs)
	for {
		f, more := it.Next()
		if f.Function != "" && !isLibraryFrame(f.Function, f.File) {
			frames = append(frames, c.frame(f.Function, f.File, f.Line))
		}
		if !more {
			break
		}
	}
	for i, j := 0, len(frames)-1; i < j; i, j = i+1, j-1 {
		frames[i], frames[j] = frames[j], frames[i]
	}
	return trimFrames(frames)
}

func (c *Client) frame(function, file string, line int) protocol.Frame {
	module, fn := splitFunction(function)
	f := protocol.Frame{Function: fn, Module: module, Lineno: line, InApp: c.inApp.inApp(module)}
	f.Filename = file
	if strings.IndexByte(file, '/') >= 0 {
		f.AbsPath = file
	}
	if i := strings.LastIndexByte(file, '/'); i >= 0 && module != "" {
		// Module-relative and machine-independent: "example.com/app/handler.go".
		dir := strings.TrimSuffix(module, "_test") // external test packages
		if module == "main" {
			dir = ""
		}
		if dir == "" {
			f.Filename = file[i+1:]
		} else {
			f.Filename = dir + "/" + file[i+1:]
		}
	}
	return f
}

func trimFrames(frames []protocol.Frame) []protocol.Frame {
	if len(frames) <= maxFrames {
		return frames
	}
	head := maxFrames / 5
	tail := maxFrames - head
	return append(frames[:head:head], frames[len(frames)-tail:]...)
}

// errorPCs returns the program counters an error recorded where it was made:
// the StackTrace method of github.com/pkg/errors-style errors (a slice of
// uintptr-based frames) or the Callers method of go-errors-style errors. It
// reads them through reflection so that no such package is a dependency.
// noStackTrace holds the error types (reflect.Type) that have no
// StackTrace method of pkg/errors' shape: looking a method up by name costs
// more than the rest of an error's walk, and a program has few error types.
var noStackTrace typeSet

// typeSet is a set of types read without a lock: a map replaced, copied,
// on each addition (rare: once per type).
type typeSet struct {
	mu sync.Mutex
	m  atomic.Pointer[map[reflect.Type]struct{}]
}

func (s *typeSet) has(t reflect.Type) bool {
	m := s.m.Load()
	if m == nil {
		return false
	}
	_, ok := (*m)[t]
	return ok
}

func (s *typeSet) add(t reflect.Type) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var old map[reflect.Type]struct{}
	if p := s.m.Load(); p != nil {
		old = *p
	}
	if _, ok := old[t]; ok {
		return
	}
	m := make(map[reflect.Type]struct{}, len(old)+1)
	maps.Copy(m, old)
	m[t] = struct{}{}
	s.m.Store(&m)
}

func errorPCs(err error) (pcs []uintptr) {
	defer func() {
		if recover() != nil {
			pcs = nil
		}
	}()
	if e, ok := err.(interface{ Callers() []uintptr }); ok {
		return e.Callers()
	}
	et := reflect.TypeOf(err)
	if noStackTrace.has(et) {
		return nil
	}
	v := reflect.ValueOf(err)
	m := v.MethodByName("StackTrace")
	if !m.IsValid() {
		noStackTrace.add(et)
		return nil
	}
	t := m.Type()
	if t.NumIn() != 0 || t.NumOut() != 1 {
		noStackTrace.add(et)
		return nil
	}
	out := t.Out(0)
	if out.Kind() != reflect.Slice || out.Elem().Kind() != reflect.Uintptr {
		noStackTrace.add(et)
		return nil
	}
	res := m.Call(nil)[0]
	pcs = make([]uintptr, res.Len())
	for i := range pcs {
		pcs[i] = uintptr(res.Index(i).Uint())
	}
	return pcs
}

// What a program counter is, for storm control (funcTable).
const (
	pcUnknown = iota // no function
	pcLibrary        // sentrylog's or a logging library's
	pcUser           // the program's, not in-app
	pcInApp          // the program's, in-app
)

// frameCache keeps the frames of the stacks resolved last. A program logs
// from a limited set of call paths, and symbolising a stack (function,
// file, line, inlined calls) costs more than the rest of an event's
// exception, so a stack seen before is resolved once. The cache is bounded:
// when full it starts over. It returns copies; its own slices are never
// handed out.
type frameCache struct {
	mu sync.Mutex
	m  map[string][]protocol.Frame // key: the PCs' bytes
}

const maxCachedStacks = 256

func (fc *frameCache) get(pcs []uintptr) ([]protocol.Frame, bool) {
	var buf [64 * 8]byte // most stacks: no allocation for the key
	key := stackKey(buf[:0], pcs)
	fc.mu.Lock()
	fr, ok := fc.m[string(key)]
	fc.mu.Unlock()
	if !ok {
		return nil, false
	}
	return slices.Clone(fr), true
}

// peek is get without the copy.
func (fc *frameCache) peek(pcs []uintptr) ([]protocol.Frame, bool) {
	var buf [64 * 8]byte // most stacks: no allocation for the key
	key := stackKey(buf[:0], pcs)
	fc.mu.Lock()
	fr, ok := fc.m[string(key)]
	fc.mu.Unlock()
	return fr, ok
}

func (fc *frameCache) put(pcs []uintptr, fr []protocol.Frame) {
	key := string(stackKey(nil, pcs))
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.m == nil || len(fc.m) >= maxCachedStacks {
		fc.m = make(map[string][]protocol.Frame, 16)
	}
	fc.m[key] = fr
}

// stackKey appends the bytes of pcs to dst.
func stackKey(dst []byte, pcs []uintptr) []byte {
	for _, pc := range pcs {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(pc))
	}
	return dst
}

// mainModules is the default in-app prefixes: the main module's path, when
// the build records it.
func mainModules() []string {
	if m := mainModule(); m != "" {
		return []string{m}
	}
	return nil
}
