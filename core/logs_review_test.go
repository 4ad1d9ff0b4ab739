package core_test

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingTransport is a program's own transport built on MemoryTransport:
// it embeds it and adds to Send, and so keeps logs the way MemoryTransport
// does.
type countingTransport struct {
	*core.MemoryTransport
	sent int
}

func (t *countingTransport) Send(ev *core.Event) {
	t.sent++
	t.MemoryTransport.Send(ev)
}

// A transport that embeds MemoryTransport keeps real logs: Logs returns
// them as MemoryTransport alone does, not empty entries.
func TestLogsOfEmbeddedMemoryTransport(t *testing.T) {
	ct := &countingTransport{MemoryTransport: core.NewMemoryTransport()}
	c, err := core.New(core.Options{DSN: "http://pub@127.0.0.1:1/1", Transport: ct})
	require.NoError(t, err)
	defer c.Close(t.Context())
	for i := range 3 {
		bridge.CaptureLog(c, &bridge.Record{Message: fmt.Sprint("m", i), Attrs: []slog.Attr{slog.Int("i", i)}}, core.LogInfo, nil)
	}
	flushC(t, c)
	logs := ct.Logs()
	require.Len(t, logs, 3)
	for i, l := range logs {
		require.NotNil(t, l, "log %d", i)
		assert.Equal(t, fmt.Sprint("m", i), l.Body)
		v, ok := l.Attr("i")
		require.True(t, ok)
		assert.EqualValues(t, i, v.Int64())
	}
}
