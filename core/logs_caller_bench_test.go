package core

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// BenchmarkCaptureLog measures the logging goroutine's share of a log
// alone: the worker is held in BeforeSendLog and the queue's chunks are
// there already, as in a steady state.
func BenchmarkCaptureLog(b *testing.B) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	c, err := New(Options{Transport: &DiscardTransport{}, LogsBuffer: 1 << 16, LogStorm: StormOptions{Disabled: true},
		BeforeSendLog: func(l *Log) *Log {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
			return l
		}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(context.Background())
	defer close(release)
	r := &record{Message: "park"}
	c.captureLog(r, LogInfo, nil)
	go c.Flush(context.Background())
	<-entered
	lp := c.logs
	// recycle does the worker's part of keeping the chunks in use: the
	// records queued go back to the free list.
	recycle := func() {
		lp.mu.Lock()
		for _, ch := range lp.chunks {
			ch.reset()
			lp.free = append(lp.free, ch)
		}
		lp.chunks, lp.queued = nil, 0
		lp.mu.Unlock()
	}
	pre := []slog.Attr{slog.String("service", "checkout"), slog.Int("shard", 7)}
	ctx := context.Background()
	now := time.Now() // the clock is the caller's, not the client's
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i%logChunkLen == 0 {
			b.StopTimer()
			recycle()
			b.StartTimer()
		}
		attrs := [...]slog.Attr{slog.String("method", "GET"), slog.Int("status", 200), slog.Duration("elapsed", 3*time.Millisecond)}
		r := record{Time: now, Message: "request served", Origin: "auto.log.slog", Pre: pre, Context: ctx, PC: 1}
		c.captureLog(&r, LogInfo, attrs[:])
	}
}
