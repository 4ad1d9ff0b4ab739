package isolationtest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// Workers is how many workers RunWorkers starts at once; WorkerSteps how
// many breadcrumbs each logs before its event.
const (
	Workers     = 64
	WorkerSteps = 5
)

// Work logs worker w's records with ctx, whose isolation scope carries the
// tag worker=id: WorkerSteps breadcrumbs "step" with the fields i (0, 1,
// ...) and worker=id, then one error event "done" with the field worker=id.
type Work func(ctx context.Context, w int, id string)

// RunWorkers runs Workers workers at once, each in an isolation scope of
// its own, and checks that each event carries its own worker's tag, field
// and breadcrumbs, none of another's, and that nothing reached the global
// scope.
func RunWorkers(t *testing.T, c *core.Client, mt *core.MemoryTransport, work Work) {
	t.Helper()
	var wg sync.WaitGroup
	for w := range Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint("w", w)
			ctx := core.NewIsolationScope(context.Background())
			core.SetTag(ctx, "worker", id)
			work(ctx, w, id)
		}()
	}
	wg.Wait()
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, Workers)
	seen := map[string]bool{}
	for _, ev := range evs {
		id := ev.Tags["worker"]
		require.NotEmpty(t, id, "the event merged its worker's scope")
		assert.False(t, seen[id])
		seen[id] = true
		assert.Equal(t, id, testclient.LogContext(ev)["worker"])
		require.Len(t, ev.Breadcrumbs, WorkerSteps, "only the worker's own breadcrumbs")
		for i, b := range ev.Breadcrumbs {
			assert.Equal(t, id, b.Data["worker"])
			assert.EqualValues(t, i, b.Data["i"])
		}
	}
	c.CaptureMessage(context.Background(), "global", core.LevelInfo)
	evs = testclient.Events(t, c, mt)
	assert.Empty(t, evs[len(evs)-1].Breadcrumbs, "nothing reached the global scope")
}
