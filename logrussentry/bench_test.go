package logrussentry_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
)

// The benchmarks share one workload: an entry with two fields added by
// WithFields, and records with three fields of their own (the event: an
// error and one more). The logger writes JSON to io.Discard at Info; the
// client drops events after building them (core.DiscardTransport) and has
// storm control off, so every record takes the full path. "logrus" is the
// logger alone, without the hook; "Fire" the hook alone, on a prepared
// entry.
//
//	go test -run='^$' -bench=. -benchmem -benchtime=200ms ./logrussentry/

// benchClient returns a client for benchmarks and allocation tests.
func benchClient(tb testing.TB) *core.Client { return testclient.Discarding(tb) }

// benchLogger is the workload's logger, with a hook bound to c when c is
// not nil.
func benchLogger(c *core.Client) *logrus.Entry {
	l := logrus.New()
	l.Out = io.Discard
	l.Formatter = &logrus.JSONFormatter{}
	if c != nil {
		l.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c}))
	}
	return l.WithFields(logrus.Fields{"service": "checkout", "attempt": 3})
}

var benchErr = fmt.Errorf("handler: %w", fmt.Errorf("query: %w", sql.ErrNoRows))

func logDisabled(l *logrus.Entry, ctx context.Context) {
	l.WithContext(ctx).WithFields(logrus.Fields{"key": "user:42", "hit": true, "size": 128}).Debug("cache lookup")
}

func logBreadcrumb(l *logrus.Entry, ctx context.Context) {
	l.WithContext(ctx).WithFields(logrus.Fields{"key": "user:42", "hit": true, "size": 128}).Info("cache lookup")
}

func logEvent(l *logrus.Entry, ctx context.Context) {
	l.WithContext(ctx).WithFields(logrus.Fields{"error": benchErr, "route": "/orders/{id}"}).Error("request failed")
}

// Entries as logrus hands them to the hook: the accumulated and the
// record's own fields in one map.
func crumbEntry(ctx context.Context) *logrus.Entry {
	return &logrus.Entry{Level: logrus.InfoLevel, Message: "cache lookup", Time: time.Now(), Context: ctx,
		Data: logrus.Fields{"service": "checkout", "attempt": 3, "key": "user:42", "hit": true, "size": 128}}
}

func eventEntry(ctx context.Context) *logrus.Entry {
	return &logrus.Entry{Level: logrus.ErrorLevel, Message: "request failed", Time: time.Now(), Context: ctx,
		Data: logrus.Fields{"service": "checkout", "attempt": 3, "error": benchErr, "route": "/orders/{id}"}}
}

func benchPaths(b *testing.B, name string, c func(testing.TB) *core.Client) {
	ctx := core.NewIsolationScope(context.Background())
	for _, p := range []struct {
		path string
		log  func(*logrus.Entry, context.Context)
	}{{"Disabled", logDisabled}, {"Breadcrumb", logBreadcrumb}, {"Event", logEvent}} {
		b.Run(p.path+"/"+name, func(b *testing.B) {
			l := benchLogger(c(b))
			b.ReportAllocs()
			for b.Loop() {
				p.log(l, ctx)
			}
		})
	}
}

func BenchmarkLogger(b *testing.B) {
	benchPaths(b, "logrussentry", benchClient)
	benchPaths(b, "logrus", func(testing.TB) *core.Client { return nil })
}

func BenchmarkFire(b *testing.B) {
	ctx := core.NewIsolationScope(context.Background())
	for _, p := range []struct {
		path  string
		entry *logrus.Entry
	}{
		{"Disabled", &logrus.Entry{Level: logrus.DebugLevel, Message: "cache lookup", Data: logrus.Fields{}}},
		{"Breadcrumb", crumbEntry(ctx)},
		{"Event", eventEntry(ctx)},
	} {
		b.Run(p.path, func(b *testing.B) {
			h := logrussentry.NewHook(logrussentry.Options{Client: benchClient(b)})
			b.ReportAllocs()
			for b.Loop() {
				_ = h.Fire(p.entry)
			}
		})
	}
}
