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
