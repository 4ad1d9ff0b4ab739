package core

import (
	"runtime"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"unsafe"
)

// The stack of a capture, cheaply.
//
// runtime.Callers costs about 100 ns a frame (it finds each frame's size
// in the function's tables and expands inlined calls): 1.5–3 µs for the
// 15–30 frames of a logging call, a third to a half of what a capture
// costs the logging goroutine. The frames' return addresses alone can be
// read far faster by following the frame pointers Go keeps on amd64, but
// they miss inlined calls, which Sentry shows and groups by. The logical
// stack runtime.Callers reports is, however, a function of those physical
// return addresses only (inlining is fixed at build time): so stackPCs walks
// the frame pointers, looks the chain up in a small table of chains seen
// before, and only on a miss calls runtime.Callers, storing what it
// reports under the chain. Errors are logged again and again from the same
// places, so nearly every capture is a hit.
//
// Safety: the walk reads only the current goroutine's stack, from its own
// frame towards the goroutine's start, in a loop that calls nothing (so the
// stack cannot move under it). It takes the frame pointer in that loop's
// function: one taken before a call is stale when the call's prologue grows
// or shrinks the stack (copystack frees the old one). It stops at a zero
// frame pointer (the goroutine's first frame) and gives up (runtime.Callers
// then, nothing stored) when a frame pointer does not grow, as in frames of
// C code under a cgo callback, or when the chain is longer than the walk
// reads; a fault on a bad address there is turned into a recovered panic
// (debug.SetPanicOnFault) and the same fallback. One hit in stackCheckEvery
// is checked against runtime.Callers; a difference turns the walk off for
// the process.
//
// Only a whole chain is a key: runtime.Callers leaves wrapper frames out,
// so the frames beyond the first maxPCs logical ones can be any number of
// physical frames down. And a chain is stored only when it holds every
// physical frame: a fault in a function without a frame (a leaf that
// saves no frame pointer) leaves that function's caller out of the chain,
// so a stack with runtime.sigpanic in it is never stored, and always
// misses.

// stackSlots is the number of chains the table holds (direct-mapped: a
// chain replaces the one in its slot).
const stackSlots = 1024

// maxPhysFrames bounds the walk: a longer chain is not looked up (a
// logging call's stack is rarely half as deep).
const maxPhysFrames = maxPCs + 16

// stackCheckEvery is how often a hit is checked against runtime.Callers.
const stackCheckEvery = 512

type stackEntry struct {
	hash    uint64
	skip    int
	phys    []uintptr
	logical []uintptr
	hits    atomic.Uint32
}

var (
	stackTable [stackSlots]atomic.Pointer[stackEntry]
	// stackWalkOff is set when a checked hit differed from
	// runtime.Callers: the walk is then never trusted again.
	stackWalkOff atomic.Bool
)

// stackPCs appends to dst the program counters runtime.Callers(skip+1)
// reports when called by stackPCs's caller: skip 0 starts at the caller.
//
//go:noinline
func stackPCs(dst []uintptr, skip int) []uintptr {
	if !fpWalkable || stackWalkOff.Load() {
		return appendCallers(dst, skip+3)
	}
	var phys [maxPhysFrames]uintptr
	n, h, ok := walkFrames(&phys)
	if !ok {
		return appendCallers(dst, skip+3)
	}
	h ^= uint64(skip) * 0x9e3779b97f4a7c15
	slot := &stackTable[h%stackSlots]
	if e := slot.Load(); e != nil && e.hash == h && e.skip == skip && slices.Equal(e.phys, phys[:n]) {
		if e.hits.Add(1)%stackCheckEvery != 0 {
			return append(dst, e.logical...)
		}
		start := len(dst)
		dst = appendCallers(dst, skip+3)
		if !slices.Equal(dst[start:], e.logical) {
			stackWalkOff.Store(true)
		}
		return dst
	}
	start := len(dst)
	dst = appendCallers(dst, skip+3)
	if !wholeChain(dst[start:]) {
		return dst
	}
	slot.Store(&stackEntry{hash: h, skip: skip, phys: slices.Clone(phys[:n]),
		logical: slices.Clone(dst[start:])})
	return dst
}

// appendCallers appends what runtime.Callers(skip) reports: skip 1 is
// appendCallers itself.
func appendCallers(dst []uintptr, skip int) []uintptr {
	var buf [maxPCs]uintptr
	n := runtime.Callers(skip, buf[:])
	return append(dst, buf[:n]...)
}

// wholeChain reports whether the frame chain of the stack whose logical
// frames are pcs holds all of its physical frames (see above). It runs on
// misses only.
func wholeChain(pcs []uintptr) bool {
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function == "runtime.sigpanic" {
			return false
		}
		if !more {
			return true
		}
	}
}

// walkFrames reads the return addresses of the frame chain from its own
// frame to the goroutine's first into phys and hashes them. ok is false
// when the chain looks broken or is too long (see above), or the walk
// faulted.
func walkFrames(phys *[maxPhysFrames]uintptr) (n int, h uint64, ok bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			n, h, ok = 0, 0, false
		}
	}()
	n, h, ok = walkFP(phys)
	return n, h, ok
}

// walkFP follows the frame pointers from its own frame; it calls nothing
// after taking the first, so its stack cannot move meanwhile. Built with
// -race or -asan, the compiler would otherwise put calls in the loop:
// checkptr's checks of loadWord's conversion (one of which can grow the
// stack) and the sanitizers' reports of each read.
//
//go:norace
//go:nocheckptr
func walkFP(phys *[maxPhysFrames]uintptr) (n int, h uint64, ok bool) {
	h = 14695981039346656037
	for fp := getfp(); fp != 0; {
		if n == len(phys) {
			return 0, 0, false // longer than the walk reads
		}
		ret := loadWord(fp + unsafe.Sizeof(uintptr(0)))
		next := loadWord(fp)
		if ret == 0 {
			return n, h, true
		}
		phys[n] = ret
		n++
		h = (h ^ uint64(ret)) * 1099511628211
		if next != 0 && next <= fp {
			return 0, 0, false
		}
		fp = next
	}
	return n, h, true
}

// loadWord reads the word at addr, an address of the goroutine's stack.
// walkFP holds that address as an integer across the call, so the call
// must not move the stack, whether or not it is inlined (it is not when
// inlining is off, -gcflags=-l as debuggers build, nor under -race or
// checkptr with the pragmas below): no stack check (nosplit) and no
// instrumentation, whose calls into the runtime (checkptr's checks, the
// sanitizers' reads) could grow the stack.
//
//go:nosplit
//go:norace
//go:nocheckptr
func loadWord(addr uintptr) uintptr {
	return **(**uintptr)(unsafe.Pointer(&addr))
}
