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
	lp := newLogPipe(c)
	pre := []slog.Attr{slog.String("service", "checkout"), slog.Int("shard", 7)}
	attrs := []slog.Attr{slog.String("method", "GET"), slog.Int("status", 200), slog.Duration("elapsed", 3*time.Millisecond)}
	ch := newLogChunk()
	ch.attrs = append(ch.attrs, attrs...)
	e := logEntry{when: time.Now(), level: LogInfo, msg: "request served", origin: "auto.log.slog", pre: pre,
		global: c.global.load(), a1: int32(len(attrs)), pc: 1}
	b.ReportAllocs()
	for b.Loop() {
		lp.take(ch, &e)
	}
	lp.send()
}
