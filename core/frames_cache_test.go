package core

import (
	"reflect"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFrameCache: a stack seen before resolves to the same frames, as
// copies the caller may change, and the cache stays bounded.
func TestFrameCache(t *testing.T) {
	c := &Client{}
	var pcs [32]uintptr
	n := runtime.Callers(1, pcs[:])
	want := c.resolveFrames(pcs[:n])
	require.NotEmpty(t, want)

	first := c.framesFromPCs(pcs[:n], 0)
	assert.Equal(t, want, first)
	first[0].Function = "changed by the caller"
	second := c.framesFromPCs(pcs[:n], 0)
	assert.Equal(t, want, second, "the cached frames are not the ones handed out")
	_, cached := c.frames.get(pcs[:n])
	assert.True(t, cached)

	for i := range 2 * maxCachedStacks {
		c.frames.put([]uintptr{uintptr(i + 1)}, nil)
		require.LessOrEqual(t, len(c.frames.m), maxCachedStacks)
	}
}

// TestPCKinds: the table says what a program counter is, the same from
// cache as from a lookup, and firstUserPC skips the library's frames. A
// function's entry plus one stands for a return address in it.
func TestPCKinds(t *testing.T) {
	lib := reflect.ValueOf(firstUserPC).Pointer() + 1  // core/frames.go
	user := reflect.ValueOf(TestPCKinds).Pointer() + 1 // a _test.go file: the user's
	var tbl pcKindTable
	assert.EqualValues(t, pcLibrary, tbl.kind(lib), "a function of the core")
	assert.EqualValues(t, pcUser, tbl.kind(user), "this test")
	assert.EqualValues(t, pcLibrary, tbl.kind(lib), "again, from the table")
	assert.EqualValues(t, pcUnknown, tbl.kind(1), "no function")
	assert.Equal(t, user, firstUserPC([]uintptr{lib, lib, user, lib}))
	assert.Equal(t, lib, firstUserPC([]uintptr{lib}), "no user frame: the first")
}
