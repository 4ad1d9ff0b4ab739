package probe_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// TestProbeSizeManyAttributes: 10,000 attributes on one record, through
// every bridge: the event fits, the first ones are kept, and a marker says
// how many there were.
func TestProbeSizeManyAttributes(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{})
		attrs := []kv{{"error", errors.New("boom")}}
		for i := 0; i < 10_000; i++ {
			attrs = append(attrs, kv{fmt.Sprintf("a%05d", i), strings.Repeat("v", 200)})
		}
		b.make(c)(context.Background(), true, "many", attrs...)
		ev := oneEvent(t, c, mt)
		assert.LessOrEqual(t, encodedSize(t, ev), maxEvent)
		lc := logCtx(t, ev)
		assert.Equal(t, 1000, len(lc))
		assert.Contains(t, lc["..."], "truncated from 1000", "the cut is marked")
		assert.Equal(t, strings.Repeat("v", 200), lc["a00000"], "the first keys are kept whole")
	})
}

// TestProbeSizeWideGroups: slog groups and With attributes wider than
// 1,000 keys are cut like map values, on events and breadcrumbs.
func TestProbeSizeWideGroups(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	l := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	var args []any
	for i := 0; i < 5000; i++ {
		args = append(args, fmt.Sprintf("k%04d", i), i)
	}
	ctx := core.NewIsolationScope(context.Background())
	l.InfoContext(ctx, "crumb", slog.Group("grp", args...))
	l.With(args...).InfoContext(ctx, "crumb with")
	l.With(args...).ErrorContext(ctx, "ev", "error", errors.New("x"), slog.Group("grp", args...))
	ev := oneEvent(t, c, mt)
	require.Len(t, ev.Breadcrumbs, 2)
	grp, _ := ev.Breadcrumbs[0].Data["grp"].(map[string]any)
	assert.Equal(t, 1000, len(grp))
	assert.Equal(t, 1000, len(ev.Breadcrumbs[1].Data))
	assert.Equal(t, "truncated from 5000 keys", ev.Breadcrumbs[1].Data["..."])
	lc := logCtx(t, ev)
	assert.LessOrEqual(t, len(lc), 1000) // the error's key left for the exception
	assert.Contains(t, lc, "...")
	grp, _ = lc["grp"].(map[string]any)
	assert.Equal(t, 1000, len(grp))
}

// TestProbeSizeDeepNesting: a value nested 50 deep is cut at the depth
// limit with a marker, through every bridge.
func TestProbeSizeDeepNesting(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{})
		var v any = "bottom"
		for i := 0; i < 50; i++ {
			v = map[string]any{"l": v}
		}
		b.make(c)(context.Background(), true, "deep", kv{"error", errors.New("boom")}, kv{"deep", v}, kv{"order_id", "o-1"})
		ev := oneEvent(t, c, mt)
		raw, _ := json.Marshal(ev.Contexts["log"])
		assert.Contains(t, string(raw), "depth limit")
		assert.Equal(t, "o-1", logCtx(t, ev)["order_id"])
	})
}

// TestProbeSizeBreadcrumbDropMarked: breadcrumbs dropped to fit the event
// are said so by a breadcrumb of category "sentrylog".
func TestProbeSizeBreadcrumbDropMarked(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{})
		log := b.make(c)
		ctx := core.NewIsolationScope(context.Background())
		for i := 0; i < 100; i++ {
			var blob []string
			for j := 0; j < 40; j++ {
				blob = append(blob, strings.Repeat(fmt.Sprint(j%10), 300))
			}
			log(ctx, false, fmt.Sprint("step ", i), kv{"blob", blob})
		}
		log(ctx, true, "failed", kv{"error", errors.New("boom")})
		ev := oneEvent(t, c, mt)
		assert.LessOrEqual(t, encodedSize(t, ev), maxEvent)
		if len(ev.Breadcrumbs) < 100 {
			found := false
			for _, bc := range ev.Breadcrumbs {
				if bc.Category == "sentrylog" {
					found = true
				}
			}
			assert.True(t, found, "dropped breadcrumbs are marked (%d kept)", len(ev.Breadcrumbs))
		}
		require.NotEmpty(t, ev.Breadcrumbs)
		assert.Equal(t, "step 99", ev.Breadcrumbs[len(ev.Breadcrumbs)-1].Message)
	})
}
