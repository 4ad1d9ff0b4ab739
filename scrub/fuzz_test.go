package scrub_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/scrub"
)

// fuzzEvent puts v (and text, its raw form) into every section of an event.
func fuzzEvent(v any, text string) *protocol.Event {
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{"v": v}
	}
	strs := map[string]string{"k": text, text: text}
	return &protocol.Event{
		EventID:   "0123456789abcdef0123456789abcdef",
		Timestamp: time.Unix(1700000000, 0),
		Platform:  "go",
		Level:     protocol.LevelError,
		Message:   &protocol.LogEntry{Message: text, Params: []any{v, text}, Formatted: text},
		Tags:      strs,
		Contexts:  map[string]map[string]any{"log": {"v": v, text: v}, "raw": m},
		Extra:     map[string]any{"v": v, "password": v, "list": []any{v, m}},
		User:      &protocol.User{ID: text, Email: text, IPAddress: text, Data: m},
		Request: &protocol.Request{URL: text, QueryString: text, Data: v,
			Headers: strs, Cookies: strs, Env: strs},
		Breadcrumbs: []protocol.Breadcrumb{{Message: text, Data: m}, {Message: text, Data: map[string]any{"v": v}}},
		Exception: []protocol.Exception{{Type: "T", Value: text,
			Mechanism:  &protocol.Mechanism{Type: "generic", Data: m},
			Stacktrace: &protocol.Stacktrace{Frames: []protocol.Frame{{Function: "f", Vars: m}}}}},
		Stacktrace: &protocol.Stacktrace{Frames: []protocol.Frame{{Function: "g", Vars: map[string]any{"v": v}}}},
		SDK:        &protocol.SDK{Name: "sentry.go.sentrylog", Version: "0.1.0"},
	}
}

func FuzzScrub(f *testing.F) {
	for _, seed := range []string{
		`{"password":"x","nested":{"Api-Key":"k","list":[1,"a@b.cd",{"token":"t"}]}}`,
		`["4111 1111 1111 1111", "Bearer abcdef0123456789", "Basic dXNlcjpwYXNz"]`,
		`"postgres://u:p@h/db?password=x&sslmode=off"`,
		`"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig AKIAIOSFODNN7EXAMPLE"`,
		`"-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END"`,
		`{"ip":"203.0.113.7","v6":"2001:db8::1","v":"v1.2.3.4"}`,
		`4111111111111111`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`null`, `{}`, `""`,
		"not json: key=\"unterminated \\",
		"\xff\xfe password=\xc3",
		`"token":`, `a=`, `://@`, `-----BEGIN `, `bearer `, `x@`, `::`, `1.2.3.`,
		// Percent- and form-encoded text, decoded up to three times.
		`email=bob%40example.com&card=4111+1111+1111+1111`, `Authorization=Bearer+9d8c7b6a5f4e3d2c1b0aXy`,
		`u=https%253A%252F%252Fu%253Apw%2540h%252Fx`, `%`, `%4`, `%zz%41%`, `a+b=c+`, "%c3%28ÿ+%e2%82",
		`password%3D%3D%3D`, `user:p%40ss@tcp(db:3306)/x`, `password = "x"`, `{'password': 'x'}`,
	} {
		f.Add([]byte(seed))
	}
	scrubbers := []*scrub.Scrubber{
		scrub.New(scrub.Options{}),
		scrub.New(scrub.Options{SendDefaultPII: true, Shallow: true, MaxRequestBodySize: 10}),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			v = string(data)
		}
		for _, s := range scrubbers {
			ev := fuzzEvent(v, string(data))
			s.Scrub(ev)
			b, err := json.Marshal(ev)
			if err != nil {
				t.Fatalf("marshal after scrub: %v", err)
			}
			if !json.Valid(b) {
				t.Fatalf("invalid JSON: %s", b)
			}
			if ev.Extra["password"] != scrub.Filtered {
				t.Fatalf("a denied key kept its value: %#v", ev.Extra["password"])
			}
			want := fuzzEvent(nil, "")
			if ev.EventID != want.EventID || !ev.Timestamp.Equal(want.Timestamp) || ev.Platform != want.Platform || ev.SDK.Name != want.SDK.Name || ev.SDK.Version != want.SDK.Version {
				t.Fatalf("scrubbing touched the event's identity")
			}
		}
	})
}
