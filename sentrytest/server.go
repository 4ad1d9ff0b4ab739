package sentrytest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/core"
)

// Server is an in-process Sentry receiver on the loopback interface. It
// accepts envelopes at /api/<project>/envelope/ for its own key, keeps what it
// accepted in memory and answers like Sentry. All methods are safe for
// concurrent use.
type Server struct {
	key     string
	project string

	mu         sync.Mutex
	ln         net.Listener
	http       *http.Server
	served     chan struct{} // closed when Serve returns
	envelopes  []Envelope
	rejections []Rejection
	respond    func(*http.Request) (int, http.Header)
	changed    chan struct{} // closed and replaced on every change
	closed     bool
	active     sync.WaitGroup // requests being served; Close waits for them
}

// Rejection is a request the server refused: the status it answered, why,
// and the envelope when the body could be parsed (whatever the refusal: a
// wrong key, a failed check or a Respond answer).
type Rejection struct {
	Status   int
	Reason   string
	Request  RequestInfo
	Envelope *Envelope
}

// HasEvent reports whether the refused envelope carried an event item.
func (r Rejection) HasEvent() bool {
	if r.Envelope == nil {
		return false
	}
	for _, it := range r.Envelope.Items {
		if it.Header.Type == protocol.ItemTypeEvent {
			return true
		}
	}
	return false
}

// ErrTimeout is returned by the Wait methods when the expected number of
// items has not arrived in time.
var ErrTimeout = errors.New("sentrytest: timed out")

// NewServer starts a server for t on a free loopback port and closes it
// when the test ends. It fails the test if the server cannot start.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := NewUnstartedServer()
	if err := s.Start(); err != nil {
		t.Fatalf("sentrytest: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Start starts a server on a free loopback port, for programs that are not
// tests (the quickstart uses it). Call Close when done.
func Start() (*Server, error) {
	s := NewUnstartedServer()
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// NewUnstartedServer returns a server that does not listen yet, so that
// Respond can be set before the first request. Call Start, then Close.
func NewUnstartedServer() *Server {
	var k [16]byte
	_, _ = rand.Read(k[:]) // crypto/rand.Read never fails
	return &Server{key: hex.EncodeToString(k[:]), project: "1", changed: make(chan struct{})}
}

// Start listens on 127.0.0.1 at a free port and serves in the background
// until Close. It fails if the server was started or closed before.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil || s.closed {
		return errors.New("sentrytest: server already started or closed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("sentrytest: listen: %w", err)
	}
	s.ln = ln
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.served = make(chan struct{})
	go func(hs *http.Server, done chan struct{}) {
		defer close(done)
		_ = hs.Serve(ln) // returns http.ErrServerClosed on Close
	}(s.http, s.served)
	return nil
}

// Close stops the server, drops its open connections (which cancels the
// contexts of requests in flight) and waits for their handlers to return,
// so no goroutine of the server outlives it. What it received stays
// readable. Close is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	hs, served := s.http, s.served
	s.mu.Unlock()
	if hs == nil {
		return nil
	}
	err := hs.Close()
	<-served
	s.active.Wait()
	return err
}

// DSN returns the DSN that sends to this server:
// http://<key>@127.0.0.1:<port>/<project>. It is empty before Start.
func (s *Server) DSN() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return "http://" + s.key + "@" + s.ln.Addr().String() + "/" + s.project
}

// URL returns the server's base URL, http://127.0.0.1:<port>, or "" before
// Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Key returns the public key the server accepts.
func (s *Server) Key() string { return s.key }

// Project returns the project id of the server's DSN.
func (s *Server) Project() string { return s.project }

// Respond makes the server answer every envelope request that passes the
// auth and path checks with the status and headers fn returns, for fault
// tests (429 with X-Sentry-Rate-Limits, 413, 503, ...). A 2xx status keeps
// the envelope; any other status records a Rejection instead. fn runs on the
// server's goroutines, after the body was read; it may sleep to simulate a
// slow server, but must return when the request's context is done. A nil fn
// restores the default answer, 200.
func (s *Server) Respond(fn func(r *http.Request) (status int, hdr http.Header)) {
	s.mu.Lock()
	s.respond = fn
	s.mu.Unlock()
}

// Envelopes returns the envelopes accepted so far, oldest first. The slice
// is the caller's; the envelopes' contents must not be modified.
func (s *Server) Envelopes() []Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Envelope(nil), s.envelopes...)
}

// Events returns the events of the envelopes accepted so far, oldest first,
// freshly decoded: the caller may modify them.
func (s *Server) Events() []*core.Event {
	out, _ := collect(s.Envelopes(), protocol.ItemTypeEvent, DecodeEvent)
	return out
}

// ClientReports returns the client reports accepted so far, oldest first.
func (s *Server) ClientReports() []ClientReport {
	out, _ := collect(s.Envelopes(), protocol.ItemTypeClientReport, DecodeClientReport)
	return out
}

// Discarded sums the client reports received so far by "reason:category",
// the keys of core.Stats.Dropped.
func (s *Server) Discarded() map[string]int64 {
	m := make(map[string]int64)
	for _, cr := range s.ClientReports() {
		for _, d := range cr.DiscardedEvents {
			m[d.Reason+":"+d.Category] += d.Quantity
		}
	}
	return m
}

// Rejections returns the requests refused so far, oldest first.
func (s *Server) Rejections() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejection(nil), s.rejections...)
}

// Reset forgets everything received and refused so far.
func (s *Server) Reset() {
	s.mu.Lock()
	s.envelopes, s.rejections = nil, nil
	s.notifyLocked()
	s.mu.Unlock()
}

// WaitForEvents waits until at least n events have arrived or timeout has
// passed, and returns the events received. On timeout the error wraps
// ErrTimeout and says how many arrived.
func (s *Server) WaitForEvents(n int, timeout time.Duration) ([]*core.Event, error) {
	return waitFor(s, n, timeout, "events", (*Server).Events)
}

// WaitForClientReports waits until at least n client reports have arrived or
// timeout has passed, like WaitForEvents.
func (s *Server) WaitForClientReports(n int, timeout time.Duration) ([]ClientReport, error) {
	return waitFor(s, n, timeout, "client reports", (*Server).ClientReports)
}

// WaitForEnvelopes waits until at least n envelopes have been accepted or
// timeout has passed, like WaitForEvents.
func (s *Server) WaitForEnvelopes(n int, timeout time.Duration) ([]Envelope, error) {
	return waitFor(s, n, timeout, "envelopes", (*Server).Envelopes)
}

// WaitForRejections waits until at least n requests have been refused or
// timeout has passed, like WaitForEvents.
func (s *Server) WaitForRejections(n int, timeout time.Duration) ([]Rejection, error) {
	return waitFor(s, n, timeout, "rejections", (*Server).Rejections)
}

// Wait is the bool variant of WaitForEvents, for code without a testing.TB
// or without testify: it reports whether n events arrived in time.
func (s *Server) Wait(n int, timeout time.Duration) bool {
	_, err := s.WaitForEvents(n, timeout)
	return err == nil
}

func waitFor[T any](s *Server, n int, timeout time.Duration, what string, get func(*Server) []T) ([]T, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		got := get(s)
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-ch:
		case <-timer.C:
			got = get(s)
			if len(got) >= n {
				return got, nil
			}
			return got, fmt.Errorf("%w after %v waiting for %d %s: got %d", ErrTimeout, timeout, n, what, len(got))
		}
	}
}

func collect[T any](envs []Envelope, typ string, decode func(protocol.EnvelopeItem) (T, error)) ([]T, error) {
	var out []T
	var errs []error
	for _, env := range envs {
		for _, it := range env.Items {
			if it.Header.Type != typ {
				continue
			}
			v, err := decode(it)
			if err != nil {
				errs = append(errs, err) // checked when accepted; cannot happen
				continue
			}
			out = append(out, v)
		}
	}
	return out, errors.Join(errs...)
}

// notifyLocked wakes every waiter. s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
