package transport

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Flush calls that wait together each report a failure among the events
// they waited for, whichever is answered first: a Flush answered later is
// not told true because an earlier one took the news.
func TestConcurrentFlushesReportFailure(t *testing.T) {
	gate0, gate1 := make(chan struct{}), make(chan struct{})
	var rc *receiver
	rc = newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		raw := rc.all()[n].raw
		switch {
		case bytes.Contains(raw, []byte("event 0")):
			<-gate0
			w.WriteHeader(400)
		case bytes.Contains(raw, []byte("event 1")):
			<-gate1
		}
	})
	tr := startTransport(t, Config{DSN: rc.dsn(t, "pub")}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr.Send(testEvent(0))
	first := make(chan bool, 1)
	go func() { first <- tr.Flush(ctx) }() // waits for event 0
	waitWaiters(t, tr, 1)
	tr.Send(testEvent(1))
	second := make(chan bool, 1)
	go func() { second <- tr.Flush(ctx) }() // waits for events 0 and 1
	waitWaiters(t, tr, 2)
	close(gate0)
	assert.False(t, <-first, "event 0 was refused")
	close(gate1)
	assert.False(t, <-second, "event 0, refused, was sent before the call")
	assert.True(t, tr.Flush(ctx), "nothing failed since")
}

// waitWaiters waits until n Flush calls wait on tr.
func waitWaiters(t *testing.T, tr *HTTP, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tr.fmu.Lock()
		got := len(tr.waiters)
		tr.fmu.Unlock()
		if got >= n {
			return
		}
		require.True(t, time.Now().Before(deadline), "%d Flush calls wait, want %d", got, n)
		time.Sleep(time.Millisecond)
	}
}
