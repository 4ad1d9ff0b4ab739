package logrussentry_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/logrussentry"
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

// exampleLogger is a logger writing JSON without timestamps to stdout, so
// that the output is the same on every run.
func exampleLogger() *logrus.Logger {
	l := logrus.New()
	l.Out = os.Stdout
	l.Formatter = &logrus.JSONFormatter{DisableTimestamp: true}
	return l
}

// The set-up: the hook sits beside the logger's output, which is
// unchanged; Error records become events with their fields, Info records
// breadcrumbs.
func Example() {
	c, mt := exampleClient()
	defer closeClient(c)

	logger := exampleLogger()
	logger.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c}))
	log := logger.WithField("service", "billing")

	log.WithField("invoices", 3).Info("batch started")
	log.WithError(errors.New("card declined")).WithField("invoice", "INV-7").Error("charge failed")

	c.Flush(context.Background())
	ev := mt.Events()[0]
	fmt.Println(ev.Level, ev.Message.Formatted)
	fmt.Println(ev.Exception[0].Type, ev.Exception[0].Value)
	fmt.Println(ev.Contexts["log"])
	fmt.Println(ev.Breadcrumbs[0].Message, ev.Breadcrumbs[0].Data)
	// Output:
	// {"invoices":3,"level":"info","msg":"batch started","service":"billing"}
	// {"error":"card declined","invoice":"INV-7","level":"error","msg":"charge failed","service":"billing"}
	// error charge failed
	// *errors.errorString card declined
	// map[invoice:INV-7 service:billing]
	// batch started map[invoices:3 service:billing]
}

// Per-request scopes: records logged with a request's context
// (WithContext) leave their breadcrumbs on that request's isolation scope
// only.
func Example_requestScope() {
	c, mt := exampleClient()
	defer closeClient(c)
	logger := logrus.New()
	logger.Out = nopWriter{}
	logger.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c}))

	handle := func(id string, fail bool) {
		ctx := core.NewIsolationScope(context.Background()) // the sentryhttp middleware does this
		log := logger.WithContext(ctx).WithField("request", id)
		log.Info("start " + id)
		if fail {
			log.Error("failed " + id)
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

// Levels: breadcrumbs from Debug, events from Warn; Level(LevelOff) would
// turn either off.
func ExampleLevel() {
	c, mt := exampleClient()
	defer closeClient(c)
	logger := logrus.New()
	logger.Out = nopWriter{}
	logger.Level = logrus.TraceLevel
	logger.AddHook(logrussentry.NewHook(logrussentry.Options{
		Client:          c,
		BreadcrumbLevel: logrussentry.Level(logrus.DebugLevel),
		EventLevel:      logrussentry.Level(logrus.WarnLevel),
	}))
	logger.Trace("not sent")
	logger.Debug("a breadcrumb")
	logger.Warn("an event")

	c.Flush(context.Background())
	ev := mt.Events()[0]
	fmt.Println(ev.Level, ev.Message.Formatted, "after", ev.Breadcrumbs[0].Level, ev.Breadcrumbs[0].Message)
	// Output:
	// warning an event after debug a breadcrumb
}

// Nested fields: a "user" group is the event's user, a "tags" group its
// tags, a fingerprint field decides how Sentry groups the events; secrets
// in fields are scrubbed before they leave.
func Example_specialFields() {
	c, mt := exampleClient()
	defer closeClient(c)
	logger := logrus.New()
	logger.Out = nopWriter{}
	logger.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c}))

	logger.WithFields(logrus.Fields{
		"user":        logrus.Fields{"id": "42", "email": "ada@example.com"},
		"tags":        logrus.Fields{"gateway": "acme"},
		"fingerprint": []string{"{{ default }}", "payment-gateway"},
		"password":    "hunter2",
	}).Error("gateway timeout")

	c.Flush(context.Background())
	ev := mt.Events()[0]
	fmt.Println(ev.User.ID, ev.Tags["gateway"], ev.Fingerprint)
	fmt.Println(ev.Contexts["log"]["password"])
	// Output:
	// 42 acme [{{ default }} payment-gateway]
	// [Filtered]
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
