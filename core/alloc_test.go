package core

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"testing"

	"github.com/sentrylog/sentrylog/internal/race"
)

// heldClient returns a client whose worker does not run until release is
// called, so allocation counts are those of the capturing goroutine only.
func heldClient(t testing.TB) (c *Client, release func()) {
	t.Helper()
	holdWorker = make(chan struct{})
	defer func() { holdWorker = nil }()
	c, err := New(Options{Transport: &DiscardTransport{}, QueueSize: 100000, Storm: StormOptions{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	h := holdWorker
	released := false
	release = func() {
		if !released {
			released = true
			close(h)
		}
	}
	t.Cleanup(func() { release(); c.Close(context.Background()) })
	return c, release
}

func wrapped2() error {
	return fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))
}

// TestAllocsCaptureCaller asserts the capture calls' allocations on the
// caller's goroutine (issue goal: at most 10 for CaptureException).
func TestAllocsCaptureCaller(t *testing.T) {
	race.SkipAllocs(t)
	c, _ := heldClient(t)
	err := wrapped2()
	ctx := NewIsolationScope(context.Background())
	got := testing.AllocsPerRun(1000, func() { c.CaptureException(ctx, err) })
	t.Logf("CaptureException: %.1f allocations on the caller", got)
	if got > 10 {
		t.Errorf("CaptureException allocates %.1f times on the caller, want at most 10", got)
	}
	rec := &record{Level: LevelError, Message: "failed", Context: ctx, Pre: []slog.Attr{slog.String("svc", "a"), slog.Int("shard", 2)},
		Attrs: []slog.Attr{slog.Any("error", err), slog.String("user.id", "7")}}
	got = testing.AllocsPerRun(1000, func() { c.captureRecord(rec) })
	t.Logf("CaptureRecord: %.1f allocations on the caller", got)
	if got > 10 {
		t.Errorf("CaptureRecord allocates %.1f times on the caller, want at most 10", got)
	}
}
