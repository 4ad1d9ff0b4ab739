package slogsentry_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// The allocation goals of issue 5, on the logging goroutine, for the
// benchmarks' workload. Skipped under -race, which changes allocation counts.

func TestAllocsDisabled(t *testing.T) {
	race.SkipAllocs(t)
	l := benchLogger(slogsentry.NewHandler(slogsentry.Options{Client: benchClient(t)}))
	ctx := context.Background()
	got := testing.AllocsPerRun(1000, func() { logDisabled(l, ctx) })
	assert.Zero(t, got, "allocations below the thresholds")

	// No client at all (before Init): also nothing.
	core.SetCurrentClient(nil)
	l = benchLogger(slogsentry.NewHandler(slogsentry.Options{}))
	got = testing.AllocsPerRun(1000, func() { logEvent(l, ctx) })
	assert.Zero(t, got, "allocations without a client")
}

func TestAllocsBreadcrumb(t *testing.T) {
	race.SkipAllocs(t)
	c := benchClient(t)
	l := benchLogger(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	ctx := core.NewIsolationScope(context.Background())
	for i := 0; i < 200; i++ { // fill the breadcrumb ring: the steady state
		logBreadcrumb(l, ctx)
	}
	got := testing.AllocsPerRun(1000, func() { logBreadcrumb(l, ctx) })
	assert.Zero(t, got, "allocations per breadcrumb") // plain attributes are lent from the stack
	t.Logf("breadcrumb: %v allocations", got)
}

// TestAllocsEvent counts the allocations of an event on the logging
// goroutine only. AllocsPerRun counts those of every goroutine, and the
// client's worker builds events meanwhile; so the worker is parked
// (testclient.Parked), and the events logged meanwhile overflow the queue
// after the logging goroutine has done all of its work (copying the record,
// snapshotting the scopes, recording the stack).
func TestAllocsEvent(t *testing.T) {
	race.SkipAllocs(t)
	c := testclient.Parked(t)
	l := benchLogger(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	ctx := core.NewIsolationScope(context.Background())
	dropped := c.Stats().Dropped["queue_overflow:error"]

	got := testing.AllocsPerRun(1000, func() { logEvent(l, ctx) })
	assert.LessOrEqual(t, got, 12.0, "allocations per event on the logging goroutine")
	t.Logf("event: %v allocations on the logging goroutine", got)
	assert.Greater(t, c.Stats().Dropped["queue_overflow:error"], dropped+1000,
		"the events overflowed the queue, so the worker did not allocate for them")
}
