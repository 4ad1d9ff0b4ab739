package core_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// logFailure is a helper every handler logs its errors through: the
// immediate call site is the same for all of them.
//
//go:noinline
func logFailure(ctx context.Context, l *slog.Logger, err error) {
	l.ErrorContext(ctx, "request failed", "error", err)
}

//go:noinline
func handleOrders(ctx context.Context, l *slog.Logger, i int) {
	logFailure(ctx, l, fmt.Errorf("order %d: %w", i, errStormFigures))
}

//go:noinline
func handleUsers(ctx context.Context, l *slog.Logger, i int) {
	logFailure(ctx, l, fmt.Errorf("user %d: %w", i, errStormFigures))
}

//go:noinline
func handleCarts(ctx context.Context, l *slog.Logger, i int) {
	logFailure(ctx, l, fmt.Errorf("cart %d: %w", i, errStormFigures))
}

//go:noinline
func handleItems(ctx context.Context, l *slog.Logger, i int) {
	logFailure(ctx, l, fmt.Errorf("item %d: %w", i, errStormFigures))
}

//go:noinline
func handleInvoices(ctx context.Context, l *slog.Logger, i int) {
	logFailure(ctx, l, fmt.Errorf("invoice %d: %w", i, errStormFigures))
}

var errStormFigures = errors.New("backend unavailable")

func stormLogger(c *core.Client) *slog.Logger {
	return slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
}

// TestStormFigures: with the default storm control, distinct issues all
// arrive and a hot loop of one error is cut to its burst and rate, the
// count of what was cut carried by the next event and in client reports.
func TestStormFigures(t *testing.T) {
	ctx := context.Background()
	t.Run("20 errors through one helper from 5 handlers: 20 events", func(t *testing.T) {
		c, mt := testclient.New(t, core.Options{})
		l := stormLogger(c)
		for i := 0; i < 4; i++ {
			handleOrders(ctx, l, i)
			handleUsers(ctx, l, i)
			handleCarts(ctx, l, i)
			handleItems(ctx, l, i)
			handleInvoices(ctx, l, i)
		}
		assert.Len(t, testclient.Events(t, c, mt), 20)
		assert.Zero(t, c.Stats().Dropped["event_processor:error"])
	})
	t.Run("30 distinct fingerprints: 30 events", func(t *testing.T) {
		c, mt := testclient.New(t, core.Options{})
		l := stormLogger(c)
		for i := 0; i < 30; i++ {
			l.ErrorContext(ctx, "tenant failed", "error", errStormFigures, "fingerprint", []string{"tenant", strconv.Itoa(i)})
		}
		assert.Len(t, testclient.Events(t, c, mt), 30)
	})
	t.Run("1,000 distinct groups in a burst: 1,000 groups seen", func(t *testing.T) {
		c, mt := testclient.New(t, core.Options{QueueSize: 5000})
		l := stormLogger(c)
		for rep := 0; rep < 3; rep++ {
			for i := 0; i < 1000; i++ {
				l.ErrorContext(ctx, "job failed", "error", errStormFigures, "fingerprint", []string{"job", strconv.Itoa(i)})
			}
		}
		groups := map[string]int{}
		for _, ev := range testclient.Events(t, c, mt) {
			groups[ev.Fingerprint[1]]++
		}
		assert.Len(t, groups, 1000, "every group has at least one event")
		st := c.Stats()
		assert.Equal(t, int64(3000), st.Captured)
		assert.Equal(t, st.Captured, st.Delivered+st.Dropped["event_processor:error"])
	})
	t.Run("one call site: dynamic values one group, two kinds two groups", func(t *testing.T) {
		c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{GroupBurst: 1, GroupRate: 1e-9}})
		l := stormLogger(c)
		for i := 0; i < 5; i++ { // ids, paths and ports vary: one group
			err := fmt.Errorf("order %d: %w", i, &fs.PathError{Op: "open", Path: fmt.Sprintf("/data/%d.json", i), Err: fs.ErrNotExist})
			if i%2 == 1 {
				err = fmt.Errorf("order %d: %w", i, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")})
			}
			logFailure(ctx, l, err)
		}
		evs := testclient.Events(t, c, mt)
		require.Len(t, evs, 2, "two kinds of error, each one group")
		titles := []string{evs[0].Exception[len(evs[0].Exception)-1].Type, evs[1].Exception[len(evs[1].Exception)-1].Type}
		assert.ElementsMatch(t, []string{"*fs.PathError", "*net.OpError"}, titles)
		assert.EqualValues(t, 3, c.Stats().Dropped["event_processor:error"])
	})
	t.Run("100,000 identical errors: at most burst + rate events", func(t *testing.T) {
		storm := core.StormOptions{GroupBurst: 5, GroupRate: 2, GlobalBurst: 50, GlobalRate: 20}
		c, mt := testclient.New(t, core.Options{Storm: storm})
		l := stormLogger(c)
		const n = 100_000
		start := time.Now()
		for i := 0; i < n; i++ {
			logFailure(ctx, l, fmt.Errorf("order %d: %w", i, errStormFigures))
		}
		elapsed := time.Since(start)
		evs := testclient.Events(t, c, mt)
		limit := storm.GroupBurst + int(storm.GroupRate*elapsed.Seconds()) + 1
		assert.LessOrEqual(t, len(evs), limit, "events after %v", elapsed)
		assert.GreaterOrEqual(t, len(evs), storm.GroupBurst)

		// The next one that passes carries the count of those suppressed
		// since the last event.
		var carried int64
		for _, ev := range evs {
			if st, ok := ev.Contexts["storm"]; ok {
				carried += st["suppressed"].(int64)
			}
		}
		dropped := c.Stats().Dropped["event_processor:error"]
		time.Sleep(time.Second / time.Duration(storm.GroupRate) * 11 / 10)
		logFailure(ctx, l, fmt.Errorf("order %d: %w", n, errStormFigures))
		evs = testclient.Events(t, c, mt)
		last := evs[len(evs)-1]
		require.Contains(t, last.Contexts, "storm")
		assert.Equal(t, dropped-carried, last.Contexts["storm"]["suppressed"], "the next event carries the count")
		assert.NotEmpty(t, last.Contexts["storm"]["since"])

		// Client reports: every suppressed event is counted, and the
		// counts the events carried add up to it.
		st := c.Stats()
		assert.Equal(t, int64(n+1), st.Captured)
		assert.Equal(t, st.Captured, st.Delivered+st.Dropped["event_processor:error"])
		assert.Equal(t, dropped, st.Dropped["event_processor:error"])
		assert.Equal(t, int64(n+1-len(evs)), dropped)
		t.Logf("100,000 identical errors in %v: %d events, %d suppressed", elapsed, len(evs)-1, dropped)
	})
}
