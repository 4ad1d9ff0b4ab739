package zapsentry_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/zapsentry"
)

// slowTransport delivers an event only after a delay, so a flush that does
// not wait misses it.
type slowTransport struct {
	delay     time.Duration
	wg        sync.WaitGroup
	delivered atomic.Int32
	stuck     bool // Flush never succeeds
}

func (s *slowTransport) Send(*core.Event) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		time.Sleep(s.delay)
		s.delivered.Add(1)
	}()
}

func (s *slowTransport) Flush(ctx context.Context) bool {
	if s.stuck {
		<-ctx.Done()
		return false
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *slowTransport) Close(ctx context.Context) bool {
	if s.stuck {
		return false
	}
	s.wg.Wait()
	return true
}

func slowClient(t *testing.T, st *slowTransport) *core.Client {
	c, err := core.New(core.Options{Transport: st, ShutdownTimeout: time.Second, Storm: core.StormOptions{Disabled: true}})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c.Close(ctx)
		st.wg.Wait()
	})
	return c
}

func TestPanicFlushesBeforePanicking(t *testing.T) {
	for _, tt := range []struct {
		name string
		log  func(*zap.Logger)
	}{
		{"Panic", func(l *zap.Logger) { l.Panic("bad state", zap.Error(errors.New("x"))) }},
		{"DPanic in development", func(l *zap.Logger) { l.DPanic("bad state") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := &slowTransport{delay: 50 * time.Millisecond}
			c := slowClient(t, st)
			l := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}), zap.Development())
			assert.Panics(t, func() { tt.log(l) })
			assert.Equal(t, int32(1), st.delivered.Load(), "delivered before zap panicked")
		})
	}
}

func TestErrorDoesNotWait(t *testing.T) {
	st := &slowTransport{delay: 200 * time.Millisecond}
	c := slowClient(t, st)
	l := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}))
	l.Error("not fatal")
	// The delivery takes 200 ms: had Error waited for it, it would be done.
	assert.Zero(t, st.delivered.Load(), "Error returned before the delivery")
	require.NoError(t, l.Sync(), "Sync waits for the delivery")
	assert.Equal(t, int32(1), st.delivered.Load())
}

func TestSyncIsBounded(t *testing.T) {
	st := &slowTransport{stuck: true}
	c := slowClient(t, st)
	l := zap.New(zapsentry.NewCore(zapsentry.Options{Client: c}))
	l.Error("never delivered")
	start := time.Now()
	err := l.Sync()
	assert.ErrorIs(t, err, zapsentry.ErrFlush)
	assert.Less(t, time.Since(start), 1900*time.Millisecond, "bounded by ShutdownTimeout (1s)")
}

func TestSyncWithoutClient(t *testing.T) {
	l := zap.New(zapsentry.NewCore(zapsentry.Options{}))
	assert.NoError(t, l.Sync())
}

// An entry a closed client dropped (and counted) makes the next Sync
// report ErrFlush, as a Flush of the client would.
func TestSyncAfterCloseReportsDrop(t *testing.T) {
	l, c, _ := newLogger(t, zapsentry.Options{})
	require.True(t, c.Close(context.Background()))
	l.Error("after Close")
	require.EqualValues(t, 1, c.Stats().Dropped["queue_overflow:error"])
	assert.ErrorIs(t, l.Sync(), zapsentry.ErrFlush)
	assert.NoError(t, l.Sync(), "nothing dropped since")
}
