package load

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	ServeIfReceiver()
	goleak.VerifyTestMain(m)
}

func TestCountEvents(t *testing.T) {
	env := "{\"event_id\":\"x\"}\n" +
		"{\"type\":\"event\",\"length\":11}\n{\"a\":\"\\n\"}\n" +
		"{\"type\":\"client_report\"}\n{}\n" +
		"{\"type\":\"event\"}\n{\"b\":1}\n"
	n, err := countEvents(strings.NewReader(env))
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	_, err = countEvents(strings.NewReader("{}\n{\"type\":\"event\",\"length\":99}\n{}\n"))
	assert.Error(t, err, "an item longer than the envelope")
}

// A short run of both scenarios for both SDKs: every event sent in the
// delivery run arrives, and the outage run samples and recovers.
func TestShortRuns(t *testing.T) {
	r, err := StartReceiver()
	require.NoError(t, err)
	defer func() { assert.NoError(t, r.Close()) }()

	for _, sdk := range SDKs() {
		t.Run(sdk.Name, func(t *testing.T) {
			d, err := Delivery(r, sdk, 300, 20, 5*time.Second)
			require.NoError(t, err)
			assert.False(t, d.Stalled)
			assert.EqualValues(t, 300, d.Delivered)
			assert.Positive(t, d.EventsPerSec())
			assert.Positive(t, d.CPUPerEvent())

			o, err := Outage(r, sdk, 300*time.Millisecond, 1000)
			require.NoError(t, err)
			assert.InDelta(t, 300, o.Sent, 150)
			assert.GreaterOrEqual(t, o.MaxHeap, o.BaseHeap)
			assert.GreaterOrEqual(t, o.MaxGoroutines, o.BaseGoroutines)
			assert.GreaterOrEqual(t, o.Recovery, time.Duration(0), "events flow again once the receiver is back")
		})
	}
}

func TestDeliveryResultMerge(t *testing.T) {
	a := DeliveryResult{SDK: "x", Sent: 10, Delivered: 10, Elapsed: time.Second, CPU: 10 * time.Millisecond, Conns: 1}
	b := DeliveryResult{SDK: "x", Sent: 30, Delivered: 30, Elapsed: time.Second, CPU: 30 * time.Millisecond,
		Dropped: map[string]int64{"queue_overflow:error": 2}}
	m := DeliveryResult{}.merge(a).merge(b)
	assert.Equal(t, 40, m.Sent)
	assert.EqualValues(t, 40, m.Delivered)
	assert.InDelta(t, 20, m.EventsPerSec(), 1e-9, "pooled: events over the summed time")
	assert.Equal(t, time.Millisecond, m.CPUPerEvent())
	assert.EqualValues(t, 1, m.Conns)
	assert.Equal(t, map[string]int64{"queue_overflow:error": 2}, m.Dropped)
}
