// Command zerolog is a small net/http service that logs with
// github.com/rs/zerolog and reports to Sentry through zerologsentry.
// Configure it with SENTRY_DSN (without it nothing is sent) and ADDR
// (default 127.0.0.1:8080):
//
//	SENTRY_DSN=... go run ./examples/zerolog
//	curl 'localhost:8080/checkout?user=ann'
//
// SIGINT or SIGTERM stops it: it drains requests, flushes and exits.
package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/examples/internal/service"
	"github.com/sentrylog/sentrylog/sentryhttp"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

var errDeclined = errors.New("card declined")

func main() {
	client, err := core.Init(core.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Real Go error types and stacks in Sentry (optional).
	zerolog.ErrorStackMarshaler = zerologsentry.MarshalStack
	w := zerologsentry.NewWriter(os.Stdout, zerologsentry.Options{Logger: "shop"})
	logger := zerolog.New(w).Hook(w).With().Timestamp().Logger()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", func(rw http.ResponseWriter, r *http.Request) {
		ctx := logger.WithContext(r.Context()) // log.Ctx(ctx) finds the logger
		core.SetUser(ctx, &core.User{ID: r.URL.Query().Get("user")})
		zlog := zerolog.Ctx(ctx)
		zlog.Info().Ctx(ctx).Int("items", 3).Msg("cart loaded")
		zlog.Error().Ctx(ctx).Stack().Err(fmt.Errorf("checkout: %w", errDeclined)).Msg("checkout failed")
		http.Error(rw, "payment failed", http.StatusPaymentRequired)
	})
	if err := service.Run(client, sentryhttp.New(sentryhttp.Options{Recover: true}).Handle(mux)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
