package core

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Close returns at its deadline, reporting false, when a BeforeSend or a
// BeforeSendLog does not return: a callback that blocks does not hang the
// program's shutdown. The worker stops once the callback returns.
func TestCloseDeadlineWithBlockedCallback(t *testing.T) {
	for _, name := range []string{"BeforeSend", "BeforeSendLog"} {
		t.Run(name, func(t *testing.T) {
			release, entered := make(chan struct{}), make(chan struct{}, 1)
			block := func() {
				select {
				case entered <- struct{}{}:
				default:
				}
				<-release
			}
			opts := Options{Transport: NewMemoryTransport(), Storm: StormOptions{Disabled: true}}
			if name == "BeforeSend" {
				opts.BeforeSend = func(ev *Event, _ *Hint) *Event { block(); return ev }
			} else {
				opts.BeforeSendLog = func(l *Log) *Log { block(); return l }
			}
			c, err := New(opts)
			require.NoError(t, err)
			if name == "BeforeSend" {
				c.CaptureMessage(context.Background(), "m", LevelError)
			} else {
				c.captureLog(&record{Message: "m"}, LogError, nil)
				// A Flush has the log sent now rather than after the
				// batch's wait; it returns once the callback does.
				flushed := make(chan struct{})
				t.Cleanup(func() { <-flushed })
				go func() {
					defer close(flushed)
					fctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					defer cancel()
					c.Flush(fctx)
				}()
			}
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the callback was not called")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			done := make(chan bool, 1)
			go func() { done <- c.Close(ctx) }()
			select {
			case ok := <-done:
				require.False(t, ok, "the blocked capture was not delivered")
			case <-time.After(10 * time.Second):
				close(release)
				t.Fatal("Close outlasted its deadline by 10 s")
			}
			close(release)
			c.wg.Wait() // the workers stop once the callback returns
		})
	}
}
