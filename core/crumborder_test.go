package core_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
)

// A scope's breadcrumbs reach the event in the order they were added, even
// when their timestamps disagree (a whole-second timestamp written late, a
// clock stepped back, a time the program set); the layers are merged by
// time around them. Both merges are checked: the worker's memoized one and
// the one a BeforeSend client uses.
func TestBreadcrumbsKeepScopeOrder(t *testing.T) {
	for _, memo := range []bool{true, false} {
		t.Run(fmt.Sprintf("memo=%v", memo), func(t *testing.T) {
			opts := core.Options{}
			if !memo {
				opts.BeforeSend = func(ev *core.Event, _ *core.Hint) *core.Event { return ev }
			}
			c, mt := newClient(t, opts)
			at := func(sec int64) time.Time { return time.Unix(1_700_000_000+sec, 0) }
			add := func(s *core.Scope, msg string, sec int64) {
				s.AddBreadcrumb(&core.Breadcrumb{Message: msg, Timestamp: at(sec)}, 100)
			}
			add(c.Scope(), "g1", 10)
			add(c.Scope(), "g2", 40)
			ctx := core.NewIsolationScope(context.Background())
			iso := core.IsolationScope(ctx)
			add(iso, "i1", 20)
			add(iso, "i2", 5) // stamped before everything, added after i1
			add(iso, "i3", 30)
			fork := core.NewIsolationScope(ctx) // inherits i1..i3
			add(core.IsolationScope(fork), "f1", 1)
			add(iso, "i4", 50) // after the fork: not the fork's
			cur := core.WithScope(fork)
			add(core.CurrentScope(cur), "c1", 25)

			c.CaptureMessage(ctx, "outer", core.LevelError)
			c.CaptureMessage(cur, "inner", core.LevelError)
			evs := flushed(t, c, mt, 2)
			msgs := func(ev *core.Event) []string {
				var out []string
				for _, b := range ev.Breadcrumbs {
					out = append(out, b.Message)
				}
				return out
			}
			// The isolation layer in its order (i1 i2 i3 i4), the global
			// one (g1 g2) merged by time: g1 (10) before i1 (20), g2 (40)
			// after i3 (30).
			assert.Equal(t, []string{"g1", "i1", "i2", "i3", "g2", "i4"}, msgs(evs[0]))
			// The fork's layer: what it inherited, then its own (i1 i2 i3
			// f1); the current scope's c1 (25) after i2 (whose 5 is not
			// later), before i3 (30).
			require.Len(t, evs[1].Breadcrumbs, 7)
			assert.Equal(t, []string{"g1", "i1", "i2", "c1", "i3", "f1", "g2"}, msgs(evs[1]))
		})
	}
}
