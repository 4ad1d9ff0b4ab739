package core_test

import (
	"bytes"
	"context"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/logcheck"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logReceiver is a fake Sentry on loopback that keeps every envelope body.
type logReceiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
	respond func(w http.ResponseWriter, n int)
}

func newLogReceiver(t *testing.T, respond func(w http.ResponseWriter, n int)) *logReceiver {
	rc := &logReceiver{respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.bodies)
		rc.bodies = append(rc.bodies, b)
		rc.headers = append(rc.headers, r.Header.Clone())
		rc.mu.Unlock()
		if rc.respond != nil {
			rc.respond(w, n)
			return
		}
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *logReceiver) dsn() string {
	return "http://pub@" + rc.srv.Listener.Addr().String() + "/42"
}

// envelopes parses every body received; each with logs must pass the
// strict checker.
func (rc *logReceiver) envelopes(t *testing.T) (envs []*protocol.Envelope, logs []logcheck.Log) {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, b := range rc.bodies {
		env, err := protocol.ParseEnvelope(bytes.NewReader(b))
		require.NoError(t, err)
		ls, err := logcheck.CheckBody(b)
		require.NoError(t, err, "%s", b)
		envs = append(envs, env)
		logs = append(logs, ls...)
	}
	return envs, logs
}

func newHTTPClient(t *testing.T, rc *logReceiver, opts core.Options) *core.Client {
	opts.DSN = rc.dsn()
	opts.Spotlight = "0"
	if opts.ServerName == "" {
		opts.ServerName = "test-host"
	}
	if opts.Release == "" {
		opts.Release = "v1.2.3"
	}
	c, err := core.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Close(ctx)
	})
	return c
}

func flushC(t *testing.T, c *core.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Flush(ctx)
}

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

func TestLogOverHTTP(t *testing.T) {
	rc := newLogReceiver(t, nil)
	c := newHTTPClient(t, rc, core.Options{})
	require.True(t, bridge.LogsEnabled(c))
	var pcs [1]uintptr
	// A record with every kind of value the spec's types must carry.
	rec := &bridge.Record{
		Time:    time.Unix(1700000000, 123456789).Add(time.Duration(time.Now().Unix()-1700000000) * time.Second),
		Message: "disk almost full", Logger: "storage", Origin: "auto.log.test",
		Pre:    []slog.Attr{slog.String("service", "api"), slog.Group("http", slog.String("method", "GET"))},
		Groups: []string{"req"},
		Attrs: []slog.Attr{
			slog.Int("n", 42), slog.Uint64("big", math.MaxUint64), slog.Uint64("small", 7),
			slog.Float64("ratio", 0.5), slog.Float64("whole", 2), slog.Float64("nan", math.NaN()),
			slog.Float64("inf", math.Inf(1)), slog.Bool("ok", true), slog.Duration("took", 1500*time.Millisecond),
			slog.Any("err", fmt.Errorf("open: %w", &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist})),
			slog.Any("tags", []string{"a", "b"}), slog.Any("ids", []int64{1, 2}),
			slog.Any("mixed", []any{"a", 1}), slog.Any("obj", map[string]any{"k": 1}),
			slog.Any("who", stringer{"me"}), slog.Group("g", slog.Int("a", 1), slog.Group("h", slog.String("b", "x"))),
			slog.Any("nilerr", (*fs.PathError)(nil)), slog.Any("nothing", nil), slog.Any("bytes", []byte("raw")),
			slog.Time("at", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
		},
	}
	runtimeCallers(pcs[:])
	rec.PC = pcs[0]
	bridge.CaptureLog(c, rec, core.LogWarn, []slog.Attr{slog.String("lent", "yes")})
	bridge.CaptureLog(c, &bridge.Record{Message: "trace"}, core.LogTrace, nil)
	bridge.CaptureLog(c, &bridge.Record{Message: "fatal"}, core.LogFatal, nil)
	flushC(t, c)

	envs, logs := rc.envelopes(t)
	require.Len(t, envs, 1)
	items := envs[0].ItemsOf(protocol.ItemTypeLog)
	require.Len(t, items, 1)
	assert.Equal(t, protocol.LogContentType, items[0].Header.ContentType)
	assert.Equal(t, 3, items[0].Header.ItemCount)
	assert.False(t, envs[0].Header.SentAt.IsZero())
	require.Len(t, logs, 3)

	l := logs[0]
	assert.Equal(t, "warn", l.Level)
	assert.Equal(t, 13, l.SeverityNumber)
	assert.Equal(t, "disk almost full", l.Body)
	assert.InDelta(t, float64(rec.Time.UnixNano())/1e9, l.Timestamp, 1e-6)
	assert.Len(t, l.TraceID, 32)
	assert.Empty(t, l.SpanID, "no span: no span_id")
	want := map[string]any{
		"service": "api", "http.method": "GET",
		"req.n": int64(42), "req.big": "18446744073709551615", "req.small": int64(7),
		"req.ratio": 0.5, "req.whole": 2.0, "req.nan": "NaN", "req.inf": "+Inf", "req.ok": true,
		"req.took": "1.5s", "req.tags": []any{"a", "b"}, "req.mixed": `["a",1]`, "req.obj": `{"k":1}`,
		"req.who": "me", "req.g.a": int64(1), "req.g.h.b": "x", "req.lent": "yes",
		"req.nilerr": "null", "req.nothing": "null", "req.bytes": "raw", "req.at": "2026-01-02T03:04:05Z",
		"exception.type": "*fs.PathError", "exception.message": "open: open /x: file does not exist",
		"logger.name": "storage", "sentry.origin": "auto.log.test",
		"sentry.environment": "production", "sentry.release": "v1.2.3",
		"sentry.sdk.name": core.SDKName, "sentry.sdk.version": core.SDKVersion,
		"server.address": "test-host",
	}
	for k, v := range want {
		assert.Equal(t, v, l.Attributes[k], k)
	}
	assert.Equal(t, "integer", l.Types["req.n"])
	assert.Equal(t, "double", l.Types["req.whole"])
	assert.Equal(t, "array", l.Types["req.ids"])
	assert.NotContains(t, l.Attributes, "req.err", "the error is the exception")
	assert.Contains(t, l.Attributes["code.function.name"], "TestLogOverHTTP")
	assert.Contains(t, l.Attributes["code.file.path"], "logs_test.go")
	assert.Greater(t, l.Attributes["code.line.number"], int64(0))
	assert.NotContains(t, l.Attributes, "user.id")

	assert.Equal(t, "trace", logs[1].Level)
	assert.Equal(t, 1, logs[1].SeverityNumber)
	assert.Equal(t, "fatal", logs[2].Level)
	assert.Equal(t, l.TraceID, logs[1].TraceID)
	assert.EqualValues(t, 3, c.Stats().LogsDelivered)
}

// Logs go in envelopes of their own, never beside an event, and at most
// 100 to an envelope.
func TestLogEnvelopes(t *testing.T) {
	rc := newLogReceiver(t, nil)
	c := newHTTPClient(t, rc, core.Options{})
	for i := 0; i < 250; i++ {
		bridge.CaptureLog(c, &bridge.Record{Message: fmt.Sprint("log ", i)}, core.LogInfo, nil)
		if i%50 == 0 {
			c.CaptureMessage(context.Background(), "an event", core.LevelError)
		}
	}
	flushC(t, c)
	envs, logs := rc.envelopes(t)
	require.Len(t, logs, 250)
	for i, l := range logs {
		assert.Equal(t, fmt.Sprint("log ", i), l.Body, "in order")
	}
	counts := []int{}
	for _, env := range envs {
		if its := env.ItemsOf(protocol.ItemTypeLog); len(its) > 0 {
			assert.Len(t, env.Items, 1, "a log item alone")
			counts = append(counts, its[0].Header.ItemCount)
		}
	}
	assert.Equal(t, []int{100, 100, 50}, counts)
}

// A buffered log waits at most logFlushAfter for others.
func TestLogFlushAfter(t *testing.T) {
	defer core.SetLogFlushAfter(100 * time.Millisecond)()
	c, mt := testclient.New(t, core.Options{})
	bridge.CaptureLog(c, &bridge.Record{Message: "alone"}, core.LogInfo, nil)
	time.Sleep(20 * time.Millisecond)
	assert.Empty(t, mt.Logs(), "not before the timer")
	require.Eventually(t, func() bool { return len(mt.Logs()) == 1 }, 5*time.Second, 10*time.Millisecond)
}

func TestLogDefaultFlushAfterIsFiveSeconds(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	bridge.CaptureLog(c, &bridge.Record{Message: "alone"}, core.LogInfo, nil)
	time.Sleep(300 * time.Millisecond)
	assert.Empty(t, mt.Logs())
	assert.Len(t, testclient.Logs(t, c, mt), 1, "Flush sends it")
}

func TestLogCloseSends(t *testing.T) {
	mt := core.NewMemoryTransport()
	c, err := core.New(core.Options{Transport: mt})
	require.NoError(t, err)
	bridge.CaptureLog(c, &bridge.Record{Message: "last words"}, core.LogError, nil)
	require.True(t, c.Close(context.Background()))
	require.Len(t, mt.Logs(), 1)
	bridge.CaptureLog(c, &bridge.Record{Message: "after close"}, core.LogError, nil)
	assert.Len(t, mt.Logs(), 1)
}

func TestLogScrubbed(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	bridge.CaptureLog(c, &bridge.Record{
		Message: "login with Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789 card 4111 1111 1111 1111",
		Attrs: []slog.Attr{
			slog.String("password", "hunter2"), slog.String("user", "bob"),
			slog.Group("db", slog.String("api_key", "k-123")), slog.Int64("count", 3),
			slog.String("note", "mail me at bob@example.com"),
			slog.Any("req", httptest.NewRequest("GET", "http://x/y?token=abc", nil)),
			slog.Any("m", map[string]any{"password": "x", "a": 1}),
		},
	}, core.LogInfo, nil)
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 1)
	l := logs[0]
	assert.NotContains(t, l.Body, "abcdefghijklmnopqrstuvwxyz0123456789")
	assert.NotContains(t, l.Body, "4111 1111 1111 1111")
	for k, want := range map[string]any{"password": "[Filtered]", "db.api_key": "[Filtered]", "user": "bob", "count": int64(3)} {
		v, ok := l.Attr(k)
		require.True(t, ok, k)
		assert.Equal(t, want, v.Any(), k)
	}
	v, _ := l.Attr("note")
	assert.NotContains(t, v.String(), "bob@example.com", "PII off")
	v, _ = l.Attr("req")
	assert.JSONEq(t, `{"method":"GET","url":"http://x/y","query_string":"token=[Filtered]"}`, v.String())
	v, _ = l.Attr("m")
	assert.JSONEq(t, `{"a":1,"password":"[Filtered]"}`, v.String())
	v, _ = l.Attr("server.address")
	assert.Equal(t, "test", v.String(), "defaults are not scrubbed")
}

// Logs of one batch that repeat an attribute of the log before them (a
// logger's accumulated attributes, a constant) are scrubbed like it, on
// the logs and on the wire, and a changed value is scrubbed on its own.
func TestLogScrubbedInBatch(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	pre := []slog.Attr{slog.String("token", "t-123"), slog.String("service", "checkout")}
	notes := []string{"card 4111 1111 1111 1111", "card 4111 1111 1111 1111", "plain", "card 5500 0000 0000 0004"}
	for i, note := range notes {
		bridge.CaptureLog(c, &bridge.Record{Message: "m", Pre: pre, Attrs: []slog.Attr{
			slog.String("password", fmt.Sprint("pw", i/2)), slog.String("note", note), slog.Int("n", 7),
		}}, core.LogInfo, nil)
	}
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, len(notes))
	for i, l := range logs {
		for k, want := range map[string]any{"token": "[Filtered]", "service": "checkout", "password": "[Filtered]", "n": int64(7)} {
			v, ok := l.Attr(k)
			require.True(t, ok, k)
			assert.Equal(t, want, v.Any(), "log %d: %s", i, k)
		}
		v, _ := l.Attr("note")
		assert.NotContains(t, v.String(), "1111 1111", "log %d", i)
		assert.NotContains(t, v.String(), "0000 0004", "log %d", i)
	}
	v, _ := logs[2].Attr("note")
	assert.Equal(t, "plain", v.String())
	batches := bridge.LogBatches(mt)
	require.Len(t, batches, 1, "one batch")
	for _, secret := range []string{"t-123", "pw0", "pw1", "4111", "5500"} {
		assert.NotContains(t, string(batches[0].Payload), secret)
	}
}

// Scrubbing runs before cutting: a secret at the end of a long value is
// still found.
func TestLogScrubBeforeCut(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	long := strings.Repeat("x", 9000) + " password=hunter2"
	bridge.CaptureLog(c, &bridge.Record{Message: long, Attrs: []slog.Attr{slog.String("v", strings.Repeat("y", 9000)+" token=abc")}}, core.LogInfo, nil)
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 1)
	assert.Contains(t, logs[0].Body[8000:], "...[truncated from ")
	assert.LessOrEqual(t, len(logs[0].Body), 8192)
	assert.NotContains(t, logs[0].Body, "hunter2")
}

// Payloads are reused once sent: with a slow receiver and batches waiting
// in the transport, every log posted arrives once and intact, and those
// the transport could not queue are counted.
func TestLogPayloadReuse(t *testing.T) {
	rc := newLogReceiver(t, func(w http.ResponseWriter, n int) {
		time.Sleep(10 * time.Millisecond)
		io.WriteString(w, `{}`)
	})
	c := newHTTPClient(t, rc, core.Options{})
	const n = 1500
	for i := range n {
		bridge.CaptureLog(c, &bridge.Record{Message: fmt.Sprint("log ", i), Attrs: []slog.Attr{slog.Int("i", i)}}, core.LogInfo, nil)
	}
	flushC(t, c)
	_, logs := rc.envelopes(t)
	seen := map[string]bool{}
	for _, l := range logs {
		assert.Equal(t, fmt.Sprint("log ", l.Attributes["i"]), l.Body)
		assert.False(t, seen[l.Body], "once: %s", l.Body)
		seen[l.Body] = true
	}
	st := c.Stats()
	assert.EqualValues(t, n, int64(len(logs))+st.Dropped["queue_overflow:log_item"], "%+v", st.Dropped)
	assert.EqualValues(t, len(logs), st.LogsDelivered)
}

// Over HTTP, where no one but the encoder sees the logs, long values are
// cut on the wire after scrubbing, as MemoryTransport's logs are.
func TestLogCutOverHTTP(t *testing.T) {
	rc := newLogReceiver(t, nil)
	c := newHTTPClient(t, rc, core.Options{})
	long := strings.Repeat("x", 9000) + " password=hunter2"
	for range 2 {
		bridge.CaptureLog(c, &bridge.Record{Message: long, Attrs: []slog.Attr{
			slog.String("v", strings.Repeat("y", 9000)+" token=abc"), slog.String("short", "s"),
		}}, core.LogInfo, nil)
	}
	flushC(t, c)
	_, logs := rc.envelopes(t)
	require.Len(t, logs, 2)
	for _, l := range logs {
		assert.LessOrEqual(t, len(l.Body), 8192)
		assert.Contains(t, l.Body[8000:], "...[truncated from ")
		assert.NotContains(t, l.Body, "hunter2")
		v, _ := l.Attributes["v"].(string)
		assert.LessOrEqual(t, len(v), 8192)
		assert.Contains(t, v, "...[truncated from ")
		assert.Equal(t, "s", l.Attributes["short"])
	}
}

// A record's attribute with the key of a default attribute wins over the
// default, and the SDK's source attributes replace a record's of their
// key, on the wire as on the logs, whether or not the log repeats.
func TestLogAttributeKeysOfDefaults(t *testing.T) {
	rc := newLogReceiver(t, nil)
	c := newHTTPClient(t, rc, core.Options{})
	var pcs [1]uintptr
	runtimeCallers(pcs[:])
	for _, attrs := range [][]slog.Attr{
		{slog.String("sentry.release", "mine"), slog.String("code.line.number", "mine")},
		{slog.String("a", "b")},
		{slog.String("server.address", "mine")},
	} {
		bridge.CaptureLog(c, &bridge.Record{Message: "m", PC: pcs[0], Origin: "auto.log.test", Attrs: attrs}, core.LogInfo, nil)
	}
	flushC(t, c)
	_, logs := rc.envelopes(t)
	require.Len(t, logs, 3)
	assert.Equal(t, "mine", logs[0].Attributes["sentry.release"])
	assert.Equal(t, "test-host", logs[0].Attributes["server.address"])
	assert.IsType(t, int64(0), logs[0].Attributes["code.line.number"], "the SDK's")
	assert.Equal(t, "v1.2.3", logs[1].Attributes["sentry.release"])
	assert.Equal(t, "test-host", logs[1].Attributes["server.address"])
	assert.Equal(t, "mine", logs[2].Attributes["server.address"])
	assert.Equal(t, "v1.2.3", logs[2].Attributes["sentry.release"])
	for _, l := range logs {
		assert.Equal(t, core.SDKName, l.Attributes["sentry.sdk.name"])
		assert.Contains(t, l.Attributes["code.file.path"], "logs_test.go")
	}
}

func TestBeforeSendLog(t *testing.T) {
	c, mt := testclient.New(t, core.Options{BeforeSendLog: func(l *core.Log) *core.Log {
		if l.Body == "drop" {
			return nil
		}
		if l.Body == "panic" {
			panic("boom")
		}
		l.Body = "changed: " + l.Body
		l.Attributes = append(l.Attributes, slog.Int("extra", 1), slog.Any("odd", struct{ A int }{1}))
		return l
	}})
	bridge.CaptureLog(c, &bridge.Record{Message: "keep"}, core.LogInfo, nil)
	bridge.CaptureLog(c, &bridge.Record{Message: "drop"}, core.LogInfo, nil)
	bridge.CaptureLog(c, &bridge.Record{Message: "panic"}, core.LogInfo, nil)
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 1)
	assert.Equal(t, "changed: keep", logs[0].Body)
	st := c.Stats()
	assert.EqualValues(t, 2, st.Dropped["before_send:log_item"])
	assert.Greater(t, st.Dropped["before_send:log_byte"], int64(10))
	_, err := logcheck.CheckItem(protocol.ItemHeader{Type: "log", ContentType: protocol.LogContentType, ItemCount: 1, Length: len(bridge.LogBatches(mt)[0].Payload)}, bridge.LogBatches(mt)[0].Payload)
	require.NoError(t, err)
}

// A log has its record's time, wherever it lies; the zero time is now.
func TestLogTimes(t *testing.T) {
	var got []time.Time
	c, _ := testclient.New(t, core.Options{BeforeSendLog: func(l *core.Log) *core.Log {
		got = append(got, l.Timestamp)
		return l
	}})
	times := []time.Time{
		time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		time.Now(),
		time.Date(2, 1, 1, 0, 0, 0, 7, time.UTC),    // before int64 nanoseconds
		time.Date(3000, 1, 1, 0, 0, 0, 8, time.UTC), // after them
		time.Unix(-9_223_372_036, 0),                // at their ends
		time.Unix(9_223_372_036, 0),
	}
	for _, when := range times {
		bridge.CaptureLog(c, &bridge.Record{Message: "at", Time: when}, core.LogInfo, nil)
	}
	before := time.Now()
	bridge.CaptureLog(c, &bridge.Record{Message: "now"}, core.LogInfo, nil)
	after := time.Now()
	require.True(t, c.Flush(context.Background()))
	require.Len(t, got, len(times)+1)
	for i, when := range times {
		assert.True(t, got[i].Equal(when), "log %d: %v, want %v", i, got[i], when)
	}
	now := got[len(times)]
	assert.False(t, now.Before(before) || now.After(after), "the zero time is the time of the call: %v", now)
}

// The user goes on logs only with SendDefaultPII, and only the user of the
// log's own request.
func TestLogUser(t *testing.T) {
	for _, pii := range []bool{false, true} {
		c, mt := testclient.New(t, core.Options{SendDefaultPII: pii})
		a := core.NewIsolationScope(context.Background())
		core.IsolationScope(a).SetUser(&core.User{ID: "1", Username: "alice", Email: "a@example.com"})
		b := core.NewIsolationScope(context.Background())
		core.IsolationScope(b).SetUser(&core.User{ID: "2"})
		none := core.NewIsolationScope(context.Background())
		bridge.CaptureLog(c, &bridge.Record{Message: "a", Context: a}, core.LogInfo, nil)
		bridge.CaptureLog(c, &bridge.Record{Message: "b", Context: b}, core.LogInfo, nil)
		bridge.CaptureLog(c, &bridge.Record{Message: "none", Context: none}, core.LogInfo, nil)
		logs := testclient.Logs(t, c, mt)
		require.Len(t, logs, 3)
		id, ok := logs[0].Attr("user.id")
		if !pii {
			assert.False(t, ok)
			continue
		}
		assert.Equal(t, "1", id.String())
		name, _ := logs[0].Attr("user.name")
		assert.Equal(t, "alice", name.String())
		id, _ = logs[1].Attr("user.id")
		assert.Equal(t, "2", id.String())
		_, ok = logs[1].Attr("user.name")
		assert.False(t, ok, "not another request's")
		_, ok = logs[2].Attr("user.id")
		assert.False(t, ok)
	}
}

func TestLogRateLimits(t *testing.T) {
	for _, cat := range []string{"log_item", "log_byte"} {
		t.Run(cat, func(t *testing.T) {
			rc := newLogReceiver(t, func(w http.ResponseWriter, n int) {
				if n == 0 {
					w.Header().Set("X-Sentry-Rate-Limits", "60:"+cat+":organization")
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				io.WriteString(w, `{}`)
			})
			c := newHTTPClient(t, rc, core.Options{})
			bridge.CaptureLog(c, &bridge.Record{Message: "first"}, core.LogInfo, nil)
			flushC(t, c)
			bridge.CaptureLog(c, &bridge.Record{Message: "second"}, core.LogInfo, nil)
			bridge.CaptureLog(c, &bridge.Record{Message: "third"}, core.LogInfo, nil)
			flushC(t, c)
			c.CaptureMessage(context.Background(), "an event still goes", core.LevelError)
			flushC(t, c)
			st := c.Stats()
			assert.EqualValues(t, 1, st.Dropped["server_rate_limited:log_item"])
			assert.EqualValues(t, 2, st.Dropped["ratelimit_backoff:log_item"])
			assert.Greater(t, st.Dropped["ratelimit_backoff:log_byte"], int64(len("secondthird")))
			envs, logs := rc.envelopes(t)
			require.Len(t, logs, 1, "only the first log was posted")
			got := map[string]int64{}
			for _, env := range envs {
				crs, err := env.ClientReports()
				require.NoError(t, err)
				for _, cr := range crs {
					for _, d := range cr.DiscardedEvents {
						got[d.Reason+":"+d.Category] += d.Quantity
					}
				}
			}
			assert.EqualValues(t, 2, got["ratelimit_backoff:log_item"])
			assert.Equal(t, st.Dropped["ratelimit_backoff:log_byte"], got["ratelimit_backoff:log_byte"])
		})
	}
}

func TestLogBufferOverflow(t *testing.T) {
	c := testclient.ParkedLogs(t)
	for i := 0; i < 10; i++ {
		bridge.CaptureLog(c, &bridge.Record{Message: "over"}, core.LogInfo, nil)
	}
	st := c.Stats()
	assert.EqualValues(t, 10, st.Dropped["queue_overflow:log_item"])
	assert.GreaterOrEqual(t, st.Dropped["queue_overflow:log_byte"], int64(10*len("over")))
}

// One record in a hot loop: its call site passes its burst, then its rate;
// the rest is counted, and the next log through says how many were held.
func TestLogStorm(t *testing.T) {
	c, mt := testclient.New(t, core.Options{LogsBuffer: 100000, LogStorm: core.StormOptions{GroupBurst: 50, GroupRate: 0.001}})
	for i := 0; i < 5000; i++ {
		bridge.CaptureLog(c, &bridge.Record{Message: "hot", PC: 1234}, core.LogInfo, nil)
	}
	bridge.CaptureLog(c, &bridge.Record{Message: "elsewhere", PC: 5678}, core.LogInfo, nil)
	logs := testclient.Logs(t, c, mt)
	assert.Len(t, logs, 51)
	st := c.Stats()
	assert.EqualValues(t, 4950, st.Dropped["event_processor:log_item"])
	assert.Equal(t, "elsewhere", logs[50].Body)
}

func TestLogsNeedLogTransport(t *testing.T) {
	c, err := core.New(core.Options{Transport: eventsOnly{}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	assert.False(t, bridge.LogsEnabled(c))
	bridge.CaptureLog(c, &bridge.Record{Message: "x"}, core.LogInfo, nil) // a no-op, no panic
	var nilClient *core.Client
	assert.False(t, bridge.LogsEnabled(nilClient))
	bridge.CaptureLog(nilClient, &bridge.Record{Message: "x"}, core.LogInfo, nil)
}

type eventsOnly struct{}

func (eventsOnly) Send(*core.Event)               {}
func (eventsOnly) Flush(context.Context) bool     { return true }
func (eventsOnly) Close(ctx context.Context) bool { return true }

func TestLogLevelNames(t *testing.T) {
	for l, want := range map[core.LogLevel]string{
		core.LogTrace - 3: "trace", core.LogTrace: "trace", core.LogDebug: "debug", core.LogInfo: "info",
		core.LogWarn: "warn", core.LogError: "error", core.LogFatal: "fatal", core.LogFatal + 5: "fatal",
	} {
		assert.Equal(t, want, l.String())
	}
	assert.Equal(t, 21, core.LogFatal.SeverityNumber())
	assert.Equal(t, 9, core.LogInfo.SeverityNumber())
}

func runtimeCallers(pcs []uintptr) { runtime.Callers(2, pcs) }

// A log storm (one call site in a hot loop) neither delays an event nor
// grows without bound: what does not fit is dropped and counted, and every
// captured log is accounted for, delivered or dropped.
func TestLogStormDoesNotStarveEvents(t *testing.T) {
	rc := newLogReceiver(t, nil)
	c := newHTTPClient(t, rc, core.Options{LogsBuffer: 500, LogStorm: core.StormOptions{GroupBurst: 100}})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sent atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			bridge.CaptureLog(c, &bridge.Record{Message: "hot", PC: 42}, core.LogInfo, nil)
			sent.Add(1)
		}
	}()
	require.Eventually(t, func() bool { return sent.Load() > 5000 }, 10*time.Second, time.Millisecond,
		"well past the call site's burst")
	start := time.Now()
	id := c.CaptureMessage(context.Background(), "the event", core.LevelError)
	require.NotEmpty(t, id)
	flushC(t, c)
	took := time.Since(start)
	close(stop)
	wg.Wait()
	flushC(t, c)
	assert.Less(t, took, 3*time.Second, "the event was not held up by the logs")
	st := c.Stats()
	assert.EqualValues(t, 1, st.Delivered)
	dropped := int64(0)
	for k, v := range st.Dropped {
		if strings.HasSuffix(k, ":log_item") {
			dropped += v
		}
	}
	assert.Equal(t, sent.Load(), st.LogsDelivered+dropped, "every log delivered or counted")
	assert.Greater(t, st.Dropped["event_processor:log_item"], int64(0), "the call site was capped")
	_, logs := rc.envelopes(t) // every envelope passes the strict checker
	assert.EqualValues(t, st.LogsDelivered, len(logs))
}

type spanKey struct{}

// A log carries its request's trace (the one its events carry), never
// another request's, and a span id only for a real span.
func TestLogTrace(t *testing.T) {
	var trace [16]byte
	var span [8]byte
	trace[0], span[0] = 2, 1
	c, mt := testclient.New(t, core.Options{SpanFromContext: func(ctx context.Context) ([16]byte, [8]byte, bool) {
		if ctx.Value(spanKey{}) != nil {
			return trace, span, true
		}
		return [16]byte{}, [8]byte{}, false
	}})
	a := core.NewIsolationScope(context.Background())
	b := core.NewIsolationScope(context.Background())
	bridge.CaptureLog(c, &bridge.Record{Message: "a", Context: a}, core.LogInfo, nil)
	bridge.CaptureLog(c, &bridge.Record{Message: "b", Context: b}, core.LogInfo, nil)
	bridge.CaptureLog(c, &bridge.Record{Message: "span", Context: context.WithValue(a, spanKey{}, true)}, core.LogInfo, nil)
	c.CaptureMessage(a, "event of a", core.LevelError)
	logs := testclient.Logs(t, c, mt)
	require.Len(t, logs, 3)
	assert.NotEqual(t, logs[0].TraceID, logs[1].TraceID, "one trace per request")
	assert.Empty(t, logs[0].SpanID, "no real span")
	assert.Empty(t, logs[1].SpanID)
	assert.Equal(t, "02000000000000000000000000000000", logs[2].TraceID)
	assert.Equal(t, "0100000000000000", logs[2].SpanID)
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	assert.Equal(t, logs[0].TraceID, evs[0].Contexts["trace"]["trace_id"], "the same trace as the request's events")
}

// countingValuer counts its LogValue calls.
type countingValuer struct{ n *atomic.Int32 }

func (v countingValuer) LogValue() slog.Value { v.n.Add(1); return slog.StringValue("v") }

// Logs given to a closed client are counted as dropped, with their size,
// before anything is converted (the program's LogValuers do not run), and
// the debug log says why, through both of the bridges' log calls.
func TestLogsAfterCloseCounted(t *testing.T) {
	var debug bytes.Buffer
	mt := core.NewMemoryTransport()
	c, err := core.New(core.Options{Transport: mt, Debug: true, DebugWriter: &debug})
	require.NoError(t, err)
	require.True(t, c.Close(context.Background()))
	var calls atomic.Int32
	lv := slog.Any("v", countingValuer{&calls})
	bridge.CaptureLog(c, &bridge.Record{Message: "after close", Attrs: []slog.Attr{lv}}, core.LogError, nil)
	sr := slog.NewRecord(time.Now(), slog.LevelError, "after close too", 0)
	sr.AddAttrs(lv, slog.String("k", "v"))
	assert.True(t, bridge.CaptureSlogLog(c, &bridge.Record{Message: "after close too"}, core.LogError, &sr),
		"handled: nothing left for the general path to convert")
	assert.Zero(t, calls.Load(), "LogValue ran for a dropped log")
	st := c.Stats()
	assert.EqualValues(t, 2, st.Dropped["queue_overflow:log_item"])
	assert.Greater(t, st.Dropped["queue_overflow:log_byte"], int64(2*60))
	assert.Contains(t, debug.String(), "client closed: dropping logs")
	assert.NotContains(t, debug.String(), "log buffer full")
	assert.Empty(t, mt.Logs())
}
