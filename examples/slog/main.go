// Command slog is a small net/http service that logs with log/slog and
// reports to Sentry through slogsentry. Configure it with SENTRY_DSN (without
// it nothing is sent) and ADDR (default 127.0.0.1:8080):
//
//	SENTRY_DSN=... go run ./examples/slog
//	curl 'localhost:8080/checkout?user=ann'   # an error event with its breadcrumbs
//	curl localhost:8080/panic                 # a panic, captured and answered 500
//
// SIGINT or SIGTERM stops it: it drains requests, flushes and exits.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/examples/internal/fanout"
	"github.com/sentrylog/sentrylog/examples/internal/service"
	"github.com/sentrylog/sentrylog/sentryhttp"
	"github.com/sentrylog/sentrylog/slogsentry"
)

var errDeclined = errors.New("card declined")

func main() {
	client, err := core.Init(core.Options{}) // SENTRY_DSN, SENTRY_RELEASE, SENTRY_ENVIRONMENT
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The usual JSON output, and Sentry beside it.
	log := slog.New(fanout.Handler{slog.NewJSONHandler(os.Stdout, nil), slogsentry.NewHandler(slogsentry.Options{Logger: "shop"})})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		core.SetUser(ctx, &core.User{ID: r.URL.Query().Get("user")})
		log.InfoContext(ctx, "cart loaded", "items", 3)
		err := fmt.Errorf("checkout: %w", errDeclined)
		log.ErrorContext(ctx, "checkout failed", "error", err)
		http.Error(w, "payment failed", http.StatusPaymentRequired)
	})
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		var m map[string]int
		m["boom"]++ // assignment to a nil map
	})
	if err := service.Run(client, sentryhttp.New(sentryhttp.Options{Recover: true}).Handle(mux)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
