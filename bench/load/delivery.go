package load

import (
	"errors"
	"time"

	"github.com/sentrylog/sentrylog/internal/cputime"
)

// DeliveryResult is what one SDK delivered in a Delivery run.
type DeliveryResult struct {
	SDK       string
	Sent      int
	Delivered int64
	Elapsed   time.Duration
	// CPU is the process's user and system time during the run.
	CPU time.Duration
	// Conns counts the connections the receiver accepted during the run:
	// a transport that keeps its connection alive opens one.
	Conns int64
	// Stalled is set when deliveries stopped before every event arrived.
	Stalled bool
	Dropped map[string]int64
}

// EventsPerSec is the delivered events per second of wall time.
func (d DeliveryResult) EventsPerSec() float64 {
	if d.Elapsed <= 0 {
		return 0
	}
	return float64(d.Delivered) / d.Elapsed.Seconds()
}

// CPUPerEvent is the process CPU time per delivered event.
func (d DeliveryResult) CPUPerEvent() time.Duration {
	if d.Delivered == 0 {
		return 0
	}
	return d.CPU / time.Duration(d.Delivered)
}

// Delivery sends n events through sdk to r, keeping at most window of them
// in flight (sent but not yet received) so that no client has to drop: it
// measures how fast each transport delivers, not how much it throws away.
// A run whose deliveries stop for stall is cut short and marked Stalled.
func Delivery(r *Receiver, sdk SDK, n, window int, stall time.Duration) (DeliveryResult, error) {
	res := DeliveryResult{SDK: sdk.Name}
	c, err := sdk.Open(r.DSN())
	if err != nil {
		return res, err
	}
	defer c.Close(5 * time.Second)

	// Warm up: connections, pools, lazily built state.
	for range window {
		c.Capture()
	}
	if got := r.WaitEvents(int64(window), stall); got < int64(window) {
		return res, errors.New(sdk.Name + ": no events reached the receiver while warming up")
	}
	r.Reset()

	conns0 := r.Conns()
	cpu0 := cputime.Process()
	start := time.Now()
	for res.Sent < n && !res.Stalled {
		for int64(res.Sent)-r.Events() >= int64(window) {
			before := r.Events()
			if r.WaitEvents(before+1, stall) == before {
				res.Stalled = true
				break
			}
		}
		if !res.Stalled {
			c.Capture()
			res.Sent++
		}
	}
	if !res.Stalled {
		res.Stalled = r.WaitEvents(int64(res.Sent), stall) < int64(res.Sent)
	}
	res.Elapsed = time.Since(start)
	res.CPU = cputime.Process() - cpu0
	res.Delivered = r.Events()
	res.Conns = r.Conns() - conns0
	res.Dropped = c.Dropped()
	return res, nil
}

// DeliveryRounds runs Delivery for every SDK in turn, rounds times, with n
// events each time, and pools each SDK's rounds: on a machine other work
// shares, interleaved rounds give every SDK the same mix of quiet and busy
// moments, where one long run each would not.
func DeliveryRounds(r *Receiver, sdks []SDK, n, window int, stall time.Duration, rounds int) ([]DeliveryResult, error) {
	out := make([]DeliveryResult, len(sdks))
	for range max(rounds, 1) {
		for i, sdk := range sdks {
			d, err := Delivery(r, sdk, n, window, stall)
			if err != nil {
				return nil, err
			}
			out[i] = out[i].merge(d)
		}
	}
	return out, nil
}

// merge pools two runs of one SDK.
func (d DeliveryResult) merge(o DeliveryResult) DeliveryResult {
	d.SDK = o.SDK
	d.Sent += o.Sent
	d.Delivered += o.Delivered
	d.Elapsed += o.Elapsed
	d.CPU += o.CPU
	d.Conns += o.Conns
	d.Stalled = d.Stalled || o.Stalled
	if o.Dropped != nil && d.Dropped == nil {
		d.Dropped = map[string]int64{}
	}
	for k, v := range o.Dropped {
		d.Dropped[k] += v
	}
	return d
}
