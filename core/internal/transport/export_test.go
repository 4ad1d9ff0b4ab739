package transport

import (
	"net/http"
	"testing"

	"github.com/sentrylog/sentrylog/core/protocol"
)

// Receiver is the tests' fake Sentry (newReceiver) for the external tests.
type Receiver struct{ rc *receiver }

// Received is a request a Receiver recorded.
type Received struct {
	Header http.Header
	Path   string
	Env    *protocol.Envelope
	Err    error
}

// NewReceiver starts a Receiver that answers 200, closed when t ends.
func NewReceiver(t testing.TB) *Receiver { return &Receiver{newReceiver(t, nil)} }

// Addr returns the receiver's host:port.
func (r *Receiver) Addr() string { return r.rc.srv.Listener.Addr().String() }

// URL returns the receiver's base URL.
func (r *Receiver) URL() string { return r.rc.srv.URL }

// Requests returns the requests received so far.
func (r *Receiver) Requests() []Received {
	var out []Received
	for _, q := range r.rc.all() {
		out = append(out, Received{Header: q.header, Path: q.path, Env: q.env, Err: q.err})
	}
	return out
}
