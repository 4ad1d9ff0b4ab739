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

	// The copy of the line, its lazy decoder, and the core's copy of the
	// attributes.
	crumb := testing.AllocsPerRun(200, func() { logBreadcrumb(&l, ctx) })
	t.Logf("breadcrumb: %v allocations", crumb)
	assert.LessOrEqual(t, crumb, 3.0, "breadcrumb")
}
