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

// TestFuncTable: the table says what a program counter is, for one
// client's in-app rules, the same from cache as from a lookup. A function's
// entry plus one stands for a return address in it.
func TestFuncTable(t *testing.T) {
	lib := reflect.ValueOf(newStorm).Pointer() + 1       // core/storm.go
	user := reflect.ValueOf(TestFuncTable).Pointer() + 1 // a _test.go file: the user's
	var tbl funcTable
	m := newInAppMatcher(nil, nil, []string{"github.com/sentrylog/sentrylog"})
	assert.EqualValues(t, pcLibrary, tbl.lookup(lib, &m).kind, "a function of the core")
	assert.EqualValues(t, pcInApp, tbl.lookup(user, &m).kind, "this test, of the main module")
	assert.Equal(t, "github.com/sentrylog/sentrylog/core.TestFuncTable", tbl.lookup(user, &m).name)
	assert.EqualValues(t, pcLibrary, tbl.lookup(lib, &m).kind, "again, from the table")
	assert.EqualValues(t, pcUnknown, tbl.lookup(1, &m).kind, "no function")
	var other funcTable
	none := newInAppMatcher(nil, []string{"github.com/sentrylog/sentrylog/core"}, []string{"github.com/sentrylog/sentrylog"})
	assert.EqualValues(t, pcUser, other.lookup(user, &none).kind, "excluded: the user's, not in-app")
}
