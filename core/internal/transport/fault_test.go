package transport_test

// The fault suite (issue 10): the client against receivers that fail in
// every way a network and Sentry can, and a logging storm while they do.
// Each scenario checks that nothing panics, that no goroutine outlives it,
// that the heap stays bounded, and the accounting identity of Client.Stats
// after Close:
//
//	Delivered + Spooled + sum(Dropped) == Captured
//
// Every scenario is bounded in time; the long storm (10,000 events/s for
// 10 s) runs only with SENTRYLOG_LONG=1, a 2 s version always.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/sentrytest"
)

// faultHeapSlack is how much the heap in use may grow during a scenario:
// generous, since the point is "bounded", not "small". A queue of 1000
// events is a few MiB; an unbounded one under a storm is hundreds.
const faultHeapSlack = 64 << 20

// faultCloseSlack is how long Close may run past its context's deadline
// (the worker finishing the event in hand, the race detector's overhead).
const faultCloseSlack = 3 * time.Second

// faultLeaks checks, when the test ends, that no goroutine started during
// it is left. Call it first, so that its cleanup runs after the receivers'.
func faultLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

func faultHeapInuse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// faultHeap records the heap in use now and checks, when the test ends,
// that it has not grown by more than faultHeapSlack.
func faultHeap(t *testing.T) (check func(when string)) {
	t.Helper()
	runtime.GC()
	base := faultHeapInuse()
	check = func(when string) {
		t.Helper()
		if h := faultHeapInuse(); h > base+faultHeapSlack {
			t.Errorf("%s: heap in use %d MiB, started at %d MiB (bound +%d MiB)", when, h>>20, base>>20, faultHeapSlack>>20)
		}
	}
	t.Cleanup(func() { check("after the scenario") })
	return check
}

// faultClient returns a client sending to dsn with short timeouts; tunes
// may change its options. The test must Close it (faultClose); a cleanup
// closes it too, in case the test stopped early.
func faultClient(t *testing.T, dsn string, tunes ...func(*core.Options)) *core.Client {
	t.Helper()
	opts := core.Options{
		DSN:             dsn,
		Environment:     "fault",
		Release:         "fault@1",
		ServerName:      "fault",
		HTTPTimeout:     time.Second,
		ShutdownTimeout: 3 * time.Second,
		QueueSize:       100,
	}
	for _, tune := range tunes {
		if tune != nil {
			tune(&opts)
		}
	}
	return testclient.Open(t, opts, 2*time.Second)
}

// faultLost checks the books of a client that could deliver none of its
// n events: without a spool (dir "") they are dropped as network errors;
// with one, all n are spooled, none dropped, and the spool replays them.
func faultLost(t *testing.T, dir string, st core.Stats, n int) {
	t.Helper()
	requireAccounted(t, st)
	if dir == "" {
		assert.Positive(t, st.Dropped["network_error:error"], "%+v", st)
		return
	}
	assert.EqualValues(t, n, st.Spooled, "%+v", st)
	assert.Zero(t, faultDropped(st), "%+v", st)
	faultReplay(t, dir, st.Spooled)
}

// faultSpool runs fn without an offline spool, then with one in a fresh
// directory (dir is "" without). With a spool, what a failing receiver
// could not take is spooled rather than dropped.
func faultSpool(t *testing.T, fn func(t *testing.T, dir string, spool func(*core.Options))) {
	for _, on := range []bool{false, true} {
		name := "no spool"
		if on {
			name = "spool"
		}
		t.Run(name, func(t *testing.T) {
			if !on {
				fn(t, "", nil)
				return
			}
			dir := t.TempDir()
			fn(t, dir, func(o *core.Options) { o.Spool.Dir = dir })
		})
	}
}

// faultReplay starts the next process's client on the spool directory with
// a receiver that works, and checks that it delivers the n events the
// failed one left there.
func faultReplay(t *testing.T, dir string, n int64) {
	t.Helper()
	srv := sentrytest.NewServer(t)
	c := faultClient(t, srv.DSN(), func(o *core.Options) { o.Spool.Dir = dir })
	_, err := srv.WaitForEvents(int(n), 5*time.Second)
	require.NoError(t, err, "the spooled events were not replayed by the next client")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	require.Eventually(t, func() bool { return c.Stats().Replayed == n }, 3*time.Second, 10*time.Millisecond)
	c.Close(ctx)
	st := c.Stats()
	assert.Zero(t, st.Captured)
	assert.EqualValues(t, n, st.Replayed, "%+v", st)
	assert.Len(t, srv.Events(), int(n), "replayed more than once")
}

// faultClose closes c with a deadline of d, checks that Close kept to it,
// and returns what Close reported and the client's final stats.
func faultClose(t *testing.T, c *core.Client, d time.Duration) (bool, core.Stats) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	ok := c.Close(ctx)
	took := time.Since(start)
	assert.Less(t, took, d+faultCloseSlack, "Close overran its deadline of %v", d)
	return ok, c.Stats()
}

// faultDropped sums the drops of every reason.
func faultDropped(st core.Stats) int64 {
	var n int64
	for _, v := range st.Dropped {
		n += v
	}
	return n
}

// requireAccounted checks the accounting identity after Close: every
// captured event was delivered, is spooled, or was dropped with a reason.
func requireAccounted(t *testing.T, st core.Stats) {
	t.Helper()
	require.Positive(t, st.Captured, "the scenario captured nothing: %+v", st)
	require.Equal(t, st.Captured, st.Delivered+st.Spooled+faultDropped(st),
		"delivered + spooled + dropped must equal captured: %+v", st)
}

var errFault = errors.New("fault: upstream unavailable")

type faultErr struct{ n int }

func (e *faultErr) Error() string { return "fault " + strconv.Itoa(e.n) }

// faultCapture captures n events of distinct groups (so that storm control
// lets them through), alternating messages and errors.
func faultCapture(c *core.Client, tag string, n int) {
	ctx := context.Background()
	for i := range n {
		if i%2 == 0 {
			c.CaptureMessage(ctx, fmt.Sprintf("%s message %d", tag, i), core.LevelError)
		} else {
			c.CaptureException(ctx, fmt.Errorf("%s %d: %w", tag, i, &faultErr{i}))
		}
	}
}

// faultClosedPort returns a loopback address nothing listens on.
func faultClosedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// resetServer is a raw TCP receiver that reads a request's header and the
// first bytes of its body, then resets the connection (SO_LINGER 0).
type resetServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	conns atomic.Int32
}

func newResetServer(t *testing.T) *resetServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &resetServer{ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *resetServer) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.conns.Add(1)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.reset(conn)
		}()
	}
}

func (s *resetServer) reset(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	br := bufio.NewReader(conn)
	for { // the request header, up to its blank line
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if line == "\r\n" {
			break
		}
	}
	var body [16]byte
	_, _ = io.ReadFull(br, body[:]) // a few bytes of the body, then the reset
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
}

func (s *resetServer) close() {
	s.ln.Close()
	s.wg.Wait()
}

func (s *resetServer) dsn() string { return "http://fault@" + s.ln.Addr().String() + "/1" }

func TestFaultConnectionRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("a fault run of seconds; go test without -short runs it")
	}
	faultSpool(t, func(t *testing.T, dir string, spool func(*core.Options)) {
		faultLeaks(t)
		faultHeap(t)
		c := faultClient(t, "http://fault@"+faultClosedPort(t)+"/1", spool)
		faultCapture(c, "refused", 6)
		ok, st := faultClose(t, c, 2*time.Second)
		assert.False(t, ok, "nothing could be delivered")
		assert.Zero(t, st.Delivered)
		faultLost(t, dir, st, 6)
	})
}

func TestFaultResetMidBody(t *testing.T) {
	if testing.Short() {
		t.Skip("a fault run of seconds; go test without -short runs it")
	}
	faultSpool(t, func(t *testing.T, dir string, spool func(*core.Options)) {
		faultLeaks(t)
		faultHeap(t)
		rs := newResetServer(t)
		c := faultClient(t, rs.dsn(), spool)
		faultCapture(c, "reset", 4)
		ok, st := faultClose(t, c, 3*time.Second)
		assert.False(t, ok)
		assert.Zero(t, st.Delivered)
		assert.Positive(t, rs.conns.Load(), "the receiver saw no connection")
		faultLost(t, dir, st, 4)
	})
}

func TestFaultStallPastTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("a fault run of seconds; go test without -short runs it")
	}
	faultSpool(t, testFaultStallPastTimeout)
}

func testFaultStallPastTimeout(t *testing.T, dir string, spool func(*core.Options)) {
	faultLeaks(t)
	faultHeap(t)
	srv := sentrytest.NewServer(t)
	var stalled atomic.Int32
	srv.Respond(func(r *http.Request) (int, http.Header) {
		stalled.Add(1)
		select { // never answer: the client's timeout must end the request
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		// The client is gone; refuse, so that the server does not keep
		// an envelope the client counted as lost.
		return http.StatusServiceUnavailable, nil
	})
	c := faultClient(t, srv.DSN(), func(o *core.Options) { o.HTTPTimeout = 200 * time.Millisecond }, spool)
	faultCapture(c, "stall", 2)

	// A timed-out request is not retried (it may have arrived). After the
	// first failure the transport pauses for a second: without a spool
	// the second event waits in the queue and is then tried; with one it
	// goes straight to the spool.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	start := time.Now()
	assert.False(t, c.Flush(ctx), "a stalled receiver delivers nothing")
	cancel()
	assert.Less(t, time.Since(start), 5*time.Second, "HTTPTimeout did not bound the requests")
	// (A client report, when one is due, is a request of its own.)
	if dir == "" {
		assert.GreaterOrEqual(t, int(stalled.Load()), 2)
	} else {
		assert.GreaterOrEqual(t, int(stalled.Load()), 1)
	}

	// Close reports true here: the failures were already reported by
	// Flush (see HTTP.Flush), so only the stats tell.
	_, st := faultClose(t, c, 2*time.Second)
	assert.Zero(t, st.Delivered)
	assert.Empty(t, srv.Events())
	requireAccounted(t, st)
	if dir == "" {
		assert.EqualValues(t, 2, st.Dropped["network_error:error"], "%+v", st)
	} else {
		assert.EqualValues(t, 2, st.Spooled, "%+v", st)
	}
}

// TestFaultStallAtClose closes the client while a request hangs: Close
// keeps to its deadline, the request is cancelled and counted.
func TestFaultStallAtClose(t *testing.T) {
	faultSpool(t, testFaultStallAtClose)
}

func testFaultStallAtClose(t *testing.T, dir string, spool func(*core.Options)) {
	faultLeaks(t)
	faultHeap(t)
	srv := sentrytest.NewServer(t)
	arrived := make(chan struct{}, 16)
	srv.Respond(func(r *http.Request) (int, http.Header) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-r.Context().Done()
		return http.StatusOK, nil
	})
	c := faultClient(t, srv.DSN(), func(o *core.Options) { o.HTTPTimeout = 5 * time.Second }, spool)
	faultCapture(c, "close", 5)
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("no request reached the receiver")
	}
	ok, st := faultClose(t, c, 500*time.Millisecond)
	assert.False(t, ok)
	assert.Zero(t, st.Delivered)
	requireAccounted(t, st)
	if dir == "" {
		assert.Positive(t, st.Dropped["network_error:error"]+st.Dropped["queue_overflow:error"], "%+v", st)
	} else {
		assert.EqualValues(t, 5, st.Spooled, "Close's leftovers and the cancelled request are spooled: %+v", st)
	}
}

func TestFault5xxThenRecovery(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			faultSpool(t, func(t *testing.T, dir string, spool func(*core.Options)) {
				testFault5xxThenRecovery(t, status, dir, spool)
			})
		})
	}
}

func testFault5xxThenRecovery(t *testing.T, status int, dir string, spool func(*core.Options)) {
	faultLeaks(t)
	faultHeap(t)
	srv := sentrytest.NewServer(t)
	srv.Respond(func(*http.Request) (int, http.Header) { return status, nil })
	c := faultClient(t, srv.DSN(), spool)

	faultCapture(c, "down", 5)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	assert.False(t, c.Flush(ctx), "the outage is reported")
	cancel()
	_, err := srv.WaitForRejections(5, time.Second)
	require.NoError(t, err)

	srv.Respond(nil)
	faultCapture(c, "up", 5)
	if dir != "" {
		// The spooled events go out once the receiver answers again.
		assert.Eventually(t, func() bool { return c.Stats().Delivered == 10 }, 5*time.Second, 10*time.Millisecond,
			"the outage's events were not replayed: %+v", c.Stats())
	}
	ok, st := faultClose(t, c, 5*time.Second)
	assert.True(t, ok, "everything captured after the recovery was delivered: %+v", st)
	requireAccounted(t, st)
	events := srv.Events()
	if dir != "" {
		assert.EqualValues(t, 10, st.Delivered, "%+v", st)
		assert.Zero(t, st.Spooled, "%+v", st)
		assert.Zero(t, faultDropped(st), "%+v", st)
		require.Len(t, events, 10)
		return
	}
	assert.EqualValues(t, 5, st.Delivered, "%+v", st)
	assert.EqualValues(t, 5, st.Dropped["send_error:error"], "%+v", st)
	require.Len(t, events, 5)
	for _, ev := range events {
		assert.Equal(t, "up", faultTagOf(ev), "an event of the outage was delivered late")
	}
	// The failures reached Sentry in the client report of a later
	// envelope, as many as the client counted.
	assert.Equal(t, st.Dropped["send_error:error"], srv.Discarded()["send_error:error"])
}

// faultTagOf returns the first word of an event's message or exception, the
// tag faultCapture put there.
func faultTagOf(ev *core.Event) string {
	s := ""
	switch {
	case ev.Message != nil:
		s = ev.Message.Formatted + ev.Message.Message
	case len(ev.Exception) > 0:
		s = ev.Exception[len(ev.Exception)-1].Value
	}
	for i := range len(s) {
		if s[i] == ' ' {
			return s[:i]
		}
	}
	return s
}

// faultRateLimitCases are the forms a 429 answer takes, and how long each
// keeps error events back.
var faultRateLimitCases = []struct {
	name    string
	hdr     func() http.Header
	limited time.Duration
}{
	{"bare 429", func() http.Header { return nil }, 60 * time.Second},
	{"Retry-After seconds", func() http.Header { return http.Header{"Retry-After": {"30"}} }, 30 * time.Second},
	{"Retry-After HTTP date", func() http.Header {
		return http.Header{"Retry-After": {time.Now().Add(45 * time.Second).UTC().Format(http.TimeFormat)}}
	}, 45 * time.Second},
	{"X-Sentry-Rate-Limits error", func() http.Header {
		return http.Header{"X-Sentry-Rate-Limits": {"30:error:organization"}}
	}, 30 * time.Second},
	{"X-Sentry-Rate-Limits all categories", func() http.Header {
		return http.Header{"X-Sentry-Rate-Limits": {"30::organization, 5:transaction:project"}}
	}, 30 * time.Second},
}

// fault429Server answers the first envelope with 429 and hdr, then 200.
func fault429Server(t *testing.T, hdr http.Header) *sentrytest.Server {
	t.Helper()
	srv := sentrytest.NewServer(t)
	var n atomic.Int32
	srv.Respond(func(*http.Request) (int, http.Header) {
		if n.Add(1) == 1 {
			return http.StatusTooManyRequests, hdr
		}
		return http.StatusOK, nil
	})
	return srv
}

// fault429Answered counts the events the server refused with 429 (Sentry
// counts those itself; the client counts them as server_rate_limited,
// outside its client reports).
func fault429Answered(srv *sentrytest.Server) int64 {
	var n int64
	for _, r := range srv.Rejections() {
		if r.Status == http.StatusTooManyRequests && r.HasEvent() {
			n++
		}
	}
	return n
}

func TestFault429(t *testing.T) {
	for _, tt := range faultRateLimitCases {
		t.Run(tt.name, func(t *testing.T) {
			faultSpool(t, func(t *testing.T, _ string, spool func(*core.Options)) {
				testFault429(t, tt.hdr(), tt.limited, spool)
			})
		})
	}
	t.Run("Retry-After then recovery", testFault429Recovery)
}

// testFault429: the server's 429 (whatever its form) is counted as
// server_rate_limited, the events while the limit lasts as
// ratelimit_backoff; none is spooled, with a spool or without.
func testFault429(t *testing.T, hdr http.Header, limited time.Duration, spool func(*core.Options)) {
	faultLeaks(t)
	faultHeap(t)
	srv := fault429Server(t, hdr)
	c := faultClient(t, srv.DSN(), spool)

	faultCapture(c, "first", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	assert.False(t, c.Flush(ctx))
	cancel()
	// While the limit lasts, nothing more is posted.
	faultCapture(c, "limited", 6)
	ok, st := faultClose(t, c, 3*time.Second)
	assert.False(t, ok)
	assert.Zero(t, st.Delivered, "%+v", st)
	assert.EqualValues(t, 6, st.Dropped["ratelimit_backoff:error"], "%+v", st)
	assert.Empty(t, srv.Events(), "an event was posted while rate limited (for %v)", limited)
	require.EqualValues(t, 1, fault429Answered(srv))
	assert.EqualValues(t, 1, st.Dropped["server_rate_limited:error"], "%+v", st)
	assert.Zero(t, st.Spooled, "%+v", st)
	requireAccounted(t, st)
}

func testFault429Recovery(t *testing.T) {
	faultLeaks(t)
	faultHeap(t)
	srv := fault429Server(t, http.Header{"Retry-After": {"1"}})
	c := faultClient(t, srv.DSN(), nil)
	faultCapture(c, "first", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	assert.False(t, c.Flush(ctx))
	faultCapture(c, "limited", 2)
	assert.False(t, c.Flush(ctx))
	time.Sleep(1100 * time.Millisecond)
	faultCapture(c, "later", 3)
	ok, st := faultClose(t, c, 3*time.Second)
	assert.True(t, ok, "%+v", st)
	assert.EqualValues(t, 3, st.Delivered, "%+v", st)
	assert.EqualValues(t, 2, st.Dropped["ratelimit_backoff:error"], "%+v", st)
	assert.Len(t, srv.Events(), 3)
	assert.EqualValues(t, 2, srv.Discarded()["ratelimit_backoff:error"], "the drops reached Sentry in a client report")
	requireAccounted(t, st)
}

// TestFault429Identity: an event answered with 429 stays out of the client
// reports (Sentry counts a refused event itself) but is accounted for in
// Stats, as server_rate_limited.
func TestFault429Identity(t *testing.T) {
	faultLeaks(t)
	srv := fault429Server(t, nil)
	c := faultClient(t, srv.DSN(), nil)
	faultCapture(c, "first", 1)
	_, st := faultClose(t, c, 3*time.Second)
	require.EqualValues(t, 1, fault429Answered(srv))
	requireAccounted(t, st)
}

func TestFault413(t *testing.T) {
	faultSpool(t, testFault413)
}

// testFault413: a refusal for size is final; with a spool too.
func testFault413(t *testing.T, _ string, spool func(*core.Options)) {
	faultLeaks(t)
	faultHeap(t)
	srv := sentrytest.NewServer(t)
	srv.Respond(func(*http.Request) (int, http.Header) {
		return http.StatusRequestEntityTooLarge, http.Header{"X-Sentry-Error": {"envelope exceeded size limits"}}
	})
	c := faultClient(t, srv.DSN(), spool)
	faultCapture(c, "large", 4)
	ok, st := faultClose(t, c, 3*time.Second)
	assert.False(t, ok)
	assert.Zero(t, st.Delivered)
	assert.Zero(t, st.Spooled, "a 413 must not be spooled: it would be refused again")
	assert.EqualValues(t, 4, st.Dropped["send_error:error"], "%+v", st)
	_, err := srv.WaitForRejections(4, time.Second)
	require.NoError(t, err, "a 413 must not stop the next events from being tried")
	requireAccounted(t, st)
}

// TestFaultFinalStatuses: answers that retrying cannot change (a redirect,
// which would turn the POST into a GET, bad request, bad key) drop the event
// as send_error, and never spool it, whatever the spool.
func TestFaultFinalStatuses(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusBadRequest,
		http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			faultSpool(t, func(t *testing.T, _ string, spool func(*core.Options)) {
				faultLeaks(t)
				srv := sentrytest.NewServer(t)
				srv.Respond(func(*http.Request) (int, http.Header) {
					return status, http.Header{"Location": {srv.URL() + "/elsewhere"}, "X-Sentry-Error": {"fault"}}
				})
				c := faultClient(t, srv.DSN(), spool)
				faultCapture(c, "final", 3)
				ok, st := faultClose(t, c, 3*time.Second)
				assert.False(t, ok)
				assert.Zero(t, st.Delivered)
				assert.Zero(t, st.Spooled, "%+v", st)
				assert.EqualValues(t, 3, st.Dropped["send_error:error"], "%+v", st)
				requireAccounted(t, st)
				rejected, err := srv.WaitForRejections(3, time.Second)
				require.NoError(t, err)
				withEvent := 0
				for _, r := range rejected {
					if r.HasEvent() {
						withEvent++
					}
				}
				assert.Equal(t, 3, withEvent, "each event was tried once")
			})
		})
	}
}

// TestFaultStorm logs at 10,000 events/s while the receiver fails: 2 s
// always, 10 s with SENTRYLOG_LONG=1.
func TestFaultStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("a fault run of seconds; go test without -short runs it")
	}
	d := 2 * time.Second
	if os.Getenv("SENTRYLOG_LONG") == "1" {
		d = 10 * time.Second
	}
	t.Run("503 with storm control", func(t *testing.T) {
		faultLeaks(t)
		srv := sentrytest.NewServer(t)
		srv.Respond(func(*http.Request) (int, http.Header) { return http.StatusServiceUnavailable, nil })
		faultStorm(t, srv.DSN(), d, nil)
	})
	t.Run("refused without storm control", func(t *testing.T) {
		faultLeaks(t)
		faultStorm(t, "http://fault@"+faultClosedPort(t)+"/1", d, func(o *core.Options) {
			o.Storm.Disabled = true
			o.QueueSize = 1000
		})
	})
	t.Run("reset with storm control", func(t *testing.T) {
		faultLeaks(t)
		faultStorm(t, newResetServer(t).dsn(), d, nil)
	})
	t.Run("503 without storm control into a small spool", func(t *testing.T) {
		faultLeaks(t)
		dir := t.TempDir()
		srv := sentrytest.NewServer(t)
		srv.Respond(func(*http.Request) (int, http.Header) { return http.StatusServiceUnavailable, nil })
		st := faultStorm(t, srv.DSN(), d, func(o *core.Options) {
			o.Storm.Disabled = true
			o.Spool = core.SpoolOptions{Dir: dir, MaxFiles: 50}
		})
		assert.Positive(t, st.Spooled, "%+v", st)
		assert.LessOrEqual(t, st.Spooled, int64(50), "the spool's bound")
		assert.Positive(t, st.Dropped["cache_overflow:error"], "the spool's evictions are counted: %+v", st)
		files, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(files), 50+5, "files in the spool (a few in flight at most)")
	})
}

// faultStorm captures 10,000 events/s for d from a few call sites and
// groups, while the receiver at dsn fails, and checks heap, goroutines and
// the accounting.
func faultStorm(t *testing.T, dsn string, d time.Duration, tune func(*core.Options)) core.Stats {
	checkHeap := faultHeap(t)
	c := faultClient(t, dsn, tune)
	goroutines := runtime.NumGoroutine()
	const perTick, tick = 100, 10 * time.Millisecond // 10,000/s
	ctx := context.Background()
	var issued int
	start := time.Now()
	next := start
	for ticks := 0; time.Since(start) < d; ticks++ {
		for i := range perTick {
			n := issued + i
			switch n % 3 {
			case 0:
				c.CaptureException(ctx, fmt.Errorf("storm %d: %w", n%7, errFault))
			case 1:
				c.CaptureMessage(ctx, "storm message "+strconv.Itoa(n%50), core.LevelError)
			default:
				bridge.CaptureRecord(c, &bridge.Record{Level: core.LevelError, Message: "storm record", PC: faultPC()})
			}
		}
		issued += perTick
		if ticks%25 == 0 {
			checkHeap(fmt.Sprintf("after %d events", issued))
			assert.Less(t, runtime.NumGoroutine(), goroutines+50, "goroutines grow with the load")
		}
		next = next.Add(tick)
		if w := time.Until(next); w > 0 {
			time.Sleep(w)
		}
	}
	took := time.Since(start)
	t.Logf("issued %d captures in %v (%.0f/s)", issued, took.Round(time.Millisecond), float64(issued)/took.Seconds())
	_, st := faultClose(t, c, 2*time.Second)
	t.Logf("stats: %+v", st)
	assert.EqualValues(t, issued, st.Captured, "every capture call is counted")
	assert.Zero(t, st.Delivered)
	requireAccounted(t, st)
	checkHeap("after Close")
	return st
}

// faultPC returns its caller's program counter, as a bridge would pass it.
func faultPC() uintptr {
	var pcs [1]uintptr
	runtime.Callers(2, pcs[:])
	return pcs[0]
}

// TestFaultCloseDuringCapturesIdentity captures from several goroutines
// while Close runs: a capture that finds the client closed is counted in
// Captured and as queue_overflow, and one racing Close's last drain is
// drained and counted, never left in the queue.
func TestFaultCloseDuringCapturesIdentity(t *testing.T) {
	if testing.Short() {
		t.Skip("a fault run of seconds; go test without -short runs it")
	}
	faultLeaks(t)
	for round := range 20 {
		c, err := core.New(core.Options{DSN: "http://fault@127.0.0.1:9/1", Transport: core.NewMemoryTransport(),
			Storm: core.StormOptions{Disabled: true}})
		require.NoError(t, err)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					c.CaptureMessage(context.Background(), fmt.Sprintf("race %d %d", g, i), core.LevelError)
				}
			}()
		}
		time.Sleep(5 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c.Close(ctx)
		cancel()
		close(stop)
		wg.Wait()
		st := c.Stats()
		require.Equal(t, st.Captured, st.Delivered+st.Spooled+faultDropped(st), "round %d: %+v", round, st)
	}
}

// TestFaultSharedSpoolIdentity: two clients (as two processes) share a
// spool directory while the receiver is down. The second one's writes push
// the first one's envelopes out: those are reported (cache_overflow) and
// counted as ForeignDropped, outside the second client's identity.
func TestFaultSharedSpoolIdentity(t *testing.T) {
	faultLeaks(t)
	dir := t.TempDir()
	dsn := "http://fault@" + faultClosedPort(t) + "/1"
	spool := func(o *core.Options) {
		o.Spool = core.SpoolOptions{Dir: dir, MaxFiles: 5}
		o.Storm.Disabled = true
	}
	first := faultClient(t, dsn, spool)
	faultCapture(first, "first", 5)
	_, st := faultClose(t, first, 3*time.Second)
	require.EqualValues(t, 5, st.Spooled, "%+v", st)
	requireAccounted(t, st)

	second := faultClient(t, dsn, spool)
	faultCapture(second, "second", 5)
	_, st = faultClose(t, second, 3*time.Second)
	assert.EqualValues(t, 5, st.Spooled, "%+v", st)
	requireAccounted(t, st)
}

// TestFaultSpotlightOnlyIdentity: a client with Spotlight and no DSN, the
// sidecar down: an event Spotlight failed to take is counted network_error
// (no client report goes anywhere without a DSN, but Stats tells).
func TestFaultSpotlightOnlyIdentity(t *testing.T) {
	faultLeaks(t)
	c := faultClient(t, "", func(o *core.Options) { o.Spotlight = "http://" + faultClosedPort(t) + "/stream" })
	faultCapture(c, "spotlight", 2)
	_, st := faultClose(t, c, 2*time.Second)
	assert.Zero(t, st.Delivered)
	requireAccounted(t, st)
}

// stalledSpoolClient returns a client with a spool in dir, whose receiver
// holds every request until the client gives up on it.
func stalledSpoolClient(t *testing.T) (c *core.Client, dir string) {
	srv := sentrytest.NewServer(t)
	srv.Respond(func(r *http.Request) (int, http.Header) {
		<-r.Context().Done()
		return http.StatusServiceUnavailable, nil
	})
	dir = t.TempDir()
	c = faultClient(t, srv.DSN(), func(o *core.Options) {
		o.QueueSize = 1000
		o.Storm.Disabled = true
		o.HTTPTimeout = 30 * time.Second
		o.Spool.Dir = dir
	})
	return c, dir
}

// TestFaultCloseDeadlineWithSpool: Close with a short deadline while the
// receiver stalls and the transport's queue is full. Leftovers are spooled
// only within the deadline (or a short grace when Flush used it up); the
// rest are counted queue_overflow, so Close keeps close to its deadline.
func TestFaultCloseDeadlineWithSpool(t *testing.T) {
	faultLeaks(t)
	c, _ := stalledSpoolClient(t)
	faultCapture(c, "leftover", 1500)
	time.Sleep(200 * time.Millisecond) // the worker takes the first event and stalls
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	c.Close(ctx)
	took := time.Since(start)
	st := c.Stats()
	requireAccounted(t, st)
	assert.Less(t, took, time.Second, "Close(200 ms) took %v: %+v", took, st)
}

// TestFaultSharedSpoolRecovery: two clients (as two processes) share a
// spool directory through an outage; when the receiver recovers, both
// replay it at once. Every event arrives exactly once, and each client's
// books still balance.
func TestFaultSharedSpoolRecovery(t *testing.T) {
	faultLeaks(t)
	faultHeap(t)
	dir := t.TempDir()
	srv, down := outageServer(t)
	spool := func(o *core.Options) { o.Spool.Dir = dir }
	clients := []*core.Client{faultClient(t, srv.DSN(), spool), faultClient(t, srv.DSN(), spool)}
	for i, c := range clients {
		faultCapture(c, fmt.Sprint("outage", i), 10)
	}
	for _, c := range clients {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		assert.False(t, c.Flush(ctx))
		cancel()
		assert.EqualValues(t, 10, c.Stats().Spooled)
	}

	down.Store(false)
	var wg sync.WaitGroup
	for i, c := range clients { // both see the receiver answer, and replay
		wg.Add(1)
		go func() {
			defer wg.Done()
			faultCapture(c, fmt.Sprint("recovered", i), 1)
		}()
	}
	wg.Wait()
	_, err := srv.WaitForEvents(22, 5*time.Second)
	require.NoError(t, err)

	var delivered, replayed int64
	for _, c := range clients {
		_, st := faultClose(t, c, 3*time.Second)
		requireAccounted(t, st)
		delivered += st.Delivered
		replayed += st.Replayed
	}
	events := srv.Events()
	seen := map[core.EventID]int{}
	for _, ev := range events {
		seen[ev.EventID]++
	}
	for id, n := range seen {
		assert.Equal(t, 1, n, "event %s delivered %d times", id, n)
	}
	assert.Len(t, seen, 22)
	assert.Len(t, events, 22)
	assert.EqualValues(t, 22, delivered+replayed, "every delivery is counted by one client")
}

// TestFaultCorruptSpool starts a client on a spool directory that a crash
// or a full disk left in a mess: empty, truncated, garbage and gzip-looking
// files, a directory with a spool file's name, and one good envelope. The
// client does not panic, delivers the good one, and removes the rest.
func TestFaultCorruptSpool(t *testing.T) {
	faultLeaks(t)
	dir := t.TempDir()
	good := protocol.Envelope{
		Header: protocol.EnvelopeHeader{EventID: "0123456789abcdef0123456789abcdef"},
		Items: []protocol.EnvelopeItem{{Header: protocol.ItemHeader{Type: protocol.ItemTypeEvent},
			Payload: []byte(`{"event_id":"0123456789abcdef0123456789abcdef","timestamp":"2026-01-02T03:04:05Z","platform":"go","level":"error","logentry":{"formatted":"the good one"}}`)}},
	}
	var buf bytes.Buffer
	_, err := good.WriteTo(&buf)
	require.NoError(t, err)
	files := map[string][]byte{
		"empty":     nil,
		"blank":     []byte("\n\n  \n"),
		"truncated": buf.Bytes()[:buf.Len()/2],
		"garbage":   []byte("\x00\xff not an envelope {"),
		"gzip":      {0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xde, 0xad},
		"length":    []byte("{}\n{\"type\":\"event\",\"length\":99999}\n{}\n"),
		"two":       append(append([]byte(nil), buf.Bytes()...), buf.Bytes()[bytes.IndexByte(buf.Bytes(), '\n')+1:]...),
		"good":      buf.Bytes(),
	}
	i := 0
	for name, b := range files {
		i++
		path := filepath.Join(dir, fmt.Sprintf("%020d-crashed%s-%06d.env", i, name, i))
		require.NoError(t, os.WriteFile(path, b, 0o600))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, fmt.Sprintf("%020d-crashed-dir-000000.env", 0)), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "00000000000000000099-crashed-partial-000099.env.tmp"), []byte("{"), 0o600))

	srv := sentrytest.NewServer(t)
	c := faultClient(t, srv.DSN(), func(o *core.Options) { o.Spool.Dir = dir })
	events, err := srv.WaitForEvents(1, 5*time.Second)
	require.NoError(t, err, "the good envelope was not replayed")
	assert.Equal(t, "the good one", events[0].Message.Formatted)
	assert.Eventually(t, func() bool {
		left, err := os.ReadDir(dir)
		if err != nil {
			return false
		}
		for _, de := range left {
			if !de.IsDir() && !strings.HasSuffix(de.Name(), ".tmp") { // a young .tmp may be another process's write
				return false
			}
		}
		return true
	}, 5*time.Second, 20*time.Millisecond, "the unusable files were not removed")
	_, st := faultClose(t, c, 2*time.Second)
	t.Logf("stats: %+v", st)
	assert.Zero(t, st.Captured)
	assert.EqualValues(t, 1, st.Replayed, "%+v", st)
	assert.Len(t, srv.Events(), 1)
}

// outageReceiver is a sentrytest receiver whose port can go down (it
// refuses connections, as a receiver that is not running does) and come
// back on the same address.
type outageReceiver struct {
	*sentrytest.Server
	mu   sync.Mutex
	addr string
	hs   *http.Server
	wg   sync.WaitGroup
}

// firstDelivery watches, from now, for the receiver's next envelope after
// the base count, and sends how long it took, or -1 after 10 s without one.
func (r *outageReceiver) firstDelivery(base int) <-chan time.Duration {
	back := time.Now()
	firstAt := make(chan time.Duration, 1)
	go func() {
		for time.Since(back) < 10*time.Second {
			if r.envelopeCount() > base {
				firstAt <- time.Since(back)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		firstAt <- -1
	}()
	return firstAt
}

func newOutageReceiver(t *testing.T) *outageReceiver {
	t.Helper()
	r := &outageReceiver{Server: sentrytest.NewUnstartedServer()}
	require.NoError(t, r.up())
	t.Cleanup(r.down)
	return r
}

func (r *outageReceiver) dsn() string {
	return "http://" + r.Key() + "@" + r.addr + "/" + r.Project()
}

// up listens again, on the same address as before.
func (r *outageReceiver) up() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hs != nil {
		return nil
	}
	addr := r.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	r.addr = ln.Addr().String()
	hs := &http.Server{Handler: r.Server, ReadHeaderTimeout: 5 * time.Second}
	r.hs = hs
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		_ = hs.Serve(ln)
	}()
	return nil
}

// down closes the listener and every connection.
func (r *outageReceiver) down() {
	r.mu.Lock()
	hs := r.hs
	r.hs = nil
	r.mu.Unlock()
	if hs != nil {
		_ = hs.Close()
	}
	r.wg.Wait()
}

// envelopeCount returns how many envelopes the receiver accepted.
func (r *outageReceiver) envelopeCount() int { return len(r.Envelopes()) }

// faultOutageCapture captures rate distinct errors per second for d and
// returns their IDs (an event that was not queued has none: it is counted
// in the client's stats).
func faultOutageCapture(c *core.Client, tag string, from, rate int, d time.Duration) []core.EventID {
	const tick = 10 * time.Millisecond
	perTick := rate * int(tick) / int(time.Second)
	var ids []core.EventID
	start := time.Now()
	next := start
	for n := from; time.Since(start) < d; {
		for range perTick {
			if id := c.CaptureException(context.Background(), fmt.Errorf("%s %d: %w", tag, n, &faultErr{n})); id != "" {
				ids = append(ids, id)
			}
			n++
		}
		next = next.Add(tick)
		time.Sleep(time.Until(next))
	}
	return ids
}

// TestFaultOutageWithSpool: with the spool on and its default limits, a
// 10 s outage (the receiver's port refuses connections) at 200 distinct
// errors per second, then recovery: every event arrives exactly once, the
// first within a second of the receiver's return, and the events captured
// after it too; the same when the process restarts in the middle of the
// outage. Storm control is off (every event is distinct anyway).
func TestFaultOutageWithSpool(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10 s outage")
	}
	t.Run("one process", func(t *testing.T) { faultOutageWithSpool(t, false) })
	t.Run("restart during the outage", func(t *testing.T) { faultOutageWithSpool(t, true) })
}

func faultOutageWithSpool(t *testing.T, restart bool) {
	faultLeaks(t)
	rcv := newOutageReceiver(t)
	dir := t.TempDir()
	open := func() *core.Client {
		return faultClient(t, rcv.dsn(), func(o *core.Options) {
			o.Spool = core.SpoolOptions{Dir: dir}
			o.Storm.Disabled = true
			o.QueueSize = 0 // the default
		})
	}
	c := open()
	ids := []core.EventID{c.CaptureMessage(context.Background(), "before", core.LevelError)}
	// The client has its answer before the receiver goes: an envelope
	// whose answer a closed connection lost is sent again.
	require.Eventually(t, func() bool { return c.Stats().Delivered == 1 }, 5*time.Second, time.Millisecond)

	const rate, outage = 200, 10 * time.Second
	rcv.down()
	var first core.Stats
	if restart {
		ids = append(ids, faultOutageCapture(c, "first", 0, rate, outage/2)...)
		_, first = faultClose(t, c, 5*time.Second)
		requireAccounted(t, first)
		assert.Empty(t, first.Dropped, "%+v", first)
		c = open()
		ids = append(ids, faultOutageCapture(c, "second", 10000, rate, outage/2)...)
	} else {
		ids = append(ids, faultOutageCapture(c, "outage", 0, rate, outage)...)
	}
	base := rcv.envelopeCount()
	require.NoError(t, rcv.up())
	firstAt := rcv.firstDelivery(base)
	ids = append(ids, faultOutageCapture(c, "after", 20000, rate, time.Second)...)
	recovery := <-firstAt
	assert.True(t, recovery >= 0 && recovery < time.Second, "first delivery %v after the receiver came back", recovery)

	// Envelopes (one event each, and no client reports: nothing is
	// dropped), not events: WaitForEvents decodes every event on each
	// arrival.
	bound := 20 * time.Second
	if race.Enabled {
		bound *= 3 // the race detector slows the replay's parsing and serializing
	}
	_, err := rcv.WaitForEnvelopes(len(ids), bound)
	require.NoError(t, err, "got %d of %d events", len(rcv.Events()), len(ids))
	_, st := faultClose(t, c, 5*time.Second)
	t.Logf("captured %d; recovery %v; stats %+v", len(ids), recovery, st)
	requireAccounted(t, st)
	assert.Empty(t, st.Dropped, "%+v", st)
	assert.Zero(t, st.Spooled, "%+v", st)
	assert.EqualValues(t, first.Spooled, st.Replayed, "the second process sent what the first left")

	seen := map[core.EventID]int{}
	for _, ev := range rcv.Events() {
		seen[ev.EventID]++
	}
	for _, id := range ids {
		assert.Equal(t, 1, seen[id], "event %s", id)
	}
	assert.Len(t, seen, len(ids), "only the captured events arrived")
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left, "the spool is empty")
}

// TestFaultCloseSpoolsAFullQueue: Close, with the receiver stalled and the
// queue full, spools every event it cannot send, within its deadline.
func TestFaultCloseSpoolsAFullQueue(t *testing.T) {
	faultLeaks(t)
	c, dir := stalledSpoolClient(t)
	faultCapture(c, "queued", 1000)
	ok, st := faultClose(t, c, 2*time.Second)
	assert.False(t, ok)
	requireAccounted(t, st)
	assert.EqualValues(t, st.Captured, st.Spooled, "every event is spooled: %+v", st)
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, files, int(st.Spooled))
}

// TestFaultOutageWithoutSpool: without a spool, a 10 s outage (refused
// connections) at 200 distinct errors per second, then recovery: the
// first delivery follows the receiver's return within a second, every
// event captured after it is delivered, none twice, and what the queues
// could not hold is counted.
func TestFaultOutageWithoutSpool(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10 s outage")
	}
	faultLeaks(t)
	rcv := newOutageReceiver(t)
	c := faultClient(t, rcv.dsn(), func(o *core.Options) {
		o.Storm.Disabled = true
		o.QueueSize = 0 // the default
	})
	c.CaptureMessage(context.Background(), "before", core.LevelError)
	require.Eventually(t, func() bool { return c.Stats().Delivered == 1 }, 5*time.Second, time.Millisecond)

	rcv.down()
	during := faultOutageCapture(c, "outage", 0, 200, 10*time.Second)
	base := rcv.envelopeCount()
	require.NoError(t, rcv.up())
	firstAt := rcv.firstDelivery(base)
	after := faultOutageCapture(c, "after", 20000, 200, time.Second)
	recovery := <-firstAt
	assert.True(t, recovery >= 0 && recovery < time.Second, "first delivery %v after the receiver came back", recovery)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.Flush(ctx)
	_, st := faultClose(t, c, 3*time.Second)
	t.Logf("captured %d during the outage, %d after; recovery %v; stats %+v", len(during), len(after), recovery, st)
	requireAccounted(t, st)
	seen := map[core.EventID]int{}
	for _, ev := range rcv.Events() {
		seen[ev.EventID]++
	}
	for id, n := range seen {
		assert.Equal(t, 1, n, "event %s arrived %d times", id, n)
	}
	for _, id := range after {
		assert.Equal(t, 1, seen[id], "event %s, captured after the recovery", id)
	}
	assert.EqualValues(t, len(seen), st.Delivered)
	assert.Equal(t, st.Captured-st.Delivered, st.Dropped["queue_overflow:error"]+st.Dropped["network_error:error"], "%+v", st)
}
