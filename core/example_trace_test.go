package core_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/sentrylog/sentrylog/core"
)

// A queue consumer continues the trace of the service that published the
// message: the job's events join that trace, under the publisher's span.
func ExampleContinueTrace() {
	mt := core.NewMemoryTransport()
	c, _ := core.New(core.Options{Transport: mt})
	defer c.Close(context.Background())

	msgHeaders := map[string]string{
		"sentry-trace": "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
		"baggage":      "sentry-trace_id=4bf92f3577b34da6a3ce929d0e0e4736,sentry-public_key=abc,sentry-release=api%401.2",
	}
	ctx := core.ContinueTrace(context.Background(), func(k string) string { return msgHeaders[k] })
	c.CaptureException(ctx, errors.New("job failed"))
	c.Flush(ctx)

	ev := mt.Events()[0]
	fmt.Println("trace:", ev.Contexts["trace"]["trace_id"])
	fmt.Println("parent:", ev.Contexts["trace"]["parent_span_id"])
	fmt.Println("dsc release:", ev.DSC["release"])

	// Passing the trace on to the next message.
	sentryTrace, _, baggage := c.PropagationHeaders(ctx, "")
	fmt.Println(sentryTrace[:32], sentryTrace[49:])
	fmt.Println(baggage)
	// Output:
	// trace: 4bf92f3577b34da6a3ce929d0e0e4736
	// parent: 00f067aa0ba902b7
	// dsc release: api@1.2
	// 4bf92f3577b34da6a3ce929d0e0e4736 -1
	// sentry-trace_id=4bf92f3577b34da6a3ce929d0e0e4736,sentry-public_key=abc,sentry-release=api@1.2
}
