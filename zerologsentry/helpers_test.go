package zerologsentry_test

import (
	"bytes"
	"testing"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// newLogger returns a logger writing through a Writer bound to c, and the
// buffer that receives its output (through zerolog.SyncWriter: a Writer
// passes lines on concurrently, as zerolog does).
func newLogger(t testing.TB, c *core.Client, opts zerologsentry.Options) (zerolog.Logger, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	opts.Client = c
	w := zerologsentry.NewWriter(zerolog.SyncWriter(&out), opts)
	return zerolog.New(w).Hook(w), &out
}
