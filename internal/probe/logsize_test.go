package probe_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

// TestProbeLogsHugeValues: Sentry logs with a 2 MB attribute, a 10 MB
// body and 5,000 attributes, through every bridge: each log is sent (its
// batch passes Relay's rules) and the other attributes survive.
func TestProbeLogsHugeValues(t *testing.T) {
	c, mt := testclient.New(t, core.Options{})
	huge := strings.Repeat("x", 2<<20)
	many := []kv{{"order_id", "o-1"}}
	for i := 0; i < 5000; i++ {
		many = append(many, kv{fmt.Sprintf("a%04d", i), "v"})
	}
	logs := logBridges(c)
	for _, log := range logs {
		log(context.Background(), false, "huge attr", kv{"payload", huge}, kv{"order_id", "o-1"})
		log(context.Background(), false, strings.Repeat("b", 10<<20), kv{"order_id", "o-1"})
		log(context.Background(), false, "many attrs", many...)
	}
	got := testclient.Logs(t, c, mt)
	require.Len(t, got, 3*len(logs), "%+v", c.Stats())
	for _, l := range got {
		v, ok := l.Attr("order_id")
		assert.True(t, ok)
		assert.Equal(t, "o-1", v.String())
		assert.Less(t, len(l.Body), 1<<20)
		if p, ok := l.Attr("payload"); ok {
			assert.Less(t, len(p.String()), 1<<20)
		}
	}
}
