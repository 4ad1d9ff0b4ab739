package sentryhttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/sentryhttp"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newClient(t testing.TB, opts core.Options) (*core.Client, *core.MemoryTransport) {
	t.Helper()
	opts.Storm.Disabled = true
	return testclient.New(t, opts)
}

func flush(t testing.TB, c *core.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.True(t, c.Flush(ctx))
}

// TestNoLeaksBetweenConcurrentRequests runs 64 requests at once through the
// middleware; each sets its own user and tag, leaves its own breadcrumbs and
// captures one error. Every event must carry its own request's data only.
func TestNoLeaksBetweenConcurrentRequests(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	c.Scope().SetTag("service", "api") // global data reaches every event
	var start sync.WaitGroup
	start.Add(1)
	h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id := r.URL.Query().Get("id")
		start.Wait()
		core.SetUser(ctx, &core.User{ID: id})
		core.SetTag(ctx, "req", id)
		for k := 0; k < 3; k++ {
			c.AddBreadcrumb(ctx, &core.Breadcrumb{Message: "req-" + id + "-" + strconv.Itoa(k)})
		}
		c.CaptureException(ctx, fmt.Errorf("request %s failed", id))
		w.WriteHeader(http.StatusNoContent)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	const n = 64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := http.Get(srv.URL + "/?id=" + strconv.Itoa(i))
			if assert.NoError(t, err) {
				resp.Body.Close()
			}
		}(i)
	}
	time.Sleep(50 * time.Millisecond) // let every request reach the barrier
	start.Done()
	wg.Wait()
	flush(t, c)

	evs := mt.Events()
	require.Len(t, evs, n)
	seen := map[string]bool{}
	for _, ev := range evs {
		schematest.ValidateValue(t, ev)
		id := ev.Tags["req"]
		require.NotEmpty(t, id)
		seen[id] = true
		assert.Equal(t, "api", ev.Tags["service"])
		require.NotNil(t, ev.User)
		assert.Equal(t, id, ev.User.ID)
		assert.Equal(t, "request "+id+" failed", ev.Exception[0].Value)
		require.Len(t, ev.Breadcrumbs, 3, "exactly its own breadcrumbs")
		for k, b := range ev.Breadcrumbs {
			assert.Equal(t, "req-"+id+"-"+strconv.Itoa(k), b.Message)
		}
		require.NotNil(t, ev.Request)
		assert.Equal(t, "id="+id, ev.Request.QueryString)
	}
	assert.Len(t, seen, n)
	assert.Empty(t, c.Scope().Breadcrumbs(), "nothing reached the global scope")
}

func TestPanicRepanicsAfterFlush(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(errors.New("handler exploded"))
	}))
	req := httptest.NewRequest("GET", "http://svc.test/boom", nil)
	func() {
		defer func() {
			r := recover()
			require.NotNil(t, r, "the panic goes on")
			assert.EqualError(t, r.(error), "handler exploded")
		}()
		h.ServeHTTP(httptest.NewRecorder(), req)
	}()
	evs := mt.Events() // flushed before the re-panic: no Flush here
	require.Len(t, evs, 1)
	ev := evs[0]
	schematest.ValidateValue(t, ev)
	assert.Equal(t, core.LevelFatal, ev.Level)
	ex := ev.Exception[len(ev.Exception)-1]
	assert.Equal(t, "handler exploded", ex.Value)
	assert.Equal(t, "auto.http.net_http", ex.Mechanism.Type)
	require.NotNil(t, ex.Mechanism.Handled)
	assert.False(t, *ex.Mechanism.Handled)
	fr := ex.Stacktrace.Frames
	assert.Equal(t, "TestPanicRepanicsAfterFlush.func1", fr[len(fr)-1].Function, "the stack ends where the panic was raised")
}

func TestPanicRecoverOption(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) { panic("not an error") })
	h := sentryhttp.New(sentryhttp.Options{Client: c, Recover: true}).Handle(mux)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://svc.test/items/3", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	evs := mt.Events()
	require.Len(t, evs, 1)
	assert.Equal(t, "panic", evs[0].Exception[0].Type)
	assert.Equal(t, "not an error", evs[0].Exception[0].Value)
	assert.Equal(t, "GET /items/{id}", evs[0].Transaction)
	schematest.ValidateValue(t, evs[0])
}

func TestAbortHandlerIsNotCaptured(t *testing.T) {
	c, mt := newClient(t, core.Options{})
	h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	})
	flush(t, c)
	assert.Empty(t, mt.Events())
}

func TestRequestDataAndPII(t *testing.T) {
	for _, pii := range []bool{false, true} {
		t.Run(fmt.Sprint("pii=", pii), func(t *testing.T) {
			c, mt := newClient(t, core.Options{SendDefaultPII: pii, MaxRequestBodySize: core.BodySizeSmall})
			h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.ReadAll(r.Body)
				c.CaptureMessage(r.Context(), "seen", core.LevelWarning)
			}))
			req := httptest.NewRequest("POST", "http://svc.test/login?next=%2Fhome", strings.NewReader(`{"name":"ann"}`))
			req.Header.Set("Authorization", "Bearer abc")
			req.Header.Set("Content-Type", "application/json")
			req.AddCookie(&http.Cookie{Name: "theme", Value: "dark"})
			req.RemoteAddr = "192.0.2.7:5555"
			h.ServeHTTP(httptest.NewRecorder(), req)
			flush(t, c)
			evs := mt.Events()
			require.Len(t, evs, 1)
			r := evs[0].Request
			require.NotNil(t, r)
			assert.Equal(t, "POST", r.Method)
			assert.Equal(t, "http://svc.test/login", r.URL)
			assert.Equal(t, "next=%2Fhome", r.QueryString)
			// A JSON body is sent structured, so it can be scrubbed by key.
			assert.Equal(t, map[string]any{"name": "ann"}, r.Data)
			assert.Equal(t, "application/json", r.Headers["Content-Type"])
			if pii {
				// Kept with PII on; its credential is still scrubbed.
				assert.Equal(t, "[Filtered]", r.Headers["Authorization"])
				assert.Equal(t, "dark", r.Cookies["theme"])
				assert.Equal(t, "192.0.2.7", r.Env["REMOTE_ADDR"])
			} else {
				assert.NotContains(t, r.Headers, "Authorization")
				assert.NotContains(t, r.Headers, "Cookie")
				assert.Empty(t, r.Cookies)
				assert.Empty(t, r.Env)
			}
			schematest.ValidateValue(t, evs[0])
		})
	}
}

func TestBodySizeLimits(t *testing.T) {
	body := strings.Repeat("a", 2000)
	tests := []struct {
		size core.BodySize
		want bool
	}{
		{core.BodySizeNever, false},
		{core.BodySizeSmall, false}, // 2000 > 1000
		{core.BodySizeMedium, true},
		{core.BodySizeAlways, true},
	}
	for _, tt := range tests {
		c, mt := newClient(t, core.Options{MaxRequestBodySize: tt.size})
		h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			assert.Len(t, b, 2000, "the handler reads the whole body")
			c.CaptureMessage(r.Context(), "x", core.LevelError)
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(body)))
		flush(t, c)
		r := mt.Events()[0].Request
		if tt.want {
			assert.Equal(t, body, r.Data, "size %d", tt.size)
		} else {
			assert.Nil(t, r.Data, "size %d", tt.size)
		}
	}
}

func TestDisabledClientPassesThrough(t *testing.T) {
	core.SetCurrentClient(nil)
	called := false
	h := sentryhttp.New(sentryhttp.Options{}).Handle(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called = true
		assert.Nil(t, core.IsolationScope(r.Context()))
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	assert.True(t, called)
}

func BenchmarkMiddleware(b *testing.B) {
	c, _ := newClient(b, core.Options{})
	noop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	req := httptest.NewRequest("GET", "http://svc.test/items?id=1", nil)
	req.Header.Set("Accept", "application/json")
	w := httptest.NewRecorder()
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			noop.ServeHTTP(w, req)
		}
	})
	h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(noop)
	b.Run("middleware", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			h.ServeHTTP(w, req)
		}
	})
}
