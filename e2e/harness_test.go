package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

const (
	// startTimeout bounds how long a receiver may take to print its port.
	startTimeout = 30 * time.Second
	// readTimeout bounds how long a test waits for what it sent.
	readTimeout = 15 * time.Second
)

// requireHarness returns the node binary and the absolute harness
// directory, or skips the test when either is missing — fails it instead
// when SENTRYLOG_REQUIRE_SHARED=1.
func requireHarness(t *testing.T) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node is not installed: the end-to-end tests need Node.js 18 or later")
	}
	dir, err = filepath.Abs("harness")
	if err != nil {
		t.Fatalf("harness directory: %v", err)
	}
	for _, pkg := range []string{"@spotlightjs/spotlight", "sentry-testkit"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", filepath.FromSlash(pkg), "package.json")); err != nil {
			skipOrFail(t, "e2e/harness/node_modules lacks "+pkg+": run `bash .ci/install-e2e.sh` first")
		}
	}
	return node, dir
}

func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("SENTRYLOG_REQUIRE_SHARED") == "1" {
		t.Fatal(msg + " (SENTRYLOG_REQUIRE_SHARED=1 turns this skip into a failure)")
	}
	t.Skip(msg)
}

// firstLine captures a child's stdout: it hands the first line that looks
// like a JSON object over on a channel (other lines a library might print
// are passed over) and keeps everything for failure messages.
type firstLine struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	scan int // offset of the first line not yet looked at
	sent bool
	ch   chan string
}

func (w *firstLine) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for !w.sent {
		rest := w.buf.Bytes()[w.scan:]
		line, _, ok := bytes.Cut(rest, []byte{'\n'})
		if !ok {
			break
		}
		w.scan += len(line) + 1
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte{'{'}) {
			w.sent = true
			w.ch <- string(line) // buffered, never blocks
		}
	}
	return len(p), nil
}

// startNode runs `node --require loopback.cjs <script> <args>` in the harness
// directory, waits for the JSON line it prints, decodes it into out, and
// stops the process by its PID when the test ends. Stdin stays open as a
// pipe: the harness exits by itself when it closes, should the test binary
// die before its cleanups run.
func startNode(t *testing.T, out any, script string, args ...string) {
	t.Helper()
	node, dir := requireHarness(t)
	cmd := exec.Command(node, append([]string{"--require", filepath.Join(dir, "loopback.cjs"), script}, args...)...)
	cmd.Dir = dir
	cmd.Env = childEnv()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("stdin pipe: %v", err)
	}
	stdout := &firstLine{ch: make(chan string, 1)}
	stderr := &testclient.Buffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", script, err)
	}
	pid := cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill() // this PID only
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Errorf("%s (pid %d) did not exit after kill", script, pid)
		}
		if t.Failed() {
			t.Logf("%s (pid %d) stderr:\n%s", script, pid, stderr.String())
		}
	})
	select {
	case line := <-stdout.ch:
		if err := json.Unmarshal([]byte(line), out); err != nil {
			t.Fatalf("%s printed %q, not its JSON port line: %v", script, line, err)
		}
	case err := <-exited:
		exited <- err // for the cleanup
		t.Fatalf("%s exited before printing its port: %v\nstderr:\n%s", script, err, stderr.String())
	case <-time.After(startTimeout):
		t.Fatalf("%s printed no port within %v\nstderr:\n%s", script, startTimeout, stderr.String())
	}
}

// childEnv is this process's environment without anything that could point
// the receivers' own Sentry SDK somewhere.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "SENTRY_") || strings.HasPrefix(kv, "SPOTLIGHT_") || strings.HasPrefix(kv, "NEXT_PUBLIC_SENTRY_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// httpClient talks to the receivers' read-back APIs; no keep-alive, so that
// no connection goroutine outlives a test.
var httpClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: readTimeout}

// spotlight is a running Spotlight sidecar.
type spotlight struct {
	Port int `json:"port"`
}

func startSpotlight(t *testing.T) *spotlight {
	t.Helper()
	s := new(spotlight)
	startNode(t, s, "spotlight.mjs")
	if s.Port == 0 {
		t.Fatal("spotlight printed port 0")
	}
	return s
}

func (s *spotlight) url() string { return fmt.Sprintf("http://127.0.0.1:%d", s.Port) }

// DSN returns a DSN whose envelope endpoint is Spotlight's
// /api/<project>/envelope/ (Spotlight accepts any key and project).
func (s *spotlight) DSN() string {
	return fmt.Sprintf("http://e2epublickey@127.0.0.1:%d/42", s.Port)
}

// streamEnvelope is one envelope as Spotlight's /stream replays it:
// [header, [[item header, payload], ...]].
type streamEnvelope struct {
	Header map[string]any
	Items  []streamItem
}

type streamItem struct {
	Header  map[string]any
	Payload json.RawMessage
}

func (e *streamEnvelope) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) != 2 {
		return fmt.Errorf("envelope of %d parts, want [header, items]", len(raw))
	}
	if err := json.Unmarshal(raw[0], &e.Header); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	var items [][]json.RawMessage
	if err := json.Unmarshal(raw[1], &items); err != nil {
		return fmt.Errorf("items: %w", err)
	}
	for i, it := range items {
		if len(it) != 2 {
			return fmt.Errorf("item %d of %d parts, want [header, payload]", i, len(it))
		}
		var si streamItem
		if err := json.Unmarshal(it[0], &si.Header); err != nil {
			return fmt.Errorf("item %d header: %w", i, err)
		}
		si.Payload = it[1]
		e.Items = append(e.Items, si)
	}
	return nil
}

// events decodes the envelope's event items.
func (e *streamEnvelope) events() ([]*core.Event, error) {
	var out []*core.Event
	for _, it := range e.Items {
		if it.Header["type"] != "event" {
			continue
		}
		ev := new(core.Event)
		if err := json.Unmarshal(it.Payload, ev); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// readStream reads Spotlight's GET /stream, which first replays every
// buffered envelope, until it has seen n envelopes that pass keep, or until
// timeout. It returns what it read; the error says why it stopped short.
func (s *spotlight) readStream(n int, timeout time.Duration, keep func(*streamEnvelope) bool) ([]*streamEnvelope, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url()+"/stream?client=sentrylog-e2e", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	// No client timeout: the context bounds the stream.
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /stream: %s", resp.Status)
	}
	var out []*streamEnvelope
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	var event string
	var data strings.Builder
	for len(out) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return out, fmt.Errorf("read %d of %d envelopes from /stream within %v", len(out), n, timeout)
			}
			return out, fmt.Errorf("read /stream: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "": // end of one server-sent event
			if event == "application/x-sentry-envelope" && data.Len() > 0 {
				env := new(streamEnvelope)
				if err := json.Unmarshal([]byte(data.String()), env); err != nil {
					return out, fmt.Errorf("decode /stream envelope: %w", err)
				}
				if keep == nil || keep(env) {
					out = append(out, env)
				}
			}
			event = ""
			data.Reset()
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	return out, nil
}

// readEvents reads n events back from Spotlight's /stream, each validated
// against ../shared/sentry/event.schema.json as received (where the schema
// is present; in CI it must be).
func (s *spotlight) readEvents(t *testing.T, n int) []*core.Event {
	t.Helper()
	envs, err := s.readStream(n, readTimeout, hasEvent)
	if err != nil {
		t.Fatalf("spotlight: %v", err)
	}
	validate := schematest.Enabled()
	var out []*core.Event
	for _, env := range envs {
		if validate {
			for _, it := range env.Items {
				if it.Header["type"] == "event" {
					schematest.Validate(t, withoutSpotlightType(t, it.Payload))
				}
			}
		}
		evs, err := env.events()
		if err != nil {
			t.Fatalf("spotlight: decode event: %v", err)
		}
		out = append(out, evs...)
	}
	return out
}

// withoutSpotlightType removes the "type":"event" that Spotlight adds to
// every event payload it replays (not a value the schema allows: an error
// event's type is "error" or absent), so that what is validated is what
// this SDK sent.
func withoutSpotlightType(t *testing.T, payload []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatalf("event payload is not a JSON object: %v", err)
	}
	if string(m["type"]) == `"event"` {
		delete(m, "type")
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("re-encode event: %v", err)
	}
	return b
}

func hasEvent(env *streamEnvelope) bool {
	for _, it := range env.Items {
		if it.Header["type"] == "event" {
			return true
		}
	}
	return false
}

// testkit is a running sentry-testkit local server with its read-back API.
type testkit struct {
	Port    int    `json:"port"`
	APIPort int    `json:"api_port"`
	DSN     string `json:"dsn"`
}

func startTestkit(t *testing.T) *testkit {
	t.Helper()
	k := new(testkit)
	startNode(t, k, "testkit.js", "http://e2epublickey@127.0.0.1/7")
	if k.Port == 0 || k.APIPort == 0 || k.DSN == "" {
		t.Fatalf("sentry-testkit printed an incomplete line: %+v", k)
	}
	return k
}

// testkitReport is one client report as sentry-testkit keeps it.
type testkitReport struct {
	Timestamp       any                      `json:"timestamp"`
	DiscardedEvents []protocol.DiscardedItem `json:"discardedEvents"`
}

// testkitEvent is one event as sentry-testkit keeps it.
type testkitEvent struct {
	Error *struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"error"`
	Level          string            `json:"level"`
	Tags           map[string]string `json:"tags"`
	OriginalReport json.RawMessage   `json:"originalReport"`
}

func (k *testkit) get(t *testing.T, path string, out any) {
	t.Helper()
	resp, err := httpClient.Get(fmt.Sprintf("http://127.0.0.1:%d%s", k.APIPort, path))
	if err != nil {
		t.Fatalf("sentry-testkit GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sentry-testkit GET %s: %s %v", path, resp.Status, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("sentry-testkit GET %s: %v in %s", path, err, b)
	}
}

// waitFor polls get until it returns at least n items or readTimeout passes.
func waitFor[T any](t *testing.T, what string, n int, get func() []T) []T {
	t.Helper()
	deadline := time.Now().Add(readTimeout)
	for {
		got := get()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got %d, want %d within %v", what, len(got), n, readTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (k *testkit) waitClientReports(t *testing.T, n int) []testkitReport {
	t.Helper()
	return waitFor(t, "sentry-testkit client reports", n, func() []testkitReport {
		var out []testkitReport
		k.get(t, "/client-reports", &out)
		return out
	})
}

func (k *testkit) waitReports(t *testing.T, n int) []testkitEvent {
	t.Helper()
	return waitFor(t, "sentry-testkit events", n, func() []testkitEvent {
		var out []testkitEvent
		k.get(t, "/reports", &out)
		return out
	})
}
