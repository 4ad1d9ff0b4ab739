// Package isolationtest runs the concurrent-request test every bridge
// passes: many requests at once, each with its own isolation scope, user
// and tag, logging breadcrumbs and then an error; no request's breadcrumb,
// user or tag may appear in another request's event or on the global scope.
package isolationtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/sentryhttp"
)

// Requests is how many requests run at once; Steps how many breadcrumbs
// each logs before its error.
const (
	Requests = 64
	Steps    = 12
)

// Crumb is the message of request i's breadcrumb number step.
func Crumb(i, step int) string { return fmt.Sprintf("req-%d step-%d", i, step) }

// Failure is the message of request i's error.
func Failure(i int) string { return fmt.Sprintf("req-%d failed", i) }

// User is request i's user id (set on its isolation scope).
func User(i int) string { return fmt.Sprintf("user-%d", i) }

// Request logs request i through the bridge under test: Steps breadcrumbs
// with the messages Crumb(i, 0..Steps-1), in order, then one error event
// with the message Failure(i), all with ctx. It may log anything else too,
// as long as it is not at an event level and its messages do not start with
// "req-" (noise, discarded or sampled records).
type Request func(ctx context.Context, i int)

// Run runs Requests requests at once through sentryhttp's middleware (half
// of them) or core.NewIsolationScope (the other half), waits for them and
// checks the client's events and global scope. The client must keep at
// least Steps breadcrumbs per scope.
func Run(t *testing.T, c *core.Client, mt *core.MemoryTransport, req Request) {
	t.Helper()
	mw := sentryhttp.New(sentryhttp.Options{Client: c})
	var wg sync.WaitGroup
	for i := 0; i < Requests; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve := func(ctx context.Context) {
				s := core.IsolationScope(ctx)
				s.SetUser(&core.User{ID: User(i)})
				s.SetTag("req", fmt.Sprint(i))
				req(ctx, i)
			}
			if i%2 == 0 {
				serve(core.NewIsolationScope(context.Background()))
				return
			}
			h := mw.Handle(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { serve(r.Context()) }))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprintf("/r/%d", i), nil))
		}()
	}
	wg.Wait()
	Check(t, c, mt)
}

// Check flushes c and checks what it sent: one event per request, with its
// own user and tag and its own breadcrumbs, all of them, in order, and
// nobody else's; no request's breadcrumb on the global scope.
func Check(t *testing.T, c *core.Client, mt *core.MemoryTransport) {
	t.Helper()
	for _, b := range c.Scope().Breadcrumbs() {
		if strings.HasPrefix(b.Message, "req-") {
			t.Errorf("a request's breadcrumb on the global scope: %q", b.Message)
		}
	}
	if n := c.Stats().Dropped["context_lost:breadcrumb"]; n != 0 {
		t.Errorf("%d breadcrumbs lost their context", n)
	}
	if err := flush(c); err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	foreign := 0
	for _, ev := range mt.Events() {
		msg := ""
		if ev.Message != nil {
			msg = ev.Message.Formatted
		}
		var i int
		if _, err := fmt.Sscanf(msg, "req-%d failed", &i); err != nil || msg != Failure(i) {
			t.Errorf("an event that is no request's: %q", msg)
			continue
		}
		if seen[i] {
			t.Errorf("request %d sent two events", i)
		}
		seen[i] = true
		if ev.User == nil || ev.User.ID != User(i) {
			foreign++
			t.Errorf("request %d: user %+v, want %s", i, ev.User, User(i))
		}
		if ev.Tags["req"] != fmt.Sprint(i) {
			foreign++
			t.Errorf("request %d: tag req=%q", i, ev.Tags["req"])
		}
		var own []string
		for _, b := range ev.Breadcrumbs {
			if !strings.HasPrefix(b.Message, "req-") {
				continue
			}
			if !strings.HasPrefix(b.Message, fmt.Sprintf("req-%d ", i)) {
				foreign++
				t.Errorf("request %d carries %q", i, b.Message)
				continue
			}
			own = append(own, b.Message)
		}
		want := make([]string, Steps)
		for s := range want {
			want[s] = Crumb(i, s)
		}
		if fmt.Sprint(own) != fmt.Sprint(want) {
			t.Errorf("request %d: breadcrumbs %q, want %q", i, own, want)
		}
	}
	if len(seen) != Requests {
		t.Errorf("%d of %d requests sent their event (%+v)", len(seen), Requests, c.Stats())
	}
	if foreign != 0 {
		t.Errorf("%d foreign breadcrumbs, users or tags", foreign)
	}
	if schematest.Enabled() {
		for _, ev := range mt.Events() {
			schematest.ValidateValue(t, ev)
		}
	}
}

func flush(c *core.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10e9)
	defer cancel()
	if !c.Flush(ctx) {
		return fmt.Errorf("flush did not deliver everything: %+v", c.Stats())
	}
	return nil
}
