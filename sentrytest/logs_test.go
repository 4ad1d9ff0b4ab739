package sentrytest_test

import (
	"context"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/sentrytest"
)

func TestLogsReceived(t *testing.T) {
	srv := sentrytest.NewServer(t)
	c, err := core.New(core.Options{DSN: srv.DSN(), Spotlight: "0", Release: "r1"})
	require.NoError(t, err)
	defer c.Close(context.Background())
	bridge.CaptureLog(c, &bridge.Record{Message: "hello", Attrs: []slog.Attr{slog.Int("n", 7)}}, core.LogWarn, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.True(t, c.Flush(ctx))
	logs, err := srv.WaitForLogs(1, 5*time.Second)
	require.NoError(t, err)
	require.Len(t, logs, 1)
	assert.Equal(t, "warn", logs[0].Level)
	assert.Equal(t, "hello", logs[0].Body)
	assert.Equal(t, int64(7), logs[0].Attributes["n"])
	assert.Equal(t, "r1", logs[0].Attributes["sentry.release"])
	assert.WithinDuration(t, time.Now(), logs[0].Timestamp, time.Minute)
}

// A log item that Sentry would drop is refused, as an event that breaks
// the envelope's rules is.
func TestBadLogsRefused(t *testing.T) {
	srv := sentrytest.NewServer(t)
	body := envelope(`{"sent_at":"2026-01-02T03:04:05Z"}`,
		`{"type":"log","item_count":2,"content_type":"application/vnd.sentry.items.log+json"}`, `{"items":[{"body":"x"}]}`,
	)
	resp := post(t, srv, body, false, nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Empty(t, srv.Logs())
}
