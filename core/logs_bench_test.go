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
	r := &record{Message: "request served", Origin: "auto.log.slog", Pre: pre, PC: 1}
	e := ch.put(r, LogInfo, time.Now().UnixNano(), attrs, nil, &logExtra{global: c.global.load()})
	b.ReportAllocs()
	for b.Loop() {
		lp.take(ch, e)
	}
	lp.send()
}
