package logrussentry_test

import (
	"errors"
	"os"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/exittest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/logrussentry"
)

const fatalDSNEnv = "LOGRUSSENTRY_TEST_FATAL_DSN"

// TestFatalChild runs in the child process of TestFatal: it logs at Fatal
// level through the HTTP transport, and logrus exits.
func TestFatalChild(t *testing.T) {
	c := exittest.ChildClient(t, fatalDSNEnv)
	logger := logrus.New()
	logger.Out = os.Stdout
	logger.Formatter = &logrus.JSONFormatter{}
	logger.AddHook(logrussentry.NewHook(logrussentry.Options{Client: c}))
	runFatalChild(logger)
	t.Error("logrus did not exit")
}

func runFatalChild(logger *logrus.Logger) {
	logger.WithError(errors.New("disk gone")).WithField("k", "v").Fatal("cannot go on")
}

// A Fatal record reaches the receiver before logrus exits the process.
func TestFatal(t *testing.T) {
	ev, out := exittest.Fatal(t, fatalDSNEnv, "TestFatalChild")
	assert.Contains(t, out, `"msg":"cannot go on"`)
	require.NotNil(t, ev.Exception[0].Stacktrace)
	frames := ev.Exception[0].Stacktrace.Frames
	require.NotEmpty(t, frames)
	assert.Equal(t, "runFatalChild", frames[len(frames)-1].Function, "the culprit is the logging call")
}

// A Panic record is delivered before logrus panics.
func TestPanic(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	logger, _ := newLogger(t, c, logrussentry.Options{})
	assert.Panics(t, func() { logger.WithField("k", 1).Panic("at the end") })
	evs := mt.Events() // no Flush: the hook flushed
	require.Len(t, evs, 1)
	assert.Equal(t, core.LevelFatal, evs[0].Level)
	assert.Equal(t, "at the end", evs[0].Message.Formatted)
}
