package zapsentry_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// exampleClient returns a client that keeps events in memory; a real
// program calls core.Init with a DSN instead.
func exampleClient() (*core.Client, *core.MemoryTransport) {
	mt := core.NewMemoryTransport()
	c, err := core.New(core.Options{Transport: mt})
	if err != nil {
		panic(err)
	}
	return c, mt
}

// The Core is teed with the core the program already has; that core's
// output does not change.
func Example() {
	client, mt := exampleClient()
	defer client.Close(context.Background())

	cfg := zap.NewProductionEncoderConfig()
	cfg.TimeKey = ""
	existing := zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(os.Stdout), zapcore.InfoLevel)
	logger := zap.New(zapcore.NewTee(existing, zapsentry.NewCore(zapsentry.Options{Client: client})))

	logger.Info("loading config", zap.String("path", "app.yaml"))
	err := fmt.Errorf("load config: %w", errors.New("file not found"))
	logger.Error("startup failed", zap.Error(err), zap.Int("attempt", 3))
	_ = logger.Sync()

	ev := mt.Events()[0]
	fmt.Println(ev.Level, ev.Message.Formatted)
	fmt.Println(ev.Exception[len(ev.Exception)-1].Value)
	fmt.Println("attempt:", ev.Contexts["log"]["attempt"])
	fmt.Println("breadcrumb:", ev.Breadcrumbs[0].Message, ev.Breadcrumbs[0].Data["path"])
	// Output:
	// {"level":"info","msg":"loading config","path":"app.yaml"}
	// {"level":"error","msg":"startup failed","error":"load config: file not found","attempt":3}
	// error startup failed
	// load config: file not found
	// attempt: 3
	// breadcrumb: loading config app.yaml
}

// A request logger carries the request's context: its breadcrumbs stay
// with the request, and its events get the request's scope.
func ExampleContext() {
	client, mt := exampleClient()
	defer client.Close(context.Background())
	logger := zap.New(zapsentry.NewCore(zapsentry.Options{Client: client}))

	handle := func(ctx context.Context, user string) {
		ctx = core.NewIsolationScope(ctx) // the HTTP middleware does this per request
		core.SetUser(ctx, &core.User{ID: user})
		log := logger.With(zapsentry.Context(ctx), zap.String("user", user))
		log.Info("fetching orders")
		if user == "u2" {
			log.Error("orders unavailable")
		}
	}
	handle(context.Background(), "u1")
	handle(context.Background(), "u2")
	_ = logger.Sync()

	for _, ev := range mt.Events() {
		fmt.Println(ev.Message.Formatted, "for", ev.User.ID, "with", len(ev.Breadcrumbs), "breadcrumb")
	}
	// Output:
	// orders unavailable for u2 with 1 breadcrumb
}

// Fields named in TagKeys become tags; a "fingerprint" field sets the
// event's grouping.
func ExampleOptions() {
	client, mt := exampleClient()
	defer client.Close(context.Background())
	logger := zap.New(zapsentry.NewCore(zapsentry.Options{
		Client:          client,
		BreadcrumbLevel: zapcore.DebugLevel,
		EventLevel:      zapcore.WarnLevel,
		TagKeys:         []string{"tenant", "http.route"},
	})).Named("billing")

	logger.Warn("invoice rejected",
		zap.String("tenant", "acme"),
		zap.Strings("fingerprint", []string{"{{ default }}", "invoice"}),
		zap.Namespace("http"), zap.String("route", "/invoices"))
	_ = logger.Sync()

	ev := mt.Events()[0]
	fmt.Println(ev.Logger, ev.Level)
	fmt.Println(ev.Tags["tenant"], ev.Tags["http.route"])
	fmt.Println(ev.Fingerprint)
	// Output:
	// billing warning
	// acme /invoices
	// [{{ default }} invoice]
}

// With LevelOff as the event level the Core only leaves breadcrumbs, for events
// captured by other means.
func Example_breadcrumbsOnly() {
	client, mt := exampleClient()
	defer client.Close(context.Background())
	logger := zap.New(zapsentry.NewCore(zapsentry.Options{Client: client, EventLevel: zapsentry.LevelOff}))

	logger.Error("retrying", zap.Int("try", 1))
	client.CaptureException(context.Background(), errors.New("gave up"))
	_ = logger.Sync()

	ev := mt.Events()[0]
	fmt.Println(ev.Exception[0].Value, "after:", ev.Breadcrumbs[0].Message)
	// Output:
	// gave up after: retrying
}
