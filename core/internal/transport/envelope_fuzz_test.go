package transport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/internal/schematest"
)

// envFuzzJSON decodes fuzzed JSON into what a program may put in a context:
// an object as it is, anything else (or nothing) under "value".
func envFuzzJSON(b []byte) map[string]any {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return map[string]any{"raw": string(b)}
	}
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{"value": v}
}

func envFuzzSameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// envFuzzEvent builds an event with every field the SDK writes filled from
// the fuzzer's strings and JSON. Invalid UTF-8, control characters, empty
// keys and deep JSON are all fair.
func envFuzzEvent(msg, key, value string, ctxJSON, extraJSON []byte, ts int64, n uint8) *Event {
	levels := [...]Level{LevelDebug, LevelInfo, LevelWarning, LevelError, LevelFatal}
	lvl := levels[int(n)%len(levels)]
	when := time.Unix(0, ts) // 1677 to 2262: always a valid JSON time
	ctx := envFuzzJSON(ctxJSON)
	extra := envFuzzJSON(extraJSON)
	handled := n%2 == 0
	id0, id1 := 0, 1
	ev := &Event{
		EventID:     EventID(fmt.Sprintf("%016x%016x", uint64(ts), uint64(n)+1)),
		Timestamp:   when,
		Platform:    "go",
		Level:       lvl,
		Logger:      key,
		Transaction: value,
		ServerName:  msg,
		Release:     value,
		Dist:        key,
		Environment: key,
		Message:     &protocol.LogEntry{Formatted: msg, Message: value, Params: []any{key, extra["value"]}},
		Exception: []protocol.Exception{
			{Type: key, Value: value, Module: msg, Mechanism: &protocol.Mechanism{Type: "chained", Source: key, ExceptionID: &id1, ParentID: &id0}},
			{Type: value, Value: msg, Module: key,
				Mechanism: &protocol.Mechanism{Type: value, Handled: &handled, ExceptionID: &id0, IsExceptionGroup: n%3 == 0, Data: ctx},
				Stacktrace: &protocol.Stacktrace{Frames: []protocol.Frame{
					{Function: msg, Module: key, Filename: value, AbsPath: "/" + value, Lineno: int(n), InApp: handled, Vars: extra},
					{Function: key},
				}}},
		},
		Breadcrumbs: []Breadcrumb{
			{Timestamp: when, Type: key, Category: value, Message: msg, Level: lvl, Data: ctx},
			{Timestamp: when.Add(-time.Second), Message: value, Level: LevelInfo},
		},
		Tags:        map[string]string{key: value, msg: key},
		Contexts:    map[string]map[string]any{key: ctx, "log": extra},
		Extra:       map[string]any{key: extra, value: msg},
		User:        &User{ID: key, Username: msg, Email: value, IPAddress: value, Name: key, Data: ctx},
		Request:     &Request{Method: key, URL: value, QueryString: msg, Data: extra, Cookies: map[string]string{key: value}, Headers: map[string]string{key: msg}, Env: map[string]string{value: key}},
		Fingerprint: []string{"{{ default }}", msg, key},
		Modules:     map[string]string{key: value},
		SDK:         &protocol.SDK{Name: SDKName, Version: SDKVersion, Packages: []protocol.SDKPackage{{Name: "go:" + sdkPath, Version: SDKVersion}}},
	}
	if n%16 == 1 {
		ev.Stacktrace = &protocol.Stacktrace{Frames: []protocol.Frame{{Function: value, Module: msg, InApp: true}}}
	}
	if n%32 == 2 { // over Sentry's item limit: the transport trims it
		ev.Extra["big"] = strings.Repeat(msg+"x", MaxEventSize/(len(msg)+1)+1)
	}
	return ev
}

// FuzzEnvelopeSerialization serializes arbitrary events the way the HTTP
// transport does (MarshalEvent, a Shrink above Sentry's limit, an
// envelope with a client report, gzip) and checks that the result always
// parses back with protocol.ParseEnvelope, unchanged, and that the event validates
// against ../shared/sentry/event.schema.json (skipped where it is absent).
func FuzzEnvelopeSerialization(f *testing.F) {
	f.Add("boom", "error", "value", []byte(`{"a":1,"b":[true,null,"x"],"c":{"d":1.5}}`), []byte(`"plain"`), int64(1700000000000000000), uint8(3))
	f.Add("", "", "", []byte(``), []byte(`null`), int64(0), uint8(0))
	f.Add("line\nbreak\x00nul", "k\"ey", "\xff\xfe invalid utf-8", []byte(`[1,2,{"":{}}]`), []byte(`{"\u2028":"\ud800"}`), int64(-1), uint8(1))
	f.Add("{{ default }}", "user.id", "ümlaut ✓ 😀", []byte(`{"type":"device","memory_size":-1,"battery_level":"high"}`), []byte(`1e308`), int64(math.MaxInt64), uint8(2))
	f.Add("big", "runtime", "go", []byte(`{"name":"go","version":7}`), []byte(`{"deep":[[[[[[[[[[{}]]]]]]]]]]}`), int64(math.MinInt64), uint8(34))
	f.Add("</script>", "os", "\t\r", []byte(`{"trace_id":"not hex","span_id":5}`), []byte(`"\u0000"`), int64(86400e9), uint8(17))
	f.Fuzz(func(t *testing.T, msg, key, value string, ctxJSON, extraJSON []byte, ts int64, n uint8) {
		ev := envFuzzEvent(msg, key, value, ctxJSON, extraJSON, ts, n)
		payload, err := MarshalEvent(ev)
		if err != nil {
			t.Fatalf("event does not marshal: %v", err)
		}
		if size := len(payload); size > MaxEventSize {
			if payload = testShrink(ev, size); payload == nil {
				t.Fatalf("an event of %d bytes could not be trimmed", size)
			}
			if len(payload) > MaxEventSize {
				t.Fatalf("trimmed event is %d bytes", len(payload))
			}
		}
		report := []discardedItem{{Reason: Reason(n % uint8(NumReasons)).String(), Category: CategoryError.String(), Quantity: int64(n) + 1}}
		now := time.Unix(0, ts)
		env := &envelope{
			Header: envelopeHeader{EventID: ev.EventID, SentAt: now, DSN: "http://public@127.0.0.1:9000/1",
				SDK: &protocol.SDK{Name: SDKName, Version: SDKVersion}},
			Items: append([]envelopeItem{{Header: itemHeader{Type: itemTypeEvent}, Payload: payload}},
				clientReportItems(report, now)...),
		}
		raw := getBuffer()
		if err := env.AppendTo(raw); err != nil {
			t.Fatalf("envelope does not write: %v", err)
		}
		wire := append([]byte(nil), raw.Bytes()...)
		body := gzipBody(raw)
		putBuffer(raw)
		gz, err := io.ReadAll(body)
		body.Close()
		if err != nil {
			t.Fatal(err)
		}

		for _, form := range [][]byte{wire, gz} {
			back, err := protocol.ParseEnvelope(bytes.NewReader(form))
			if err != nil {
				t.Fatalf("serialized envelope does not parse: %v\n%q", err, form)
			}
			if back.Header.EventID != ev.EventID || !back.Header.SentAt.Equal(now) {
				t.Fatalf("header changed: %+v", back.Header)
			}
			events := back.ItemsOf(itemTypeEvent)
			if len(events) != 1 || !bytes.Equal(events[0].Payload, payload) {
				t.Fatalf("event item changed: %d items", len(events))
			}
			reports, err := back.ClientReports()
			if err != nil || len(reports) != 1 || len(reports[0].DiscardedEvents) != 1 || reports[0].DiscardedEvents[0] != report[0] {
				t.Fatalf("client report changed: %+v, %v", reports, err)
			}
			got, err := back.Event()
			if err != nil {
				t.Fatalf("event item does not decode: %v", err)
			}
			if got.EventID != ev.EventID {
				t.Fatalf("event id %q, want %q", got.EventID, ev.EventID)
			}
			again, err := MarshalEvent(got)
			if err != nil {
				t.Fatalf("decoded event does not marshal: %v", err)
			}
			// The same JSON, though not the same bytes: the first encoding
			// wrote invalid UTF-8 as the escape \ufffd, the second the rune.
			if !envFuzzSameJSON(again, payload) {
				t.Fatalf("event changed through the envelope:\n%s\n%s", payload, again)
			}
		}
		schematest.Validate(t, payload)
	})
}
