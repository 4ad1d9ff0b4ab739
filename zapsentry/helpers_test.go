package zapsentry_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// newClient returns a client that keeps its events in memory, with storm
// control off; it is closed when the test ends.
func newClient(t testing.TB) (*core.Client, *core.MemoryTransport) {
	t.Helper()
	return testclient.New(t, core.Options{Storm: core.StormOptions{Disabled: true}})
}

// newLogger returns a zap logger writing only to a Core on a fresh client.
func newLogger(t testing.TB, opts zapsentry.Options, zopts ...zap.Option) (*zap.Logger, *core.Client, *core.MemoryTransport) {
	t.Helper()
	c, mt := newClient(t)
	opts.Client = c
	return zap.New(zapsentry.NewCore(opts), zopts...), c, mt
}

// asJSON returns the event as generic JSON data, as a receiver sees it.
func asJSON(t testing.TB, ev *core.Event) map[string]any {
	t.Helper()
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// logContext returns the event's "log" context as generic JSON data.
func logContext(t testing.TB, ev *core.Event) map[string]any {
	t.Helper()
	m := asJSON(t, ev)
	ctxs, _ := m["contexts"].(map[string]any)
	lc, _ := ctxs["log"].(map[string]any)
	return lc
}

var _ zapcore.Core = (*zapsentry.Core)(nil)
