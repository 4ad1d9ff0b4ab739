package sentryhttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/sentryhttp"
)

// A handler calls another service through Transport: the callee sees the
// caller's trace in the sentry-trace header and continues it.
func ExampleTransport() {
	mt := core.NewMemoryTransport()
	c, _ := core.New(core.Options{Transport: mt})
	defer c.Close(context.Background())

	var seen string
	stock := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Get("Sentry-Trace")[:32] // the trace id
	}))
	defer stock.Close()

	client := &http.Client{Transport: &sentryhttp.Transport{Client: c}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", stock.URL, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
		c.CaptureMessage(r.Context(), "checkout slow", core.LevelWarning)
	})
	h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(mux)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/checkout", nil))
	c.Flush(context.Background())

	ev := mt.Events()[0]
	fmt.Println(ev.Transaction)
	fmt.Println(ev.Contexts["trace"]["trace_id"] == seen)
	// Output:
	// GET /checkout
	// true
}

// The middleware gives every request its own isolation scope: what a handler
// sets with the context's scope functions stays with that request's events,
// which also carry the request and the route as transaction.
func ExampleMiddleware() {
	mt := core.NewMemoryTransport()
	c, _ := core.New(core.Options{Transport: mt})
	defer c.Close(context.Background())

	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		core.SetUser(r.Context(), &core.User{ID: "42"})
		c.CaptureMessage(r.Context(), "order refused", core.LevelError)
	})
	h := sentryhttp.New(sentryhttp.Options{Client: c}).Handle(mux)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/orders/7", nil))
	c.Flush(context.Background())

	ev := mt.Events()[0]
	fmt.Println(ev.Transaction, ev.User.ID, ev.Request.Method)
	// Output: POST /orders/{id} 42 POST
}
