package logrussentry_test

import (
	"context"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
)

// Allocation goals of the hook itself (logrus's own work, the entry, its
// fields and the formatting, is the program's either way).
func TestAllocs(t *testing.T) {
	race.SkipAllocs(t)
	ctx := core.NewIsolationScope(context.Background())
	h := logrussentry.NewHook(logrussentry.Options{Client: benchClient(t)})
	below := &logrus.Entry{Level: logrus.DebugLevel, Message: "below", Context: ctx}
	crumb := crumbEntry(ctx)
	_ = h.Fire(crumb) // warm the scope's ring

	assert.Zero(t, testing.AllocsPerRun(200, func() { _ = h.Fire(below) }), "disabled")
	assert.Zero(t, testing.AllocsPerRun(200, func() { _ = h.Fire(crumb) }), "breadcrumb of five scalar fields")
	nested := crumbEntry(ctx)
	nested.Data = logrus.Fields{"a": 1, "g": logrus.Fields{"b": 2}}
	n := testing.AllocsPerRun(200, func() { _ = h.Fire(nested) })
	t.Logf("breadcrumb with nested fields: %v allocations", n)
	assert.LessOrEqual(t, n, 3.0)

	// An event, on the logging goroutine only: the worker is parked and
	// the events overflow the queue once that goroutine's work is done.
	pc := testclient.Parked(t)
	ph := logrussentry.NewHook(logrussentry.Options{Client: pc})
	ev := eventEntry(ctx)
	dropped := pc.Stats().Dropped["queue_overflow:error"]
	a := testing.AllocsPerRun(200, func() { _ = ph.Fire(ev) })
	t.Logf("event: %v allocations on the logging goroutine", a)
	assert.LessOrEqual(t, a, 6.0, "event")
	assert.Greater(t, pc.Stats().Dropped["queue_overflow:error"], dropped+200, "the worker did not take them")
}
