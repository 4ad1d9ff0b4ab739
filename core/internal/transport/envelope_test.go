package transport

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"github.com/sentrylog/sentrylog/core/protocol"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	sent := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	ev := &Event{
		EventID: "0123456789abcdef0123456789abcdef", Timestamp: sent, Platform: "go", Level: LevelError,
		Message: &protocol.LogEntry{Message: "line one\nline two"},
		Tags:    map[string]string{"k": "v"},
	}
	payload, err := ev.MarshalJSON()
	require.NoError(t, err)
	env := &envelope{
		Header: envelopeHeader{EventID: ev.EventID, SentAt: sent, DSN: "https://pub@host/1",
			SDK: &protocol.SDK{Name: SDKName, Version: SDKVersion, Integrations: []string{"dropped"}}},
		Items: []envelopeItem{
			{Header: itemHeader{Type: itemTypeEvent}, Payload: payload},
			clientReportItems([]discardedItem{{Reason: "queue_overflow", Category: "error", Quantity: 3}}, sent)[0],
			{Header: itemHeader{Type: itemTypeLog, ItemCount: 1, ContentType: "application/vnd.sentry.items.log+json"}, Payload: []byte(`{"items":[{}]}`)},
		},
	}
	var buf bytes.Buffer
	_, err = env.WriteTo(&buf)
	require.NoError(t, err)
	wire := buf.String()
	lines := strings.Split(wire, "\n")
	assert.Equal(t, `{"event_id":"0123456789abcdef0123456789abcdef","sent_at":"2026-01-02T02:04:05Z","dsn":"https://pub@host/1","sdk":{"name":"sentry.go.sentrylog","version":"`+SDKVersion+`"}}`, lines[0])
	assert.Equal(t, `{"type":"event","length":`+itoa(len(payload))+`}`, lines[1])
	assert.Equal(t, string(payload), lines[2], "the event payload is one line")
	assert.True(t, strings.HasSuffix(wire, "\n"))

	for _, gz := range []bool{false, true} {
		body := buf.Bytes()
		if gz {
			var zb bytes.Buffer
			zw := gzip.NewWriter(&zb)
			zw.Write(body)
			zw.Close()
			body = zb.Bytes()
		}
		got, err := protocol.ParseEnvelope(bytes.NewReader(body))
		require.NoError(t, err)
		assert.Equal(t, ev.EventID, got.Header.EventID)
		assert.True(t, sent.Equal(got.Header.SentAt))
		assert.Equal(t, "https://pub@host/1", got.Header.DSN)
		require.Len(t, got.Items, 3)
		assert.Equal(t, itemTypeLog, got.Items[2].Header.Type)
		assert.Equal(t, 1, got.Items[2].Header.ItemCount)
		assert.Equal(t, "application/vnd.sentry.items.log+json", got.Items[2].Header.ContentType)
		gotEv, err := got.Event()
		require.NoError(t, err)
		assert.Equal(t, ev.EventID, gotEv.EventID)
		assert.Equal(t, "line one\nline two", gotEv.Message.Message)
		assert.Equal(t, "v", gotEv.Tags["k"])
		crs, err := got.ClientReports()
		require.NoError(t, err)
		require.Len(t, crs, 1)
		assert.Equal(t, []discardedItem{{Reason: "queue_overflow", Category: "error", Quantity: 3}}, crs[0].DiscardedEvents)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestParseEnvelopeForms(t *testing.T) {
	ok := []struct {
		name, in string
		items    []string // type=payload
	}{
		{"header only", `{}`, nil},
		{"header only newline", "{}\n", nil},
		{"length, no final newline", "{}\n{\"type\":\"event\",\"length\":2}\n{}", []string{"event={}"}},
		{"length with newline in payload", "{}\n{\"type\":\"attachment\",\"length\":3}\na\nb\n", []string{"attachment=a\nb"}},
		{"no length", "{}\n{\"type\":\"event\"}\n{\"a\":1}\n{\"type\":\"client_report\"}\n{}", []string{`event={"a":1}`, "client_report={}"}},
		{"empty payload", "{}\n{\"type\":\"attachment\",\"length\":0}\n", []string{"attachment="}},
		{"two items", "{\"event_id\":\"ab\"}\n{\"type\":\"event\",\"length\":2}\n{}\n{\"type\":\"client_report\",\"length\":2}\n{}\n",
			[]string{"event={}", "client_report={}"}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			env, err := protocol.ParseEnvelope(strings.NewReader(tt.in))
			require.NoError(t, err)
			var got []string
			for _, it := range env.Items {
				got = append(got, it.Header.Type+"="+string(it.Payload))
				assert.Equal(t, len(it.Payload), it.Header.Length)
			}
			assert.Equal(t, tt.items, got)
		})
	}
	bad := []struct{ name, in string }{
		{"empty", ""},
		{"not json", "hello\n"},
		{"array header", "[]\n"},
		{"blank item header", "{}\n\n"},
		{"item without type", "{}\n{\"length\":0}\n"},
		{"length too long", "{}\n{\"type\":\"event\",\"length\":10}\n{}\n"},
		{"negative length", "{}\n{\"type\":\"event\",\"length\":-1}\n{}\n"},
		{"payload not followed by newline", "{}\n{\"type\":\"event\",\"length\":1}\n{}\n"},
		{"bad gzip", "\x1f\x8b garbage"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := protocol.ParseEnvelope(strings.NewReader(tt.in))
			require.Error(t, err)
			assert.True(t, errors.Is(err, protocol.ErrInvalidEnvelope), "%v", err)
		})
	}
	env, err := protocol.ParseEnvelope(strings.NewReader("{}\n{\"type\":\"client_report\",\"length\":2}\n{}\n"))
	require.NoError(t, err)
	_, err = env.Event()
	assert.ErrorIs(t, err, protocol.ErrInvalidEnvelope, "no event item")
}

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte("{}\n{\"type\":\"event\",\"length\":2}\n{}\n"))
	f.Add([]byte("{\"event_id\":\"x\"}\n{\"type\":\"event\"}\n{}"))
	f.Add([]byte("{}\n{\"type\":\"a\",\"length\":99999999999}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := protocol.ParseEnvelope(bytes.NewReader(b))
		if err != nil {
			return
		}
		// What parses writes back and parses again to the same items.
		var buf bytes.Buffer
		if _, err := env.WriteTo(&buf); err != nil {
			return // header values json cannot encode
		}
		env2, err := protocol.ParseEnvelope(&buf)
		if err != nil {
			t.Fatalf("rewritten envelope does not parse: %v\n%q", err, buf.String())
		}
		if len(env2.Items) != len(env.Items) {
			t.Fatalf("items %d → %d", len(env.Items), len(env2.Items))
		}
		for i := range env.Items {
			if !bytes.Equal(env.Items[i].Payload, env2.Items[i].Payload) || env.Items[i].Header.Type != env2.Items[i].Header.Type {
				t.Fatalf("item %d changed", i)
			}
		}
	})
}
