package slogsentry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/sentryhttp"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// printEvent prints the parts of an event that examples look at.
func printEvent(ev *core.Event) {
	fmt.Printf("event %s %q\n", ev.Level, ev.Message.Formatted)
	if n := len(ev.Exception); n > 0 {
		fmt.Printf("  exception: %s\n", ev.Exception[n-1].Value)
	}
	if ev.User != nil {
		fmt.Printf("  user: %s\n", ev.User.ID)
	}
	if len(ev.Tags) > 0 {
		keys := make([]string, 0, len(ev.Tags))
		for k := range ev.Tags {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Printf("  tag %s=%s\n", k, ev.Tags[k])
		}
	}
	if lc := ev.Contexts["log"]; len(lc) > 0 {
		b, _ := json.Marshal(lc)
		fmt.Printf("  log: %s\n", b)
	}
	for _, b := range ev.Breadcrumbs {
		data, _ := json.Marshal(b.Data)
		fmt.Printf("  breadcrumb %s %q %s\n", b.Level, b.Message, data)
	}
}

// flushAndPrint flushes c and prints what reached mt.
func flushAndPrint(c *core.Client, mt *core.MemoryTransport) {
	c.Flush(context.Background())
	for _, ev := range mt.Events() {
		printEvent(ev)
	}
}

// Set-up: a client (here one that keeps events in memory; in a program,
// core.Init with a DSN) and a logger over the handler. Info and Warn records
// become breadcrumbs, Error records events carrying them. Breadcrumbs have no
// tags: their data keeps every attribute.
func ExampleNewHandler() {
	mt := core.NewMemoryTransport()
	client, _ := core.Init(core.Options{Transport: mt}) // in a program: the DSN
	defer client.Close(context.Background())

	logger := slog.New(slogsentry.NewHandler(slogsentry.Options{
		TagKeys: []string{"region"}, // these keys become tags
	})).With("region", "eu-west")

	logger.Debug("not sent: below the breadcrumb level")
	logger.Info("payment started", "order", 1042)
	logger.Error("payment failed", "order", 1042, "error", errors.New("card declined"))

	flushAndPrint(client, mt)
	// Output:
	// event error "payment failed"
	//   exception: card declined
	//   tag region=eu-west
	//   log: {"order":1042}
	//   breadcrumb info "payment started" {"order":1042,"region":"eu-west"}
}

// Per request: with the sentryhttp middleware every request has its own
// isolation scope. Logging with the request's context keeps its breadcrumbs
// and its user apart from those of other requests.
func ExampleHandler_perRequest() {
	mt := core.NewMemoryTransport()
	client, _ := core.New(core.Options{Transport: mt})
	defer client.Close(context.Background())
	logger := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: client}))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		core.SetUser(ctx, &core.User{ID: r.URL.Query().Get("user")})
		logger.InfoContext(ctx, "order loaded", "id", r.PathValue("id"))
		if r.PathValue("id") == "2" {
			logger.ErrorContext(ctx, "order is corrupt", "id", r.PathValue("id"))
			http.Error(w, "corrupt", http.StatusInternalServerError)
		}
	})
	srv := sentryhttp.New(sentryhttp.Options{Client: client}).Handle(mux)
	for _, url := range []string{"/orders/1?user=ann", "/orders/2?user=bob"} {
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", url, nil))
	}

	flushAndPrint(client, mt)
	// Output:
	// event error "order is corrupt"
	//   user: bob
	//   log: {"id":"2"}
	//   breadcrumb info "order loaded" {"id":"2"}
}

// fanout sends each record to every handler enabled for it, as
// slog.NewMultiHandler does from Go 1.26 on.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool {
	return slices.ContainsFunc(f, func(h slog.Handler) bool { return h.Enabled(ctx, l) })
}

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range f {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (f fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}

// withoutTime drops the time from the JSON output, so that the example's
// output is the same on every run.
func withoutTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

// Beside a JSON handler: the program's log output is unchanged, and Sentry
// receives the records at its levels.
func ExampleHandler_besideJSON() {
	mt := core.NewMemoryTransport()
	client, _ := core.New(core.Options{Transport: mt})
	defer client.Close(context.Background())

	logger := slog.New(fanout{
		slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: withoutTime}),
		slogsentry.NewHandler(slogsentry.Options{Client: client}),
	})
	logger = logger.With("service", "billing").WithGroup("job")
	logger.Debug("tick")
	logger.Warn("retrying", "attempt", 2)
	logger.Error("gave up", "err", fmt.Errorf("invoice 7: %w", errors.New("timeout")))

	client.Flush(context.Background())
	fmt.Println(strings.Repeat("-", 5))
	for _, ev := range mt.Events() {
		printEvent(ev)
	}
	// Output:
	// {"level":"DEBUG","msg":"tick","service":"billing"}
	// {"level":"WARN","msg":"retrying","service":"billing","job":{"attempt":2}}
	// {"level":"ERROR","msg":"gave up","service":"billing","job":{"err":"invoice 7: timeout"}}
	// -----
	// event error "gave up"
	//   exception: invoice 7: timeout
	//   log: {"service":"billing"}
	//   breadcrumb warning "retrying" {"job":{"attempt":2},"service":"billing"}
}
