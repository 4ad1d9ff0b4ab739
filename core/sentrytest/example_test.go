package sentrytest_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/sentrytest"
)

// A receiver outside a test (as the quickstart uses it): Start, point a
// client's DSN at it, and read back what arrived. In a test, use
// NewServer(t) instead, which closes itself.
func Example() {
	srv, err := sentrytest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	client, err := core.New(core.Options{DSN: srv.DSN(), Release: "shop@1.2.3"})
	if err != nil {
		panic(err)
	}
	ctx := core.NewIsolationScope(context.Background())
	core.IsolationScope(ctx).SetUser(&core.User{ID: "u-1"})
	client.CaptureException(ctx, fmt.Errorf("load cart: %w", fs.ErrNotExist))
	closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client.Close(closeCtx)

	events, err := srv.WaitForEvents(1, 5*time.Second)
	if err != nil {
		panic(err)
	}
	ev := events[0]
	fmt.Println(ev.Level, ev.Release, ev.User.ID)
	for _, ex := range ev.Exception {
		fmt.Printf("%s: %s\n", ex.Type, ex.Value)
	}
	fmt.Println(srv.Envelopes()[0].Request.ContentType)
	// Output:
	// error shop@1.2.3 u-1
	// *errors.errorString: file does not exist
	// fs.ErrNotExist: load cart: file does not exist
	// application/x-sentry-envelope
}

// Respond makes the receiver answer like an overloaded Sentry, to test what
// a client does then.
func ExampleServer_Respond() {
	srv, err := sentrytest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.Respond(func(*http.Request) (int, http.Header) {
		return http.StatusServiceUnavailable, nil
	})

	client, err := core.New(core.Options{DSN: srv.DSN()})
	if err != nil {
		panic(err)
	}
	client.CaptureException(context.Background(), errors.New("boom"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println("all delivered:", client.Close(ctx))

	rejected, _ := srv.WaitForRejections(1, 5*time.Second)
	fmt.Println("answered", rejected[0].Status, "to", rejected[0].Request.Path)
	fmt.Println("events kept:", len(srv.Events()))
	// Output:
	// all delivered: false
	// answered 503 to /api/1/envelope/
	// events kept: 0
}
