package load

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Receiver is the parent's handle on a receiver process.
type Receiver struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	ingest  string
	control string
	total   atomic.Int64 // events received since the start
	base    atomic.Int64 // total at the last Reset
	conns   atomic.Int64 // connections accepted since the start
	// firstGrowth is when the count of events first grew after the last
	// Mark, in UnixNano; 0 when it has not.
	firstGrowth atomic.Int64
	changed     chan struct{}
	done        chan struct{}
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
			if old := r.total.Swap(n); n > old {
				r.firstGrowth.CompareAndSwap(0, time.Now().UnixNano())
			}
			select {
			case r.changed <- struct{}{}:
			default:
			}
		}
	}()
	return r, nil
}

// Mark starts watching for the next event to arrive; FirstSinceMark says
// when it did.
func (r *Receiver) Mark() { r.firstGrowth.Store(0) }

// FirstSinceMark returns when the first event after the last Mark arrived,
// as this process saw it, or the zero time when none has.
func (r *Receiver) FirstSinceMark() time.Time {
	ns := r.firstGrowth.Load()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
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
