// Command zap is a small net/http service that logs with go.uber.org/zap
// and reports to Sentry through zapsentry, teed with its usual core.
// Configure it with SENTRY_DSN (without it nothing is sent) and ADDR
// (default 127.0.0.1:8080):
//
//	SENTRY_DSN=... go run ./examples/zap
//	curl 'localhost:8080/checkout?user=ann'
//
// SIGINT or SIGTERM stops it: it drains requests, flushes and exits.
package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/examples/internal/service"
	"github.com/sentrylog/sentrylog/sentryhttp"
	"github.com/sentrylog/sentrylog/zapsentry"
)

var errDeclined = errors.New("card declined")

func main() {
	client, err := core.Init(core.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	existing := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.Lock(os.Stdout), zapcore.InfoLevel)
	logger := zap.New(zapcore.NewTee(existing, zapsentry.NewCore(zapsentry.Options{})), zap.AddCaller()).Named("shop")
	defer logger.Sync()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		log := logger.With(zapsentry.Context(r.Context())) // the request's scope
		core.SetUser(r.Context(), &core.User{ID: r.URL.Query().Get("user")})
		log.Info("cart loaded", zap.Int("items", 3))
		log.Error("checkout failed", zap.Error(fmt.Errorf("checkout: %w", errDeclined)))
		http.Error(w, "payment failed", http.StatusPaymentRequired)
	})
	if err := service.Run(client, sentryhttp.New(sentryhttp.Options{Recover: true}).Handle(mux)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
