//go:build !binary_log

package zerologsentry_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sentrylog/sentrylog/core"
)

// Allocation goals on the logging goroutine, on the benchmarks' workload.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("-race changes allocation counts")
	}
	ctx := core.NewIsolationScope(context.Background())
	c := benchClient(t)
	l := benchLogger(c)
	// Warm the pools.
	logDisabled(&l, ctx)
	logBreadcrumb(&l, ctx)

	assert.Zero(t, testing.AllocsPerRun(200, func() { logDisabled(&l, ctx) }), "disabled")
	assert.Zero(t, testing.AllocsPerRun(200, func() { logDisabled(&l, nil) }), "disabled, no context")

	// One copy of the line; the core's breadcrumb (its record copy and
	// attribute slice).
	crumb := testing.AllocsPerRun(200, func() { logBreadcrumb(&l, ctx) })
	t.Logf("breadcrumb: %v allocations", crumb)
	assert.LessOrEqual(t, crumb, 4.0, "breadcrumb")
}
