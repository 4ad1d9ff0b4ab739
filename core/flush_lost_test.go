package core

import (
	"context"
	"testing"

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
