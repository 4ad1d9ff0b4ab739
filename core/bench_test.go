package core_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"runtime"
	"testing"

	"github.com/sentrylog/sentrylog/core"
)

func benchClient(b *testing.B) *core.Client {
	c, err := core.New(core.Options{Transport: &core.DiscardTransport{}, QueueSize: 100000, Storm: core.StormOptions{Disabled: true}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// BenchmarkCaptureException: a 2-level wrapped error captured with its
// stack, the whole pipeline running on the worker against a discarding
// transport. ns/op includes the worker's share of the two cores; the
// caller's own allocations are asserted in TestAllocsCaptureCaller.
func BenchmarkCaptureException(b *testing.B) {
	c := benchClient(b)
	err := fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))
	ctx := core.NewIsolationScope(context.Background())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.CaptureException(ctx, err)
	}
	b.StopTimer()
	c.Flush(context.Background())
}

func BenchmarkCaptureRecord(b *testing.B) {
	c := benchClient(b)
	err := fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))
	ctx := core.NewIsolationScope(context.Background())
	rec := &core.Record{Level: core.LevelError, Message: "failed", Context: ctx,
		Pre:   []slog.Attr{slog.String("svc", "a"), slog.Int("shard", 2)},
		Attrs: []slog.Attr{slog.Any("error", err), slog.String("user.id", "7")}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.CaptureRecord(rec)
	}
	b.StopTimer()
	c.Flush(context.Background())
}

// BenchmarkStormSuppressed: the caller's cost of a record storm control
// suppresses (a hot loop of one error), which records the stack and hashes
// the error's types and the in-app frames' functions before deciding.
func BenchmarkStormSuppressed(b *testing.B) {
	c, err := core.New(core.Options{Transport: &core.DiscardTransport{}, Storm: core.StormOptions{GroupBurst: 1, GroupRate: 1e-9}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close(context.Background()) })
	e := fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))
	ctx := core.NewIsolationScope(context.Background())
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	attrs := []slog.Attr{slog.Any("error", e), slog.Int("id", 7)}
	b.ReportAllocs()
	for b.Loop() {
		c.CaptureRecord(&core.Record{Level: core.LevelError, Message: "query failed", Context: ctx, PC: pcs[0], Attrs: attrs})
	}
}
