package core

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

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

// TestStackPCsStackMovesNotInlined runs TestStackPCsStackMoves built with
// -asan and this package's inlining off (-gcflags=-l, as debuggers build):
// then the walk's reads are calls of their own, which must not move the
// stack while the walk holds a frame pointer as an integer. -asan poisons
// the stack a move leaves, so a read of it fails the run. Skipped with
// -short, and where the C toolchain has no AddressSanitizer.
func TestStackPCsStackMovesNotInlined(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package's tests again (-short)")
	}
	if !fpWalkable {
		t.Skip("no frame-pointer walk on " + runtime.GOARCH)
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		t.Skipf("no go command: %v", err)
	}
	// The toolchain must build an -asan program at all (cgo, a C compiler
	// with the sanitizer's library).
	probe := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(probe, "go.mod"), []byte("module probe\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(probe, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644))
	build := exec.Command(goTool, "build", "-asan", "-o", filepath.Join(probe, "probe"), ".")
	build.Dir = probe
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("no -asan builds here: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "test", "-asan", "-count=1",
		"-gcflags=github.com/sentrylog/sentrylog/core=-l",
		"-run", "^TestStackPCsStackMoves$", ".")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
}
