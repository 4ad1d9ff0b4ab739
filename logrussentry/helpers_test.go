package logrussentry_test

import (
	"bytes"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/logrussentry"
)

// newLogger returns a logger at Trace level, writing JSON to the returned
// buffer, with a Hook bound to c.
func newLogger(t testing.TB, c *core.Client, opts logrussentry.Options) (*logrus.Logger, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	opts.Client = c
	l := logrus.New()
	l.Out = &out
	l.Formatter = &logrus.JSONFormatter{}
	l.Level = logrus.TraceLevel
	l.AddHook(logrussentry.NewHook(opts))
	return l, &out
}
