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
// stack cannot move under it). It stops at a zero frame pointer (the
// goroutine's first frame) and gives up (runtime.Callers then, nothing
// stored) when a frame pointer does not grow, as in frames of C code under
// a cgo callback; a fault on a bad address there is turned into a
// recovered panic (debug.SetPanicOnFault) and the same fallback. One hit in
// stackCheckEvery is checked against runtime.Callers; a difference turns
// the walk off for the process.

// stackSlots is the number of chains the table holds (direct-mapped: a
// chain replaces the one in its slot).
const stackSlots = 1024

// maxPhysFrames bounds the walk: the logical frames runtime.Callers keeps
// (maxPCs after the skipped ones) come from at most this many physical
// frames.
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
// reports when called by stackPCs's caller: skip 0 is the caller's caller.
//
//go:noinline
func stackPCs(dst []uintptr, skip int) []uintptr {
	if !fpWalkable || stackWalkOff.Load() {
		return appendCallers(dst, skip+3)
	}
	var phys [maxPhysFrames]uintptr
	n, h, ok := walkFrames(getfp(), &phys)
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

// walkFrames reads the return addresses of the frame chain that starts at
// frame pointer fp into phys and hashes them. ok is false when the chain
// looks broken (see above), or the walk faulted.
func walkFrames(fp uintptr, phys *[maxPhysFrames]uintptr) (n int, h uint64, ok bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			n, h, ok = 0, 0, false
		}
	}()
	n, h, ok = walkFP(fp, phys)
	return n, h, ok
}

// walkFP follows the frame pointers; it calls nothing.
func walkFP(fp uintptr, phys *[maxPhysFrames]uintptr) (n int, h uint64, ok bool) {
	h = 14695981039346656037
	for fp != 0 {
		if n == len(phys) {
			return n, h, true // the frames beyond do not change the result
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
func loadWord(addr uintptr) uintptr {
	return **(**uintptr)(unsafe.Pointer(&addr))
}
