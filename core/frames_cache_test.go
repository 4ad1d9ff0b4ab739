package core

import (
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
