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
	lp := &logPipe{c: c, lt: &DiscardTransport{}, after: time.NewTimer}
	pre := []slog.Attr{slog.String("service", "checkout"), slog.Int("shard", 7)}
	attrs := []slog.Attr{slog.String("method", "GET"), slog.Int("status", 200), slog.Duration("elapsed", 3*time.Millisecond)}
	var pcs [1]uintptr
	pcs[0] = 1
	b.ReportAllocs()
	for b.Loop() {
		var b logChunk
		e := logEntry{when: time.Now(), level: LogInfo, msg: "request served", origin: "auto.log.slog", pre: pre,
			global: c.global.load(), a1: int32(len(attrs))}
		b.attrs = attrs
		lp.take(&b, &e)
	}
	lp.send()
}
