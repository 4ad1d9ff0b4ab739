// Command logrus is a small net/http service that logs with logrus and
// reports to Sentry through logrussentry. Configure it with SENTRY_DSN
// (without it nothing is sent) and ADDR (default 127.0.0.1:8080):
//
//	SENTRY_DSN=... go run ./examples/logrus
//	curl 'localhost:8080/checkout?user=ann'   # an error event with its breadcrumbs
//	curl localhost:8080/panic                 # a panic, captured and answered 500
//
// SIGINT or SIGTERM stops it: it drains requests, flushes and exits.
package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/sirupsen/logrus"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/sentryhttp"
	"github.com/sentrylog/sentrylog/examples/internal/service"
	"github.com/sentrylog/sentrylog/logrussentry"
)

var errDeclined = errors.New("card declined")

func main() {
	client, err := core.Init(core.Options{}) // SENTRY_DSN, SENTRY_RELEASE, SENTRY_ENVIRONMENT
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The usual JSON output, and Sentry beside it.
	logger := logrus.New()
	logger.Out = os.Stdout
	logger.Formatter = &logrus.JSONFormatter{}
	logger.AddHook(logrussentry.NewHook(logrussentry.Options{Logger: "shop"}))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		core.SetUser(ctx, &core.User{ID: r.URL.Query().Get("user")})
		log := logger.WithContext(ctx) // this request's scope
		log.WithField("items", 3).Info("cart loaded")
		err := fmt.Errorf("checkout: %w", errDeclined)
		log.WithError(err).Error("checkout failed")
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
