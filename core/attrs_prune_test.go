package core

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrimaryErrorLeavesNoEmptyGroup: the event's error is taken out of the
// log context; a group it leaves empty goes too, one that keeps other
// attributes stays, and a record without groups keeps its attributes.
func TestPrimaryErrorLeavesNoEmptyGroup(t *testing.T) {
	mt := NewMemoryTransport()
	c, err := New(Options{Transport: mt, Storm: StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	boom := errors.New("boom")
	for _, attrs := range [][]slog.Attr{
		{slog.Group("req", slog.Any("error", boom))},
		{slog.Group("req", slog.Any("error", boom), slog.String("id", "r-1"))},
		{slog.Any("error", boom), slog.String("route", "/x")},
	} {
		c.captureRecord(&record{Level: LevelError, Message: "failed", Attrs: attrs})
	}
	require.True(t, c.Flush(context.Background()))
	evs := mt.Events()
	require.Len(t, evs, 3)
	assert.NotContains(t, evs[0].Contexts["log"], "req", "a group left empty goes")
	assert.Equal(t, map[string]any{"id": "r-1"}, evs[1].Contexts["log"]["req"])
	assert.Equal(t, map[string]any{"route": "/x"}, evs[2].Contexts["log"])
	for _, ev := range evs {
		require.NotEmpty(t, ev.Exception)
		assert.Equal(t, "boom", ev.Exception[len(ev.Exception)-1].Value)
	}
}
