package zapsentry_test

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

type minCrumb struct {
	t     time.Time
	msg   string
	attrs []slog.Attr
	pre   []slog.Attr
}

type minCore struct {
	mu   *sync.Mutex
	ring []minCrumb
	head *int
}

func (*minCore) Enabled(zapcore.Level) bool          { return true }
func (c *minCore) With([]zapcore.Field) zapcore.Core { return c }
func (c *minCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, c)
}
func (c *minCore) Write(e zapcore.Entry, fs []zapcore.Field) error {
	attrs := make([]slog.Attr, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		switch f.Type {
		case zapcore.StringType:
			attrs = append(attrs, slog.String(f.Key, f.String))
		case zapcore.Int64Type:
			attrs = append(attrs, slog.Int64(f.Key, f.Integer))
		case zapcore.BoolType:
			attrs = append(attrs, slog.Bool(f.Key, f.Integer == 1))
		}
	}
	c.mu.Lock()
	c.ring[*c.head] = minCrumb{t: e.Time, msg: e.Message, attrs: attrs}
	*c.head = (*c.head + 1) % len(c.ring)
	c.mu.Unlock()
	return nil
}
func (*minCore) Sync() error { return nil }

func BenchmarkBreadcrumbMin(b *testing.B) {
	l := zap.New(&minCore{mu: new(sync.Mutex), ring: make([]minCrumb, 100), head: new(int)}).With(zap.String("service", "checkout"), zap.Int("attempt", 3))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		logBreadcrumb(l)
	}
}

type minCrumb2 struct {
	t     time.Time
	msg   string
	inl   [4]slog.Attr
	n     int
	attrs []slog.Attr
	pre   []slog.Attr
}

type minCore2 struct {
	mu   sync.Mutex
	ring []minCrumb2
	head int
}

func (*minCore2) Enabled(zapcore.Level) bool          { return true }
func (c *minCore2) With([]zapcore.Field) zapcore.Core { return c }
func (c *minCore2) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, c)
}
func (c *minCore2) Write(e zapcore.Entry, fs []zapcore.Field) error {
	var cr minCrumb2
	cr.t, cr.msg = e.Time, e.Message
	for i := range fs {
		f := &fs[i]
		switch f.Type {
		case zapcore.StringType:
			cr.inl[cr.n] = slog.String(f.Key, f.String)
		case zapcore.Int64Type:
			cr.inl[cr.n] = slog.Int64(f.Key, f.Integer)
		case zapcore.BoolType:
			cr.inl[cr.n] = slog.Bool(f.Key, f.Integer == 1)
		}
		cr.n++
	}
	c.mu.Lock()
	c.ring[c.head] = cr
	c.head = (c.head + 1) % len(c.ring)
	c.mu.Unlock()
	return nil
}
func (*minCore2) Sync() error { return nil }

func BenchmarkBreadcrumbMinInline(b *testing.B) {
	l := zap.New(&minCore2{ring: make([]minCrumb2, 100)}).With(zap.String("service", "checkout"), zap.Int("attempt", 3))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		logBreadcrumb(l)
	}
}
