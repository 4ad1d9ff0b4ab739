package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
)

// These tests check the harness itself, without the HTTP transport: an
// envelope written by core's envelope writer is posted by hand and read
// back from each receiver.

func rawEnvelope(t *testing.T, ev *core.Event, discarded []protocol.DiscardedItem) []byte {
	t.Helper()
	env := &protocol.Envelope{Header: protocol.EnvelopeHeader{SentAt: time.Now().UTC()}}
	if ev != nil {
		payload, err := json.Marshal(ev)
		require.NoError(t, err)
		env.Header.EventID = ev.EventID
		env.Items = append(env.Items, protocol.EnvelopeItem{Header: protocol.ItemHeader{Type: protocol.ItemTypeEvent}, Payload: payload})
	}
	if discarded != nil {
		payload, err := json.Marshal(protocol.ClientReport{Timestamp: time.Now().UTC(), DiscardedEvents: discarded})
		require.NoError(t, err)
		env.Items = append(env.Items, protocol.EnvelopeItem{Header: protocol.ItemHeader{Type: protocol.ItemTypeClientReport}, Payload: payload})
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := env.WriteTo(zw)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func postEnvelope(t *testing.T, url string, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_client=e2e/1, sentry_key=e2epublickey")
	resp, err := httpClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, "POST %s", url)
}

func handEvent(id string) *core.Event {
	return &core.Event{
		EventID: core.EventID(id), Timestamp: time.Now().UTC(), Platform: "go", Level: core.LevelError,
		Exception: []protocol.Exception{
			{Type: "*errors.errorString", Value: "root", Mechanism: &protocol.Mechanism{Type: "chained"}},
			{Type: "*fmt.wrapError", Value: "outer: root", Mechanism: &protocol.Mechanism{Type: "generic"}},
		},
		Tags: map[string]string{"harness": "yes"},
	}
}

func TestHarnessSpotlightReplaysEnvelopes(t *testing.T) {
	sp := startSpotlight(t)
	for i := range 3 {
		postEnvelope(t, fmt.Sprintf("%s/api/42/envelope/", sp.url()), rawEnvelope(t, handEvent(fmt.Sprintf("%032x", i+1)), nil))
	}
	// A client report alone is replayed too, but readEvents skips it.
	postEnvelope(t, sp.url()+"/stream", rawEnvelope(t, nil, []protocol.DiscardedItem{{Reason: "before_send", Category: "error", Quantity: 1}}))

	events := sp.readEvents(t, 3)
	require.Len(t, events, 3)
	for i, ev := range events {
		assert.Equal(t, core.EventID(fmt.Sprintf("%032x", i+1)), ev.EventID, "in the order sent")
		require.Len(t, ev.Exception, 2)
		assert.Equal(t, "*fmt.wrapError", ev.Exception[1].Type)
		assert.Equal(t, "yes", ev.Tags["harness"])
	}

	envs, err := sp.readStream(4, readTimeout, nil)
	require.NoError(t, err)
	assert.Equal(t, "client_report", envs[3].Items[0].Header["type"])

	// Asking for more than was sent ends at the timeout, with what was read.
	envs, err = sp.readStream(5, 300*time.Millisecond, nil)
	require.Error(t, err)
	assert.Len(t, envs, 4)
}

func TestHarnessTestkitKeepsClientReports(t *testing.T) {
	tk := startTestkit(t)
	url := fmt.Sprintf("http://127.0.0.1:%d/api/7/envelope/", tk.Port)
	postEnvelope(t, url, rawEnvelope(t, handEvent("abcdef0123456789abcdef0123456789"), []protocol.DiscardedItem{{Reason: "sample_rate", Category: "error", Quantity: 2}}))

	reports := tk.waitClientReports(t, 1)
	assert.Equal(t, []protocol.DiscardedItem{{Reason: "sample_rate", Category: "error", Quantity: 2}}, reports[0].DiscardedEvents)
	events := tk.waitReports(t, 1)
	require.NotNil(t, events[0].Error)
	// sentry-testkit titles an event after exception.values[0].
	assert.Equal(t, "*errors.errorString", events[0].Error.Name)
	assert.Equal(t, "yes", events[0].Tags["harness"])
}
