package zapsentry_test

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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// fatalEnv names the variable that makes the test binary the child of
// TestFatalFlushesBeforeExit; its value is the receiver's URL.
const fatalEnv = "ZAPSENTRY_FATAL_CHILD_URL"

func isFatalChild() bool { return os.Getenv(fatalEnv) != "" }

// postTransport posts each event's JSON to a URL as it is sent. It stands in
// for the HTTP transport: the test is about the flush before zap exits, not
// about the envelope format.
type postTransport struct{ url string }

func (p postTransport) Send(ev *core.Event) {
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	cl := http.Client{Timeout: 5 * time.Second}
	resp, err := cl.Post(p.url, "application/json", bytes.NewReader(b))
	if err == nil {
		resp.Body.Close()
	}
}
func (postTransport) Flush(context.Context) bool { return true }
func (postTransport) Close(context.Context) bool { return true }

// runFatalChild logs a Fatal entry; zap exits the process with status 1
// right after the cores' Write.
func runFatalChild() {
	c, err := core.New(core.Options{Transport: postTransport{os.Getenv(fatalEnv)}})
	if err != nil {
		os.Exit(3)
	}
	logger := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}))
	logger.Fatal("cannot continue", zap.Error(errors.New("config missing")), zap.String("phase", "boot"))
	os.Exit(4) // not reached: zap exits with 1
}

func TestFatalFlushesBeforeExit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a subprocess")
	}
	var (
		mu     sync.Mutex
		bodies [][]byte
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fatalEnv+"="+srv.URL)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "output: %s", out)
	assert.Equal(t, 1, exit.ExitCode(), "zap's Fatal exits with 1; output: %s", out)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, bodies, 1, "the event reached the receiver before the process exited")
	var ev core.Event
	require.NoError(t, json.Unmarshal(bodies[0], &ev))
	assert.Equal(t, core.LevelFatal, ev.Level)
	require.NotEmpty(t, ev.Exception)
	assert.Equal(t, "config missing", ev.Exception[len(ev.Exception)-1].Value)
	assert.Equal(t, "boot", ev.Contexts["log"]["phase"])
}
