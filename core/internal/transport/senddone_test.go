package transport

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// doneCounter counts the calls of the done funcs it makes, per event.
type doneCounter struct{ n []atomic.Int32 }

func newDoneCounter(n int) *doneCounter { return &doneCounter{n: make([]atomic.Int32, n)} }

func (d *doneCounter) done(i int) func() { return func() { d.n[i].Add(1) } }

func (d *doneCounter) counts() []int32 {
	out := make([]int32, len(d.n))
	for i := range d.n {
		out[i] = d.n[i].Load()
	}
	return out
}

// SendDone hands an event back exactly once when the transport is done with
// it (delivered, or dropped from a full queue or by the receiver), and
// never while it may still read it (in flight, held for a retry) or after
// Close left it queued.
func TestSendDone(t *testing.T) {
	t.Run("delivered", func(t *testing.T) {
		rc := newReceiver(t, nil)
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		d := newDoneCounter(3)
		for i := range 3 {
			tr.SendDone(testEvent(i), d.done(i))
		}
		require.True(t, flush(t, tr))
		assert.Equal(t, []int32{1, 1, 1}, d.counts(), "handed back once each by the time Flush returns")
		assert.EqualValues(t, 3, out.Delivered.Load())
	})
	t.Run("refused by the receiver", func(t *testing.T) {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(400) })
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: rc.dsn(t, "pub"), Outcomes: out}, nil)
		d := newDoneCounter(1)
		tr.SendDone(testEvent(0), d.done(0))
		assert.False(t, flush(t, tr))
		assert.Equal(t, []int32{1}, d.counts())
		assert.EqualValues(t, 1, out.Total(ReasonSendError, CategoryError))
	})
	t.Run("queue overflow", func(t *testing.T) {
		rc, arrived, release := stallServer(t)
		defer release()
		out := new(Outcomes)
		tr := NewHTTP()
		tr.senders = 1
		require.NoError(t, tr.Configure(Config{DSN: rc.dsn(t, "pub"), Outcomes: out, QueueSize: 2, HTTPTimeout: 10 * time.Second}))
		d := newDoneCounter(5)
		tr.SendDone(testEvent(0), d.done(0))
		select {
		case <-arrived:
		case <-time.After(5 * time.Second):
			t.Fatal("the first event never arrived")
		}
		for i := 1; i < 5; i++ {
			tr.SendDone(testEvent(i), d.done(i)) // 1 and 2 give way to 3 and 4
		}
		assert.EqualValues(t, 2, out.Total(ReasonQueueOverflow, CategoryError))
		assert.Equal(t, []int32{0, 1, 1, 0, 0}, d.counts(), "the dropped ones at once; not the one in flight nor the queued")
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		assert.False(t, tr.Close(ctx))
		assert.Equal(t, []int32{1, 1, 1, 0, 0}, d.counts(), "the one in flight once cancelled; never the ones Close left queued")
		tr.SendDone(testEvent(9), func() { d.n[4].Add(10) })
		assert.Equal(t, []int32{1, 1, 1, 0, 10}, d.counts(), "Send after Close drops and hands back at once")
	})
	t.Run("held", func(t *testing.T) {
		addr := closedPort(t)
		dsn, err := ParseDSN("http://pub@" + addr + "/42")
		require.NoError(t, err)
		out := new(Outcomes)
		tr := startTransport(t, Config{DSN: dsn, Outcomes: out}, nil)
		d := newDoneCounter(2)
		tr.SendDone(testEvent(1), d.done(0))
		tr.SendDone(testEvent(2), d.done(1))
		assert.False(t, shortFlush(tr))
		assert.Equal(t, []int32{0, 0}, d.counts(), "held for the receiver's return: still read")
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		assert.False(t, tr.Close(ctx))
		assert.Equal(t, []int32{0, 0}, d.counts(), "left over at Close: never handed back")
	})
}
