// Package exittest checks that a bridge delivers a Fatal record before its
// logger exits the process: the test binary runs one of its own tests in a
// child process that logs at Fatal level through the HTTP transport to a
// receiver the parent started.
package exittest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/sentrytest"
)

// ChildClient returns, in the child process, a client sending to the
// receiver whose DSN the parent put in the environment variable env; in
// any other run it skips t.
func ChildClient(t *testing.T, env string) *core.Client {
	t.Helper()
	dsn := os.Getenv(env)
	if dsn == "" {
		t.Skip("the child of a fatal test")
	}
	c, err := core.New(core.Options{DSN: dsn, ServerName: "child", ShutdownTimeout: 10 * time.Second})
	require.NoError(t, err)
	return c
}

// Fatal runs test child of this binary in a child process, with env set to
// a receiver's DSN, and requires that the child exits with status 1 and
// that the receiver rejected nothing and got exactly one event: the Fatal
// record "cannot go on" with the error "disk gone" and the field k=v, which
// is what the child must log. It returns that event and the child's output
// for the checks that differ between bridges.
func Fatal(t *testing.T, env, child string) (*core.Event, string) {
	t.Helper()
	srv := sentrytest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+child+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+srv.DSN())
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, string(out))
	assert.Equal(t, 1, exit.ExitCode(), string(out))

	// The child is gone: whatever it delivered is here, nothing to wait for.
	evs := srv.Events()
	assert.Empty(t, srv.Rejections())
	require.Len(t, evs, 1, "rejections: %v\n%s", srv.Rejections(), out)
	ev := evs[0]
	assert.Equal(t, core.LevelFatal, ev.Level)
	assert.Equal(t, "cannot go on", ev.Message.Formatted)
	assert.Equal(t, "v", ev.Contexts["log"]["k"])
	require.Len(t, ev.Exception, 1)
	assert.Equal(t, "disk gone", ev.Exception[0].Value)
	return ev, string(out)
}
