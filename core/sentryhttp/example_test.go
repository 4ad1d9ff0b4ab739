package sentryhttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/core/sentryhttp"
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
