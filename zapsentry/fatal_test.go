package zapsentry_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/sentrytest"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// fatalEnv names the variable that makes the test binary the child of
// TestFatalFlushesBeforeExit; its value is the DSN of the parent's receiver.
const fatalEnv = "ZAPSENTRY_FATAL_CHILD_DSN"

func isFatalChild() bool { return os.Getenv(fatalEnv) != "" }

// runFatalChild logs a Fatal entry through the HTTP transport; zap exits the
// process with status 1 right after the cores' Write.
func runFatalChild() {
	c, err := core.New(core.Options{DSN: os.Getenv(fatalEnv), ShutdownTimeout: 10 * time.Second})
	if err != nil {
		os.Exit(3)
	}
	logger := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}), zap.AddCaller())
	logger.Fatal("cannot continue", zap.Error(errors.New("config missing")), zap.String("phase", "boot"))
	os.Exit(4) // not reached: zap exits with 1
}

func TestFatalFlushesBeforeExit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a subprocess")
	}
	recv := sentrytest.NewUnstartedServer()
	srv := httptest.NewServer(recv)
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	dsn := "http://" + recv.Key() + "@" + u.Host + "/" + recv.Project()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fatalEnv+"="+dsn)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "output: %s", out)
	assert.Equal(t, 1, exit.ExitCode(), "zap's Fatal exits with 1; output: %s", out)

	assert.Empty(t, recv.Rejections())
	evs := recv.Events()
	require.Len(t, evs, 1, "the event reached the receiver before the process exited")
	ev := evs[0]
	assert.Equal(t, core.LevelFatal, ev.Level)
	require.NotEmpty(t, ev.Exception)
	last := ev.Exception[len(ev.Exception)-1]
	assert.Equal(t, "config missing", last.Value)
	require.NotNil(t, last.Stacktrace)
	culprit := last.Stacktrace.Frames[len(last.Stacktrace.Frames)-1]
	assert.Equal(t, "runFatalChild", culprit.Function, "the culprit is the logging call")
	assert.Equal(t, "boot", ev.Contexts["log"]["phase"])
}
