// Package service runs the examples' HTTP servers: it serves until SIGINT or
// SIGTERM, then drains the requests in flight and closes the Sentry client,
// which flushes what is queued.
package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sentrylog/sentrylog/core"
)

// Run serves h on the address in ADDR (default 127.0.0.1:8080) until SIGINT
// or SIGTERM, then shuts down within 5 s and closes client. It reports
// whether everything captured was delivered.
func Run(client *core.Client, h http.Handler) error {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintln(os.Stderr, "listening on", ln.Addr())
	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	fmt.Fprintln(os.Stderr, "shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if !client.Close(shutdown) {
		return fmt.Errorf("some events were not delivered: %v", client.Stats().Dropped)
	}
	return nil
}
