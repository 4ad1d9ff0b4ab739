package probe_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/sentrytest"
)

var errBackend = errors.New("backend unavailable")

//go:noinline
func sharedHelper(ctx context.Context, log logFn, err error) {
	log(ctx, true, "request failed", kv{"error", err})
}

//go:noinline
func handlerA(ctx context.Context, log logFn, i int) {
	sharedHelper(ctx, log, fmt.Errorf("a %d: %w", i, errBackend))
}

//go:noinline
func handlerB(ctx context.Context, log logFn, i int) {
	sharedHelper(ctx, log, fmt.Errorf("b %d: %w", i, errBackend))
}

//go:noinline
func handlerC(ctx context.Context, log logFn, i int) {
	sharedHelper(ctx, log, fmt.Errorf("c %d: %w", i, errBackend))
}

//go:noinline
func handlerD(ctx context.Context, log logFn, i int) {
	sharedHelper(ctx, log, fmt.Errorf("d %d: %w", i, errBackend))
}

//go:noinline
func handlerE(ctx context.Context, log logFn, i int) {
	sharedHelper(ctx, log, fmt.Errorf("e %d: %w", i, errBackend))
}

// logFromHandlers logs 4 errors from each of the five handlers, through
// the shared helper.
func logFromHandlers(ctx context.Context, log logFn) {
	for i := 0; i < 4; i++ {
		handlerA(ctx, log, i)
		handlerB(ctx, log, i)
		handlerC(ctx, log, i)
		handlerD(ctx, log, i)
		handlerE(ctx, log, i)
	}
}

// TestProbeStormSharedHelper: 5 handlers x 4 errors through one helper are
// 5 groups of 4, within the default burst: 20 events through every bridge.
func TestProbeStormSharedHelper(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{})
		log := b.make(c)
		logFromHandlers(context.Background(), log)
		assert.Len(t, testclient.Events(t, c, mt), 20)
		assert.Zero(t, c.Stats().Dropped["event_processor:error"])
	})
}

// TestProbeStormSharedHelperManyRepeats: with a burst of 1 per group, the
// five handlers still make five groups (the stack's in-app frames differ).
func TestProbeStormSharedHelperManyRepeats(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{GroupBurst: 1, GroupRate: 1e-9}})
		log := b.make(c)
		logFromHandlers(context.Background(), log)
		assert.Len(t, testclient.Events(t, c, mt), 5)
		assert.EqualValues(t, 15, c.Stats().Dropped["event_processor:error"])
	})
}

// TestProbeStormFingerprints: 30 distinct fingerprints, 30 events, through
// every bridge; the fingerprint given as []string and as []any.
func TestProbeStormFingerprints(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{})
		log := b.make(c)
		for i := 0; i < 30; i++ {
			var fp any = []string{"tenant", strconv.Itoa(i)}
			if i%2 == 1 {
				fp = []any{"tenant", strconv.Itoa(i)}
			}
			log(context.Background(), true, "tenant failed", kv{"error", errBackend}, kv{"fingerprint", fp})
		}
		evs := testclient.Events(t, c, mt)
		require.Len(t, evs, 30)
		seen := map[string]bool{}
		for _, ev := range evs {
			require.Len(t, ev.Fingerprint, 2)
			seen[ev.Fingerprint[1]] = true
		}
		assert.Len(t, seen, 30)
	})
}

// TestProbeStormMessageTemplates: message events group by their message
// with numbers as placeholders; distinct messages are distinct groups.
func TestProbeStormMessageTemplates(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{GroupBurst: 2, GroupRate: 1e-9}})
		log := b.make(c)
		for i := 0; i < 50; i++ {
			log(context.Background(), true, fmt.Sprintf("queue %d is full", i))
		}
		for i := 0; i < 20; i++ {
			log(context.Background(), true, fmt.Sprintf("distinct message kind %c", 'a'+i))
		}
		evs := testclient.Events(t, c, mt)
		assert.Len(t, evs, 2+20)
		assert.EqualValues(t, 48, c.Stats().Dropped["event_processor:error"])
	})
}

// TestProbeStormBurstOfGroups: 1,000 distinct groups, each logged three
// times in a burst: every group has at least one event, through every
// bridge, and what was cut is counted.
func TestProbeStormBurstOfGroups(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{QueueSize: 5000})
		log := b.make(c)
		for rep := 0; rep < 3; rep++ {
			for i := 0; i < 1000; i++ {
				log(context.Background(), true, "job failed", kv{"error", errBackend}, kv{"fingerprint", []string{"job", strconv.Itoa(i)}})
			}
		}
		groups := map[string]int{}
		for _, ev := range testclient.Events(t, c, mt) {
			groups[ev.Fingerprint[1]]++
		}
		assert.Len(t, groups, 1000)
		st := c.Stats()
		assert.EqualValues(t, 3000, st.Captured)
		assert.Equal(t, st.Captured, st.Delivered+st.Dropped["event_processor:error"])
	})
}

// TestProbeStormIdentical: 100,000 identical errors through each bridge
// yield at most burst + rate events; the next event after a pause carries
// the suppressed count, and the count reaches the receiver's client
// reports.
func TestProbeStormIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 records per bridge")
	}
	forEachBridge(t, func(t *testing.T, b bridge) {
		srv := sentrytest.NewServer(t)
		c := testclient.Open(t, core.Options{DSN: srv.DSN(), ServerName: "probe"}, 10e9)
		log := b.make(c)
		ctx := context.Background()
		n := 100000
		for i := 0; i < n; i++ {
			sharedHelper(ctx, log, errBackend)
		}
		require.True(t, c.Flush(context.Background()))
		st := c.Stats()
		supp := st.Dropped["event_processor:error"]
		assert.LessOrEqual(t, st.Delivered, int64(10+60), "burst + rate over the loop")
		assert.Equal(t, int64(n), st.Delivered+supp)
		// The group's next event after its bucket refills carries the count.
		var withCount *core.Event
		for tries := 0; tries < 30 && withCount == nil; tries++ {
			sharedHelper(ctx, log, errBackend)
			require.True(t, c.Flush(context.Background()))
			for _, ev := range srv.Events() {
				if ev.Contexts["storm"] != nil {
					withCount = ev
				}
			}
			if withCount == nil {
				waitABit()
			}
		}
		require.NotNil(t, withCount, "an event carries contexts.storm")
		storm := fmt.Sprint(withCount.Contexts["storm"])
		assert.Contains(t, storm, "suppressed")
		require.True(t, c.Close(context.Background()))
		reported := srv.Discarded()
		var total int64
		for k, v := range reported {
			if k == "event_processor:error" {
				total += v
			}
		}
		assert.Equal(t, c.Stats().Dropped["event_processor:error"], total, "client reports: %v", reported)
	})
}
