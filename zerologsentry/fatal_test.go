//go:build !binary_log

package zerologsentry_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/sentrytest"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

const fatalDSNEnv = "ZEROLOGSENTRY_TEST_FATAL_DSN"

// TestFatalChild runs in the child process of TestFatal: it logs at Fatal
// level through the HTTP transport, and zerolog exits.
func TestFatalChild(t *testing.T) {
	dsn := os.Getenv(fatalDSNEnv)
	if dsn == "" {
		t.Skip("the child of TestFatal")
	}
	c, err := core.New(core.Options{DSN: dsn, ServerName: "child", ShutdownTimeout: 10 * time.Second})
	require.NoError(t, err)
	w := zerologsentry.New(os.Stdout, zerologsentry.Options{Client: c})
	logger := zerolog.New(w).Hook(w)
	logger.Fatal().Err(errors.New("disk gone")).Str("k", "v").Msg("cannot go on")
	t.Error("zerolog did not exit")
}

// A Fatal record reaches the receiver before zerolog exits the process.
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
	assert.Contains(t, string(out), `"message":"cannot go on"`)

	// The child is gone: whatever it delivered is here, nothing to wait for.
	evs := srv.Events()
	require.Len(t, evs, 1, "rejections: %v\n%s", srv.Rejections(), out)
	ev := evs[0]
	assert.Equal(t, core.LevelFatal, ev.Level)
	assert.Equal(t, "cannot go on", ev.Message.Formatted)
	assert.Equal(t, "v", ev.Contexts["log"]["k"])
	require.Len(t, ev.Exception, 1)
	assert.Equal(t, "disk gone", ev.Exception[0].Value)
}

// A Panic record is delivered before zerolog panics.
func TestPanic(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	assert.PanicsWithValue(t, "at the end", func() { logger.Panic().Msg("at the end") })
	evs := mt.Events() // no Flush: the Writer flushed
	require.Len(t, evs, 1)
	assert.Equal(t, core.LevelFatal, evs[0].Level)
}
