package load

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The receiver runs in a child process, so that the CPU time of parsing
// envelopes is not charged to the SDK under test: the parent's CPU time is
// the SDK's alone. The child is the same executable, started with
// receiverEnv set; every main (and TestMain) that uses this package calls
// ServeIfReceiver first.
const receiverEnv = "SENTRYLOG_BENCH_RECEIVER"

// ServeIfReceiver turns this process into the receiver when it was started
// as one, and then exits; otherwise it returns at once.
//
// The receiver listens on two loopback ports. The ingest port accepts
// envelopes (gzip or not) at any path and answers 200; the control port
// answers POST /down (stop listening: connections are refused) and POST /up
// (listen again, on the same port). On
// stdout it writes one line with both addresses, then a line with the
// number of events received and of connections accepted so far whenever
// either changes. It exits when its
// stdin is closed, so it never outlives the parent.
func ServeIfReceiver() {
	if os.Getenv(receiverEnv) != "1" {
		return
	}
	if err := serveReceiver(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

type ingest struct {
	mu     sync.Mutex
	addr   string
	srv    *http.Server
	events atomic.Int64
	conns  atomic.Int64 // connections accepted
	// changed signals the stdout writer that events changed; it writes
	// the latest count, so a missed signal loses nothing.
	changed chan struct{}
}

func (g *ingest) signal() {
	select {
	case g.changed <- struct{}{}:
	default:
	}
}

func (g *ingest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		defer zr.Close()
		body = zr
	}
	n, err := countEvents(body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	if n > 0 {
		g.events.Add(int64(n))
		g.signal()
	}
}

// start listens on g.addr (a free port the first time) and serves.
func (g *ingest) start() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.srv != nil {
		return nil
	}
	addr := g.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	g.addr = ln.Addr().String()
	g.srv = &http.Server{Handler: g, ReadHeaderTimeout: 5 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				g.conns.Add(1)
				g.signal()
			}
		}}
	go g.srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed on stop
	return nil
}

// stop closes the listener and every connection.
func (g *ingest) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.srv != nil {
		g.srv.Close()
		g.srv = nil
	}
}

func serveReceiver(stdin io.Reader, stdout io.Writer) error {
	g := &ingest{changed: make(chan struct{}, 1)}
	if err := g.start(); err != nil {
		return err
	}
	ctl := http.NewServeMux()
	ctl.HandleFunc("POST /down", func(w http.ResponseWriter, _ *http.Request) { g.stop() })
	ctl.HandleFunc("POST /up", func(w http.ResponseWriter, _ *http.Request) {
		if err := g.start(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, ctl) //nolint:errcheck // ends with the process

	bw := bufio.NewWriter(stdout)
	fmt.Fprintf(bw, "ingest=%s control=%s\n", g.addr, ln.Addr())
	if err := bw.Flush(); err != nil {
		return err
	}
	go func() {
		for range g.changed {
			fmt.Fprintf(bw, "%d %d\n", g.events.Load(), g.conns.Load())
			if bw.Flush() != nil {
				return
			}
		}
	}()
	_, _ = io.Copy(io.Discard, stdin) // until the parent closes stdin or dies
	return nil
}

// countEvents reads one envelope and returns how many of its items are
// events. Items with a length header are skipped by length; the others end
// at the next newline.
func countEvents(r io.Reader) (int, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return 0, err
	}
	line, rest, ok := bytes.Cut(data, []byte("\n"))
	if !ok && len(line) == 0 {
		return 0, errors.New("empty envelope")
	}
	n := 0
	for len(rest) > 0 {
		var hdr []byte
		hdr, rest, _ = bytes.Cut(rest, []byte("\n"))
		if len(bytes.TrimSpace(hdr)) == 0 {
			continue
		}
		var ih struct {
			Type   string `json:"type"`
			Length *int   `json:"length"`
		}
		if err := json.Unmarshal(hdr, &ih); err != nil {
			return n, fmt.Errorf("item header: %w", err)
		}
		if ih.Length != nil {
			if *ih.Length < 0 || *ih.Length > len(rest) {
				return n, errors.New("item longer than the envelope")
			}
			rest = rest[*ih.Length:]
			rest = bytes.TrimPrefix(rest, []byte("\n"))
		} else {
			_, rest, _ = bytes.Cut(rest, []byte("\n"))
		}
		if ih.Type == "event" {
			n++
		}
	}
	return n, nil
}

// Receiver is the parent's handle on a receiver process.
type Receiver struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	ingest  string
	control string
	total   atomic.Int64 // events received since the start
	base    atomic.Int64 // total at the last Reset
	conns   atomic.Int64 // connections accepted since the start
	changed chan struct{}
	done    chan struct{}
}

// StartReceiver starts the receiver process (this executable, see
// ServeIfReceiver) and returns once it listens.
func StartReceiver() (*Receiver, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-test.run=^$") // the flag only matters to test binaries
	cmd.Env = append(os.Environ(), receiverEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &Receiver{cmd: cmd, stdin: stdin, changed: make(chan struct{}, 1), done: make(chan struct{})}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		stdin.Close()
		cmd.Wait()
		return nil, errors.New("receiver did not start")
	}
	for _, f := range strings.Fields(sc.Text()) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "ingest":
			r.ingest = v
		case "control":
			r.control = v
		}
	}
	go func() {
		defer close(r.done)
		for sc.Scan() {
			ev, conns, _ := strings.Cut(sc.Text(), " ")
			n, err := strconv.ParseInt(ev, 10, 64)
			if err != nil {
				continue
			}
			if c, err := strconv.ParseInt(conns, 10, 64); err == nil {
				r.conns.Store(c)
			}
			r.total.Store(n)
			select {
			case r.changed <- struct{}{}:
			default:
			}
		}
	}()
	return r, nil
}

// Conns returns the connections the receiver accepted since it started.
func (r *Receiver) Conns() int64 { return r.conns.Load() }

// DSN returns a DSN whose envelopes go to the receiver.
func (r *Receiver) DSN() string { return "http://public@" + r.ingest + "/1" }

// Events returns the events received since the last Reset.
func (r *Receiver) Events() int64 { return r.total.Load() - r.base.Load() }

// WaitEvents waits until at least n events were received or the timeout
// passes, and returns the count.
func (r *Receiver) WaitEvents(n int64, timeout time.Duration) int64 {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		if got := r.Events(); got >= n {
			return got
		}
		select {
		case <-r.changed:
		case <-t.C:
			return r.Events()
		}
	}
}

// WaitQuiet waits until no event arrived for quiet, or until timeout.
func (r *Receiver) WaitQuiet(quiet, timeout time.Duration) int64 {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		select {
		case <-r.changed:
		case <-time.After(quiet):
			return r.Events()
		}
	}
	return r.Events()
}

func (r *Receiver) post(path string) error {
	resp, err := http.Post("http://"+r.control+path, "text/plain", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("receiver %s: %s", path, resp.Status)
	}
	return nil
}

// Down makes the receiver refuse connections until Up.
func (r *Receiver) Down() error { return r.post("/down") }

// Up makes the receiver listen again, on the same address.
func (r *Receiver) Up() error { return r.post("/up") }

// Reset starts the count of received events again from zero, once no
// event arrived for 200ms (at most 2s): stragglers of a previous run are
// not counted in the next one.
func (r *Receiver) Reset() {
	r.WaitQuiet(200*time.Millisecond, 2*time.Second)
	r.base.Store(r.total.Load())
}

// Close stops the receiver process and waits for it.
func (r *Receiver) Close() error {
	r.stdin.Close()
	<-r.done // the child closes its stdout when it exits
	return r.cmd.Wait()
}
