package transport

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientReportItems(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.FixedZone("x", -7200))
	items := clientReportItems([]discardedItem{{Reason: "sample_rate", Category: "error", Quantity: 7}}, now)
	require.Len(t, items, 1)
	assert.Equal(t, itemTypeClientReport, items[0].Header.Type)
	assert.JSONEq(t, `{"timestamp":"2026-05-06T09:08:09Z","discarded_events":[{"reason":"sample_rate","category":"error","quantity":7}]}`,
		string(items[0].Payload))
}

func TestClientReportItemsSplit(t *testing.T) {
	now := time.Now()
	assert.Nil(t, clientReportItems(nil, now))
	var many []discardedItem
	for r := range NumReasons {
		for c := range NumCategories {
			many = append(many, discardedItem{Reason: r.String(), Category: c.String(), Quantity: 1 << 62})
		}
	}
	items := clientReportItems(many, now)
	require.Len(t, items, 2)
	total := 0
	for _, it := range items {
		assert.LessOrEqual(t, len(it.Payload), 4096, "a client_report item is at most 4 KiB")
		var cr clientReport
		require.NoError(t, json.Unmarshal(it.Payload, &cr))
		total += len(cr.DiscardedEvents)
	}
	assert.Equal(t, len(many), total)
}
