package zerologsentry

import (
	"context"
	"io"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
)

func any1(*int) bool { return true }

// TestHandoff: one entry per goroutine, replaced by its next put; taken
// once, and only when the match accepts it.
func TestHandoff(t *testing.T) {
	var h handoff[int]
	_, ok := h.take(1, any1)
	assert.False(t, ok, "before the first put")
	h.put(1, 10)
	h.put(1, 11)
	h.put(2, 20)
	_, ok = h.take(1, func(v *int) bool { return *v == 10 })
	assert.False(t, ok, "replaced")
	v, ok := h.take(1, any1)
	assert.True(t, ok)
	assert.Equal(t, 11, v)
	_, ok = h.take(1, any1)
	assert.False(t, ok, "taken once")
	v, ok = h.take(2, any1)
	assert.True(t, ok)
	assert.Equal(t, 20, v)
}

// TestHandoffBounded: values never taken, from any number of goroutines,
// take no more room than the table has, and evict the oldest first.
func TestHandoffBounded(t *testing.T) {
	var h handoff[int]
	// Goroutines 1..n: all fall into some bucket; the table keeps the
	// newest handoffWays of each bucket.
	const n = 100_000
	for g := 1; g <= n; g++ {
		h.put(uintptr(g)*64, g)
	}
	kept := 0
	for i := range h.buckets.Load() {
		for _, e := range h.buckets.Load()[i].e {
			if e.g != 0 {
				kept++
			}
		}
	}
	assert.Equal(t, handoffBuckets*handoffWays, kept)
	// The newest put is there, the oldest gone.
	v, ok := h.take(n*64, any1)
	assert.True(t, ok)
	assert.Equal(t, n, v)
	_, ok = h.take(64, any1)
	assert.False(t, ok)
}

// TestHandoffGoroutines: concurrent goroutines each find their own value.
func TestHandoffGoroutines(t *testing.T) {
	var h handoff[uintptr]
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := curg()
			for i := range 1000 {
				h.put(g, g+uintptr(i))
				v, ok := h.take(curg(), any2)
				if !ok || v != g+uintptr(i) {
					t.Errorf("goroutine %x: %x, %v", g, v, ok)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func any2(*uintptr) bool { return true }

// stackGoid, curg's portable version, names each goroutine by one number.
func TestStackGoid(t *testing.T) {
	own := stackGoid()
	assert.Greater(t, own, uintptr(1))
	assert.Equal(t, own, stackGoid())
	ids := make(chan uintptr, 16)
	for range cap(ids) {
		go func() { ids <- stackGoid() }()
	}
	seen := map[uintptr]bool{own: true}
	for range cap(ids) {
		id := <-ids
		assert.False(t, seen[id], "%d twice", id)
		seen[id] = true
	}
}

// A Writer whose client takes no records (disabled) leaves no notes: its
// writes drop the lines unseen, so a note would only hold a request's
// context until some later put evicted it.
func TestHandoffDisabledClientNoNotes(t *testing.T) {
	c, err := core.New(core.Options{})
	require.NoError(t, err)
	require.False(t, c.Enabled())
	w := NewWriter(io.Discard, Options{Client: c})
	logger := zerolog.New(w).Hook(w)
	ctx := core.NewIsolationScope(context.Background())
	logger.Info().Ctx(ctx).Msg("hello")
	logger.Error().Ctx(ctx).Msg("boom")
	assert.Nil(t, w.ctxs.buckets.Load(), "a note was left")
}
