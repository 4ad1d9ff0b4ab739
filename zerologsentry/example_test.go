//go:build !binary_log

package zerologsentry_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// exampleClient is a client that keeps events in memory, for the examples.
func exampleClient() (*core.Client, *core.MemoryTransport) {
	mt := core.NewMemoryTransport()
	c, err := core.New(core.Options{Transport: mt, ServerName: "example"})
	if err != nil {
		panic(err)
	}
	return c, mt
}

func closeClient(c *core.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Close(ctx)
}

// The set-up: the Writer wraps the program's output and is the hook. The
// output is unchanged; Error records become events with their fields.
func Example() {
	c, mt := exampleClient()
	defer closeClient(c)

	w := zerologsentry.NewWriter(os.Stdout, zerologsentry.Options{Client: c})
	logger := zerolog.New(w).Hook(w).With().Str("service", "billing").Logger()

	logger.Info().Int("invoices", 3).Msg("batch started")
	logger.Error().Err(errors.New("card declined")).Str("invoice", "INV-7").Msg("charge failed")

	c.Flush(context.Background())
	ev := mt.Events()[0]
	fmt.Println(ev.Level, ev.Message.Formatted)
	fmt.Println(ev.Exception[0].Type, ev.Exception[0].Value)
	fmt.Println(ev.Contexts["log"])
	fmt.Println(ev.Breadcrumbs[0].Message, ev.Breadcrumbs[0].Data)
	// Output:
	// {"level":"info","service":"billing","invoices":3,"message":"batch started"}
	// {"level":"error","service":"billing","error":"card declined","invoice":"INV-7","message":"charge failed"}
	// error charge failed
	// error card declined
	// map[invoice:INV-7 service:billing]
	// batch started map[invoices:3 service:billing]
}

// Per-request scopes: records logged with a request's context (Event.Ctx,
// or a logger made with Context.Ctx and kept by zerolog.Ctx) leave their
// breadcrumbs on that request's isolation scope only.
func Example_requestScope() {
	c, mt := exampleClient()
	defer closeClient(c)
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	base := zerolog.New(w).Hook(w)

	handle := func(id string, fail bool) {
		ctx := core.NewIsolationScope(context.Background())
		ctx = base.With().Ctx(ctx).Str("request", id).Logger().WithContext(ctx)
		zerolog.Ctx(ctx).Info().Msg("start " + id)
		if fail {
			zerolog.Ctx(ctx).Error().Msg("failed " + id)
		}
	}
	handle("a", false)
	handle("b", true)

	c.Flush(context.Background())
	for _, ev := range mt.Events() {
		fmt.Println(ev.Message.Formatted, "with", len(ev.Breadcrumbs), "breadcrumb:", ev.Breadcrumbs[0].Message)
	}
	// Output:
	// failed b with 1 breadcrumb: start b
}

// MarshalStack keeps the error itself for Sentry: its types and chain.
func ExampleMarshalStack() {
	zerolog.ErrorStackMarshaler = zerologsentry.MarshalStack
	defer func() { zerolog.ErrorStackMarshaler = nil }()

	c, mt := exampleClient()
	defer closeClient(c)
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	logger := zerolog.New(w).Hook(w).With().Stack().Logger()

	_, err := os.Open("/nonexistent/config.yaml")
	logger.Error().Err(fmt.Errorf("load config: %w", err)).Msg("startup failed")

	c.Flush(context.Background())
	exs := mt.Events()[0].Exception
	for _, ex := range exs {
		fmt.Println(ex.Type)
	}
	// The outermost is titled by the most informative error of the chain;
	// its own Go type is kept in its mechanism's data.
	fmt.Println(exs[len(exs)-1].Mechanism.Data["go_type"])
	fmt.Println(errors.Is(err, fs.ErrNotExist))
	// Output:
	// syscall.Errno
	// *fs.PathError
	// *fs.PathError
	// *fmt.wrapError
	// true
}

// Levels: breadcrumbs from Debug, events from Warn; Level(LevelOff)
// would turn either off.
func ExampleLevel() {
	c, mt := exampleClient()
	defer closeClient(c)
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{
		Client:          c,
		BreadcrumbLevel: zerologsentry.Level(zerolog.DebugLevel),
		EventLevel:      zerologsentry.Level(zerolog.WarnLevel),
	})
	logger := zerolog.New(w).Hook(w)
	logger.Trace().Msg("not sent")
	logger.Debug().Msg("a breadcrumb")
	logger.Warn().Msg("an event")

	c.Flush(context.Background())
	ev := mt.Events()[0]
	fmt.Println(ev.Level, ev.Message.Formatted, "after", ev.Breadcrumbs[0].Level, ev.Breadcrumbs[0].Message)
	// Output:
	// warning an event after debug a breadcrumb
}

// Fan-out goes inside the Writer: every writer it wraps gets the same
// lines, and the Writer sends them to Sentry once.
func Example_multiLevelWriter() {
	c, mt := exampleClient()
	defer closeClient(c)
	var file strings.Builder
	w := zerologsentry.NewWriter(zerolog.MultiLevelWriter(os.Stdout, &file), zerologsentry.Options{Client: c})
	logger := zerolog.New(w).Hook(w)

	logger.Error().Ctx(context.Background()).Msg("written twice, sent once")

	c.Flush(context.Background())
	fmt.Print(file.String())
	fmt.Println(len(mt.Events()), "event")
	// Output:
	// {"level":"error","message":"written twice, sent once"}
	// {"level":"error","message":"written twice, sent once"}
	// 1 event
}

// A fingerprint field decides how Sentry groups the events; secrets in
// fields are scrubbed before they leave.
func Example_fingerprintAndScrubbing() {
	c, mt := exampleClient()
	defer closeClient(c)
	w := zerologsentry.NewWriter(nil, zerologsentry.Options{Client: c})
	logger := zerolog.New(w).Hook(w)

	logger.Error().
		Strs("fingerprint", []string{"{{ default }}", "payment-gateway"}).
		Str("password", "hunter2").
		Msg("gateway timeout")

	c.Flush(context.Background())
	ev := mt.Events()[0]
	fmt.Println(ev.Fingerprint)
	fmt.Println(ev.Contexts["log"]["password"])
	// Output:
	// [{{ default }} payment-gateway]
	// [Filtered]
}
