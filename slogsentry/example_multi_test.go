//go:build go1.26

package slogsentry_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// With Go 1.26 and later, slog.NewMultiHandler puts the handler beside the
// one the program has.
func ExampleHandler_multiHandler() {
	mt := core.NewMemoryTransport()
	client, _ := core.New(core.Options{Transport: mt})
	defer client.Close(context.Background())

	logger := slog.New(slog.NewMultiHandler(
		slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: withoutTime}),
		slogsentry.NewHandler(slogsentry.Options{Client: client}),
	))
	logger.Info("cache warm", "entries", 512)
	logger.Error("cache lost", "entries", 0)

	client.Flush(context.Background())
	fmt.Println("sentry events:", len(mt.Events()))
	printEvent(mt.Events()[0])
	// Output:
	// level=INFO msg="cache warm" entries=512
	// level=ERROR msg="cache lost" entries=0
	// sentry events: 1
	// event error "cache lost"
	//   log: {"entries":0}
	//   breadcrumb info "cache warm" {"entries":512}
}
