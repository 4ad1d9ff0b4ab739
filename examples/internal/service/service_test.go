package service

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sentrylog/sentrylog/core"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestStopsOnSIGTERM: the server exits cleanly, with the client closed, when
// the process gets SIGTERM.
func TestStopsOnSIGTERM(t *testing.T) {
	t.Setenv("ADDR", "127.0.0.1:0")
	mt := core.NewMemoryTransport()
	c, err := core.New(core.Options{Transport: mt})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Run(c, http.NotFoundHandler()) }()
	time.Sleep(200 * time.Millisecond)
	c.CaptureMessage(context.Background(), "queued before the signal", core.LevelError)
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after SIGTERM")
	}
	if c.Enabled() {
		t.Error("the client is still open")
	}
	if n := len(mt.Events()); n != 1 {
		t.Errorf("%d events delivered, want 1", n)
	}
}
