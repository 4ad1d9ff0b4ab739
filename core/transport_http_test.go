package core

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
	"unicode/utf8"

	"github.com/sentrylog/sentrylog/internal/schematest"
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

func (rc *receiver) dsn(t testing.TB, userinfo string) *dsn {
	d, err := parseDSN("http://" + userinfo + "@" + rc.srv.Listener.Addr().String() + "/42")
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
func startTransport(t testing.TB, cfg transportConfig, tune func(*httpTransport)) *httpTransport {
	tr := newHTTPTransport()
	tr.backoff = []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}
	if tune != nil {
		tune(tr)
	}
	if cfg.Outcomes == nil {
		cfg.Outcomes = new(outcomeCounts)
	}
	if cfg.SDK.Name == "" {
		cfg.SDK = protocol.SDK{Name: SDKName, Version: SDKVersion}
	}
	require.NoError(t, tr.configure(cfg))
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

func flush(t testing.TB, tr *httpTransport) bool {
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

func pendingReport(o *outcomeCounts) map[string]int64 {
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
	out := new(outcomeCounts)
	dsn := rc.dsn(t, "pub:"+testSecret)
	tr := startTransport(t, transportConfig{DSN: dsn, Outcomes: out, Debug: newDebugLog(&dbg),
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
			out := new(outcomeCounts)
			var dbg syncBuffer
			tr := startTransport(t, transportConfig{DSN: rc.dsn(t, "pub:"+testSecret), Outcomes: out, Debug: newDebugLog(&dbg)}, nil)
			out.Add(reasonSampleRate, categoryError, 2)
			tr.Send(testEvent(1))
			assert.False(t, flush(t, tr), "the event was not delivered")
			assert.EqualValues(t, 0, out.Delivered.Load())
			want := int64(0)
			if tt.counted {
				want = 1
			}
			assert.Equal(t, want, out.Total(reasonSendError, categoryError))
			assert.Zero(t, out.Total(reasonNetworkError, categoryError))
			assert.Zero(t, out.Total(reasonRateLimitBackoff, categoryError), "a 429 records nothing")

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
	out := new(outcomeCounts)
	clk := new(transportClock)
	tr := startTransport(t, transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out}, func(tr *httpTransport) { tr.now = clk.now })
	tr.Send(testEvent(1))
	require.True(t, flush(t, tr))
	tr.Send(testEvent(2))
	tr.Send(testEvent(3))
	assert.False(t, flush(t, tr))
	assert.EqualValues(t, 2, out.Total(reasonRateLimitBackoff, categoryError))
	reqs := rc.all()
	require.Len(t, reqs, 2, "the limited events were not posted; the flush sent a report, as only errors are limited")
	assert.Empty(t, reqs[1].env.ItemsOf(itemTypeEvent))
	assert.Equal(t, map[string]int64{"ratelimit_backoff:error": 2}, reportCounts(t, reqs))

	clk.advance(59 * time.Second)
	tr.Send(testEvent(4))
	assert.False(t, flush(t, tr))
	assert.EqualValues(t, 3, out.Total(reasonRateLimitBackoff, categoryError))

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
			out := new(outcomeCounts)
			clk := new(transportClock)
			tr := startTransport(t, transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out}, func(tr *httpTransport) { tr.now = clk.now })
			tr.Send(testEvent(1))
			assert.False(t, flush(t, tr))
			assert.Empty(t, out.Totals(), "a 429 records nothing")

			clk.advance(tt.limit - 2*time.Second)
			tr.Send(testEvent(2))
			assert.False(t, flush(t, tr))
			assert.EqualValues(t, 1, out.Total(reasonRateLimitBackoff, categoryError))
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

func shortFlush(tr *httpTransport) bool {
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
		dsn, err := parseDSN("http://pub@" + srv.Listener.Addr().String() + "/42")
		require.NoError(t, err)
		out := new(outcomeCounts)
		tr := startTransport(t, transportConfig{DSN: dsn, Outcomes: out}, nil)
		tr.Send(testEvent(1))
		require.Eventually(t, func() bool { return int(hits.Load()) >= 1+len(tr.backoff) }, 5*time.Second, time.Millisecond, "retried with backoff")
		assert.False(t, shortFlush(tr))
		assert.Zero(t, out.Total(reasonNetworkError, categoryError), "held for the receiver's return, not dropped")

		failing.Store(false)
		back := time.Now()
		tr.Send(testEvent(2))
		require.True(t, flush(t, tr), "both delivered")
		assert.Less(t, time.Since(back), time.Second, "a probe finds the receiver back within a second")
		assert.EqualValues(t, 2, out.Delivered.Load())
		assert.Empty(t, out.Totals())
	})
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		ln.Close()
		dsn, err := parseDSN("http://pub@" + addr + "/42")
		require.NoError(t, err)
		out := new(outcomeCounts)
		tr := startTransport(t, transportConfig{DSN: dsn, Outcomes: out}, nil)
		tr.Send(testEvent(1))
		tr.Send(testEvent(2))
		assert.False(t, shortFlush(tr))
		assert.Zero(t, out.Total(reasonNetworkError, categoryError), "held")
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		assert.False(t, tr.Close(ctx))
		assert.EqualValues(t, 2, out.Total(reasonNetworkError, categoryError), "dropped at Close")
		assert.EqualValues(t, 0, out.Delivered.Load())
	})
	t.Run("timeout not retried", func(t *testing.T) {
		rc, arrived, release := stallServer(t)
		defer release()
		out := new(outcomeCounts)
		tr := startTransport(t, transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out, HTTPTimeout: 50 * time.Millisecond}, nil)
		tr.Send(testEvent(1))
		assert.False(t, flush(t, tr))
		assert.EqualValues(t, 1, out.Total(reasonNetworkError, categoryError))
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
		out := new(outcomeCounts)
		tr := startTransport(t, transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		out.Add(reasonSampleRate, categoryError, 1)
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
	out := new(outcomeCounts)
	tr := newHTTPTransport()
	tr.senders = 1 // one request in flight, then the queue
	require.NoError(t, tr.configure(transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out, QueueSize: 2, HTTPTimeout: 10 * time.Second}))

	tr.Send(testEvent(0))
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the first event never arrived")
	}
	for i := 1; i <= 4; i++ {
		tr.Send(testEvent(i)) // two fit the queue, two overflow
	}
	assert.EqualValues(t, 2, out.Total(reasonQueueOverflow, categoryError))

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
	assert.EqualValues(t, 1, out.Total(reasonNetworkError, categoryError), "the request in flight was cancelled")
	assert.EqualValues(t, 4, out.Total(reasonQueueOverflow, categoryError), "the queued events were dropped")

	tr.Send(testEvent(9))
	assert.EqualValues(t, 5, out.Total(reasonQueueOverflow, categoryError), "Send after Close")
	assert.False(t, tr.Close(context.Background()), "a second Close reports what the first did")
	assert.EqualValues(t, 0, out.Delivered.Load())
}

func TestHTTPTransportCloseDelivers(t *testing.T) {
	rc := newReceiver(t, nil)
	out := new(outcomeCounts)
	tr := newHTTPTransport()
	require.NoError(t, tr.configure(transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out}))
	for i := range 20 {
		tr.Send(testEvent(i))
	}
	out.Add(reasonBeforeSend, categoryError, 1)
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
	assert.Error(t, tr.configure(transportConfig{DSN: rc.dsn(t, "pub")}), "no reuse after Close")
}

func TestHTTPTransportClientReports(t *testing.T) {
	t.Run("periodic", func(t *testing.T) {
		rc := newReceiver(t, nil)
		out := new(outcomeCounts)
		startTransport(t, transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out}, func(tr *httpTransport) { tr.reportEvery = 20 * time.Millisecond })
		out.Add(reasonSampleRate, categoryError, 3)
		out.Add(reasonBufferOverflow, categoryLogItem, 1)
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
		out := new(outcomeCounts)
		tr := startTransport(t, transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		require.True(t, flush(t, tr))
		assert.Empty(t, rc.all(), "nothing to report, nothing sent")
		out.Add(reasonIgnored, categoryError, 4)
		require.True(t, flush(t, tr))
		assert.Equal(t, map[string]int64{"ignored:error": 4}, reportCounts(t, rc.all()))
	})
	t.Run("attached to the next event", func(t *testing.T) {
		rc := newReceiver(t, nil)
		out := new(outcomeCounts)
		tr := startTransport(t, transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		out.Add(reasonEventProcessor, categoryError, 2)
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
		out := new(outcomeCounts)
		tr := startTransport(t, transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		out.Add(reasonCacheOverflow, categoryAttachment, 5)
		require.True(t, flush(t, tr), "no events, so nothing undelivered")
		assert.Len(t, rc.all(), 1)
		assert.Equal(t, map[string]int64{"cache_overflow:attachment": 5}, pendingReport(out))
	})
	t.Run("dropped when refused", func(t *testing.T) {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(400) })
		out := new(outcomeCounts)
		tr := startTransport(t, transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		out.Add(reasonCacheOverflow, categoryAttachment, 5)
		require.True(t, flush(t, tr))
		assert.Empty(t, pendingReport(out), "a report the server refuses is not retried forever")
	})
}

func TestHTTPTransportSpotlight(t *testing.T) {
	t.Run("copy of every envelope", func(t *testing.T) {
		sentry := newReceiver(t, nil)
		spot := newReceiver(t, nil)
		out := new(outcomeCounts)
		tr := startTransport(t, transportConfig{DSN: sentry.dsn(t, "pub:"+testSecret), Outcomes: out, Spotlight: spot.srv.URL + "/stream"}, nil)
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
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		ln.Close()
		out := new(outcomeCounts)
		var dbg syncBuffer
		tr := startTransport(t, transportConfig{DSN: sentry.dsn(t, "pub"), Outcomes: out, Debug: newDebugLog(&dbg),
			Spotlight: "http://" + addr + "/stream"}, nil)
		tr.Send(testEvent(1))
		require.True(t, flush(t, tr))
		assert.EqualValues(t, 1, out.Delivered.Load())
		assert.Empty(t, out.Totals(), "Spotlight failures are not drops")
		assert.Contains(t, dbg.String(), "spotlight")
	})
	t.Run("without a DSN", func(t *testing.T) {
		spot := newReceiver(t, nil)
		out := new(outcomeCounts)
		tr := startTransport(t, transportConfig{Outcomes: out, Spotlight: spot.srv.URL + "/stream"}, nil)
		out.Add(reasonSampleRate, categoryError, 1)
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
		out := new(outcomeCounts)
		tr := startTransport(t, transportConfig{DSN: sentry.dsn(t, "pub"), Outcomes: out, Spotlight: spot.srv.URL},
			func(tr *httpTransport) { tr.senders = 1 }) // the second is sent after the 429
		tr.Send(testEvent(1))
		tr.Send(testEvent(2))
		assert.False(t, flush(t, tr))
		assert.Len(t, sentry.all(), 1)
		assert.Len(t, spot.all(), 2)
		assert.EqualValues(t, 1, out.Total(reasonRateLimitBackoff, categoryError))
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
		assert.False(t, spotlightEnabled(in))
	}
	assert.True(t, spotlightEnabled("1"))
}

func TestClientSpotlightWithoutDSN(t *testing.T) {
	spot := newReceiver(t, nil)
	t.Setenv("SENTRY_DSN", "")
	c, err := New(Options{Spotlight: spot.srv.URL + "/stream"})
	require.NoError(t, err)
	require.True(t, c.Enabled(), "Spotlight alone makes an HTTP transport")
	c.CaptureMessage(context.Background(), "to the sidecar", LevelWarning)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	assert.True(t, c.Close(ctx))
	reqs := spot.all()
	require.Len(t, reqs, 1)
	ev, err := reqs[0].env.Event()
	require.NoError(t, err)
	assert.Equal(t, reqs[0].env.Header.EventID, ev.EventID)
}

// TestClientOverHTTP runs the client's default transport end to end: the
// events arrive in valid envelopes, validate against Sentry's schema, and
// the secret shows nowhere but in the auth header.
func TestClientOverHTTP(t *testing.T) {
	rc := newReceiver(t, nil)
	var dbg syncBuffer
	c, err := New(Options{
		DSN:   "http://pub:" + testSecret + "@" + rc.srv.Listener.Addr().String() + "/sub/42",
		Debug: true, DebugWriter: &dbg, Spotlight: "0",
	})
	require.NoError(t, err)
	ctx := context.Background()
	id1 := c.CaptureException(ctx, fmt.Errorf("wrapped: %w", io.ErrUnexpectedEOF))
	id2 := c.CaptureMessage(ctx, "hello over HTTP", LevelWarning)
	require.NotEmpty(t, id1)
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	require.True(t, c.Close(cctx))
	assert.EqualValues(t, 2, c.Stats().Delivered)

	reqs := rc.all()
	require.Len(t, reqs, 2)
	ids := map[EventID]bool{}
	for _, r := range reqs {
		require.NoError(t, r.err)
		assert.Equal(t, "/sub/api/42/envelope/", r.path)
		assert.Contains(t, r.header.Get("X-Sentry-Auth"), "sentry_key=pub")
		ev, err := r.env.Event()
		require.NoError(t, err)
		assert.Equal(t, r.env.Header.EventID, ev.EventID)
		ids[ev.EventID] = true
		schematest.Validate(t, r.env.ItemsOf(itemTypeEvent)[0].Payload)
		assert.NotContains(t, string(r.env.Items[0].Payload), testSecret)
		assert.NotContains(t, r.env.Header.DSN, testSecret)
	}
	assert.Equal(t, map[EventID]bool{id1: true, id2: true}, ids)
	assert.NotContains(t, dbg.String(), testSecret)
}

type panicMarshaler struct{}

func (panicMarshaler) MarshalJSON() ([]byte, error) { panic("boom") }

func TestHTTPTransportBadEvents(t *testing.T) {
	rc := newReceiver(t, nil)
	out := new(outcomeCounts)
	var dbg syncBuffer
	tr := startTransport(t, transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out, Debug: newDebugLog(&dbg)}, nil)
	ev := testEvent(1)
	ev.Extra = map[string]any{"p": panicMarshaler{}}
	tr.Send(ev)
	ev = testEvent(2)
	ev.Extra = map[string]any{"nan": math.NaN()}
	tr.Send(ev)
	ev = testEvent(3)
	// Frames are never cut: nothing to trim.
	ev.Stacktrace = &protocol.Stacktrace{Frames: []protocol.Frame{{Function: strings.Repeat("x", maxEventSize)}}}
	tr.Send(ev)
	tr.Send(nil)
	tr.Send(testEvent(4))
	assert.False(t, flush(t, tr))
	assert.EqualValues(t, 2, out.Total(reasonInternalSDKError, categoryError))
	assert.EqualValues(t, 1, out.Total(reasonSendError, categoryError), "oversized")
	assert.EqualValues(t, 1, out.Delivered.Load(), "the worker survived")
	assert.Contains(t, dbg.String(), "boom")
}

func TestHTTPTransportTrimsLargeEvents(t *testing.T) {
	rc := newReceiver(t, nil)
	out := new(outcomeCounts)
	tr := startTransport(t, transportConfig{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
	big := strings.Repeat("é", 3000) // 6000 bytes

	crumbs := testEvent(1)
	for i := range 400 {
		crumbs.Breadcrumbs = append(crumbs.Breadcrumbs, Breadcrumb{Message: fmt.Sprint(i, big)})
	}
	shared := crumbs.Breadcrumbs
	tr.Send(crumbs)

	extra := testEvent(2)
	extra.Extra = map[string]any{"blob": strings.Repeat(big, 200)}
	extra.Contexts = map[string]map[string]any{"os": {"name": "linux"}, "log": {"blob": strings.Repeat(big, 200)}}
	sharedCtx := extra.Contexts
	tr.Send(extra)

	msg := testEvent(3)
	msg.Message = &protocol.LogEntry{Message: strings.Repeat(big, 100), Formatted: strings.Repeat(big, 100)}
	msg.Exception = []protocol.Exception{{Type: "a", Value: "small"}, {Type: "b", Value: strings.Repeat(big, 100)}}
	sharedExc := msg.Exception
	tr.Send(msg)

	require.True(t, flush(t, tr))
	assert.Empty(t, out.Totals())
	reqs := rc.all()
	require.Len(t, reqs, 3)
	byEvent(reqs)
	for _, r := range reqs {
		require.NoError(t, r.err)
		assert.LessOrEqual(t, r.env.Items[0].Header.Length, maxEventSize)
	}
	// The longest values are cut first: every breadcrumb stays, cut.
	ev, err := reqs[0].env.Event()
	require.NoError(t, err)
	require.Len(t, ev.Breadcrumbs, 400)
	assert.True(t, strings.HasPrefix(ev.Breadcrumbs[399].Message, "399"))
	assert.Contains(t, ev.Breadcrumbs[399].Message, "...[truncated from 6003 bytes]")
	assert.Len(t, shared, 400)
	assert.Len(t, shared[0].Message, 6001, "the shared slice was not written to")

	ev, err = reqs[1].env.Event()
	require.NoError(t, err)
	assert.Contains(t, ev.Extra["blob"], "...[truncated from 1200000 bytes]")
	assert.Equal(t, "linux", ev.Contexts["os"]["name"])
	assert.Contains(t, ev.Contexts["log"]["blob"], "...[truncated from 1200000 bytes]")
	assert.Len(t, sharedCtx["log"]["blob"], 1200000, "the shared map was not written to")

	ev, err = reqs[2].env.Event()
	require.NoError(t, err)
	assert.LessOrEqual(t, len(ev.Message.Message), maxMessageLen)
	assert.Contains(t, ev.Message.Message, "...[truncated from 600000 bytes]")
	assert.Equal(t, "small", ev.Exception[0].Value)
	assert.LessOrEqual(t, len(ev.Exception[1].Value), maxMessageLen)
	assert.True(t, utf8.ValidString(ev.Exception[1].Value), "cut at a rune boundary")
	assert.Len(t, sharedExc[1].Value, 600000, "the shared slice was not written to")
}

func TestHTTPTransportConfigure(t *testing.T) {
	tr := newHTTPTransport()
	tr.Send(testEvent(1)) // before Configure: dropped, nothing to count into
	assert.True(t, tr.Flush(context.Background()))
	assert.Error(t, tr.configure(transportConfig{}), "neither DSN nor Spotlight")
	var dbg syncBuffer
	assert.Error(t, tr.configure(transportConfig{Spotlight: "nonsense", Debug: newDebugLog(&dbg)}))
	assert.Contains(t, dbg.String(), "spotlight off")

	rc := newReceiver(t, nil)
	tr = startTransport(t, transportConfig{DSN: rc.dsn(t, "pub")}, nil)
	assert.Error(t, tr.configure(transportConfig{DSN: rc.dsn(t, "pub")}), "configured twice")
	tr.Send(testEvent(1)) // without Outcomes: counted into the transport's own
	assert.True(t, flush(t, tr))
	assert.Len(t, rc.all(), 1)

	assert.True(t, newHTTPTransport().Close(context.Background()))
}

func BenchmarkHTTPTransportSend(b *testing.B) {
	// A receiver that only reads the body, so that the numbers are the
	// transport's (the server still shares the process and its CPUs).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(srv.Close)
	dsn, err := parseDSN("http://pub@" + srv.Listener.Addr().String() + "/42")
	require.NoError(b, err)
	out := new(outcomeCounts)
	tr := startTransport(b, transportConfig{DSN: dsn, Outcomes: out, QueueSize: b.N + 1}, nil)
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
	if raceEnabled {
		t.Skip("-race changes allocation counts")
	}
	out := new(outcomeCounts)
	tr := newHTTPTransport()
	tr.cfg.Outcomes = out
	tr.queue = make(chan queued, 1000)
	ev := testEvent(1)
	assert.Zero(t, testing.AllocsPerRun(500, func() { tr.Send(ev) }), "queued")
	assert.EqualValues(t, 501, tr.enq.Load())
	tr.queue = make(chan queued)
	assert.Zero(t, testing.AllocsPerRun(500, func() { tr.Send(ev) }), "dropped")
	assert.EqualValues(t, 501, out.Total(reasonQueueOverflow, categoryError))
}

// countingRT counts the requests it passes on.
type countingRT struct {
	n      atomic.Int32
	closed atomic.Int32 // CloseIdleConnections calls
	next   http.RoundTripper
}

func (c *countingRT) CloseIdleConnections() { c.closed.Add(1) }

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// TestHTTPRoundTripperOption: Options.HTTPRoundTripper carries the
// requests to Sentry, and to Spotlight; Close leaves its connections alone,
// since it may be the program's.
func TestHTTPRoundTripperOption(t *testing.T) {
	rc := newReceiver(t, nil)
	spot := newReceiver(t, nil)
	rt := &countingRT{next: http.DefaultTransport}
	c, err := New(Options{DSN: rc.dsn(t, "pub").String(), HTTPRoundTripper: rt,
		Spotlight: spot.srv.URL + "/stream", Storm: StormOptions{Disabled: true}})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(context.Background()) })
	c.CaptureMessage(context.Background(), "through the round tripper", LevelError)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.True(t, c.Flush(ctx))
	assert.Len(t, rc.all(), 1)
	assert.Len(t, spot.all(), 1)
	assert.EqualValues(t, 2, rt.n.Load(), "one request to Sentry, one to Spotlight")
	require.True(t, c.Close(ctx))
	assert.Zero(t, rt.closed.Load(), "the program's idle connections stay open")
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
