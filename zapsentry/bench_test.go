package zapsentry_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// The workload is the one of the slogsentry benchmarks: a logger with two
// fields added by With; a disabled Debug and a breadcrumb Info with three
// fields of the entry; an Error with a twice-wrapped error and one more
// field.

var errBench = fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))

func benchLogger(tb testing.TB, c *core.Client, tee bool) *zap.Logger {
	var sc zapcore.Core = zapsentry.NewCore(zapsentry.Options{Client: c})
	if tee {
		cfg := zap.NewProductionEncoderConfig()
		other := zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(io.Discard), zapcore.InfoLevel)
		sc = zapcore.NewTee(other, sc)
	}
	return zap.New(sc).With(zap.String("service", "checkout"), zap.Int("attempt", 3))
}

func logDisabled(l *zap.Logger) {
	l.Debug("cache lookup", zap.String("key", "user:42"), zap.Bool("hit", true), zap.Int("size", 128))
}

func logBreadcrumb(l *zap.Logger) {
	l.Info("cache lookup", zap.String("key", "user:42"), zap.Bool("hit", true), zap.Int("size", 128))
}

func logEvent(l *zap.Logger) {
	l.Error("request failed", zap.NamedError("err", errBench), zap.String("route", "/orders/{id}"))
}

func benchClient(b *testing.B) *core.Client { return testclient.Discarding(b) }

func BenchmarkDisabled(b *testing.B) {
	for _, tee := range []bool{false, true} {
		b.Run(fmt.Sprint("tee=", tee), func(b *testing.B) {
			l := benchLogger(b, benchClient(b), tee)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				logDisabled(l)
			}
		})
	}
	// Check is zap's idiom for a disabled call without the []Field.
	b.Run("check", func(b *testing.B) {
		l := benchLogger(b, benchClient(b), true)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if ce := l.Check(zapcore.DebugLevel, "cache lookup"); ce != nil {
				ce.Write(zap.String("key", "user:42"), zap.Bool("hit", true), zap.Int("size", 128))
			}
		}
	})
}

func BenchmarkBreadcrumb(b *testing.B) {
	l := benchLogger(b, benchClient(b), false)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		logBreadcrumb(l)
	}
}

// BenchmarkEvent/pipeline runs the client's worker too (it competes for
// the CPU and drops what overflows the queue, reported as dropped/op);
// BenchmarkEvent/caller parks the worker, so it measures only the logging
// goroutine's work: conversion, record copy, scope snapshot, stack capture.
func BenchmarkEvent(b *testing.B) {
	b.Run("pipeline", func(b *testing.B) {
		c := benchClient(b)
		l := benchLogger(b, c, false)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			logEvent(l)
		}
		b.StopTimer()
		st := c.Stats()
		b.ReportMetric(float64(st.Dropped["queue_overflow:error"])/float64(b.N), "dropped/op")
	})
	b.Run("caller", func(b *testing.B) {
		l := benchLogger(b, testclient.Parked(b), false)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			logEvent(l)
		}
	})
	// The same with storm control on, as it is by default (bursts too
	// large to throttle): the cost of grouping the event.
	b.Run("caller-storm", func(b *testing.B) {
		c := testclient.ParkedWith(b, core.StormOptions{GroupBurst: 1 << 30, GlobalBurst: 1 << 30})
		l := benchLogger(b, c, false)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			logEvent(l)
		}
	})
}

// BenchmarkBaselineZap is zap alone with the same calls into a JSON core on
// io.Discard at Info: the cost zap itself has, for comparison.
func BenchmarkBaselineZap(b *testing.B) {
	cfg := zap.NewProductionEncoderConfig()
	l := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(io.Discard), zapcore.InfoLevel)).
		With(zap.String("service", "api"), zap.Int("version", 2))
	b.Run("disabled", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			logDisabled(l)
		}
	})
	b.Run("info", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			logBreadcrumb(l)
		}
	})
}

// BenchmarkBreadcrumbFloor is the workload's Info call into a core that
// takes every entry and does nothing with it: zap's own work (the fields,
// the clock, the checked entry), the floor under any core's breadcrumb.
func BenchmarkBreadcrumbFloor(b *testing.B) {
	l := zap.New(nopCore{}).With(zap.String("service", "checkout"), zap.Int("attempt", 3))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		logBreadcrumb(l)
	}
}

// nopCore is enabled for every level and drops what it is given.
type nopCore struct{}

func (nopCore) Enabled(zapcore.Level) bool          { return true }
func (c nopCore) With([]zapcore.Field) zapcore.Core { return c }
func (c nopCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, c)
}
func (nopCore) Write(zapcore.Entry, []zapcore.Field) error { return nil }
func (nopCore) Sync() error                                { return nil }

// BenchmarkBreadcrumbWrite is the Core's own part of a breadcrumb: Check
// and Write on a prepared entry and fields, without zap's Logger.
func BenchmarkBreadcrumbWrite(b *testing.B) {
	c := zapsentry.NewCore(zapsentry.Options{Client: benchClient(b)}).
		With([]zapcore.Field{zap.String("service", "checkout"), zap.Int("attempt", 3)})
	ent := zapcore.Entry{Level: zapcore.InfoLevel, Time: time.Now(), Message: "cache lookup"}
	fields := []zapcore.Field{zap.String("key", "user:42"), zap.Bool("hit", true), zap.Int("size", 128)}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if ce := c.Check(ent, nil); ce != nil {
			ce.Write(fields...)
		}
	}
}

// BenchmarkReqBreadcrumb is a breadcrumb on a new request scope each call:
// the scope, the request's logger and the first breadcrumb of the scope.
func BenchmarkReqBreadcrumb(b *testing.B) {
	l := benchLogger(b, benchClient(b), false)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		logBreadcrumb(l.With(zapsentry.Context(core.NewIsolationScope(context.Background()))))
	}
}
