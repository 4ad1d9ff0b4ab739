package core_test

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/cputime"
)

// fillCrumbs adds n breadcrumbs to ctx's isolation scope the way the slog
// bridge does: two attributes added with With (Pre) and three of the
// record's own, lent.
func fillCrumbs(c *core.Client, ctx context.Context, n int) {
	pre := bridge.OwnAttrs([]slog.Attr{slog.String("service", "checkout"), slog.Int("shard", 7)})
	for i := 0; i < n; i++ {
		lent := [3]slog.Attr{slog.String("method", "GET"), slog.Int("status", 200), slog.Duration("elapsed", 3*time.Millisecond)}
		bridge.AddBreadcrumbAttrs(c, &bridge.Record{Level: core.LevelInfo, Message: "request served", Context: ctx, Pre: pre}, lent[:])
	}
}

// crumbsEvent is the error record of BenchmarkEventCrumbs.
func crumbsEvent(ctx context.Context) *bridge.Record {
	return &bridge.Record{Level: core.LevelError, Message: "request failed", Context: ctx,
		Attrs: []slog.Attr{slog.Any("error", fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))),
			slog.String("route", "/orders/{id}"), slog.Int("user_id", 42)}}
}

// BenchmarkEventCrumbs: an error record captured under a scope that holds
// n breadcrumbs (100: a full ring), the whole pipeline included (timed up
// to the worker's drain). cpu-ns/op is the process's CPU time, every
// goroutine included; allocs/op likewise counts the worker's. In
// "crumbs=100+1" a new breadcrumb joins the ring before each event (its
// cost included), so no two events carry the same ones.
func BenchmarkEventCrumbs(b *testing.B) {
	for _, n := range []int{0, 100, -100} {
		name := "crumbs=" + strconv.Itoa(n)
		if n < 0 {
			n = -n
			name = "crumbs=" + strconv.Itoa(n) + "+1"
		}
		fresh := name != "crumbs="+strconv.Itoa(n)
		b.Run(name, func(b *testing.B) {
			c := benchClient(b)
			ctx := core.NewIsolationScope(context.Background())
			fillCrumbs(c, ctx, n)
			rec := crumbsEvent(ctx)
			bridge.CaptureRecord(c, rec)
			c.Flush(context.Background())
			b.ReportAllocs()
			cpu0 := int64(cputime.Process())
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if fresh {
					fillCrumbs(c, ctx, 1)
				}
				bridge.CaptureRecord(c, rec)
			}
			c.Flush(context.Background())
			b.StopTimer()
			b.ReportMetric(float64(int64(cputime.Process())-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
