package core

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"testing"
)

// BenchmarkProcessRecord is the worker's work for one record event (the
// bench module's Event workload), on one goroutine: what a capture costs
// after the logging goroutine handed it over, up to the hand-off to a
// transport that gives the event back at once (DiscardTransport), garbage
// collection included.
func BenchmarkProcessRecord(b *testing.B) {
	c, err := New(Options{Transport: &DiscardTransport{}, Storm: StormOptions{Disabled: true}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(context.Background())
	ctx := NewIsolationScope(context.Background())
	r := &record{Level: LevelError, Message: "request failed", Context: ctx, Origin: "auto.log.slog",
		Attrs: []slog.Attr{
			slog.Any("error", fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))),
			slog.String("route", "/orders/{id}"), slog.Int("user_id", 42),
		}}
	b.ReportAllocs()
	for b.Loop() {
		p := c.getPending()
		p.kind = kindRecord
		c.prepare(p, ctx, 0)
		p.rec = *r
		p.attrBuf = ownAttrs(p.attrBuf[:0], r.Attrs)
		p.rec.Attrs = p.attrBuf
		p.id = newEventID()
		ev := c.process(p)
		if ev == nil {
			b.Fatal("dropped")
		}
		c.send(ev)
		c.putPending(p)
	}
}
