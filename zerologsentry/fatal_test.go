//go:build !binary_log

package zerologsentry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

const fatalURLEnv = "ZEROLOGSENTRY_TEST_FATAL_URL"

// postTransport posts each event's JSON, synchronously, on the client's
// worker: the smallest transport that proves the event left the process.
type postTransport struct{ url string }

func (p *postTransport) Send(ev *core.Event) {
	body, err := json.Marshal(ev)
	if err != nil {
		return
	}
	resp, err := http.Post(p.url, "application/json", bytes.NewReader(body))
	if err == nil {
		resp.Body.Close()
	}
}
func (p *postTransport) Flush(context.Context) bool { return true }
func (p *postTransport) Close(context.Context) bool { return true }

// TestFatalChild runs in the child process of TestFatal: it logs at Fatal
// level, and zerolog exits.
func TestFatalChild(t *testing.T) {
	url := os.Getenv(fatalURLEnv)
	if url == "" {
		t.Skip("the child of TestFatal")
	}
	c, err := core.New(core.Options{Transport: &postTransport{url: url}, ServerName: "child", ShutdownTimeout: 10 * time.Second})
	require.NoError(t, err)
	w := zerologsentry.New(os.Stdout, zerologsentry.Options{Client: c})
	logger := zerolog.New(w).Hook(w)
	logger.Fatal().Err(errors.New("disk gone")).Str("k", "v").Msg("cannot go on")
	t.Error("zerolog did not exit")
}

// A Fatal record reaches the receiver before zerolog exits the process.
func TestFatal(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestFatalChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fatalURLEnv+"="+srv.URL)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, string(out))
	assert.Equal(t, 1, exit.ExitCode(), string(out))
	assert.Contains(t, string(out), `"message":"cannot go on"`)

	// The child is gone: whatever it sent has arrived.
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, bodies, 1, string(out))
	var ev struct {
		Level    string `json:"level"`
		LogEntry struct {
			Formatted string `json:"formatted"`
		} `json:"logentry"`
		Contexts  map[string]map[string]any `json:"contexts"`
		Exception struct {
			Values []struct {
				Type, Value string
			} `json:"values"`
		} `json:"exception"`
	}
	require.NoError(t, json.Unmarshal(bodies[0], &ev))
	assert.Equal(t, "fatal", ev.Level)
	assert.Equal(t, "cannot go on", ev.LogEntry.Formatted)
	assert.Equal(t, "v", ev.Contexts["log"]["k"])
	require.Len(t, ev.Exception.Values, 1)
	assert.Equal(t, "disk gone", ev.Exception.Values[0].Value)
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
