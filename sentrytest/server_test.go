package sentrytest_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/sentrytest"
)

const eventID = "0123456789abcdef0123456789abcdef"

// post sends body to the server's envelope endpoint the way an SDK would,
// with the server's key unless hdr overrides X-Sentry-Auth.
func post(t *testing.T, srv *sentrytest.Server, body []byte, gz bool, hdr map[string]string) *http.Response {
	t.Helper()
	return postTo(t, srv.URL()+"/api/"+srv.Project()+"/envelope/", srv.Key(), body, gz, hdr)
}

func postTo(t *testing.T, endpoint, key string, body []byte, gz bool, hdr map[string]string) *http.Response {
	t.Helper()
	if gz {
		body = gzipped(t, body)
	}
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	req.Header.Set("User-Agent", "sentrytest-test/1")
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_client=sentrytest-test/1, sentry_key="+key)
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	return resp
}

// envelope assembles an envelope: a header, then items given as
// (item header, payload) pairs.
func envelope(header string, items ...string) []byte {
	var b strings.Builder
	b.WriteString(header)
	b.WriteByte('\n')
	for i := 0; i+1 < len(items); i += 2 {
		b.WriteString(items[i])
		b.WriteByte('\n')
		b.WriteString(items[i+1])
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

func eventItem(t *testing.T, ev *core.Event) (string, string) {
	t.Helper()
	payload, err := json.Marshal(ev)
	require.NoError(t, err)
	return fmt.Sprintf(`{"type":"event","length":%d}`, len(payload)), string(payload)
}

func sampleEvent() *core.Event {
	handled := false
	return &core.Event{
		EventID:   eventID,
		Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Platform:  "go",
		Level:     core.LevelError,
		Message:   &protocol.LogEntry{Message: "open config", Formatted: "open config"},
		Exception: []protocol.Exception{
			{Type: "syscall.Errno", Value: "no such file or directory", Mechanism: &protocol.Mechanism{Type: "chained"}},
			{Type: "*fs.PathError", Value: "open /x: no such file or directory", Mechanism: &protocol.Mechanism{Type: "auto.log.slog", Handled: &handled},
				Stacktrace: &protocol.Stacktrace{Frames: []protocol.Frame{{Function: "main.main", Module: "main", Lineno: 12, InApp: true}}}},
		},
		Breadcrumbs: []core.Breadcrumb{{Timestamp: time.Date(2026, 1, 2, 3, 4, 4, 0, time.UTC), Type: "default", Message: "starting", Level: core.LevelInfo}},
		Tags:        map[string]string{"route": "/users"},
		User:        &core.User{ID: "42"},
	}
}

func TestAcceptsPlainAndGzipEnvelopes(t *testing.T) {
	for _, tc := range []struct {
		name string
		gz   bool
	}{{"plain", false}, {"gzip", true}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sentrytest.NewServer(t)
			ih, payload := eventItem(t, sampleEvent())
			body := envelope(`{"event_id":"`+eventID+`","sent_at":"2026-01-02T03:04:06Z","sdk":{"name":"x","version":"1"}}`, ih, payload)
			resp := post(t, srv, body, tc.gz, nil)
			require.Equal(t, http.StatusOK, resp.StatusCode)

			events := srv.Events()
			require.Len(t, events, 1)
			ev := events[0]
			assert.Equal(t, core.EventID(eventID), ev.EventID)
			assert.Equal(t, core.LevelError, ev.Level)
			require.Len(t, ev.Exception, 2)
			assert.Equal(t, "syscall.Errno", ev.Exception[0].Type)
			assert.Equal(t, "*fs.PathError", ev.Exception[1].Type)
			require.NotNil(t, ev.Exception[1].Stacktrace)
			assert.Equal(t, "main.main", ev.Exception[1].Stacktrace.Frames[0].Function)
			require.Len(t, ev.Breadcrumbs, 1)
			assert.Equal(t, "starting", ev.Breadcrumbs[0].Message)
			assert.Equal(t, map[string]string{"route": "/users"}, ev.Tags)
			require.NotNil(t, ev.User)
			assert.Equal(t, "42", ev.User.ID)

			envs := srv.Envelopes()
			require.Len(t, envs, 1)
			assert.Equal(t, core.EventID(eventID), envs[0].Header.EventID)
			assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC), envs[0].Header.SentAt)
			require.NotNil(t, envs[0].Header.SDK)
			assert.Equal(t, "x", envs[0].Header.SDK.Name)
			assert.Equal(t, "sentrytest-test/1", envs[0].Request.UserAgent)
			assert.Equal(t, "application/x-sentry-envelope", envs[0].Request.ContentType)
			if tc.gz {
				assert.Equal(t, "gzip", envs[0].Request.ContentEncoding)
			}
			assert.Empty(t, srv.Rejections())
		})
	}
}

func TestItemsWithoutLengthAndOtherTypes(t *testing.T) {
	srv := sentrytest.NewServer(t)
	payload, err := json.Marshal(sampleEvent())
	require.NoError(t, err)
	body := envelope(`{"event_id":"`+eventID+`"}`,
		`{"type":"attachment","length":5,"filename":"a.txt"}`, "hello",
		`{"type":"event"}`, string(payload),
		`{"type":"check_in"}`, `{"items":[{"body":"x"}]}`,
	)
	// The last payload may end without a newline.
	body = bytes.TrimSuffix(body, []byte("\n"))
	resp := post(t, srv, body, false, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, srv.Rejections())

	envs := srv.Envelopes()
	require.Len(t, envs, 1)
	items := envs[0].Items
	require.Len(t, items, 3)
	assert.Equal(t, "attachment", items[0].Header.Type)
	assert.Equal(t, "hello", string(items[0].Payload))
	assert.Equal(t, "a.txt", items[0].Header.Filename)
	assert.Equal(t, "event", items[1].Header.Type)
	assert.Equal(t, "check_in", items[2].Header.Type)
	assert.JSONEq(t, `{"items":[{"body":"x"}]}`, string(items[2].Payload))
	require.Len(t, srv.Events(), 1)
}

func TestAuthIsChecked(t *testing.T) {
	srv := sentrytest.NewServer(t)
	ih, payload := eventItem(t, sampleEvent())
	body := envelope(`{"event_id":"`+eventID+`"}`, ih, payload)

	for _, tc := range []struct {
		name string
		hdr  map[string]string
	}{
		{"missing", map[string]string{"X-Sentry-Auth": ""}},
		{"wrong key", map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=nope"}},
		{"no key", map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7"}},
		{"not Sentry scheme", map[string]string{"X-Sentry-Auth": "Bearer sentry_key=" + srv.Key()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := post(t, srv, body, false, tc.hdr)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.NotEmpty(t, resp.Header.Get("X-Sentry-Error"))
		})
	}
	assert.Empty(t, srv.Events())
	rej := srv.Rejections()
	require.Len(t, rej, 4)
	for _, r := range rej {
		assert.Equal(t, http.StatusUnauthorized, r.Status)
		assert.True(t, r.HasEvent(), "the refused envelope is kept for diagnosis")
	}

	// The key in the query string is accepted too, as Sentry does.
	q := srv.URL() + "/api/" + srv.Project() + "/envelope/?sentry_key=" + url.QueryEscape(srv.Key())
	resp := postTo(t, q, "", body, false, map[string]string{"X-Sentry-Auth": ""})
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, srv.Events(), 1)
}

func TestPathAndMethod(t *testing.T) {
	srv := sentrytest.NewServer(t)
	ih, payload := eventItem(t, sampleEvent())
	body := envelope(`{"event_id":"`+eventID+`"}`, ih, payload)

	resp := postTo(t, srv.URL()+"/api/2/envelope/", srv.Key(), body, false, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp = postTo(t, srv.URL()+"/api/"+srv.Project()+"/store/", srv.Key(), body, false, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	get, err := client.Get(srv.URL() + "/api/" + srv.Project() + "/envelope/")
	require.NoError(t, err)
	require.NoError(t, get.Body.Close())
	assert.Equal(t, http.StatusMethodNotAllowed, get.StatusCode)

	assert.Empty(t, srv.Envelopes())
	assert.Len(t, srv.Rejections(), 3)
}

func TestMalformedEnvelopesAreRejected(t *testing.T) {
	ev := sampleEvent()
	ih, payload := eventItem(t, ev)
	other := sampleEvent()
	other.EventID = "ffffffffffffffffffffffffffffffff"
	oh, opayload := eventItem(t, other)
	big := sampleEvent()
	big.Extra = map[string]any{"blob": strings.Repeat("x", 1<<20)}
	bh, bpayload := eventItem(t, big)
	hdr := `{"event_id":"` + eventID + `"}`

	for _, tc := range []struct {
		name   string
		body   []byte
		gz     bool
		extra  map[string]string
		status int
	}{
		{"header not JSON", []byte("nope\n" + ih + "\n" + payload + "\n"), false, nil, 400},
		{"empty body", nil, false, nil, 400},
		{"item header not JSON", envelope(hdr, "{type", payload), false, nil, 400},
		{"item without type", envelope(hdr, `{"length":2}`, "{}"), false, nil, 400},
		{"payload shorter than length", []byte(hdr + "\n" + `{"type":"event","length":99999}` + "\n" + payload), false, nil, 400},
		{"payload longer than length", []byte(hdr + "\n" + `{"type":"event","length":2}` + "\n" + payload + "\n"), false, nil, 400},
		{"negative length", envelope(hdr, `{"type":"event","length":-1}`, payload), false, nil, 400},
		{"length not a number", envelope(hdr, `{"type":"event","length":"12"}`, payload), false, nil, 400},
		{"event not JSON", envelope(hdr, `{"type":"event","length":3}`, "abc"), false, nil, 400},
		{"two events", envelope(hdr, ih, payload, ih, payload), false, nil, 400},
		{"event id differs from header", envelope(hdr, oh, opayload), false, nil, 400},
		{"client report not JSON", envelope(`{}`, `{"type":"client_report","length":3}`, "abc"), false, nil, 400},
		{"client report over 4 KiB", envelope(`{}`, `{"type":"client_report"}`, bigReport()), true, nil, 400},
		{"bad sent_at", envelope(`{"sent_at":"yesterday"}`), false, nil, 400},
		{"event over 1 MiB", envelope(`{"event_id":"`+eventID+`"}`, bh, bpayload), true, nil, 413},
		{"gzip body without Content-Encoding", gzipped(t, envelope(hdr, ih, payload)), false, nil, 400},
		{"gzip header but plain body", envelope(hdr, ih, payload), false, map[string]string{"Content-Encoding": "gzip"}, 400},
		{"unsupported encoding", envelope(hdr, ih, payload), false, map[string]string{"Content-Encoding": "br"}, 415},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sentrytest.NewServer(t)
			resp := post(t, srv, tc.body, tc.gz, tc.extra)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.NotEmpty(t, resp.Header.Get("X-Sentry-Error"))
			assert.Empty(t, srv.Envelopes())
			rej := srv.Rejections()
			require.Len(t, rej, 1)
			assert.Equal(t, tc.status, rej[0].Status)
			assert.NotEmpty(t, rej[0].Reason)
			if tc.name == "header not JSON" || tc.name == "unsupported encoding" {
				assert.Nil(t, rej[0].Envelope, "nothing could be parsed")
			}
		})
	}
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func bigReport() string {
	lines := make([]string, 80) // about 5 KiB
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"reason":"before_send","category":"error_%03d","quantity":1}`, i)
	}
	return `{"timestamp":"2026-01-02T03:04:05Z","discarded_events":[` + strings.Join(lines, ",") + `]}`
}

func TestClientReports(t *testing.T) {
	srv := sentrytest.NewServer(t)
	text := `{"timestamp":"2026-01-02T03:04:05Z","discarded_events":[{"reason":"before_send","category":"error","quantity":2},{"reason":"queue_overflow","category":"error","quantity":1}]}`
	second := `{"timestamp":"2026-01-02T03:04:06.5Z","discarded_events":[{"reason":"before_send","category":"error","quantity":3}]}`
	resp := post(t, srv, envelope(`{}`, `{"type":"client_report"}`, text), true, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	// A client report riding along with an event.
	ih, payload := eventItem(t, sampleEvent())
	resp = post(t, srv, envelope(`{"event_id":"`+eventID+`"}`, ih, payload, fmt.Sprintf(`{"type":"client_report","length":%d}`, len(second)), second), false, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, srv.Rejections())

	reports := srv.ClientReports()
	require.Len(t, reports, 2)
	assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), reports[0].Timestamp.UTC())
	assert.Equal(t, []protocol.DiscardedItem{
		{Reason: "before_send", Category: "error", Quantity: 2},
		{Reason: "queue_overflow", Category: "error", Quantity: 1},
	}, reports[0].DiscardedEvents)
	assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 6, 5e8, time.UTC), reports[1].Timestamp.UTC())
	assert.Equal(t, map[string]int64{"before_send:error": 5, "queue_overflow:error": 1}, srv.Discarded())
	assert.Len(t, srv.Events(), 1)
}

func TestWaitForEvents(t *testing.T) {
	srv := sentrytest.NewServer(t)

	start := time.Now()
	got, err := srv.WaitForEvents(1, 50*time.Millisecond)
	require.ErrorIs(t, err, sentrytest.ErrTimeout)
	assert.Contains(t, err.Error(), "got 0")
	assert.Empty(t, got)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	assert.False(t, srv.Wait(1, 10*time.Millisecond))

	ih, payload := eventItem(t, sampleEvent())
	body := envelope(`{"event_id":"`+eventID+`"}`, ih, payload)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(20 * time.Millisecond)
		for range 2 {
			post(t, srv, body, false, nil)
		}
	}()
	start = time.Now()
	got, err = srv.WaitForEvents(2, 10*time.Second)
	wg.Wait()
	require.NoError(t, err)
	assert.Len(t, got, 2)
	assert.Less(t, time.Since(start), 5*time.Second, "woken by the arrival, not the timeout")
	assert.True(t, srv.Wait(2, 0))

	envs, err := srv.WaitForEnvelopes(2, time.Second)
	require.NoError(t, err)
	assert.Len(t, envs, 2)
	_, err = srv.WaitForClientReports(1, 10*time.Millisecond)
	require.ErrorIs(t, err, sentrytest.ErrTimeout)

	srv.Reset()
	assert.Empty(t, srv.Events())
	assert.Empty(t, srv.Envelopes())
	assert.False(t, srv.Wait(1, 10*time.Millisecond))
}

func TestRespond(t *testing.T) {
	srv := sentrytest.NewServer(t)
	ih, payload := eventItem(t, sampleEvent())
	body := envelope(`{"event_id":"`+eventID+`"}`, ih, payload)

	var seen []string
	var mu sync.Mutex
	srv.Respond(func(r *http.Request) (int, http.Header) {
		mu.Lock()
		seen = append(seen, r.URL.Path)
		mu.Unlock()
		return http.StatusTooManyRequests, http.Header{"X-Sentry-Rate-Limits": {"60:error:organization"}, "Retry-After": {"60"}}
	})
	resp := post(t, srv, body, true, nil)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "60:error:organization", resp.Header.Get("X-Sentry-Rate-Limits"))
	assert.Equal(t, "60", resp.Header.Get("Retry-After"))
	assert.Empty(t, srv.Events(), "a refused envelope is not kept")
	rej, err := srv.WaitForRejections(1, time.Second)
	require.NoError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, rej[0].Status)
	require.NotNil(t, rej[0].Envelope)
	assert.Equal(t, core.EventID(eventID), rej[0].Envelope.Header.EventID)
	assert.True(t, rej[0].HasEvent())
	mu.Lock()
	assert.Equal(t, []string{"/api/" + srv.Project() + "/envelope/"}, seen)
	mu.Unlock()

	// A 2xx answer with headers keeps the envelope (rate limits on 200).
	srv.Respond(func(*http.Request) (int, http.Header) {
		return http.StatusOK, http.Header{"X-Sentry-Rate-Limits": {"10::organization"}}
	})
	resp = post(t, srv, body, false, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "10::organization", resp.Header.Get("X-Sentry-Rate-Limits"))
	assert.Len(t, srv.Events(), 1)

	srv.Respond(nil)
	resp = post(t, srv, body, false, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("X-Sentry-Rate-Limits"))
	assert.Len(t, srv.Events(), 2)
}

func TestStartAndClose(t *testing.T) {
	s := sentrytest.NewUnstartedServer()
	assert.Empty(t, s.DSN())
	assert.Empty(t, s.URL())
	require.NoError(t, s.Start())
	require.Error(t, s.Start(), "a second Start fails")

	u, err := url.Parse(s.DSN())
	require.NoError(t, err)
	assert.Equal(t, "http", u.Scheme)
	assert.Equal(t, "127.0.0.1", u.Hostname())
	assert.NotEmpty(t, u.Port())
	assert.Equal(t, s.Key(), u.User.Username())
	assert.Len(t, s.Key(), 32)
	assert.Equal(t, "/"+s.Project(), u.Path)

	ih, payload := eventItem(t, sampleEvent())
	resp := post(t, s, envelope(`{"event_id":"`+eventID+`"}`, ih, payload), false, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	assert.Len(t, s.Events(), 1, "what was received stays readable")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	_, err = client.Post(s.URL()+"/api/1/envelope/", "text/plain", strings.NewReader("x"))
	require.Error(t, err, "a closed server does not answer")
	require.Error(t, s.Start(), "a closed server cannot restart")

	// Start is the non-test constructor; two servers get different keys and ports.
	a, err := sentrytest.Start()
	require.NoError(t, err)
	defer a.Close()
	b, err := sentrytest.Start()
	require.NoError(t, err)
	defer b.Close()
	assert.NotEqual(t, a.DSN(), b.DSN())
	assert.NotEqual(t, a.Key(), b.Key())

	// Closing an unstarted server is harmless.
	require.NoError(t, sentrytest.NewUnstartedServer().Close())
}

func TestItemDecodersRefuseOtherTypes(t *testing.T) {
	it := protocol.EnvelopeItem{Header: protocol.ItemHeader{Type: "attachment"}, Payload: []byte("{}")}
	_, err := sentrytest.DecodeEvent(it)
	require.Error(t, err)
	_, err = sentrytest.DecodeClientReport(it)
	require.Error(t, err)
}

// An envelope written by core's own writer is accepted and read back.
func TestAcceptsCoreEnvelopes(t *testing.T) {
	srv := sentrytest.NewServer(t)
	payload, err := json.Marshal(sampleEvent())
	require.NoError(t, err)
	report, err := json.Marshal(protocol.ClientReport{
		Timestamp:       time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		DiscardedEvents: []protocol.DiscardedItem{{Reason: "sample_rate", Category: "error", Quantity: 4}},
	})
	require.NoError(t, err)
	env := &protocol.Envelope{
		Header: protocol.EnvelopeHeader{EventID: eventID, SentAt: time.Now().UTC()},
		Items: []protocol.EnvelopeItem{
			{Header: protocol.ItemHeader{Type: protocol.ItemTypeEvent}, Payload: payload},
			{Header: protocol.ItemHeader{Type: protocol.ItemTypeClientReport}, Payload: report},
		},
	}
	var buf bytes.Buffer
	_, err = env.WriteTo(&buf)
	require.NoError(t, err)
	resp := post(t, srv, buf.Bytes(), true, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, srv.Rejections())
	events, err := srv.WaitForEvents(1, time.Second)
	require.NoError(t, err)
	assert.Equal(t, core.EventID(eventID), events[0].EventID)
	assert.Equal(t, map[string]int64{"sample_rate:error": 4}, srv.Discarded())
}

// Close cancels a slow answer in flight and waits for its handler, so that
// nothing of the server outlives it (goleak checks the rest).
func TestCloseWaitsForSlowAnswers(t *testing.T) {
	srv, err := sentrytest.Start()
	require.NoError(t, err)
	entered := make(chan struct{})
	var returned atomic.Bool
	srv.Respond(func(r *http.Request) (int, http.Header) {
		defer returned.Store(true)
		close(entered)
		select {
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
		return http.StatusServiceUnavailable, nil
	})
	ih, payload := eventItem(t, sampleEvent())
	body := envelope(`{"event_id":"`+eventID+`"}`, ih, payload)
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"/api/1/envelope/", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_key="+srv.Key())
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	done := make(chan error, 1)
	go func() {
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-entered
	start := time.Now()
	require.NoError(t, srv.Close())
	assert.Less(t, time.Since(start), 10*time.Second, "Close does not wait out the slow answer")
	assert.True(t, returned.Load(), "the handler returned before Close did")
	require.Error(t, <-done, "the client sees the connection dropped")
}
