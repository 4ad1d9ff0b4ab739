package probe_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// TestProbeNilAndEmpty: nil and empty arguments everywhere never panic;
// what is captured is counted.
func TestProbeNilAndEmpty(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	//nolint:staticcheck // nil contexts on purpose
	var nilCtx context.Context
	assert.NotPanics(t, func() {
		c.CaptureException(nilCtx, nil)
		c.CaptureMessage(nilCtx, "", core.Level(0))
		c.CaptureEvent(nilCtx, nil)
		c.CaptureMessage(nilCtx, "odd level", core.Level(99))
		c.CaptureMessage(nilCtx, "negative level", core.Level(-5))
		c.AddBreadcrumb(nilCtx, &core.Breadcrumb{Level: core.Level(42), Message: "odd"})
		c.AddBreadcrumb(nilCtx, nil)
		c.AddBreadcrumb(nilCtx, &core.Breadcrumb{})
		core.SetUser(nilCtx, nil)
		core.SetContext(nilCtx, "", nil)
		core.SetTag(nilCtx, "", "")
		core.SetTags(nilCtx, nil)
		_ = core.WithScope(nilCtx)
		_ = core.NewIsolationScope(nilCtx)
		_ = core.IsolationScope(nilCtx)
		_ = core.CurrentScope(nilCtx)
		s := core.NewScope()
		s.SetContext("x", nil)
		s.SetExtra("", nil)
		s.SetFingerprint(nil)
		s.SetFingerprint([]string{})
		s.SetRequest(nil)
		s.SetUser(nil)
		s.AddBreadcrumb(nil, 10)
		s.RemoveTag("none")
		s.Clear()
		var nc *core.Client
		nc.CaptureException(context.Background(), nil)
		nc.CaptureMessage(context.Background(), "x", core.LevelError)
		nc.AddBreadcrumb(context.Background(), &core.Breadcrumb{})
		nc.Flush(context.Background())
		nc.Close(context.Background())
		_ = nc.Stats()
		_ = nc.Scope()
		for _, b := range bridges {
			b.make(c)(nilCtx, true, "", kv{"", nil}, kv{"error", nil})
			b.make(nil)(context.Background(), true, "no client")
		}
	})
	evs := testclient.Events(t, c, mt)
	st := c.Stats()
	var dropped int64
	for _, v := range st.Dropped {
		dropped += v
	}
	assert.Equal(t, st.Captured, st.Delivered+dropped)
	assert.EqualValues(t, len(evs), st.Delivered)
}
