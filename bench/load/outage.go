package load

import (
	"runtime"
	"time"
)

// OutageResult is what one SDK did while the receiver was down.
type OutageResult struct {
	SDK      string
	Duration time.Duration
	Rate     int
	Sent     int
	// BaseHeap and BaseGoroutines are measured after the warm-up, before
	// the outage; MaxHeap and MaxGoroutines are the largest samples during
	// it (heap in use by live and not yet collected objects, HeapAlloc).
	BaseHeap, MaxHeap             uint64
	BaseGoroutines, MaxGoroutines int
	// DeliveredAfter counts the events of the outage that reached the
	// receiver once it was back.
	DeliveredAfter int64
	Dropped        map[string]int64
	// Recovery is how long after the receiver came back the first event
	// arrived: one kept from the outage, or else one captured after it.
	// Negative when none arrived within RecoveryBound.
	Recovery time.Duration
}

// Outage takes the receiver down for d while sdk captures rate events per
// second, sampling the heap and the goroutines every 100ms; then brings the
// receiver back and counts what still arrives.
func Outage(r *Receiver, sdk SDK, d time.Duration, rate int) (OutageResult, error) {
	res := OutageResult{SDK: sdk.Name, Duration: d, Rate: rate}
	c, err := sdk.Open(r.DSN())
	if err != nil {
		return res, err
	}
	defer c.Close(2 * time.Second)

	c.Capture()
	r.WaitEvents(1, 5*time.Second)
	r.Reset()
	runtime.GC()
	res.BaseHeap, res.BaseGoroutines = sample()
	res.MaxHeap, res.MaxGoroutines = res.BaseHeap, res.BaseGoroutines

	if err := r.Down(); err != nil {
		return res, err
	}
	const tick = 10 * time.Millisecond
	perTick := max(1, rate*int(tick)/int(time.Second))
	t := time.NewTicker(tick)
	start := time.Now()
	lastSample := start
	for time.Since(start) < d {
		<-t.C
		for range perTick {
			c.Capture()
			res.Sent++
		}
		if time.Since(lastSample) >= 100*time.Millisecond {
			lastSample = time.Now()
			h, g := sample()
			res.MaxHeap, res.MaxGoroutines = max(res.MaxHeap, h), max(res.MaxGoroutines, g)
		}
	}
	t.Stop()
	h, g := sample()
	res.MaxHeap, res.MaxGoroutines = max(res.MaxHeap, h), max(res.MaxGoroutines, g)

	r.Mark()
	if err := r.Up(); err != nil {
		return res, err
	}
	up := time.Now()
	// Whatever the client kept arrives now: wait until nothing arrived for
	// a while (shorter for short runs), longer than the pause a client
	// takes between attempts after network errors (sentrylog: at most 5 s).
	quiet := min(6*time.Second, max(500*time.Millisecond, d))
	res.DeliveredAfter = r.WaitQuiet(quiet, 30*time.Second)
	res.Dropped = c.Dropped()
	res.Recovery = -1
	if res.DeliveredAfter > 0 {
		res.Recovery = r.FirstSinceMark().Sub(up)
		return res, nil
	}
	// Nothing was kept: capture on, at the same rate, until an event gets
	// through, to see how long the client takes to send again (a client
	// backing off after network errors waits out its backoff).
	t = time.NewTicker(tick)
	defer t.Stop()
	base := r.Events()
	for time.Since(up) < RecoveryBound && r.Events() == base {
		<-t.C
		for range perTick {
			c.Capture()
		}
	}
	if r.Events() > base {
		res.Recovery = r.FirstSinceMark().Sub(up)
	}
	return res, nil
}

// RecoveryBound bounds the wait for the first delivery after an outage:
// longer than the longest backoff a client is expected to use (30s).
const RecoveryBound = 40 * time.Second

func sample() (heap uint64, goroutines int) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, runtime.NumGoroutine()
}
