//go:build !binary_log

package zerologsentry_test

import (
	"errors"
	"os"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/exittest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

const fatalDSNEnv = "ZEROLOGSENTRY_TEST_FATAL_DSN"

// TestFatalChild runs in the child process of TestFatal: it logs at Fatal
// level through the HTTP transport, and zerolog exits.
func TestFatalChild(t *testing.T) {
	c := exittest.ChildClient(t, fatalDSNEnv)
	w := zerologsentry.NewWriter(os.Stdout, zerologsentry.Options{Client: c})
	logger := zerolog.New(w).Hook(w)
	logger.Fatal().Err(errors.New("disk gone")).Str("k", "v").Msg("cannot go on")
	t.Error("zerolog did not exit")
}

// A Fatal record reaches the receiver before zerolog exits the process.
func TestFatal(t *testing.T) {
	_, out := exittest.Fatal(t, fatalDSNEnv, "TestFatalChild")
	assert.Contains(t, out, `"message":"cannot go on"`)
}

// A Panic record is delivered before zerolog panics.
func TestPanic(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	logger, _ := newLogger(t, c, zerologsentry.Options{})
	assert.PanicsWithValue(t, "at the end", func() { logger.Panic().Msg("at the end") })
	evs := mt.Events() // no Flush: the Writer flushed
	require.Len(t, evs, 1)
	assert.Equal(t, core.LevelFatal, evs[0].Level)
}
