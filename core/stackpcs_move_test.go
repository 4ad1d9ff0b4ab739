package core

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// padN calls f with N words more of the stack in use.
//
//go:noinline
func pad1(f func()) { var a [1]uintptr; keep(a[:]); f() }

//go:noinline
func pad2(f func()) { var a [2]uintptr; keep(a[:]); f() }

//go:noinline
func pad3(f func()) { var a [3]uintptr; keep(a[:]); f() }

//go:noinline
func pad4(f func()) { var a [4]uintptr; keep(a[:]); f() }

//go:noinline
func keep(a []uintptr) {}

// TestStackPCsStackMoves: the walk is right at every depth of a new
// goroutine's stack, where any call of the capture may grow the stack and
// move it (run with -asan: a walk of the stack it left reads freed memory).
func TestStackPCsStackMoves(t *testing.T) {
	pads := []func(func()){func(f func()) { f() }, pad1, pad2, pad3, pad4}
	for depth := range 400 {
		for _, pad := range pads {
			done := make(chan [2][]uintptr)
			go func() {
				recurse(depth, func() {
					pad(func() {
						fast, slow := stacksBoth()
						done <- [2][]uintptr{fast, slow}
					})
				})
			}()
			got := <-done
			require.Equal(t, names(got[1]), names(got[0]), "depth %d", depth)
			require.Equal(t, got[1], got[0], "depth %d", depth)
		}
	}
	runtime.GC()
}
