package core

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// testStorm returns a storm with a fake clock, its options defaulted.
func testStorm(o StormOptions) (*storm, *fakeClock) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	o.applyDefaults()
	s := newStorm(o, newInAppMatcher(nil, nil, mainModules()))
	s.now = clk.now
	return s, clk
}

func TestStormBucketsPerGroupAndGlobal(t *testing.T) {
	s, clk := testStorm(StormOptions{GroupBurst: 3, GroupRate: 1, GlobalBurst: 5, GlobalRate: 2, MaxGroups: 10})
	a, b := s.key(&groupInput{msg: "a"}, nil), s.key(&groupInput{msg: "b"}, nil)
	require.NotEqual(t, a, b, "different messages are different groups")

	for i := 0; i < 3; i++ {
		assert.True(t, s.admit(a).ok, "burst %d", i)
	}
	v := s.admit(a)
	assert.False(t, v.ok, "group burst spent")
	assert.False(t, s.admit(a).ok)

	// b's first event passes (and takes the 4th global token); its repeats
	// pass until the global burst (5) is spent.
	assert.True(t, s.admit(b).ok)
	assert.True(t, s.admit(b).ok)
	assert.False(t, s.admit(b).ok, "global burst spent")
	// A new group passes even so.
	assert.True(t, s.admit(s.key(&groupInput{msg: "c"}, nil)).ok, "the first event of a group always passes")

	// One second later the group has a token again and reports what it missed.
	clk.advance(time.Second)
	v = s.admit(a)
	require.True(t, v.ok)
	assert.Equal(t, int64(2), v.suppressed)
	assert.Equal(t, time.Unix(1000, 0), v.since)
	assert.Equal(t, int64(1), s.admit(b).suppressed, "b reports the one the global bucket suppressed")
}

// TestStormFirstOfEveryGroupPasses: with the global bucket spent, 10,000
// new groups still each get their first event through, and the table stays
// bounded.
func TestStormFirstOfEveryGroupPasses(t *testing.T) {
	s, _ := testStorm(StormOptions{GroupBurst: 1, GroupRate: 0.001, GlobalBurst: 1, GlobalRate: 0.001, MaxGroups: 100})
	for i := 0; i < 10_000; i++ {
		require.True(t, s.admit(uint64(i)).ok, "group %d", i)
	}
	assert.Len(t, s.groups, 100)
	assert.Equal(t, int64(10_000-100), s.evicted)
}

// TestStormEvictsLeastRecent: a full table forgets the group seen least
// recently, so a hot group stays throttled while new groups come and go.
func TestStormEvictsLeastRecent(t *testing.T) {
	s, _ := testStorm(StormOptions{GroupBurst: 1, GroupRate: 0.001, GlobalBurst: 1 << 20, GlobalRate: 1, MaxGroups: 3})
	const hot = 1 << 40
	require.True(t, s.admit(hot).ok)
	for i := 0; i < 1000; i++ {
		require.True(t, s.admit(uint64(i)).ok, "new group %d", i)
		require.False(t, s.admit(hot).ok, "the hot group stays tracked and throttled (%d)", i)
	}
	assert.Len(t, s.groups, 3)
	// The list and the map agree.
	n := 0
	for g := s.head; g != nil; g = g.next {
		assert.Same(t, g, s.groups[g.key])
		n++
	}
	assert.Equal(t, 3, n)
}

func TestStormKeyGroupsByErrorTypes(t *testing.T) {
	s, _ := testStorm(StormOptions{})
	p := &pending{}
	p.pcs = make([]uintptr, maxPCs)
	p.pcs = p.pcs[:runtime.Callers(1, p.pcs)]
	key := func(err error) uint64 { return s.key(&groupInput{p: p, msg: "m"}, err) }
	base := errors.New("x")
	k1 := key(fmt.Errorf("a: %w", base))
	k2 := key(fmt.Errorf("b: %w", errors.New("y")))
	k3 := key(&wrapT{base})
	assert.Equal(t, k1, k2, "same stack and error types: one group whatever the text")
	assert.NotEqual(t, k1, k3, "different error types are different groups")
	assert.NotEqual(t, key(io.EOF), key(io.ErrUnexpectedEOF), "sentinels are told apart, as their titles are")
	assert.NotEqual(t, s.key(&groupInput{p: p, msg: "m"}, nil), s.key(&groupInput{p: p, msg: "n"}, nil), "message templates differ")
	assert.Equal(t, s.key(&groupInput{p: p, msg: "m"}, nil), s.key(&groupInput{p: &pending{}, msg: "m"}, nil), "a message event is grouped by its message")
	assert.Equal(t, s.key(&groupInput{msg: "user 17 not found (try 1)"}, nil), s.key(&groupInput{msg: "user 4242 not found (try 3)"}, nil), "numbers are parameters")
	assert.NotEqual(t, s.key(&groupInput{msg: "user 17 not found"}, nil), s.key(&groupInput{msg: "user 17 was found"}, nil))
	assert.NotEqual(t, s.key(&groupInput{msg: "a1b"}, nil), s.key(&groupInput{msg: "ab"}, nil), "a placeholder is not nothing")
}

func TestStormKeyFingerprint(t *testing.T) {
	s, _ := testStorm(StormOptions{})
	p := &pending{}
	p.pcs = make([]uintptr, maxPCs)
	p.pcs = p.pcs[:runtime.Callers(1, p.pcs)]
	type in struct {
		g   *groupInput
		err error
	}
	rec := func(fp any, err error) in {
		return in{&groupInput{p: p, rec: &record{Attrs: []slog.Attr{slog.Any("fingerprint", fp)}}}, err}
	}
	key := func(x in) uint64 { return s.key(x.g, x.err) }
	e1, e2 := errors.New("a"), &wrapT{errors.New("b")}
	assert.Equal(t, key(rec([]string{"x"}, e1)), key(rec([]string{"x"}, e2)), "the fingerprint alone decides")
	assert.Equal(t, key(rec([]string{"x"}, e1)), key(rec([]any{"x"}, e1)))
	assert.Equal(t, key(rec([]string{"x"}, e1)), key(rec("x", e1)))
	assert.NotEqual(t, key(rec([]string{"x"}, e1)), key(rec([]string{"y"}, e1)))
	// {{ default }} stands for the default key.
	assert.NotEqual(t, key(rec([]string{"{{ default }}", "x"}, e1)), key(rec([]string{"{{ default }}", "x"}, e2)))
	assert.Equal(t, key(rec([]string{"{{ default }}", "x"}, e1)), key(rec([]string{"{{default}}", "x"}, e1)))
	assert.NotEqual(t, key(rec([]string{"{{ default }}", "x"}, e1)), key(rec([]string{"{{ default }}", "y"}, e1)))
	// Nested under a group, "fingerprint" is an ordinary attribute.
	nested := rec([]string{"x"}, e1)
	nested.g.rec.Groups = []string{"g"}
	assert.Equal(t, s.key(&groupInput{p: p}, e1), key(nested))
}

type wrapT struct{ err error }

func (w *wrapT) Error() string { return "wrapped: " + w.err.Error() }
func (w *wrapT) Unwrap() error { return w.err }

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
		c.captureRecord(&record{Level: LevelError, Message: "query failed", PC: pc, Attrs: []slog.Attr{slog.Any("error", boom), slog.Int("i", i)}})
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
