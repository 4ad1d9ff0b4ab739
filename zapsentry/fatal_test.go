package zapsentry_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sentrylog/sentrylog/internal/exittest"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// fatalEnv names the variable that makes the test binary the child of
// TestFatalFlushesBeforeExit; its value is the DSN of the parent's receiver.
const fatalEnv = "ZAPSENTRY_FATAL_CHILD_DSN"

// TestFatalChild runs in the child process of TestFatalFlushesBeforeExit: it
// logs a Fatal entry through the HTTP transport, and zap exits the process
// with status 1 right after the cores' Write.
func TestFatalChild(t *testing.T) {
	c := exittest.ChildClient(t, fatalEnv)
	runFatalChild(zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}), zap.AddCaller()))
	t.Error("zap did not exit")
}

func runFatalChild(logger *zap.Logger) {
	logger.Fatal("cannot go on", zap.Error(errors.New("disk gone")), zap.String("k", "v"))
}

func TestFatalFlushesBeforeExit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a subprocess")
	}
	ev, _ := exittest.Fatal(t, fatalEnv, "TestFatalChild")
	last := ev.Exception[len(ev.Exception)-1]
	require.NotNil(t, last.Stacktrace)
	culprit := last.Stacktrace.Frames[len(last.Stacktrace.Frames)-1]
	assert.Equal(t, "runFatalChild", culprit.Function, "the culprit is the logging call")
}
