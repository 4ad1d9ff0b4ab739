package core

import (
	"reflect"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stacksBoth returns what stackPCs and runtime.Callers report for the same
// frames: those of stacksBoth's caller and up.
//
//go:noinline
func stacksBoth() (fast, slow []uintptr) {
	fast = stackPCs(nil, 1)
	var buf [maxPCs]uintptr
	slow = buf[:runtime.Callers(2, buf[:])]
	return fast, slow
}

//go:noinline
func recurse(n int, f func()) {
	if n == 0 {
		f()
		return
	}
	recurse(n-1, f)
}

// inlined is small enough to be inlined into its callers.
func inlined(f func()) { f() }

// names is the functions of pcs, for messages.
func names(pcs []uintptr) []string {
	var out []string
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		out = append(out, f.Function)
		if !more {
			return out
		}
	}
}

// TestStackPCsSameAsCallers: the cached walk reports what runtime.Callers
// reports, on first sight and on later hits, at different depths of one
// call site, through inlined calls, in other goroutines, in a deferred
// call during a panic, and for stacks deeper than the limit.
func TestStackPCsSameAsCallers(t *testing.T) {
	require.False(t, stackWalkOff.Load())
	check := func(t *testing.T) {
		t.Helper()
		for range 3 { // a miss, then hits
			fast, slow := stacksBoth()
			require.NotEmpty(t, slow)
			require.Equal(t, names(slow), names(fast))
			require.Equal(t, slow, fast)
		}
	}
	t.Run("depths", func(t *testing.T) {
		for _, n := range []int{0, 1, 2, 5, 17, 40, 63, 64, 65, 79, 80, 81, 200} {
			recurse(n, func() { check(t) })
		}
	})
	t.Run("inlined", func(t *testing.T) {
		inlined(func() { check(t) })
		recurse(3, func() { inlined(func() { check(t) }) })
	})
	t.Run("goroutines", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				recurse(i, func() { check(t) })
			}()
		}
		wg.Wait()
	})
	t.Run("panic", func(t *testing.T) {
		func() {
			defer func() {
				require.NotNil(t, recover())
				check(t)
			}()
			var m map[string]int
			m["x"] = 1 // a panic raised by the runtime
		}()
	})
	t.Run("checked hits", func(t *testing.T) {
		for range 3 * stackCheckEvery {
			fast, slow := stacksBoth()
			require.Equal(t, slow, fast)
		}
	})
	assert.False(t, stackWalkOff.Load(), "no checked hit differed")
}

// TestStackPCsHits: a call site seen before is answered from the table.
func TestStackPCsHits(t *testing.T) {
	if !fpWalkable {
		t.Skip("no frame-pointer walk on " + runtime.GOARCH)
	}
	var fp [maxPhysFrames]uintptr
	n, _, ok := walkFrames(&fp)
	require.True(t, ok)
	require.Greater(t, n, 2, "the test's own frames")
	// The hits of each entry: a new chain may replace an entry in its
	// slot, so hits are counted per entry.
	hits := func() map[*stackEntry]uint32 {
		m := map[*stackEntry]uint32{}
		for i := range stackTable {
			if e := stackTable[i].Load(); e != nil {
				m[e] = e.hits.Load()
			}
		}
		return m
	}
	before := hits()
	for range 10 {
		stacksBoth()
	}
	var added uint32
	for e, n := range hits() {
		added += n - before[e]
	}
	assert.GreaterOrEqual(t, added, uint32(9), "a repeated call site hits")
}

// BenchmarkStackPCs compares the walk with runtime.Callers.
func BenchmarkStackPCs(b *testing.B) {
	dst := make([]uintptr, 0, maxPCs)
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			recurse(10, func() { dst = stackPCs(dst[:0], 0) })
		}
	})
	b.Run("callers", func(b *testing.B) {
		for b.Loop() {
			recurse(10, func() { dst = appendCallers(dst[:0], 2) })
		}
	})
}

// leafT's get is a leaf without a frame of its own: it saves no frame
// pointer, so a fault in it leaves its caller out of the frame-pointer
// chain.
type leafT struct{ x int }

//go:noinline
func (t *leafT) get() int { return t.x }

//go:noinline
func faultA(t *leafT) int { return t.get() + 1 }

//go:noinline
func faultB(t *leafT) int { return t.get() + 2 }

// TestStackPCsFaultInFramelessLeaf: a capture in the deferred call of a
// panic raised by a fault in a frameless function reports that function's
// caller, which the frame pointers do not show.
func TestStackPCsFaultInFramelessLeaf(t *testing.T) {
	var fast, slow []uintptr
	run := func(f func(*leafT) int) {
		defer func() {
			require.NotNil(t, recover())
			fast, slow = stacksBoth()
		}()
		f(nil) // one call site for both functions
	}
	for _, f := range []func(*leafT) int{faultA, faultB, faultA, faultB} {
		run(f)
		require.Equal(t, names(slow), names(fast))
	}
}

type wrapRec struct{ leaf func() }

// M recurses through its method value: every level adds a frame of the
// method and one of its -fm wrapper, which runtime.Callers leaves out.
//
//go:noinline
func (w wrapRec) M(n int) {
	if n == 0 {
		w.leaf()
		return
	}
	f := w.M
	f(n - 1)
}

//go:noinline
func wrapRootA(w wrapRec) { w.M(40) }

//go:noinline
func wrapRootB(w wrapRec) { w.M(40) }

// TestStackPCsElidedWrappers: two stacks alike in their first maxPhysFrames
// physical frames differ within the first maxPCs logical ones when wrapper
// frames (which runtime.Callers leaves out) are among them.
func TestStackPCsElidedWrappers(t *testing.T) {
	var fast, slow []uintptr
	w := wrapRec{leaf: func() { fast, slow = stacksBoth() }}
	for _, root := range []func(wrapRec){wrapRootA, wrapRootB, wrapRootA, wrapRootB} {
		root(w)
		require.Equal(t, names(slow), names(fast))
	}
}

type genericBox[T any] struct{ v T }

//go:noinline
func (b genericBox[T]) call(f func()) { f() }

//go:noinline
func genericCall[T any](v T, f func()) { genericBox[T]{v}.call(f) }

// TestStackPCsCallShapes: the walk is right through the other ways Go
// calls a function: generic code, method values, deferred calls,
// runtime.Goexit, reflect.Call and reflect.MakeFunc, and function values
// called from one site in a loop.
func TestStackPCsCallShapes(t *testing.T) {
	check := func(t *testing.T) {
		t.Helper()
		for range 3 {
			fast, slow := stacksBoth()
			require.Equal(t, names(slow), names(fast))
			require.Equal(t, slow, fast)
		}
	}
	t.Run("generics", func(t *testing.T) {
		genericCall(1, func() { check(t) })
		genericCall("s", func() { check(t) })
		genericCall(struct{ a, b int }{}, func() { check(t) })
	})
	t.Run("method value", func(t *testing.T) {
		f := genericBox[int]{}.call
		f(func() { check(t) })
	})
	t.Run("defer", func(t *testing.T) {
		func() { defer check(t) }()
		func() {
			defer func() { check(t) }()
			recurse(2, func() {})
		}()
	})
	t.Run("Goexit", func(t *testing.T) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer check(t)
			runtime.Goexit()
		}()
		<-done
	})
	t.Run("reflect", func(t *testing.T) {
		reflect.ValueOf(recurse).Call([]reflect.Value{reflect.ValueOf(3), reflect.ValueOf(func() { check(t) })})
		var mf func(int)
		reflect.ValueOf(&mf).Elem().Set(reflect.MakeFunc(reflect.TypeOf(mf), func([]reflect.Value) []reflect.Value {
			check(t)
			return nil
		}))
		mf(1)
	})
	t.Run("function values", func(t *testing.T) {
		fs := []func(func()){
			func(f func()) { f() },
			func(f func()) { recurse(1, f) },
			func(f func()) { inlined(f) },
			func(f func()) { genericCall(0, f) },
		}
		for range 3 {
			for _, f := range fs {
				f(func() { check(t) }) // one call site, many callees
			}
		}
	})
}
