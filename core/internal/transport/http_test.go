package transport

import (
	"bytes"
	"context"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// receiver is a fake Sentry (or Spotlight) on loopback that records every
// request and answers through respond.
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []received
	respond func(w http.ResponseWriter, r *http.Request, n int) // n counts requests from 0
}

type received struct {
	header http.Header
	path   string
	raw    []byte // as sent, maybe gzip
	env    *envelope
	err    error
}

func newReceiver(t testing.TB, respond func(w http.ResponseWriter, r *http.Request, n int)) *receiver {
	rc := &receiver{respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		env, err := protocol.ParseEnvelope(bytes.NewReader(raw))
		rc.mu.Lock()
		n := len(rc.reqs)
		rc.reqs = append(rc.reqs, received{header: r.Header.Clone(), path: r.URL.Path, raw: raw, env: env, err: err})
		rc.mu.Unlock()
		if rc.respond != nil {
			rc.respond(w, r, n)
			return
		}
		io.WriteString(w, `{"id":"x"}`)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

func (rc *receiver) dsn(t testing.TB, userinfo string) *DSN {
	d, err := ParseDSN("http://" + userinfo + "@" + rc.srv.Listener.Addr().String() + "/42")
	require.NoError(t, err)
	return d
}

// transportClock is a clock the test moves forward.
type transportClock struct{ off atomic.Int64 }

func (c *transportClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *transportClock) advance(d time.Duration) { c.off.Add(int64(d)) }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startTransport configures a transport with fast retries and closes it
// when the test ends.
func startTransport(t testing.TB, cfg Config, tune func(*HTTP)) *HTTP {
	tr := NewHTTP()
	tr.backoff = []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}
	if tune != nil {
		tune(tr)
	}
	if cfg.Outcomes == nil {
		cfg.Outcomes = new(Outcomes)
	}
	if cfg.SDK.Name == "" {
		cfg.SDK = protocol.SDK{Name: SDKName, Version: SDKVersion}
	}
	require.NoError(t, tr.Configure(cfg))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tr.Close(ctx)
	})
	return tr
}

func testEvent(i int) *Event {
	return &Event{
		EventID: EventID(fmt.Sprintf("%032x", i)), Timestamp: time.Now(), Platform: "go",
		Level: LevelError, Message: &protocol.LogEntry{Message: fmt.Sprintf("event %d", i)},
	}
}

func flush(t testing.TB, tr *HTTP) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return tr.Flush(ctx)
}

// reportCounts sums the client reports of the requests by "reason:category".
func reportCounts(t testing.TB, reqs []received) map[string]int64 {
	out := map[string]int64{}
	for _, r := range reqs {
		require.NoError(t, r.err)
		crs, err := r.env.ClientReports()
		require.NoError(t, err)
		for _, cr := range crs {
			for _, d := range cr.DiscardedEvents {
				out[d.Reason+":"+d.Category] += d.Quantity
			}
		}
	}
	return out
}

func pendingReport(o *Outcomes) map[string]int64 {
	items := o.Take()
	o.Restore(items)
	out := map[string]int64{}
	for _, d := range items {
		out[d.Reason+":"+d.Category] += d.Quantity
	}
	return out
}

const testSecret = "S3CRETKEYVALUE"

func TestHTTPTransportDelivers(t *testing.T) {
	rc := newReceiver(t, nil)
	var dbg syncBuffer
	out := new(Outcomes)
	dsn := rc.dsn(t, "pub:"+testSecret)
	tr := startTransport(t, Config{DSN: dsn, Outcomes: out, Debug: newDebugLog(&dbg),
		SDK: protocol.SDK{Name: SDKName, Version: "9.8.7"}}, nil)
	start := time.Now()
	// Events 0 and 1 are small and go plain; event 2 is over compressFrom
	// and goes gzip-compressed.
	big := strings.Repeat("padding ", compressFrom/8)
	for i := range 3 {
		ev := testEvent(i)
		if i == 2 {
			ev.Extra = map[string]any{"big": big}
		}
		tr.Send(ev)
	}
	require.True(t, flush(t, tr))
	assert.EqualValues(t, 3, out.Delivered.Load())
	assert.Empty(t, out.Totals())

	reqs := rc.all()
	require.Len(t, reqs, 3)
	// Several requests may be in flight: in order of event, not of arrival.
	slices.SortFunc(reqs, func(a, b received) int {
		return strings.Compare(string(a.env.Header.EventID), string(b.env.Header.EventID))
	})
	for i, r := range reqs {
		require.NoError(t, r.err)
		assert.Equal(t, "/api/42/envelope/", r.path)
		assert.Equal(t, "application/x-sentry-envelope", r.header.Get("Content-Type"))
		if i == 2 {
			assert.Equal(t, "gzip", r.header.Get("Content-Encoding"))
			assert.Equal(t, []byte{0x1f, 0x8b}, r.raw[:2], "the body is gzip")
			assert.Less(t, len(r.raw), compressFrom, "and compressed")
		} else {
			assert.Empty(t, r.header.Get("Content-Encoding"))
			assert.Equal(t, byte('{'), r.raw[0], "the body is plain")
		}
		assert.Equal(t, "sentry.go.sentrylog/9.8.7", r.header.Get("User-Agent"))
		assert.Equal(t, "Sentry sentry_version=7, sentry_client=sentry.go.sentrylog/9.8.7, sentry_key=pub, sentry_secret="+testSecret,
			r.header.Get("X-Sentry-Auth"))

		h := r.env.Header
		assert.Equal(t, EventID(fmt.Sprintf("%032x", i)), h.EventID)
		assert.WithinRange(t, h.SentAt, start.Add(-time.Second), time.Now().Add(time.Second))
		assert.Equal(t, time.UTC, h.SentAt.Location())
		assert.Equal(t, "http://pub@"+rc.srv.Listener.Addr().String()+"/42", h.DSN)
		require.NotNil(t, h.SDK)
		assert.Equal(t, protocol.SDK{Name: SDKName, Version: "9.8.7"}, *h.SDK)
		require.Len(t, r.env.Items, 1)
		assert.Equal(t, itemTypeEvent, r.env.Items[0].Header.Type)
		ev, err := r.env.Event()
		require.NoError(t, err)
		assert.Equal(t, h.EventID, ev.EventID)
		assert.Equal(t, fmt.Sprintf("event %d", i), ev.Message.Message)

		plain, err := io.ReadAll(mustGunzip(t, r.raw))
		require.NoError(t, err)
		assert.NotContains(t, string(plain), testSecret)
	}
	assert.NotContains(t, dbg.String(), testSecret)
}

// byEvent sorts requests by event ID: several requests may be in flight,
// so they arrive in any order.
func byEvent(reqs []received) {
	slices.SortFunc(reqs, func(a, b received) int {
		return strings.Compare(string(a.env.Header.EventID), string(b.env.Header.EventID))
	})
}

func mustGunzip(t testing.TB, b []byte) io.Reader {
	env, err := protocol.ParseEnvelope(bytes.NewReader(b))
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = env.WriteTo(&buf)
	require.NoError(t, err)
	return &buf
}

func TestHTTPTransportStatuses(t *testing.T) {
	tests := []struct {
		status  int
		hdr     map[string]string
		counted bool // send_error recorded
		limited bool // all categories limited afterwards
		logged  string
	}{
		{status: 400, hdr: map[string]string{"X-Sentry-Error": "invalid event: bad timestamp"}, counted: true, logged: "bad timestamp"},
		{status: 401, counted: true, logged: "refused"},
		{status: 403, counted: true, logged: "refused"},
		{status: 404, counted: true, logged: "404"},
		{status: 413, counted: true, logged: "413"},
		{status: 500, counted: true, logged: "500"},
		{status: 503, hdr: map[string]string{"Retry-After": "30"}, counted: true, logged: "503"},
		{status: 302, hdr: map[string]string{"Location": "/elsewhere"}, counted: true, logged: "302"},
		{status: 429, limited: true, logged: "rate limited"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 0 {
					for k, v := range tt.hdr {
						w.Header().Set(k, v)
					}
					w.WriteHeader(tt.status)
				}
			})
			out := new(Outcomes)
			var dbg syncBuffer
			tr := startTransport(t, Config{DSN: rc.dsn(t, "pub:"+testSecret), Outcomes: out, Debug: newDebugLog(&dbg)}, nil)
			out.Add(ReasonSampleRate, CategoryError, 2)
			tr.Send(testEvent(1))
			assert.False(t, flush(t, tr), "the event was not delivered")
			assert.EqualValues(t, 0, out.Delivered.Load())
			want := int64(0)
			if tt.counted {
				want = 1
			}
			assert.Equal(t, want, out.Total(ReasonSendError, CategoryError))
			assert.Zero(t, out.Total(ReasonNetworkError, CategoryError))
			assert.Zero(t, out.Total(ReasonRateLimitBackoff, CategoryError), "a 429 records nothing")

			reqs := rc.all()
			ev, err := reqs[0].env.Event()
			require.NoError(t, err)
			assert.Equal(t, testEvent(1).EventID, ev.EventID)
			assert.Equal(t, map[string]int64{"sample_rate:error": 2}, reportCounts(t, reqs[:1]), "the report rode with the event")
			if tt.limited {
				// The report failed with the event, was restored, and waits for the limit.
				require.Len(t, reqs, 1, "never retried")
				assert.Equal(t, map[string]int64{"sample_rate:error": 2}, pendingReport(out))
			} else {
				// Flush sent the restored report, with the new drop, on its own.
				require.Len(t, reqs, 2, "never retried")
				assert.Empty(t, reqs[1].env.ItemsOf(itemTypeEvent))
				assert.Equal(t, map[string]int64{"sample_rate:error": 2, "send_error:error": 1}, reportCounts(t, reqs[1:]))
				assert.Empty(t, pendingReport(out))
			}
			assert.Contains(t, dbg.String(), tt.logged)
			assert.NotContains(t, dbg.String(), testSecret)
		})
	}
}

func TestHTTPTransportRateLimitHeaderOn200(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			w.Header().Set("X-Sentry-Rate-Limits", "60:error:project:quota, 5:transaction:key")
		}
	})
	out := new(Outcomes)
	clk := new(transportClock)
	tr := startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out}, func(tr *HTTP) { tr.now = clk.now })
	tr.Send(testEvent(1))
	require.True(t, flush(t, tr))
	tr.Send(testEvent(2))
	tr.Send(testEvent(3))
	assert.False(t, flush(t, tr))
	assert.EqualValues(t, 2, out.Total(ReasonRateLimitBackoff, CategoryError))
	reqs := rc.all()
	require.Len(t, reqs, 2, "the limited events were not posted; the flush sent a report, as only errors are limited")
	assert.Empty(t, reqs[1].env.ItemsOf(itemTypeEvent))
	assert.Equal(t, map[string]int64{"ratelimit_backoff:error": 2}, reportCounts(t, reqs))

	clk.advance(59 * time.Second)
	tr.Send(testEvent(4))
	assert.False(t, flush(t, tr))
	assert.EqualValues(t, 3, out.Total(ReasonRateLimitBackoff, CategoryError))

	clk.advance(2 * time.Second)
	tr.Send(testEvent(5))
	require.True(t, flush(t, tr))
	reqs = rc.all()
	ev, err := reqs[len(reqs)-1].env.Event()
	require.NoError(t, err)
	assert.Equal(t, testEvent(5).EventID, ev.EventID)
	assert.EqualValues(t, 2, out.Delivered.Load())
	assert.Equal(t, map[string]int64{"ratelimit_backoff:error": 3}, reportCounts(t, reqs))
}

func TestHTTPTransport429(t *testing.T) {
	tests := []struct {
		name  string
		hdr   map[string]string
		limit time.Duration
		all   bool
	}{
		{"bare", nil, 60 * time.Second, true},
		{"retry-after seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second, true},
		{"retry-after date", map[string]string{"Retry-After": time.Now().Add(100 * time.Second).UTC().Format(http.TimeFormat)}, 100 * time.Second, true},
		{"rate-limit header", map[string]string{"X-Sentry-Rate-Limits": "20:error:org", "Retry-After": "999"}, 20 * time.Second, false},
		{"rate-limit header for all", map[string]string{"X-Sentry-Rate-Limits": "30::org"}, 30 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 0 {
					for k, v := range tt.hdr {
						w.Header().Set(k, v)
					}
					w.WriteHeader(http.StatusTooManyRequests)
				}
			})
			out := new(Outcomes)
			clk := new(transportClock)
			tr := startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out}, func(tr *HTTP) { tr.now = clk.now })
			tr.Send(testEvent(1))
			assert.False(t, flush(t, tr))
			assert.Empty(t, out.Totals(), "a 429 records nothing")

			clk.advance(tt.limit - 2*time.Second)
			tr.Send(testEvent(2))
			assert.False(t, flush(t, tr))
			assert.EqualValues(t, 1, out.Total(ReasonRateLimitBackoff, CategoryError))
			reqs := rc.all()
			if tt.all {
				require.Len(t, reqs, 1, "while all is limited not even the client report goes out")
			} else {
				require.Len(t, reqs, 2, "only errors are limited: the report went out")
				assert.Equal(t, map[string]int64{"ratelimit_backoff:error": 1}, reportCounts(t, reqs[1:]))
			}

			clk.advance(3 * time.Second)
			tr.Send(testEvent(3))
			require.True(t, flush(t, tr))
			reqs = rc.all()
			last := reqs[len(reqs)-1]
			ev, err := last.env.Event()
			require.NoError(t, err)
			assert.Equal(t, testEvent(3).EventID, ev.EventID)
			assert.Equal(t, map[string]int64{"ratelimit_backoff:error": 1}, reportCounts(t, reqs))
			assert.EqualValues(t, 1, out.Delivered.Load())
		})
	}
}

func shortFlush(tr *HTTP) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	return tr.Flush(ctx)
}

func TestHTTPTransportNetworkErrors(t *testing.T) {
	t.Run("reset then recovery", func(t *testing.T) {
		var failing atomic.Bool
		failing.Store(true)
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if failing.Load() {
				hits.Add(1)
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
			io.Copy(io.Discard, r.Body)
		}))
		defer srv.Close()
		dsn, err := ParseDSN("http://pub@" + srv.Listener.Addr().String() + "/42")
		require.NoError(t, err)
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: dsn, Outcomes: out}, nil)
		tr.Send(testEvent(1))
		require.Eventually(t, func() bool { return int(hits.Load()) >= 1+len(tr.backoff) }, 5*time.Second, time.Millisecond, "retried with backoff")
		assert.False(t, shortFlush(tr))
		assert.Zero(t, out.Total(ReasonNetworkError, CategoryError), "held for the receiver's return, not dropped")

		failing.Store(false)
		back := time.Now()
		tr.Send(testEvent(2))
		require.True(t, flush(t, tr), "both delivered")
		assert.Less(t, time.Since(back), time.Second, "a probe finds the receiver back within a second")
		assert.EqualValues(t, 2, out.Delivered.Load())
		assert.Empty(t, out.Totals())
	})
	t.Run("connection refused", func(t *testing.T) {
		addr := closedPort(t)
		dsn, err := ParseDSN("http://pub@" + addr + "/42")
		require.NoError(t, err)
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: dsn, Outcomes: out}, nil)
		tr.Send(testEvent(1))
		tr.Send(testEvent(2))
		assert.False(t, shortFlush(tr))
		assert.Zero(t, out.Total(ReasonNetworkError, CategoryError), "held")
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		assert.False(t, tr.Close(ctx))
		assert.EqualValues(t, 2, out.Total(ReasonNetworkError, CategoryError), "dropped at Close")
		assert.EqualValues(t, 0, out.Delivered.Load())
	})
	t.Run("timeout not retried", func(t *testing.T) {
		rc, arrived, release := stallServer(t)
		defer release()
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out, HTTPTimeout: 50 * time.Millisecond}, nil)
		tr.Send(testEvent(1))
		assert.False(t, flush(t, tr))
		assert.EqualValues(t, 1, out.Total(ReasonNetworkError, CategoryError))
		assert.Len(t, arrived, 2, "the event once, then the flush's client report once")
		assert.Equal(t, map[string]int64{"network_error:error": 1}, pendingReport(out))
	})
	t.Run("report restored and sent later", func(t *testing.T) {
		var failing atomic.Bool
		failing.Store(true)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if failing.Load() {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
			}
		})
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		out.Add(ReasonSampleRate, CategoryError, 1)
		tr.Send(testEvent(1))
		assert.False(t, shortFlush(tr))
		assert.Equal(t, map[string]int64{"sample_rate:error": 1}, pendingReport(out), "the report that rode with the event was restored")
		failing.Store(false)
		tr.Send(testEvent(2))
		require.True(t, flush(t, tr))
		reqs := rc.all()
		assert.Equal(t, map[string]int64{"sample_rate:error": 1}, reportCounts(t, reqs[len(reqs)-2:]), "sent with an event once it answered")
		assert.Empty(t, pendingReport(out))
		assert.EqualValues(t, 2, out.Delivered.Load())
	})
}

// stallServer accepts requests and answers none until released.
func stallServer(t *testing.T) (*receiver, chan struct{}, func()) {
	arrived := make(chan struct{}, 100)
	release := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	var once sync.Once
	return rc, arrived, func() { once.Do(func() { close(release) }) }
}

func TestHTTPTransportQueueFlushClose(t *testing.T) {
	rc, arrived, release := stallServer(t)
	defer release()
	out := new(Outcomes)
	tr := NewHTTP()
	tr.senders = 1 // one request in flight, then the queue
	require.NoError(t, tr.Configure(Config{DSN: rc.dsn(t, "pub"), Outcomes: out, QueueSize: 2, HTTPTimeout: 10 * time.Second}))

	tr.Send(testEvent(0))
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the first event never arrived")
	}
	for i := 1; i <= 4; i++ {
		tr.Send(testEvent(i)) // two fit the queue, two overflow
	}
	assert.EqualValues(t, 2, out.Total(ReasonQueueOverflow, CategoryError))

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	start := time.Now()
	assert.False(t, tr.Flush(ctx), "the server stalls")
	cancel()
	assert.Less(t, time.Since(start), time.Second, "Flush honours its deadline")

	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	start = time.Now()
	assert.False(t, tr.Close(ctx))
	cancel()
	assert.Less(t, time.Since(start), 2*time.Second, "Close honours its deadline")
	assert.EqualValues(t, 1, out.Total(ReasonNetworkError, CategoryError), "the request in flight was cancelled")
	assert.EqualValues(t, 4, out.Total(ReasonQueueOverflow, CategoryError), "the queued events were dropped")

	tr.Send(testEvent(9))
	assert.EqualValues(t, 5, out.Total(ReasonQueueOverflow, CategoryError), "Send after Close")
	assert.False(t, tr.Close(context.Background()), "a second Close reports what the first did")
	assert.EqualValues(t, 0, out.Delivered.Load())
}

func TestHTTPTransportCloseDelivers(t *testing.T) {
	rc := newReceiver(t, nil)
	out := new(Outcomes)
	tr := NewHTTP()
	require.NoError(t, tr.Configure(Config{DSN: rc.dsn(t, "pub"), Outcomes: out}))
	for i := range 20 {
		tr.Send(testEvent(i))
	}
	out.Add(ReasonBeforeSend, CategoryError, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	results := make([]bool, 3)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = tr.Close(ctx)
		}()
	}
	wg.Wait()
	assert.Equal(t, []bool{true, true, true}, results, "concurrent Close calls agree")
	assert.EqualValues(t, 20, out.Delivered.Load())
	assert.Len(t, rc.all(), 20)
	assert.Equal(t, map[string]int64{"before_send:error": 1}, reportCounts(t, rc.all()))
	assert.Error(t, tr.Configure(Config{DSN: rc.dsn(t, "pub")}), "no reuse after Close")
}

func TestHTTPTransportClientReports(t *testing.T) {
	t.Run("periodic", func(t *testing.T) {
		rc := newReceiver(t, nil)
		out := new(Outcomes)
		startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out}, func(tr *HTTP) { tr.reportEvery = 20 * time.Millisecond })
		out.Add(ReasonSampleRate, CategoryError, 3)
		out.Add(ReasonBufferOverflow, CategoryLogItem, 1)
		require.Eventually(t, func() bool { return len(rc.all()) > 0 }, 5*time.Second, 5*time.Millisecond)
		time.Sleep(60 * time.Millisecond) // several ticks: nothing more to send
		reqs := rc.all()
		require.Len(t, reqs, 1, "one report, not one per tick")
		r := reqs[0]
		require.NoError(t, r.err)
		assert.Empty(t, r.env.Header.EventID)
		assert.NotEmpty(t, r.env.Header.DSN)
		require.Len(t, r.env.Items, 1)
		assert.Equal(t, itemTypeClientReport, r.env.Items[0].Header.Type)
		crs, err := r.env.ClientReports()
		require.NoError(t, err)
		assert.WithinDuration(t, time.Now(), crs[0].Timestamp, 5*time.Second)
		assert.Equal(t, map[string]int64{"sample_rate:error": 3, "buffer_overflow:log_item": 1}, reportCounts(t, reqs))
		assert.Empty(t, pendingReport(out))
	})
	t.Run("on flush", func(t *testing.T) {
		rc := newReceiver(t, nil)
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		require.True(t, flush(t, tr))
		assert.Empty(t, rc.all(), "nothing to report, nothing sent")
		out.Add(ReasonIgnored, CategoryError, 4)
		require.True(t, flush(t, tr))
		assert.Equal(t, map[string]int64{"ignored:error": 4}, reportCounts(t, rc.all()))
	})
	t.Run("attached to the next event", func(t *testing.T) {
		rc := newReceiver(t, nil)
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		out.Add(ReasonEventProcessor, CategoryError, 2)
		tr.Send(testEvent(1))
		require.True(t, flush(t, tr))
		reqs := rc.all()
		require.Len(t, reqs, 1, "no separate report envelope")
		require.Len(t, reqs[0].env.Items, 2)
		assert.Equal(t, itemTypeEvent, reqs[0].env.Items[0].Header.Type)
		assert.Equal(t, map[string]int64{"event_processor:error": 2}, reportCounts(t, reqs))
	})
	t.Run("restored after a failed send", func(t *testing.T) {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(503) })
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		out.Add(ReasonCacheOverflow, CategoryAttachment, 5)
		require.True(t, flush(t, tr), "no events, so nothing undelivered")
		assert.Len(t, rc.all(), 1)
		assert.Equal(t, map[string]int64{"cache_overflow:attachment": 5}, pendingReport(out))
	})
	t.Run("dropped when refused", func(t *testing.T) {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(400) })
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		out.Add(ReasonCacheOverflow, CategoryAttachment, 5)
		require.True(t, flush(t, tr))
		assert.Empty(t, pendingReport(out), "a report the server refuses is not retried forever")
	})
}

func TestHTTPTransportSpotlight(t *testing.T) {
	t.Run("copy of every envelope", func(t *testing.T) {
		sentry := newReceiver(t, nil)
		spot := newReceiver(t, nil)
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: sentry.dsn(t, "pub:"+testSecret), Outcomes: out, Spotlight: spot.srv.URL + "/stream"}, nil)
		tr.Send(testEvent(1))
		tr.Send(testEvent(2))
		require.True(t, flush(t, tr))
		assert.EqualValues(t, 2, out.Delivered.Load(), "Spotlight copies are not deliveries")
		require.Len(t, sentry.all(), 2)
		reqs := spot.all()
		require.Len(t, reqs, 2)
		byEvent(reqs)
		for i, r := range reqs {
			require.NoError(t, r.err)
			assert.Equal(t, "/stream", r.path)
			assert.Equal(t, "application/x-sentry-envelope", r.header.Get("Content-Type"))
			assert.Empty(t, r.header.Get("X-Sentry-Auth"))
			assert.Equal(t, byte('{'), r.raw[0], "uncompressed")
			assert.NotContains(t, string(r.raw), testSecret)
			ev, err := r.env.Event()
			require.NoError(t, err)
			assert.Equal(t, testEvent(i+1).EventID, ev.EventID)
		}
	})
	t.Run("down", func(t *testing.T) {
		sentry := newReceiver(t, nil)
		addr := closedPort(t)
		out := new(Outcomes)
		var dbg syncBuffer
		tr := startTransport(t, Config{DSN: sentry.dsn(t, "pub"), Outcomes: out, Debug: newDebugLog(&dbg),
			Spotlight: "http://" + addr + "/stream"}, nil)
		tr.Send(testEvent(1))
		require.True(t, flush(t, tr))
		assert.EqualValues(t, 1, out.Delivered.Load())
		assert.Empty(t, out.Totals(), "Spotlight failures are not drops")
		assert.Contains(t, dbg.String(), "spotlight")
	})
	t.Run("without a DSN", func(t *testing.T) {
		spot := newReceiver(t, nil)
		out := new(Outcomes)
		tr := startTransport(t, Config{Outcomes: out, Spotlight: spot.srv.URL + "/stream"}, nil)
		out.Add(ReasonSampleRate, CategoryError, 1)
		tr.Send(testEvent(1))
		require.True(t, flush(t, tr))
		reqs := spot.all()
		require.Len(t, reqs, 1, "no client reports to Spotlight")
		assert.Empty(t, reqs[0].env.Header.DSN)
		assert.EqualValues(t, 1, out.Delivered.Load())
	})
	t.Run("copy even when rate limited", func(t *testing.T) {
		sentry := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(429) })
		spot := newReceiver(t, nil)
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: sentry.dsn(t, "pub"), Outcomes: out, Spotlight: spot.srv.URL},
			func(tr *HTTP) { tr.senders = 1 }) // the second is sent after the 429
		tr.Send(testEvent(1))
		tr.Send(testEvent(2))
		assert.False(t, flush(t, tr))
		assert.Len(t, sentry.all(), 1)
		assert.Len(t, spot.all(), 2)
		assert.EqualValues(t, 1, out.Total(ReasonRateLimitBackoff, CategoryError))
	})
}

func TestSpotlightURL(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "0": "", "false": "", "FALSE": "", "no": "", "off": "",
		"1": defaultSpotlightURL, "true": defaultSpotlightURL, "True": defaultSpotlightURL, "yes": defaultSpotlightURL, " on ": defaultSpotlightURL,
		"http://127.0.0.1:1234/stream": "http://127.0.0.1:1234/stream", "https://h/x": "https://h/x",
	} {
		got, err := spotlightURL(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"maybe", "ftp://h/x", "http://[::1/x"} {
		got, err := spotlightURL(in)
		assert.Error(t, err, in)
		assert.Empty(t, got)
		assert.False(t, SpotlightEnabled(in))
	}
	assert.True(t, SpotlightEnabled("1"))
}

type panicMarshaler struct{}

func (panicMarshaler) MarshalJSON() ([]byte, error) { panic("boom") }

func TestHTTPTransportBadEvents(t *testing.T) {
	rc := newReceiver(t, nil)
	out := new(Outcomes)
	var dbg syncBuffer
	tr := startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out, Debug: newDebugLog(&dbg)}, nil)
	ev := testEvent(1)
	ev.Extra = map[string]any{"p": panicMarshaler{}}
	tr.Send(ev)
	ev = testEvent(2)
	ev.Extra = map[string]any{"nan": math.NaN()}
	tr.Send(ev)
	ev = testEvent(3)
	// Frames are never cut: nothing to trim.
	ev.Stacktrace = &protocol.Stacktrace{Frames: []protocol.Frame{{Function: strings.Repeat("x", MaxEventSize)}}}
	tr.Send(ev)
	tr.Send(nil)
	tr.Send(testEvent(4))
	assert.False(t, flush(t, tr))
	assert.EqualValues(t, 2, out.Total(ReasonInternalSDKError, CategoryError))
	assert.EqualValues(t, 1, out.Total(ReasonSendError, CategoryError), "oversized")
	assert.EqualValues(t, 1, out.Delivered.Load(), "the worker survived")
	assert.Contains(t, dbg.String(), "boom")
}

func TestHTTPTransportConfigure(t *testing.T) {
	tr := NewHTTP()
	tr.Send(testEvent(1)) // before Configure: dropped, nothing to count into
	assert.True(t, tr.Flush(context.Background()))
	assert.Error(t, tr.Configure(Config{}), "neither DSN nor Spotlight")
	var dbg syncBuffer
	assert.Error(t, tr.Configure(Config{Spotlight: "nonsense", Debug: newDebugLog(&dbg)}))
	assert.Contains(t, dbg.String(), "spotlight off")

	rc := newReceiver(t, nil)
	tr = startTransport(t, Config{DSN: rc.dsn(t, "pub")}, nil)
	assert.Error(t, tr.Configure(Config{DSN: rc.dsn(t, "pub")}), "configured twice")
	tr.Send(testEvent(1)) // without Outcomes: counted into the transport's own
	assert.True(t, flush(t, tr))
	assert.Len(t, rc.all(), 1)

	assert.True(t, NewHTTP().Close(context.Background()))
}

func BenchmarkHTTPTransportSend(b *testing.B) {
	// A receiver that only reads the body, so that the numbers are the
	// transport's (the server still shares the process and its CPUs).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(srv.Close)
	dsn, err := ParseDSN("http://pub@" + srv.Listener.Addr().String() + "/42")
	require.NoError(b, err)
	out := new(Outcomes)
	tr := startTransport(b, Config{DSN: dsn, Outcomes: out, QueueSize: b.N + 1}, nil)
	ev := testEvent(1)
	ev.Tags = map[string]string{"a": "b", "c": "d"}
	ev.Extra = map[string]any{"k": strings.Repeat("v", 200)}
	events := make([]*Event, b.N)
	for i := range events {
		e := *ev
		events[i] = &e
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for _, e := range events {
		tr.Send(e)
	}
	if !flush(b, tr) {
		b.Fatal("not all delivered")
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// TestHTTPTransportSendAllocs checks that Send, on the caller's goroutine,
// only pushes a pointer: no allocation whether the event is queued or
// dropped. The worker is not started, so that its allocations (counted
// process-wide by AllocsPerRun) do not blur the measure.
func TestHTTPTransportSendAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("-race changes allocation counts")
	}
	out := new(Outcomes)
	tr := NewHTTP()
	tr.cfg.Outcomes = out
	tr.queue = make(chan queued, 1000)
	ev := testEvent(1)
	assert.Zero(t, testing.AllocsPerRun(500, func() { tr.Send(ev) }), "queued")
	assert.EqualValues(t, 501, tr.enq.Load())
	tr.queue = make(chan queued)
	assert.Zero(t, testing.AllocsPerRun(500, func() { tr.Send(ev) }), "dropped")
	assert.EqualValues(t, 501, out.Total(ReasonQueueOverflow, CategoryError))
}

func TestSeqRanges(t *testing.T) {
	var r seqRanges
	low := uint64(0)
	for _, seq := range []uint64{3, 5, 4, 9, 10, 8, 2, 2, 1, 7} {
		low, r = r.add(low, seq)
	}
	if low != 5 || len(r) != 1 || r[0] != (seqRange{7, 10}) || r.count() != 4 {
		t.Fatalf("low %d, ranges %v", low, r)
	}
	low, r = r.add(low, 6)
	if low != 10 || len(r) != 0 {
		t.Fatalf("low %d, ranges %v", low, r)
	}
	// A long run done beyond a gap stays one range.
	for seq := uint64(12); seq < 100012; seq++ {
		low, r = r.add(low, seq)
	}
	if low != 10 || len(r) != 1 {
		t.Fatalf("low %d, %d ranges", low, len(r))
	}
	low, r = r.add(low, 11)
	if low != 100011 || len(r) != 0 {
		t.Fatalf("low %d, ranges %v", low, r)
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
