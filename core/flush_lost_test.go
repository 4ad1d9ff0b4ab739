package core

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Flush and Close report a capture a full queue dropped as not delivered,
// once: the next answer starts afresh.
func TestFlushReportsQueueOverflow(t *testing.T) {
	holdWorker = make(chan struct{})
	h := holdWorker
	c, err := New(Options{Transport: &DiscardTransport{}, QueueSize: 2, Storm: StormOptions{Disabled: true}})
	holdWorker = nil
	require.NoError(t, err)
	for range 5 {
		c.CaptureMessage(context.Background(), "m", LevelError)
	}
	close(h)
	require.EqualValues(t, 3, c.Stats().Dropped["queue_overflow:error"])
	assert.False(t, c.Flush(context.Background()), "3 events were dropped")
	assert.True(t, c.Flush(context.Background()), "nothing dropped since")
	c.CaptureMessage(context.Background(), "m", LevelError)
	assert.True(t, c.Flush(context.Background()))
	assert.True(t, c.Close(context.Background()))
}

func TestFlushReportsLogOverflow(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	c, err := New(Options{Transport: &DiscardTransport{}, LogsBuffer: 1, LogStorm: StormOptions{Disabled: true},
		BeforeSendLog: func(l *Log) *Log {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
			return l
		}})
	require.NoError(t, err)
	c.captureLog(&record{Message: "first"}, LogInfo, nil)
	done := make(chan bool)
	go func() { done <- c.Flush(context.Background()) }()
	<-entered // the worker holds the first log
	for range 4 {
		c.captureLog(&record{Message: "more"}, LogInfo, nil)
	}
	close(release)
	require.Positive(t, c.Stats().Dropped["queue_overflow:log_item"])
	assert.False(t, <-done, "logs were dropped while the Flush waited")
	assert.True(t, c.Flush(context.Background()), "nothing dropped since")
	assert.True(t, c.Close(context.Background()))
}

func TestCloseReportsQueueOverflow(t *testing.T) {
	holdWorker = make(chan struct{})
	h := holdWorker
	c, err := New(Options{Transport: &DiscardTransport{}, QueueSize: 1, Storm: StormOptions{Disabled: true}})
	holdWorker = nil
	require.NoError(t, err)
	for range 3 {
		c.CaptureMessage(context.Background(), "m", LevelError)
	}
	close(h)
	assert.False(t, c.Close(context.Background()))
}

// A capture after Close is dropped and counted (queue_overflow): the next
// Flush or Close says so, once.
func TestFlushAfterCloseReportsDrops(t *testing.T) {
	c, err := New(Options{Transport: &DiscardTransport{}, Storm: StormOptions{Disabled: true}})
	require.NoError(t, err)
	require.True(t, c.Close(context.Background()))
	c.CaptureMessage(context.Background(), "late", LevelError)
	require.EqualValues(t, 1, c.Stats().Dropped["queue_overflow:error"])
	assert.False(t, c.Flush(context.Background()), "the capture after Close was dropped")
	assert.True(t, c.Flush(context.Background()), "nothing dropped since")
	c.CaptureMessage(context.Background(), "later", LevelError)
	assert.False(t, c.Close(context.Background()), "a second Close: the capture before it was dropped")
}

// Flush calls under way together each report a drop made before they were
// called: the first to answer does not take the news from the others.
func TestConcurrentFlushesReportQueueOverflow(t *testing.T) {
	holdWorker = make(chan struct{})
	h := holdWorker
	c, err := New(Options{Transport: &DiscardTransport{}, QueueSize: 2, Storm: StormOptions{Disabled: true}})
	holdWorker = nil
	require.NoError(t, err)
	defer c.Close(context.Background())
	for range 5 {
		c.CaptureMessage(context.Background(), "m", LevelError)
	}
	require.EqualValues(t, 3, c.Stats().Dropped["queue_overflow:error"])
	const flushes = 3
	answers := make(chan bool, flushes)
	for range flushes {
		go func() { answers <- c.Flush(context.Background()) }()
	}
	// Every Flush is under way (waiting for room in the full queue) before
	// the worker starts.
	deadline := time.Now().Add(10 * time.Second)
	for inFlush() < flushes {
		require.True(t, time.Now().Before(deadline), "the Flush calls did not start")
		time.Sleep(time.Millisecond)
	}
	close(h)
	for range flushes {
		assert.False(t, <-answers, "3 events were dropped before the call")
	}
	assert.True(t, c.Flush(context.Background()), "nothing dropped since")
}

// inFlush counts the goroutines in Client.Flush.
func inFlush() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "core.(*Client).Flush(")
}
