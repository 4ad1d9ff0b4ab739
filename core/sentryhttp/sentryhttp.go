// Package sentryhttp is the net/http middleware of sentrylog: every request
// gets its own isolation scope and trace, so the breadcrumbs, user and tags
// logged while serving it stay with it, and a panic in the handler becomes a
// Sentry event. Its Transport passes the trace on to the services a handler
// calls.
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("/orders", handleOrders)
//	http.ListenAndServe(addr, sentryhttp.New(sentryhttp.Options{}).Handle(mux))
//
// It works with any router that takes an http.Handler. Inside the handler,
// log with the request's context (slog's InfoContext, zapsentry.Context,
// zerolog's Ctx) and set data on the request's scope with core.SetUser,
// core.SetTag and friends, passing r.Context().
//
// What the request contributes to events captured while serving it:
//   - request: method, URL, query string and headers; cookies, the client
//     address and credential headers (Authorization, Cookie, X-Forwarded-For,
//     ...) only with core.Options.SendDefaultPII; the body, as far as the handler
//     read it, when it is no larger than core.Options.MaxRequestBodySize allows.
//     The description is made only when an event is captured.
//   - the trace: each request continues the trace of its sentry-trace
//     header (else of its W3C traceparent header) and baggage, or starts
//     a new one (see core.ContinueTrace). Every event of the request carries
//     it in contexts.trace, with the incoming span as parent_span_id and a
//     span id of the request's own; Transport passes it on to the services
//     the handler calls.
//   - transaction: the route pattern a net/http ServeMux (Go 1.22+) matched,
//     with the method ("GET /orders/{id}", transaction_info.source "route"),
//     else the method and the URL path (source "url").
//
// A panic is captured as an unhandled fatal event with the panicking stack,
// flushed (bounded by Options.FlushTimeout) and, by default, re-panicked so
// that net/http and outer middleware see it as before. With Options.Recover
// the middleware answers 500 instead. http.ErrAbortHandler is re-panicked
// without an event: it is how handlers abort on purpose.
package sentryhttp

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sentrylog/sentrylog/core"
)

// Options configure the middleware.
type Options struct {
	// Client is the client events go to; nil means the process-wide client
	// of core.Init, looked up per request.
	Client *core.Client
	// Recover answers 500 after capturing a panic instead of re-panicking.
	Recover bool
	// FlushTimeout bounds the flush before a panic is re-raised or
	// answered. Default 2 s.
	FlushTimeout time.Duration
}

// Middleware wraps handlers.
type Middleware struct {
	opts Options
}

// New returns a middleware with opts.
func New(opts Options) *Middleware {
	if opts.FlushTimeout <= 0 {
		opts.FlushTimeout = 2 * time.Second
	}
	return &Middleware{opts: opts}
}

// Handle wraps next.
func (m *Middleware) Handle(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.serve(w, r, next)
	})
}

// HandleFunc wraps a handler function.
func (m *Middleware) HandleFunc(next http.HandlerFunc) http.Handler { return m.Handle(next) }

func (m *Middleware) client() *core.Client {
	if m.opts.Client != nil {
		return m.opts.Client
	}
	return core.CurrentClient()
}

func (m *Middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	c := m.client()
	if !c.Enabled() {
		next.ServeHTTP(w, r)
		return
	}
	h := r.Header
	ctx := core.ContinueTrace(r.Context(), func(name string) string {
		switch name { // the canonical keys: no canonicalization per request
		case "sentry-trace":
			return first(h["Sentry-Trace"])
		case "traceparent":
			return first(h["Traceparent"])
		case "baggage":
			if v := h["Baggage"]; len(v) > 1 {
				return strings.Join(v, ",")
			}
			return first(h["Baggage"])
		}
		return h.Get(name)
	})
	scope := core.IsolationScope(ctx)
	// Only what describe needs is kept: a copy of the client's Options on
	// the heap cost more than the rest of the request's set-up.
	opts := c.Options()
	lr := &lazyRequest{pii: opts.SendDefaultPII}
	if limit := opts.MaxRequestBodySize.Limit(); limit != 0 && r.Body != nil && r.Body != http.NoBody &&
		(limit < 0 || r.ContentLength >= 0 && r.ContentLength <= int64(limit)) {
		lr.body = &bodyRecorder{rc: r.Body, limit: limit}
		r2 := r.WithContext(ctx)
		r2.Body = lr.body
		r = r2
	} else {
		r = r.WithContext(ctx)
	}
	lr.r = r // the request the router sees and sets the pattern on
	scope.SetRequestFunc(lr.describe)
	scope.SetTransactionFunc(lr.transaction)
	defer m.recover(ctx, c, w, r)
	next.ServeHTTP(w, r)
}

func (m *Middleware) recover(ctx context.Context, c *core.Client, w http.ResponseWriter, r *http.Request) {
	rec := recover()
	if rec == nil {
		return
	}
	if rec == http.ErrAbortHandler {
		panic(rec)
	}
	c.CapturePanic(ctx, rec, "auto.http.net_http")
	fctx, cancel := context.WithTimeout(context.Background(), m.opts.FlushTimeout)
	c.Flush(fctx)
	cancel()
	if !m.opts.Recover {
		panic(rec)
	}
	w.WriteHeader(http.StatusInternalServerError)
}

// lazyRequest describes the request only when an event needs it.
type lazyRequest struct {
	r    *http.Request
	pii  bool
	body *bodyRecorder
	once sync.Once
	req  *core.Request
}

// transaction names the request after the route pattern the ServeMux
// matched, else its method and path. It reads the pattern when an event or
// an outgoing request needs it: the ServeMux sets it on the request the
// middleware passes on, before it calls the handler that captures.
func (l *lazyRequest) transaction() (name, source string) {
	if p := l.r.Pattern; p != "" {
		if !strings.Contains(p, " ") { // a pattern without its method
			p = l.r.Method + " " + p
		}
		return p, core.SourceRoute
	}
	return l.r.Method + " " + l.r.URL.Path, core.SourceURL
}

func (l *lazyRequest) describe() *core.Request {
	l.once.Do(func() {
		var body []byte
		if l.body != nil {
			body = l.body.captured()
		}
		l.req = core.NewRequest(l.r, l.pii, body)
	})
	if l.req == nil {
		return nil
	}
	cp := *l.req
	return &cp
}

// bodyRecorder keeps a copy of what the handler reads of the body, up to
// limit bytes (negative: no limit), without reading anything itself.
type bodyRecorder struct {
	rc    io.ReadCloser
	limit int
	mu    sync.Mutex
	buf   []byte
	over  bool
	eof   bool
}

func (b *bodyRecorder) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.mu.Lock()
	if !b.over {
		if b.limit >= 0 && len(b.buf)+n > b.limit {
			b.over, b.buf = true, nil
		} else {
			b.buf = append(b.buf, p[:n]...)
		}
	}
	if err == io.EOF {
		b.eof = true
	}
	b.mu.Unlock()
	return n, err
}

func (b *bodyRecorder) Close() error { return b.rc.Close() }

// captured returns the body read so far when the handler read it whole.
func (b *bodyRecorder) captured() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.over || !b.eof {
		return nil
	}
	return append([]byte(nil), b.buf...)
}

func first(v []string) string {
	if len(v) > 0 {
		return v[0]
	}
	return ""
}
