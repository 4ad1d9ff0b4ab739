package core

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// BenchmarkLogWorker measures the log worker's own work per log: convert,
// storm control, scrub, cut, encode, for batches of maxLogsPerEnvelope.
func BenchmarkLogWorker(b *testing.B) {
	c, err := New(Options{Transport: &DiscardTransport{}, ServerName: "bench", LogStorm: StormOptions{Disabled: true}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(context.Background())
	lp := &logPipe{c: c, lt: &DiscardTransport{}, after: time.NewTimer,
		free: make(chan *logEntry, logFreeList)}
	pre := []slog.Attr{slog.String("service", "checkout"), slog.Int("shard", 7)}
	attrs := []slog.Attr{slog.String("method", "GET"), slog.Int("status", 200), slog.Duration("elapsed", 3*time.Millisecond)}
	var pcs [1]uintptr
	pcs[0] = 1
	b.ReportAllocs()
	for b.Loop() {
		e := lp.getEntry()
		e.when, e.level, e.msg, e.origin, e.pre = time.Now(), LogInfo, "request served", "auto.log.slog", pre
		e.attrs = ownAttrs(e.attrs[:0], attrs)
		e.global = c.global.load()
		lp.take(e)
	}
	lp.send()
}
