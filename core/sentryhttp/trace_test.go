package sentryhttp_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/sentryhttp"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

const (
	upTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	upSpan  = "00f067aa0ba902b7"
	dsn     = "https://pub@o1.ingest.example/7"
)

func traceOf(t *testing.T, ev *core.Event) map[string]any {
	t.Helper()
	tc := ev.Contexts["trace"]
	require.NotNil(t, tc, "every event has contexts.trace")
	return tc
}

func captureTwice(c *core.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.CaptureMessage(r.Context(), "first", core.LevelError)
		c.CaptureException(r.Context(), errors.New("second"))
	})
}

// TestIncomingTrace: the request continues the incoming trace: its events
// carry the incoming trace id, the incoming span as parent_span_id and a
// span id of the request's own; sentry-trace wins over traceparent, and an
// invalid header is ignored.
func TestIncomingTrace(t *testing.T) {
	c, mt := newClient(t, core.Options{DSN: dsn})
	h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(captureTwice(c))
	other := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	for _, tt := range []struct {
		name    string
		headers map[string]string
	}{
		{"sentry-trace", map[string]string{"sentry-trace": upTrace + "-" + upSpan + "-1"}},
		{"traceparent", map[string]string{"traceparent": "00-" + upTrace + "-" + upSpan + "-01"}},
		{"both", map[string]string{"sentry-trace": upTrace + "-" + upSpan, "traceparent": other}},
		{"bad sentry-trace", map[string]string{"sentry-trace": "nonsense", "traceparent": "00-" + upTrace + "-" + upSpan + "-00"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mt.Reset()
			req := httptest.NewRequest("GET", "http://svc.test/", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			req.Header.Set("baggage", "sentry-trace_id="+upTrace+",sentry-public_key=upstream,sentry-sample_rand=0.5")
			h.ServeHTTP(httptest.NewRecorder(), req)
			evs := testclient.Events(t, c, mt)
			require.Len(t, evs, 2)
			for _, ev := range evs {
				tc := traceOf(t, ev)
				assert.Equal(t, upTrace, tc["trace_id"])
				assert.Equal(t, upSpan, tc["parent_span_id"])
				assert.NotEqual(t, upSpan, tc["span_id"])
				assert.Equal(t, traceOf(t, evs[0])["span_id"], tc["span_id"], "one span id per request")
				assert.Equal(t, map[string]string{"trace_id": upTrace, "public_key": "upstream", "sample_rand": "0.5"}, ev.DSC)
				schematest.ValidateDSC(t, ev.DSC)
			}
		})
	}
}

// TestInvalidIncomingTrace: malformed headers start a new trace, without
// an error.
func TestInvalidIncomingTrace(t *testing.T) {
	c, mt := newClient(t, core.Options{DSN: dsn})
	h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(captureTwice(c))
	for _, hv := range [][2]string{
		{"traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
		{"traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"},
		{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"},
		{"sentry-trace", upTrace + "-0000000000000000"},
		{"sentry-trace", "garbage"},
		{"baggage", strings.Repeat("k=v,", 5000)},
	} {
		mt.Reset()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set(hv[0], hv[1])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code)
		evs := testclient.Events(t, c, mt)
		require.Len(t, evs, 2)
		tc := traceOf(t, evs[0])
		assert.NotEqual(t, upTrace, tc["trace_id"], hv[1])
		assert.NotContains(t, tc, "parent_span_id")
		assert.Equal(t, tc["trace_id"], traceOf(t, evs[1])["trace_id"])
		schematest.ValidateDSC(t, evs[0].DSC)
	}
}

// TestRequestsWithoutHeaderHaveTheirOwnTrace: each request starts a trace,
// shared by all its events, never by another request's.
func TestRequestsWithoutHeaderHaveTheirOwnTrace(t *testing.T) {
	c, mt := newClient(t, core.Options{DSN: dsn})
	h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		core.SetTag(r.Context(), "req", id)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // a goroutine of the handler, same context
			defer wg.Done()
			c.CaptureMessage(r.Context(), "from goroutine", core.LevelError)
		}()
		c.CaptureMessage(r.Context(), "from handler", core.LevelError)
		wg.Wait()
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, id := range []string{"1", "2", "3"} {
		resp, err := http.Get(srv.URL + "/?id=" + id)
		require.NoError(t, err)
		resp.Body.Close()
	}
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 6)
	byReq := map[string]string{}
	for _, ev := range evs {
		tid := traceOf(t, ev)["trace_id"].(string)
		id := ev.Tags["req"]
		if prev, ok := byReq[id]; ok {
			assert.Equal(t, prev, tid, "the events of request %s share its trace", id)
		}
		byReq[id] = tid
		assert.Equal(t, tid, ev.DSC["trace_id"])
		schematest.ValidateDSC(t, ev.DSC)
	}
	require.Len(t, byReq, 3)
	assert.NotEqual(t, byReq["1"], byReq["2"])
	assert.NotEqual(t, byReq["2"], byReq["3"])
	assert.NotEqual(t, byReq["1"], byReq["3"])
}

// TestTransactionFromRoute: every event of a request, the logged ones
// included, carries the route the ServeMux matched as its transaction.
func TestTransactionFromRoute(t *testing.T) {
	c, mt := newClient(t, core.Options{DSN: dsn})
	log := slog.New(slogsentry.NewHandler(slogsentry.Options{Client: c}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		log.ErrorContext(r.Context(), "order failed", "error", errors.New("no stock"))
		c.CaptureMessage(r.Context(), "direct", core.LevelWarning)
	})
	mux.HandleFunc("/legacy/", func(w http.ResponseWriter, r *http.Request) {
		log.ErrorContext(r.Context(), "legacy failed")
	})
	h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(mux)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://svc.test/orders/42", nil))
	evs := testclient.Events(t, c, mt)
	require.Len(t, evs, 2)
	for _, ev := range evs {
		assert.Equal(t, "GET /orders/{id}", ev.Transaction)
		require.NotNil(t, ev.TransactionInfo)
		assert.Equal(t, core.SourceRoute, ev.TransactionInfo.Source)
		assert.Equal(t, "GET /orders/{id}", ev.DSC["transaction"], "a route names the trace")
	}
	assert.Equal(t, "no stock", evs[0].Exception[len(evs[0].Exception)-1].Value)

	mt.Reset()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "http://svc.test/legacy/x", nil))
	evs = testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	assert.Equal(t, "POST /legacy/", evs[0].Transaction, "a pattern without a method gets the request's")

	// No pattern (a plain handler): the path, with source url, kept out of the DSC.
	mt.Reset()
	plain := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(captureTwice(c))
	plain.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://svc.test/users/17?x=1", nil))
	evs = testclient.Events(t, c, mt)
	require.Len(t, evs, 2)
	assert.Equal(t, "GET /users/17", evs[0].Transaction)
	assert.Equal(t, core.SourceURL, evs[0].TransactionInfo.Source)
	assert.NotContains(t, evs[0].DSC, "transaction")

	// A name the handler sets wins.
	mt.Reset()
	mux.HandleFunc("GET /named", func(w http.ResponseWriter, r *http.Request) {
		core.IsolationScope(r.Context()).SetTransaction("checkout")
		log.ErrorContext(r.Context(), "x")
	})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://svc.test/named", nil))
	evs = testclient.Events(t, c, mt)
	require.Len(t, evs, 1)
	assert.Equal(t, "checkout", evs[0].Transaction)
	assert.Equal(t, core.SourceCustom, evs[0].TransactionInfo.Source)
}

// TestTwoServices: service A handles a request and calls service B through
// Transport; B's events are in A's trace, with A's span as their parent.
func TestTwoServices(t *testing.T) {
	cb, mtb := newClient(t, core.Options{DSN: "https://bbb@o1.ingest.example/2", Release: "b1"})
	b := httptest.NewServer(sentryhttp.New(sentryhttp.Options{Client: cb}).Handle(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb.CaptureMessage(r.Context(), "in B", core.LevelError)
		io.WriteString(w, r.Header.Get("Baggage"))
	})))
	defer b.Close()

	ca, mta := newClient(t, core.Options{DSN: "https://aaa@o1.ingest.example/1", Release: "a1"})
	client := &http.Client{Transport: &sentryhttp.Transport{Client: ca}}
	mux := http.NewServeMux()
	var gotBaggage string
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		ca.CaptureMessage(r.Context(), "in A", core.LevelError)
		req, _ := http.NewRequestWithContext(r.Context(), "GET", b.URL+"/stock", nil)
		req.Header.Set("Baggage", "acme=1")
		resp, err := client.Do(req)
		if assert.NoError(t, err) {
			body, _ := io.ReadAll(resp.Body)
			gotBaggage = string(body)
			resp.Body.Close()
		}
		assert.Equal(t, "acme=1", req.Header.Get("Baggage"), "the caller's request is not changed")
		assert.Empty(t, req.Header.Get("Sentry-Trace"))
	})
	a := httptest.NewServer(sentryhttp.New(sentryhttp.Options{Client: ca}).Handle(mux))
	defer a.Close()

	resp, err := http.Get(a.URL + "/checkout")
	require.NoError(t, err)
	resp.Body.Close()

	evA := testclient.Events(t, ca, mta)
	evB := testclient.Events(t, cb, mtb)
	require.Len(t, evA, 1)
	require.Len(t, evB, 1)
	ta, tb := traceOf(t, evA[0]), traceOf(t, evB[0])
	assert.Equal(t, ta["trace_id"], tb["trace_id"], "one trace across both services")
	assert.Equal(t, ta["span_id"], tb["parent_span_id"], "A's span is B's parent")
	assert.NotEqual(t, ta["span_id"], tb["span_id"])
	// B continues A's DSC, frozen: A's key, release and route.
	assert.Equal(t, evA[0].DSC, evB[0].DSC)
	assert.Equal(t, "aaa", evB[0].DSC["public_key"])
	assert.Equal(t, "a1", evB[0].DSC["release"])
	assert.Equal(t, "GET /checkout", evB[0].DSC["transaction"])
	schematest.ValidateDSC(t, evB[0].DSC)
	assert.True(t, strings.HasSuffix(gotBaggage, ",acme=1"), "other vendors' members kept: %q", gotBaggage)
	assert.True(t, strings.HasPrefix(gotBaggage, "sentry-trace_id="), gotBaggage)
}

func TestTransportHosts(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Sentry-Trace")+"|"+r.Header.Get("Traceparent")+"|"+r.Header.Get("Baggage"))
		mu.Unlock()
	}))
	defer srv.Close()
	c, _ := newClient(t, core.Options{DSN: dsn})
	ctx := core.ContinueTrace(context.Background(), func(k string) string {
		if k == "sentry-trace" {
			return upTrace + "-" + upSpan + "-1"
		}
		return ""
	})
	send := func(tr *sentryhttp.Transport, hdr http.Header) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	send(&sentryhttp.Transport{Client: c, Hosts: []string{"api.example"}}, nil)
	send(&sentryhttp.Transport{Client: c, Hosts: []string{"127.0.0.1"}}, nil)
	send(&sentryhttp.Transport{Client: c, Hosts: []string{strings.TrimPrefix(srv.URL, "http://")}}, nil)
	send(&sentryhttp.Transport{Client: c}, http.Header{"Traceparent": {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}})
	require.Len(t, got, 4)
	assert.Equal(t, "||", got[0], "a host not allowed gets nothing")
	for _, g := range got[1:] {
		parts := strings.Split(g, "|")
		assert.Regexp(t, "^"+upTrace+"-[0-9a-f]{16}-1$", parts[0])
		assert.Contains(t, parts[2], "sentry-trace_id="+upTrace)
	}
	assert.Regexp(t, "^00-"+upTrace+"-[0-9a-f]{16}-01$", strings.Split(got[1], "|")[1])
	assert.Equal(t, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", strings.Split(got[3], "|")[1],
		"another library's traceparent is kept")
}
