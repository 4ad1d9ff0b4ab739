//go:build !binary_log

package zerologsentry_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// Allocation goals on the logging goroutine, on the benchmarks' workload.
func TestAllocs(t *testing.T) {
	race.SkipAllocs(t)
	ctx := core.NewIsolationScope(context.Background())
	c := benchClient(t)
	l := benchLogger(c)
	// Warm the pools.
	logDisabled(&l, ctx)
	logBreadcrumb(&l, ctx)

	assert.Zero(t, testing.AllocsPerRun(200, func() { logDisabled(&l, ctx) }), "disabled")
	assert.Zero(t, testing.AllocsPerRun(200, func() { logDisabled(&l, nil) }), "disabled, no context")

	// The copy of the line, which the core keeps (bridge.Record.Raw).
	crumb := testing.AllocsPerRun(200, func() { logBreadcrumb(&l, ctx) })
	t.Logf("breadcrumb: %v allocations", crumb)
	assert.LessOrEqual(t, crumb, 1.0, "breadcrumb")

	// An event, on the logging goroutine only: the worker is parked and
	// the events overflow the queue once that goroutine's work is done.
	pc := testclient.Parked(t)
	pl := benchLogger(pc)
	dropped := pc.Stats().Dropped["queue_overflow:error"]
	ev := testing.AllocsPerRun(200, func() { logEvent(&pl, ctx) })
	t.Logf("event: %v allocations on the logging goroutine", ev)
	assert.LessOrEqual(t, ev, 12.0, "event")
	assert.Greater(t, pc.Stats().Dropped["queue_overflow:error"], dropped+200, "the worker did not take them")
}
