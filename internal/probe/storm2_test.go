package probe_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// TestProbeStormParameterizedMessages: message events that differ only
// in a UUID, a hex id or an IP are one group for Sentry, which
// parameterizes them; a hot loop of them is cut as one group is. Distinct
// messages stay distinct.
func TestProbeStormParameterizedMessages(t *testing.T) {
	gens := map[string]func(i int) string{
		"uuid": func(int) string { return "job " + uuid() + " failed" },
		"hex": func(int) string {
			var b [8]byte
			_, _ = rand.Read(b[:])
			return "object " + hex.EncodeToString(b[:]) + " missing"
		},
		"ip": func(i int) string { return fmt.Sprintf("peer 203.0.%d.%d refused", i/250%250, i%250) },
		"0x": func(i int) string { return fmt.Sprintf("fault at 0x%x", 0xc000+i*7919) },
		"sha1": func(int) string {
			var b [20]byte
			_, _ = rand.Read(b[:])
			return "commit " + hex.EncodeToString(b[:]) + " not found"
		},
	}
	for name, gen := range gens {
		t.Run(name, func(t *testing.T) {
			c, mt := testclient.New(t, core.Options{QueueSize: 5000, Storm: core.StormOptions{GroupBurst: 10, GroupRate: 1e-9}})
			log := bridges[0].make(c)
			for i := 0; i < 2000; i++ {
				log(context.Background(), true, gen(i))
			}
			evs := testclient.Events(t, c, mt)
			assert.LessOrEqual(t, len(evs), 10, "one group")
		})
	}
}

// TestProbeStormDistinctMessagesStay: parameterizing does not merge
// messages that differ in their words.
func TestProbeStormDistinctMessagesStay(t *testing.T) {
	c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{GroupBurst: 1, GroupRate: 1e-9}})
	log := bridges[0].make(c)
	msgs := []string{
		"cache miss for deadbeef", "cache miss for feedface", // 8 hex: one group
		"cache miss for decade", "cache miss for facade", // words, not ids: two
		"status abc", "status abd",
		"pod orders-x2k9p", "pod orders-y3m1q",
	}
	for _, m := range msgs {
		log(context.Background(), true, m)
	}
	evs := testclient.Events(t, c, mt)
	assert.Len(t, evs, len(msgs)-1)
}

// TestProbeStormCountsAddUp: the counts the events carry in
// contexts.storm add up to what storm control suppressed, through every
// bridge.
func TestProbeStormCountsAddUp(t *testing.T) {
	forEachBridge(t, func(t *testing.T, b bridge) {
		c, mt := testclient.New(t, core.Options{Storm: core.StormOptions{GroupBurst: 2, GroupRate: 5}})
		log := b.make(c)
		for i := 0; i < 300; i++ {
			sharedHelper(context.Background(), log, errBackend)
		}
		time.Sleep(300 * time.Millisecond)
		sharedHelper(context.Background(), log, errBackend)
		evs := testclient.Events(t, c, mt)
		var carried int64
		for _, ev := range evs {
			if st, ok := ev.Contexts["storm"]; ok {
				n, ok := toInt(st["suppressed"])
				require.True(t, ok, "%v", st)
				carried += n
			}
		}
		assert.Equal(t, c.Stats().Dropped["event_processor:error"], carried)
		assert.EqualValues(t, 301, int64(len(evs))+carried)
	})
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), true
	}
	return 0, false
}
