package core_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/sentrylog/sentrylog/core"
)

// Ignore rules fit Go's errors: a sentinel anywhere in the chain, a type
// anywhere in the chain, or a pattern on the message.
func ExampleIgnoreRule() {
	mt := core.NewMemoryTransport()
	c, _ := core.New(core.Options{Transport: mt, IgnoreErrors: []core.IgnoreRule{
		core.IgnoreError(context.Canceled),
		core.IgnoreType[*fs.PathError](),
		core.IgnoreMessage(regexp.MustCompile(`^healthcheck`)),
	}})
	defer c.Close(context.Background())

	ctx := context.Background()
	c.CaptureException(ctx, fmt.Errorf("query: %w", context.Canceled))
	c.CaptureException(ctx, &fs.PathError{Op: "open", Path: "cfg.yaml", Err: fs.ErrNotExist})
	c.CaptureException(ctx, errors.New("healthcheck: db down"))
	c.CaptureException(ctx, errors.New("payment declined"))
	c.Flush(ctx)

	for _, ev := range mt.Events() {
		fmt.Println(ev.Exception[0].Value)
	}
	fmt.Println("ignored:", c.Stats().Dropped["ignored:error"])
	// Output:
	// payment declined
	// ignored: 3
}

// Each request or task gets its own isolation scope; what is set on it
// stays with the events captured under it.
func ExampleNewIsolationScope() {
	mt := core.NewMemoryTransport()
	c, _ := core.New(core.Options{Transport: mt})
	defer c.Close(context.Background())

	ctx := core.NewIsolationScope(context.Background())
	core.IsolationScope(ctx).SetUser(&core.User{ID: "42"})
	core.IsolationScope(ctx).SetTag("route", "/checkout")
	c.AddBreadcrumb(ctx, &core.Breadcrumb{Category: "db", Message: "SELECT 1"})
	c.CaptureException(ctx, errors.New("card declined"))
	c.Flush(ctx)

	ev := mt.Events()[0]
	fmt.Println(ev.User.ID, ev.Tags["route"], ev.Breadcrumbs[0].Message)
	// Output: 42 /checkout SELECT 1
}

// Init makes the process-wide client that the package's functions use. A
// program normally leaves Options empty (the DSN comes from SENTRY_DSN); the
// memory transport here keeps the events to print them.
func ExampleInit() {
	mt := core.NewMemoryTransport()
	client, err := core.Init(core.Options{Transport: mt, Release: "shop@1.2.0"})
	if err != nil {
		panic(err) // invalid options only
	}
	defer client.Close(context.Background())

	ctx := core.NewIsolationScope(context.Background())
	core.SetTag(ctx, "tenant", "acme")
	core.CaptureException(ctx, fmt.Errorf("charge card: %w", errors.New("declined")))
	core.Flush(ctx)

	ev := mt.Events()[0]
	fmt.Println(ev.Release, ev.Tags["tenant"], ev.Exception[len(ev.Exception)-1].Value)
	// Output: shop@1.2.0 acme charge card: declined
}
