package transport_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/race"
	"github.com/sentrylog/sentrylog/sentrytest"
)

// identity checks the accounting identity: every captured event was
// delivered, is spooled, or was dropped with a reason.
func identity(t *testing.T, st core.Stats) {
	t.Helper()
	assert.Equal(t, st.Captured, st.Delivered+st.Spooled+faultDropped(st), "%+v", st)
}

// outageServer is a receiver that answers 503 while down is set, 200 after.
func outageServer(t *testing.T) (*sentrytest.Server, *atomic.Bool) {
	t.Helper()
	srv := sentrytest.NewServer(t)
	down := new(atomic.Bool)
	down.Store(true)
	srv.Respond(func(*http.Request) (int, http.Header) {
		if down.Load() {
			return http.StatusServiceUnavailable, nil
		}
		return http.StatusOK, nil
	})
	return srv, down
}

func TestSpoolOutageThenRecovery(t *testing.T) {
	srv, down := outageServer(t)
	dir := t.TempDir()
	c, err := core.New(core.Options{DSN: srv.DSN(), Spool: core.SpoolOptions{Dir: dir}, Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer c.Close(context.Background())

	for i := 0; i < 5; i++ {
		c.CaptureMessage(context.Background(), fmt.Sprint("during outage ", i), core.LevelError)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	assert.False(t, c.Flush(ctx), "nothing was delivered")
	st := c.Stats()
	assert.EqualValues(t, 5, st.Spooled)
	assert.Empty(t, st.Dropped, "spooled events are not drops")
	identity(t, st)
	files, _ := os.ReadDir(dir)
	assert.Len(t, files, 5)

	spooledAt := time.Now()
	// A probe posted before spooledAt has answered (503) by the time
	// the receiver is back.
	time.Sleep(50 * time.Millisecond)
	down.Store(false)
	c.CaptureMessage(context.Background(), "after recovery", core.LevelError)
	require.True(t, c.Flush(ctx))
	evs, err := srv.WaitForEvents(6, 10*time.Second)
	require.NoError(t, err)
	var outage []string
	for _, ev := range evs {
		if m := ev.Message.Formatted; m != "after recovery" {
			outage = append(outage, m)
		}
	}
	assert.Equal(t, []string{"during outage 0", "during outage 1", "during outage 2", "during outage 3", "during outage 4"}, outage,
		"the spool is replayed oldest first once the receiver answers")
	for _, env := range srv.Envelopes() {
		assert.False(t, env.Header.SentAt.Before(spooledAt), "sent_at is the time of transmission, not of spooling")
	}
	require.Eventually(t, func() bool { return c.Stats().Spooled == 0 }, 5*time.Second, 5*time.Millisecond,
		"the last response is accounted for shortly after the receiver got it")
	st = c.Stats()
	assert.EqualValues(t, 6, st.Delivered)
	identity(t, st)
	files, _ = os.ReadDir(dir)
	assert.Empty(t, files)
}

func TestSpoolOverflowIsCounted(t *testing.T) {
	srv := sentrytest.NewServer(t)
	srv.Respond(func(*http.Request) (int, http.Header) { return http.StatusBadGateway, nil })
	c, err := core.New(core.Options{DSN: srv.DSN(), Spool: core.SpoolOptions{Dir: t.TempDir(), MaxFiles: 3}, Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	for i := 0; i < 7; i++ {
		c.CaptureMessage(context.Background(), "x", core.LevelError)
	}
	c.Close(context.Background())
	st := c.Stats()
	assert.EqualValues(t, 3, st.Spooled)
	assert.EqualValues(t, 4, st.Dropped["cache_overflow:error"])
	identity(t, st)
}

// TestSpoolRestart: events spooled by one process during an outage are
// delivered by the next process that starts with the same directory.
func TestSpoolRestart(t *testing.T) {
	if os.Getenv("SENTRYLOG_SPOOL_CHILD") == "1" {
		spoolChild()
		return
	}
	srv, down := outageServer(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpoolRestart$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SENTRYLOG_SPOOL_CHILD=1", "SENTRYLOG_SPOOL_DIR="+dir, "SENTRYLOG_SPOOL_DSN="+srv.DSN())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child: %s", out)
	require.Contains(t, string(out), "child stats: spooled=4", string(out))

	down.Store(false)
	c, err := core.New(core.Options{DSN: srv.DSN(), Spool: core.SpoolOptions{Dir: dir}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	evs, err := srv.WaitForEvents(4, 10*time.Second)
	require.NoError(t, err, "the next process replays the spool at start")
	for i, ev := range evs {
		assert.Equal(t, fmt.Sprint("from the first process ", i), ev.Message.Formatted)
	}
	assert.Eventually(t, func() bool { return c.Stats().Replayed == 4 }, 5*time.Second, 10*time.Millisecond,
		"the last response is accounted for shortly after the receiver got it")
	st := c.Stats()
	assert.EqualValues(t, 0, st.Captured)
	identity(t, st)
}

func spoolChild() {
	c, err := core.New(core.Options{DSN: os.Getenv("SENTRYLOG_SPOOL_DSN"),
		Spool: core.SpoolOptions{Dir: os.Getenv("SENTRYLOG_SPOOL_DIR")}, Storm: core.StormOptions{Disabled: true}})
	if err != nil {
		fmt.Println("child:", err)
		os.Exit(2)
	}
	for i := 0; i < 4; i++ {
		c.CaptureMessage(context.Background(), fmt.Sprint("from the first process ", i), core.LevelError)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.Close(ctx)
	st := c.Stats()
	b, _ := json.Marshal(st)
	fmt.Printf("child stats: spooled=%d %s\n", st.Spooled, b)
	os.Exit(0)
}

func TestSpoolOnCloseWithAFullQueue(t *testing.T) {
	// A receiver that never answers in time: Close's deadline leaves events
	// queued, and they go to the spool instead of being dropped.
	block := make(chan struct{})
	srv := sentrytest.NewServer(t)
	srv.Respond(func(r *http.Request) (int, http.Header) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
		return http.StatusOK, nil
	})
	defer close(block)
	dir := t.TempDir()
	c, err := core.New(core.Options{DSN: srv.DSN(), Spool: core.SpoolOptions{Dir: dir}, HTTPTimeout: 5 * time.Second,
		Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	for i := 0; i < 10; i++ {
		c.CaptureMessage(context.Background(), "queued", core.LevelError)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	assert.False(t, c.Close(ctx))
	st := c.Stats()
	assert.Greater(t, st.Spooled, int64(0))
	identity(t, st)
	files, _ := os.ReadDir(dir)
	assert.EqualValues(t, st.Spooled, len(files))
}

func TestSpoolDirUnusable(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "not-a-dir")
	require.NoError(t, err)
	f.Close()
	_, err = core.New(core.Options{DSN: "https://key@example.invalid/1", Spool: core.SpoolOptions{Dir: f.Name() + "/sub"}})
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "spool"), err.Error())
	assert.False(t, errors.Is(err, core.ErrInvalidDSN))
}

// TestOutageWithoutSpoolKeepsTheQueue: without a spool, events captured
// while the receiver is unreachable wait (the one that met the failure
// included), and are delivered once it answers again, within a second;
// events captured after its return are delivered too.
func TestOutageWithoutSpoolKeepsTheQueue(t *testing.T) {
	var up atomic.Bool
	var refused atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			refused.Add(1)
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close() // a network error for the client
			}
			return
		}
		io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	dsn := strings.Replace(srv.URL, "http://", "http://key@", 1) + "/1"
	c, err := core.New(core.Options{DSN: dsn, Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer c.Close(context.Background())

	c.CaptureMessage(context.Background(), "first", core.LevelError)
	require.Eventually(t, func() bool { return refused.Load() >= 1 }, 5*time.Second, time.Millisecond)
	for i := 0; i < 4; i++ {
		c.CaptureMessage(context.Background(), "queued", core.LevelError)
	}
	time.Sleep(1200 * time.Millisecond) // a few probes fail
	assert.Zero(t, c.Stats().Delivered)
	up.Store(true)
	back := time.Now()
	require.Eventually(t, func() bool { return c.Stats().Delivered >= 1 }, 5*time.Second, time.Millisecond)
	assert.Less(t, time.Since(back), time.Second, "the first delivery follows the receiver's return within a second")
	c.CaptureMessage(context.Background(), "after", core.LevelError)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	assert.True(t, c.Flush(ctx))
	st := c.Stats()
	assert.EqualValues(t, 6, st.Delivered, "%+v", st)
	assert.Empty(t, st.Dropped)
	identity(t, st)
}

// TestSpoolReplaysAFullSpoolAtStart: a process that starts with 1,000
// envelopes an earlier one spooled, and the receiver up, delivers all of
// them within 10 s, oldest first and each once, while it sends its own new
// events beside them.
func TestSpoolReplaysAFullSpoolAtStart(t *testing.T) {
	faultLeaks(t)
	rcv := newOutageReceiver(t)
	dir := t.TempDir()
	rcv.down()
	const n = 1000
	earlier, err := core.New(core.Options{DSN: rcv.dsn(), Spool: core.SpoolOptions{Dir: dir}, QueueSize: 2 * n,
		Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	for i := range n {
		earlier.CaptureMessage(context.Background(), fmt.Sprintf("spooled %04d", i), core.LevelError)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	earlier.Close(ctx)
	st := earlier.Stats()
	require.EqualValues(t, n, st.Spooled, "%+v", st)

	require.NoError(t, rcv.up())
	start := time.Now()
	c, err := core.New(core.Options{DSN: rcv.dsn(), Spool: core.SpoolOptions{Dir: dir}, Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	const fresh = 50
	for i := range fresh {
		c.CaptureMessage(context.Background(), fmt.Sprintf("new %02d", i), core.LevelError)
		time.Sleep(5 * time.Millisecond)
	}
	bound := 10 * time.Second
	if race.Enabled {
		bound *= 3 // the race detector slows the replay's parsing and serializing
	}
	// Envelopes, not events: WaitForEvents decodes every event on each
	// arrival, which would cost more than the replay.
	_, err = rcv.WaitForEnvelopes(n+fresh, bound)
	took := time.Since(start)
	require.NoError(t, err, "%d of %d events after %v", len(rcv.Events()), n+fresh, took)
	t.Logf("%d spooled and %d new events delivered in %v", n, fresh, took)
	assert.Less(t, took, bound)

	var spooled []string
	firstNew, lastSpooled := -1, -1
	for i, ev := range rcv.Events() {
		m := ev.Message.Formatted
		if strings.HasPrefix(m, "spooled ") {
			spooled = append(spooled, m)
			lastSpooled = i
		} else if firstNew < 0 {
			firstNew = i
		}
	}
	require.Len(t, spooled, n, "each spooled event once")
	assert.True(t, slices.IsSorted(spooled), "oldest first")
	assert.Len(t, slices.Compact(slices.Clone(spooled)), n, "no duplicates")
	assert.Less(t, firstNew, lastSpooled, "new events are sent while the spool is replayed")

	require.Eventually(t, func() bool { return c.Stats().Replayed == n }, 5*time.Second, 5*time.Millisecond)
	require.True(t, c.Flush(ctx))
	st = c.Stats()
	assert.EqualValues(t, fresh, st.Delivered, "%+v", st)
	identity(t, st)
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left)
}

// TestSpoolSharedWithARunningProcess: a process that is running and
// delivering finds, within a couple of seconds, what another process
// spools into the same directory, and sends it once.
func TestSpoolSharedWithARunningProcess(t *testing.T) {
	if os.Getenv("SENTRYLOG_SPOOL_CHILD") == "1" {
		spoolChild()
		return
	}
	faultLeaks(t)
	srv, down := outageServer(t)
	down.Store(false)
	dir := t.TempDir()
	c, err := core.New(core.Options{DSN: srv.DSN(), Spool: core.SpoolOptions{Dir: dir}, Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	c.CaptureMessage(context.Background(), "running", core.LevelError)
	_, err = srv.WaitForEvents(1, 5*time.Second)
	require.NoError(t, err)

	// The other process: its receiver is down (503), so it spools 4.
	down.Store(true)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpoolSharedWithARunningProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SENTRYLOG_SPOOL_CHILD=1", "SENTRYLOG_SPOOL_DIR="+dir, "SENTRYLOG_SPOOL_DSN="+srv.DSN())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child: %s", out)
	require.Contains(t, string(out), "child stats: spooled=4", string(out))
	down.Store(false)

	// The running process keeps delivering its own events; on the way it
	// looks at the directory again (at most once a second).
	deadline := time.Now().Add(10 * time.Second)
	for c.Stats().Replayed < 4 && time.Now().Before(deadline) {
		c.CaptureMessage(context.Background(), "running", core.LevelError)
		time.Sleep(100 * time.Millisecond)
	}
	st := c.Stats()
	assert.EqualValues(t, 4, st.Replayed, "%+v", st)
	require.True(t, c.Flush(context.Background()))
	seen := map[string]int{}
	for _, ev := range srv.Events() {
		seen[ev.Message.Formatted]++
	}
	for i := range 4 {
		assert.Equal(t, 1, seen[fmt.Sprint("from the first process ", i)], "event %d", i)
	}
	identity(t, c.Stats())
}
