package testclient

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Receiver is a Sentry endpoint on loopback that keeps the raw body of
// every request it answers; it stops when the test ends.
type Receiver struct {
	// DSN points a client at the receiver.
	DSN    string
	mu     sync.Mutex
	bodies [][]byte
}

// NewReceiver starts a Receiver.
func NewReceiver(t testing.TB) *Receiver {
	rc := &Receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, b)
		rc.mu.Unlock()
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	rc.DSN = "http://pub@" + srv.Listener.Addr().String() + "/1"
	return rc
}

// Bodies returns the bodies received so far, oldest first.
func (rc *Receiver) Bodies() [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...)
}
