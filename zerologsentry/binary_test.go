//go:build binary_log

package zerologsentry_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// Built with binary_log, zerolog writes CBOR: the Writer passes it through,
// sends nothing and says why in the debug log.
func TestBinaryLog(t *testing.T) {
	var debug bytes.Buffer
	c, mt := testclient.New(t, core.Options{Debug: true, DebugWriter: &debug})
	var got, want bytes.Buffer
	w := zerologsentry.NewWriter(&got, zerologsentry.Options{Client: c})
	ctx := core.NewIsolationScope(context.Background())
	for _, l := range []zerolog.Logger{zerolog.New(&want), zerolog.New(w).Hook(w)} {
		l.Info().Ctx(ctx).Str("k", "v").Msg("first")
		l.Error().Ctx(ctx).Int("n", 1).Msg("second")
	}
	assert.Equal(t, want.Bytes(), got.Bytes())
	assert.Empty(t, testclient.Events(t, c, mt))
	assert.Equal(t, 1, bytes.Count(debug.Bytes(), []byte("does not decode")), debug.String())
}
