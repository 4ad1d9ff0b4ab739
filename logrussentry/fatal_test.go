package logrussentry_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/sentrytest"
	"github.com/sentrylog/sentrylog/logrussentry"
)

const fatalDSNEnv = "LOGRUSSENTRY_TEST_FATAL_DSN"

// TestFatalChild runs in the child process of TestFatal: it logs at Fatal
// level through the HTTP transport, and logrus exits.
func TestFatalChild(t *testing.T) {
	dsn := os.Getenv(fatalDSNEnv)
	if dsn == "" {
		t.Skip("the child of TestFatal")
	}
	c, err := core.New(core.Options{DSN: dsn, ServerName: "child", ShutdownTimeout: 10 * time.Second})
	require.NoError(t, err)
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
	srv := sentrytest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestFatalChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fatalDSNEnv+"="+srv.DSN())
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, string(out))
	assert.Equal(t, 1, exit.ExitCode(), string(out))
	assert.Contains(t, string(out), `"msg":"cannot go on"`)

	// The child is gone: whatever it delivered is here, nothing to wait for.
	evs := srv.Events()
	require.Len(t, evs, 1, "rejections: %v\n%s", srv.Rejections(), out)
	ev := evs[0]
	assert.Equal(t, core.LevelFatal, ev.Level)
	assert.Equal(t, "cannot go on", ev.Message.Formatted)
	assert.Equal(t, "v", ev.Contexts["log"]["k"])
	require.Len(t, ev.Exception, 1)
	assert.Equal(t, "disk gone", ev.Exception[0].Value)
	require.NotNil(t, ev.Exception[0].Stacktrace)
	frames := ev.Exception[0].Stacktrace.Frames
	require.NotEmpty(t, frames)
	assert.Equal(t, "runFatalChild", frames[len(frames)-1].Function, "the culprit is the logging call")
}

// A Panic record is delivered before logrus panics.
func TestPanic(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	logger, _ := newLogger(t, c, logrussentry.Options{})
	assert.Panics(t, func() { logger.WithField("k", 1).Panic("at the end") })
	evs := mt.Events() // no Flush: the hook flushed
	require.Len(t, evs, 1)
	assert.Equal(t, core.LevelFatal, evs[0].Level)
	assert.Equal(t, "at the end", evs[0].Message.Formatted)
}
