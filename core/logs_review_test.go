package core_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingTransport is a program's own transport built on MemoryTransport:
// it embeds it and adds to Send, and so keeps logs the way MemoryTransport
// does.
type countingTransport struct {
	*core.MemoryTransport
	sent int
}

func (t *countingTransport) Send(ev *core.Event) {
	t.sent++
	t.MemoryTransport.Send(ev)
}

// A transport that embeds MemoryTransport keeps real logs: Logs returns
// them as MemoryTransport alone does, not empty entries.
func TestLogsOfEmbeddedMemoryTransport(t *testing.T) {
	ct := &countingTransport{MemoryTransport: core.NewMemoryTransport()}
	c, err := core.New(core.Options{DSN: "http://pub@127.0.0.1:1/1", Transport: ct})
	require.NoError(t, err)
	defer c.Close(t.Context())
	for i := range 3 {
		bridge.CaptureLog(c, &bridge.Record{Message: fmt.Sprint("m", i), Attrs: []slog.Attr{slog.Int("i", i)}}, core.LogInfo, nil)
	}
	flushC(t, c)
	logs := ct.Logs()
	require.Len(t, logs, 3)
	for i, l := range logs {
		require.NotNil(t, l, "log %d", i)
		assert.Equal(t, fmt.Sprint("m", i), l.Body)
		v, ok := l.Attr("i")
		require.True(t, ok)
		assert.EqualValues(t, i, v.Int64())
	}
}

// While the log worker is behind, it holds the records it took from the
// buffer and the buffer fills again: up to twice LogsBuffer records, no
// more, and every record beyond is counted.
func TestLogsBufferWhileWorkerBehind(t *testing.T) {
	const max = 50
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	c, err := core.New(core.Options{
		Transport: &core.DiscardTransport{}, LogsBuffer: max,
		LogStorm: core.StormOptions{Disabled: true},
		BeforeSendLog: func(l *core.Log) *core.Log {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
			return l
		},
	})
	require.NoError(t, err)
	capture := func(n int) {
		for i := range n {
			bridge.CaptureLog(c, &bridge.Record{Message: fmt.Sprint("m", i)}, core.LogInfo, nil)
		}
	}
	capture(max)
	flushed := make(chan bool)
	go func() { flushed <- c.Flush(context.Background()) }()
	<-entered // the worker took max records and is stuck in the first
	capture(3 * max)
	st := c.Stats()
	assert.EqualValues(t, 2*max, st.Dropped["queue_overflow:log_item"], "%+v", st.Dropped)
	close(release)
	assert.False(t, <-flushed, "records were dropped while it waited")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Close(ctx)
	st = c.Stats()
	assert.EqualValues(t, 2*max, st.LogsDelivered)
	assert.EqualValues(t, 2*max, st.Dropped["queue_overflow:log_item"], "%+v", st.Dropped)
}

// Payloads are reused once the transport releases them: with Spotlight
// beside Sentry, a receiver that answers 200, 429 (without limits) and 500
// in turn, and batches waiting, every envelope either receives holds
// intact logs, and every log is delivered or counted once.
func TestLogPayloadReuseSpotlightAndErrors(t *testing.T) {
	spot := newLogReceiver(t, nil)
	rc := newLogReceiver(t, func(w http.ResponseWriter, n int) {
		time.Sleep(2 * time.Millisecond)
		switch n % 3 {
		case 1:
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusInternalServerError)
		}
		io.WriteString(w, `{}`)
	})
	opts := core.Options{DSN: rc.dsn(), Spotlight: spot.srv.URL + "/stream", ServerName: "h", Release: "r",
		LogStorm: core.StormOptions{Disabled: true}}
	c, err := core.New(opts)
	require.NoError(t, err)
	const n = 3000
	for i := range n {
		bridge.CaptureLog(c, &bridge.Record{Message: fmt.Sprint("log ", i), Attrs: []slog.Attr{
			slog.Int("i", i), slog.String("pad", strings.Repeat("p", i%300))}}, core.LogInfo, nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.Close(ctx)
	for _, r := range []*logReceiver{rc, spot} {
		_, logs := r.envelopes(t)
		require.NotEmpty(t, logs)
		seen := map[string]bool{}
		for _, l := range logs {
			require.Equal(t, fmt.Sprint("log ", l.Attributes["i"]), l.Body)
			require.Len(t, l.Attributes["pad"], int(l.Attributes["i"].(int64)%300))
			require.False(t, seen[l.Body], "once: %s", l.Body)
			seen[l.Body] = true
		}
	}
	st := c.Stats()
	var dropped int64
	for k, v := range st.Dropped {
		if strings.HasSuffix(k, ":log_item") {
			dropped += v
		}
	}
	assert.EqualValues(t, n, st.LogsDelivered+dropped, "%+v", st.Dropped)
}

// inPlaceScrubber scrubs the way the Scrubber interface allows: in place,
// writing into the event's breadcrumbs and their data maps.
type inPlaceScrubber struct{}

func (inPlaceScrubber) Scrub(ev *core.Event) {
	for i := range ev.Breadcrumbs {
		b := &ev.Breadcrumbs[i]
		b.Message = strings.ReplaceAll(b.Message, "hunter2", "[Filtered]")
		for k, v := range b.Data {
			if s, ok := v.(string); ok && strings.Contains(s, "hunter2") {
				b.Data[k] = "[Filtered]"
			}
		}
	}
}

// A custom scrubber that changes the breadcrumbs it is given in place, as
// the Scrubber interface allows, scrubs logs too.
func TestLogScrubbedInPlace(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts core.Options
	}{
		{"http", core.Options{}},
		{"before-send-log", core.Options{BeforeSendLog: func(l *core.Log) *core.Log { return l }}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newLogReceiver(t, nil)
			tc.opts.Scrubber = inPlaceScrubber{}
			c := newHTTPClient(t, rc, tc.opts)
			bridge.CaptureLog(c, &bridge.Record{Message: "login hunter2", Attrs: []slog.Attr{slog.String("pw", "hunter2"), slog.String("user", "bob")}}, core.LogInfo, nil)
			bridge.CaptureLog(c, &bridge.Record{Message: "plain", Attrs: []slog.Attr{slog.String("note", "x hunter2")}}, core.LogInfo, nil)
			flushC(t, c)
			_, logs := rc.envelopes(t)
			require.Len(t, logs, 2)
			assert.Equal(t, "login [Filtered]", logs[0].Body)
			assert.Equal(t, "[Filtered]", logs[0].Attributes["pw"])
			assert.Equal(t, "bob", logs[0].Attributes["user"])
			assert.Equal(t, "plain", logs[1].Body)
			assert.Equal(t, "[Filtered]", logs[1].Attributes["note"])
		})
	}
}

// Once the log worker goes idle it keeps nothing of the logs it sent: a
// string value of the last batch can be collected.
func TestLogWorkerIdleKeepsNoValues(t *testing.T) {
	c, err := core.New(core.Options{Transport: &core.DiscardTransport{}})
	require.NoError(t, err)
	defer c.Close(t.Context())
	var freed atomic.Bool
	func() {
		b := make([]byte, 64<<10)
		copy(b, "value")
		runtime.SetFinalizer(&b[0], func(*byte) { freed.Store(true) })
		s := unsafe.String(&b[0], len(b))
		bridge.CaptureLog(c, &bridge.Record{Message: "m", Attrs: []slog.Attr{slog.String("big", s)}}, core.LogInfo, nil)
	}()
	flushC(t, c)
	assert.Eventually(t, func() bool {
		runtime.GC()
		return freed.Load()
	}, 5*time.Second, 10*time.Millisecond)
}

// With NoScrubber, logs arrive as logged (the scrubbing step is skipped).
func TestLogNoScrubber(t *testing.T) {
	rc := newLogReceiver(t, nil)
	c := newHTTPClient(t, rc, core.Options{Scrubber: core.NoScrubber})
	for range 2 {
		bridge.CaptureLog(c, &bridge.Record{Message: "password=hunter2", Attrs: []slog.Attr{slog.String("token", "t-1")}}, core.LogInfo, nil)
	}
	flushC(t, c)
	_, logs := rc.envelopes(t)
	require.Len(t, logs, 2)
	for _, l := range logs {
		assert.Equal(t, "password=hunter2", l.Body)
		assert.Equal(t, "t-1", l.Attributes["token"])
	}
}

// A LogsBuffer smaller than a batch is not left full until the flush
// timer fires: the worker takes the records when the buffer is half full,
// so bursts of up to half the buffer are never dropped, however slowly the
// worker answers, even when records of the previous bursts still wait.
func TestLogsSmallBufferWakesWorker(t *testing.T) {
	c, mt := testclient.New(t, core.Options{LogsBuffer: 20, LogStorm: core.StormOptions{Disabled: true}})
	capture := func(from, n int) {
		for i := from; i < from+n; i++ {
			bridge.CaptureLog(c, &bridge.Record{Message: fmt.Sprint("m", i)}, core.LogInfo, nil)
		}
	}
	for round := range 6 {
		capture(7*round, 7)
		// Without the wake-up at half, the records the bursts leave in the
		// buffer wait for the 5 s timer, and the fourth burst overflows.
		// The pause leaves a slow (-race, loaded) worker time to take them.
		time.Sleep(300 * time.Millisecond)
		require.Empty(t, c.Stats().Dropped, "round %d", round)
	}
	logs := testclient.Logs(t, c, mt)
	assert.Len(t, logs, 42, "%+v", c.Stats().Dropped)
}
