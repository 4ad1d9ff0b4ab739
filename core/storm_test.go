package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock for storm control.
type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time          { return f.t }
func (f *fakeClock) advance(d time.Duration) { f.t = f.t.Add(d) }

func TestStormBucketsPerGroupAndGlobal(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	s := newStorm(StormOptions{GroupBurst: 3, GroupRate: 1, GlobalBurst: 5, GlobalRate: 2, MaxGroups: 10})
	s.now = clk.now
	a, b := s.key(1, "a", nil), s.key(2, "a", nil)
	require.NotEqual(t, a, b, "different call sites are different groups")

	for i := 0; i < 3; i++ {
		assert.True(t, s.admit(a).ok, "burst %d", i)
	}
	v := s.admit(a)
	assert.False(t, v.ok, "group burst spent")
	assert.False(t, s.admit(a).ok)

	// Another group still passes until the global burst (5) is spent.
	assert.True(t, s.admit(b).ok)
	assert.True(t, s.admit(b).ok)
	assert.False(t, s.admit(b).ok, "global burst spent")

	// One second later the group has a token again and reports what it missed.
	clk.advance(time.Second)
	v = s.admit(a)
	require.True(t, v.ok)
	assert.Equal(t, int64(2), v.suppressed)
	assert.Equal(t, time.Unix(1000, 0), v.since)
	assert.Equal(t, int64(1), s.admit(b).suppressed, "b reports the one the global bucket suppressed")
}

func TestStormKeyGroupsByErrorTypes(t *testing.T) {
	s := newStorm(StormOptions{})
	s.opts.applyDefaults()
	base := errors.New("x")
	k1 := s.key(7, "m", fmt.Errorf("a: %w", base))
	k2 := s.key(7, "m", fmt.Errorf("b: %w", errors.New("y")))
	k3 := s.key(7, "m", &wrapT{base})
	assert.Equal(t, k1, k2, "same call site, message and error types: one group whatever the text")
	assert.NotEqual(t, k1, k3, "different error types are different groups")
	assert.NotEqual(t, s.key(7, "m", nil), s.key(7, "n", nil), "message templates differ")
}

type wrapT struct{ err error }

func (w *wrapT) Error() string { return "wrapped: " + w.err.Error() }
func (w *wrapT) Unwrap() error { return w.err }

func TestStormMaxGroupsOverflowShares(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	s := newStorm(StormOptions{GroupBurst: 1, GroupRate: 0.001, GlobalBurst: 1000, GlobalRate: 1000, MaxGroups: 2})
	s.opts.applyDefaults()
	s.now = clk.now
	assert.True(t, s.admit(s.key(1, "", nil)).ok)
	assert.True(t, s.admit(s.key(2, "", nil)).ok)
	// Both groups are busy (not full), so the third lands in the overflow bucket.
	assert.True(t, s.admit(s.key(3, "", nil)).ok)
	assert.False(t, s.admit(s.key(4, "", nil)).ok, "the overflow group is shared")
	assert.LessOrEqual(t, len(s.groups), 3)
}

// TestStorm100kIdenticalRecords is the storm test of issue 10: a hot loop of
// identical error records yields at most the configured number of events,
// and those carry the suppressed counts; nothing is lost from the accounts.
func TestStorm100kIdenticalRecords(t *testing.T) {
	mem := NewMemoryTransport()
	c, err := New(Options{Transport: mem, Storm: StormOptions{GroupBurst: 5, GroupRate: 2, GlobalBurst: 50, GlobalRate: 20}})
	require.NoError(t, err)
	defer c.Close(context.Background())

	pc, _, _, _ := runtime.Caller(0)
	boom := errors.New("boom")
	start := time.Now()
	const n = 100_000
	for i := 0; i < n; i++ {
		c.CaptureRecord(&Record{Level: LevelError, Message: "query failed", PC: pc, Attrs: []slog.Attr{slog.Any("error", boom), slog.Int("i", i)}})
	}
	elapsed := time.Since(start)
	require.True(t, c.Flush(context.Background()))

	evs := mem.Events()
	limit := 5 + int(2*elapsed.Seconds()) + 1
	assert.LessOrEqual(t, len(evs), limit, "events after %v", elapsed)
	assert.GreaterOrEqual(t, len(evs), 5)

	var carried int64
	for _, ev := range evs[1:] {
		if st, ok := ev.Contexts["storm"]; ok {
			carried += st["suppressed"].(int64)
		}
	}
	st := c.Stats()
	dropped := st.Dropped["event_processor:error"]
	assert.Equal(t, int64(n), st.Captured)
	assert.Equal(t, st.Captured, st.Delivered+dropped, "captured = delivered + dropped")
	assert.Equal(t, int64(len(evs)), st.Delivered)
	// Every suppression before the last delivered event is carried by an event.
	assert.LessOrEqual(t, carried, dropped)
	if len(evs) > 5 {
		assert.Positive(t, carried, "events after the burst carry suppressed counts")
	}
}

func TestStormDisabled(t *testing.T) {
	mem := NewMemoryTransport()
	c, err := New(Options{Transport: mem, Storm: StormOptions{Disabled: true}, QueueSize: 5000})
	require.NoError(t, err)
	defer c.Close(context.Background())
	for i := 0; i < 1000; i++ {
		c.CaptureMessage(context.Background(), "same", LevelError)
	}
	require.True(t, c.Flush(context.Background()))
	assert.Len(t, mem.Events(), 1000)
}
