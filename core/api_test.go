package core_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// Per-request data set on a context without an isolation scope goes to the
// global scope; in debug mode the client warns, once per setter.
func TestPerRequestDataOnGlobalScopeWarnsOnce(t *testing.T) {
	var dbg testclient.Buffer
	mt := core.NewMemoryTransport()
	c, err := core.Init(core.Options{Transport: mt, Debug: true, DebugWriter: &dbg, Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	t.Cleanup(func() { core.SetCurrentClient(nil); c.Close(context.Background()) })

	ctx := context.Background()
	core.SetUser(ctx, &core.User{ID: "u1"})
	core.SetUser(ctx, &core.User{ID: "u2"})
	core.SetTag(ctx, "tenant", "a")
	require.Equal(t, 1, strings.Count(dbg.String(), "SetUser on a context without an isolation scope"), dbg.String())
	require.Equal(t, 1, strings.Count(dbg.String(), "SetTag on a context without an isolation scope"), dbg.String())
	c.CaptureMessage(ctx, "m", core.LevelError)
	require.True(t, c.Flush(context.Background()))
	require.Equal(t, "u2", mt.Events()[0].User.ID, "the value still goes to the global scope")

	before := dbg.String()
	req := core.NewIsolationScope(ctx)
	core.SetUser(req, &core.User{ID: "u3"})
	core.SetTag(req, "tenant", "b")
	require.Equal(t, before, dbg.String(), "an isolation scope draws no warning")
}
