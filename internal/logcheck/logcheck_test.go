package logcheck_test

import (
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/internal/logcheck"
)

const attrs = `"attributes":{"sentry.sdk.name":{"value":"x","type":"string"},"sentry.sdk.version":{"value":"1","type":"string"}`

func logJSON(mod func(string) string) string {
	ts := fmt.Sprintf("%d.5", time.Now().Unix())
	l := `{"timestamp":` + ts + `,"trace_id":"0123456789abcdef0123456789abcdef","level":"info","body":"b",` + attrs + `}}`
	if mod != nil {
		l = mod(l)
	}
	return l
}

func envelope(header, itemHeader string, logs ...string) []byte {
	payload := `{"version":2,"items":[` + strings.Join(logs, ",") + `]}`
	if itemHeader == "" {
		itemHeader = fmt.Sprintf(`{"type":"log","length":%d,"item_count":%d,"content_type":"application/vnd.sentry.items.log+json"}`, len(payload), len(logs))
	}
	if header == "" {
		header = `{"sent_at":"2026-01-01T00:00:00Z"}`
	}
	return []byte(header + "\n" + itemHeader + "\n" + payload + "\n")
}

func TestValid(t *testing.T) {
	logs, err := logcheck.CheckBody(envelope("", "", logJSON(nil), logJSON(func(s string) string {
		return strings.Replace(s, `"level":"info"`, `"level":"warn","severity_number":13,"span_id":"0123456789abcdef"`, 1)
	})))
	require.NoError(t, err)
	require.Len(t, logs, 2)
	assert.Equal(t, "warn", logs[1].Level)
}

// Every rule catches what breaks it.
func TestViolations(t *testing.T) {
	rep := func(old, new string) func(string) string {
		return func(s string) string { return strings.Replace(s, old, new, 1) }
	}
	ok := logJSON(nil)
	payload := `{"version":2,"items":[` + ok + `]}`
	hundredOne := make([]string, 101)
	for i := range hundredOne {
		hundredOne[i] = ok
	}
	cases := map[string][]byte{
		"item_count": []byte(`{"sent_at":"2026-01-01T00:00:00Z"}` + "\n" +
			fmt.Sprintf(`{"type":"log","length":%d,"item_count":2,"content_type":"application/vnd.sentry.items.log+json"}`, len(payload)) + "\n" + payload + "\n"),
		"content_type": []byte(`{"sent_at":"2026-01-01T00:00:00Z"}` + "\n" +
			fmt.Sprintf(`{"type":"log","length":%d,"item_count":1,"content_type":"application/json"}`, len(payload)) + "\n" + payload + "\n"),
		"101 logs":     envelope("", "", hundredOne...),
		"no sent_at":   envelope("{}", "", ok),
		"trace header": envelope(`{"sent_at":"2026-01-01T00:00:00Z","trace":{"trace_id":"x"}}`, "", ok),
		"two items": []byte(string(envelope("", "", ok)) +
			fmt.Sprintf(`{"type":"log","length":%d,"item_count":1,"content_type":"application/vnd.sentry.items.log+json"}`, len(payload)) + "\n" + payload + "\n"),
		"beside an event": append(envelope("", "", ok), []byte(`{"type":"event","length":2}`+"\n{}\n")...),
		"warning":         envelope("", "", logJSON(rep(`"level":"info"`, `"level":"warning"`))),
		"milliseconds": envelope("", "", logJSON(func(s string) string {
			return regexp.MustCompile(`"timestamp":[0-9.]+`).ReplaceAllString(s, fmt.Sprintf(`"timestamp":%d`, time.Now().UnixMilli()))
		})),
		"string timestamp": envelope("", "", logJSON(rep(`"timestamp":`, `"timestamp":"2026-01-01T00:00:00Z","x":`))),
		"no trace_id":      envelope("", "", logJSON(rep(`"trace_id":"0123456789abcdef0123456789abcdef",`, ``))),
		"short trace_id":   envelope("", "", logJSON(rep(`0123456789abcdef0123456789abcdef`, `0123`))),
		"bad span_id":      envelope("", "", logJSON(rep(`"level"`, `"span_id":"xyz","level"`))),
		"no body":          envelope("", "", logJSON(rep(`"body":"b",`, ``))),
		"severity":         envelope("", "", logJSON(rep(`"level":"info"`, `"level":"info","severity_number":17`))),
		"unknown field":    envelope("", "", logJSON(rep(`"body":"b"`, `"body":"b","message":"m"`))),
		"no required":      envelope("", "", logJSON(rep(`"sentry.sdk.name"`, `"sdk.name"`))),
		"integer as text":  envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":{"value":"42","type":"integer"},`))),
		"integer fraction": envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":{"value":1.5,"type":"integer"},`))),
		"integer overflow": envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":{"value":18446744073709551615,"type":"integer"},`))),
		"double as text":   envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":{"value":"NaN","type":"double"},`))),
		"bool as text":     envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":{"value":"true","type":"boolean"},`))),
		"unknown type":     envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":{"value":"x","type":"string[]"},`))),
		"no type":          envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":{"value":"x"},`))),
		"bare value":       envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":"x",`))),
		"object value":     envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":{"value":{"a":1},"type":"string"},`))),
		"mixed array":      envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":{"value":["a",1],"type":"array"},`))),
		"nested array":     envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":{"value":[["a"]],"type":"array"},`))),
		"duplicate key":    envelope("", "", logJSON(rep(`"attributes":{`, `"attributes":{"n":{"value":"a","type":"string"},"n":{"value":"b","type":"string"},`))),
		"version":          []byte(strings.Replace(string(envelope("", "", ok)), `"version":2`, `"version":3`, 1)),
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := logcheck.CheckBody(body)
			assert.Error(t, err)
		})
	}
}

func TestCheckEnvelopeWithoutLogs(t *testing.T) {
	logs, err := logcheck.CheckEnvelope(&protocol.Envelope{})
	assert.NoError(t, err)
	assert.Empty(t, logs)
}
