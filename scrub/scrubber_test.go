package scrub_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/schematest"
	"github.com/sentrylog/sentrylog/scrub"
)

const (
	F      = scrub.Filtered
	secret = "postgres://app:hunter2@db/app" // the password is a secret anywhere
	masked = "postgres://app:[Filtered]@db/app"
)

// fullEvent returns an event with a secret under a denied key and in a
// value in every section that can carry user data.
func fullEvent() *protocol.Event {
	return &protocol.Event{
		EventID:   "0123456789abcdef0123456789abcdef",
		Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Platform:  "go",
		Level:     protocol.LevelError,
		Message:   &protocol.LogEntry{Message: "dial " + secret, Params: []any{secret, 1}, Formatted: "dial " + secret},
		Tags:      map[string]string{"api_key": "k", "dsn": secret, "env": "prod"},
		Contexts: map[string]map[string]any{
			"log": {"password": "p", "db": map[string]any{"Api-Key": "k", "url": secret}, "n": 7},
			"os":  {"name": "linux"},
		},
		Extra: map[string]any{"token": "t", "url": secret},
		User: &protocol.User{ID: "42", Email: "bob@example.com", IPAddress: "203.0.113.7",
			Data: map[string]any{"session": "s", "url": secret}},
		Request: &protocol.Request{
			Method:      "POST",
			URL:         "https://u:pw@example.com/login",
			QueryString: "next=/&token=abc",
			Headers:     map[string]string{"Authorization": "Bearer abcdef0123456789", "X-Api-Key": "k", "Accept": "*/*", "Referer": secret},
			Cookies:     map[string]string{"sessionid": "s", "theme": "dark"},
			Env:         map[string]string{"REMOTE_ADDR": "203.0.113.7", "SERVER_NAME": "web"},
			Data:        map[string]any{"password": "p", "url": secret},
		},
		Breadcrumbs: []protocol.Breadcrumb{{Category: "db", Message: "dial " + secret, Data: map[string]any{"secret": "s", "url": secret}}},
		Exception: []protocol.Exception{{
			Type: "*net.OpError", Value: "dial " + secret,
			Mechanism:  &protocol.Mechanism{Type: "generic", Data: map[string]any{"token": "t", "url": secret}},
			Stacktrace: &protocol.Stacktrace{Frames: []protocol.Frame{{Function: "main", Vars: map[string]any{"passwd": "p", "url": secret}}}},
		}},
		Stacktrace: &protocol.Stacktrace{Frames: []protocol.Frame{{Function: "f", Vars: map[string]any{"private_key": "k", "url": secret}}}},
		SDK:        &protocol.SDK{Name: "sentry.go.sentrylog", Version: "0.1.0"},
	}
}

func TestEverySection(t *testing.T) {
	ev := fullEvent()
	scrub.New(scrub.Options{}).Scrub(ev)

	assert.Equal(t, &protocol.LogEntry{Message: "dial " + masked, Params: []any{masked, 1}, Formatted: "dial " + masked}, ev.Message)
	assert.Equal(t, map[string]string{"api_key": F, "dsn": masked, "env": "prod"}, ev.Tags)
	assert.Equal(t, map[string]map[string]any{
		"log": {"password": F, "db": map[string]any{"Api-Key": F, "url": masked}, "n": 7},
		"os":  {"name": "linux"},
	}, ev.Contexts)
	assert.Equal(t, map[string]any{"token": F, "url": masked}, ev.Extra)
	assert.Equal(t, &protocol.User{ID: "42", Email: "bob@example.com",
		Data: map[string]any{"session": F, "url": masked}}, ev.User, "ip_address removed, explicit e-mail kept")
	assert.Equal(t, &protocol.Request{
		Method:      "POST",
		URL:         "https://u:[Filtered]@example.com/login",
		QueryString: "next=/&token=[Filtered]",
		Headers:     map[string]string{"Authorization": F, "X-Api-Key": F, "Accept": "*/*", "Referer": masked},
		Cookies:     map[string]string{"sessionid": F, "theme": F},
		Env:         map[string]string{"REMOTE_ADDR": F, "SERVER_NAME": "web"},
		Data:        map[string]any{"password": F, "url": masked},
	}, ev.Request)
	assert.Equal(t, []protocol.Breadcrumb{{Category: "db", Message: "dial " + masked, Data: map[string]any{"secret": F, "url": masked}}}, ev.Breadcrumbs)
	require.Len(t, ev.Exception, 1)
	ex := ev.Exception[0]
	assert.Equal(t, "*net.OpError", ex.Type)
	assert.Equal(t, "dial "+masked, ex.Value)
	assert.Equal(t, map[string]any{"token": F, "url": masked}, ex.Mechanism.Data)
	assert.Equal(t, map[string]any{"passwd": F, "url": masked}, ex.Stacktrace.Frames[0].Vars)
	assert.Equal(t, map[string]any{"private_key": F, "url": masked}, ev.Stacktrace.Frames[0].Vars)

	// Never touched.
	want := fullEvent()
	assert.Equal(t, want.EventID, ev.EventID)
	assert.Equal(t, want.Timestamp, ev.Timestamp)
	assert.Equal(t, want.Platform, ev.Platform)
	assert.Equal(t, want.Level, ev.Level)
	assert.Equal(t, want.SDK, ev.SDK)

	b, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "hunter2")
	assert.NotContains(t, string(b), "203.0.113.7")
	schematest.Validate(t, b) // last: it skips where the schema is absent
}

func TestPIIAllowedKeepsPersonalData(t *testing.T) {
	ev := fullEvent()
	scrub.New(scrub.Options{SendDefaultPII: true}).Scrub(ev)
	assert.Equal(t, "203.0.113.7", ev.User.IPAddress)
	assert.Equal(t, map[string]string{"sessionid": F, "theme": "dark"}, ev.Request.Cookies)
	assert.Equal(t, "203.0.113.7", ev.Request.Env["REMOTE_ADDR"])
	assert.Equal(t, map[string]any{"token": F, "url": masked}, ev.Extra, "secrets go whatever the PII setting")
}

// TestSharedValuesUntouched: the scrubber copies what it changes, so maps,
// slices and structs shared with scopes or callers keep their values.
func TestSharedValuesUntouched(t *testing.T) {
	orig := fullEvent()
	ev := *orig
	ev.Exception = orig.Exception
	scrub.New(scrub.Options{}).Scrub(&ev)
	assert.Equal(t, fullEvent(), orig, "nothing the scrubbed event points to was written")
	assert.NotEqual(t, fullEvent().Extra, ev.Extra)
}

func TestNothingToScrubKeepsValues(t *testing.T) {
	extra := map[string]any{"a": "b", "n": []any{1.5, "c"}}
	ev := &protocol.Event{Extra: extra, Tags: map[string]string{"x": "y"}}
	scrub.New(scrub.Options{}).Scrub(ev)
	extra["probe"] = true
	assert.Equal(t, true, ev.Extra["probe"], "an unchanged map is not copied")
	scrub.New(scrub.Options{}).Scrub(nil) // no panic
	scrub.New(scrub.Options{}).Scrub(&protocol.Event{})
}

type config struct {
	Host     string `json:"host"`
	Password string `json:"password"`
	Timeout  time.Duration
}

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { panic("no") }

func TestValueTypes(t *testing.T) {
	cyclic := map[string]any{"a": "b"}
	cyclic["self"] = cyclic
	ev := &protocol.Event{Extra: map[string]any{
		"nested":  map[string]map[string]any{"db": {"password": "p", "host": "h"}},
		"strs":    []string{"ok", secret},
		"smap":    map[string]string{"token": "t", "x": "y"},
		"struct":  config{Host: "h", Password: "p", Timeout: time.Second},
		"ptr":     &config{Host: "h"},
		"ints":    []int{1, 2},
		"card":    int64(4111111111111111),
		"cardf":   4111111111111111.0,
		"cardnum": json.Number("4111111111111111"),
		"notcard": uint64(4111111111111112),
		"neg":     int64(-1 << 63),
		"chan":    make(chan int),
		"bad":     badJSON{},
		"cyclic":  cyclic,
		"bytes":   []byte("Bearer abcdef0123456789"),
	}}
	scrub.New(scrub.Options{}).Scrub(ev)
	x := ev.Extra
	assert.Equal(t, map[string]any{"db": map[string]any{"password": F, "host": "h"}}, x["nested"])
	assert.Equal(t, []string{"ok", masked}, x["strs"])
	assert.Equal(t, map[string]string{"token": F, "x": "y"}, x["smap"])
	assert.Equal(t, map[string]any{"host": "h", "password": F, "Timeout": json.Number("1000000000")}, x["struct"])
	assert.Equal(t, map[string]any{"host": "h", "password": F, "Timeout": json.Number("0")}, x["ptr"])
	assert.Equal(t, []int{1, 2}, x["ints"], "unchanged values keep their type")
	assert.Equal(t, F, x["card"])
	assert.Equal(t, F, x["cardf"])
	assert.Equal(t, F, x["cardnum"])
	assert.Equal(t, uint64(4111111111111112), x["notcard"])
	assert.Equal(t, int64(-1<<63), x["neg"])
	assert.Contains(t, x["chan"], "!ERROR")
	assert.Contains(t, x["bad"], "!ERROR")
	assert.Equal(t, "Bearer [Filtered]", x["bytes"], "UTF-8 bytes are scanned as text")
	_, err := json.Marshal(ev.Extra["cyclic"])
	assert.NoError(t, err, "a cyclic map is cut at the depth limit")
}

func TestRequestBody(t *testing.T) {
	body := func(o scrub.Options, d any) any {
		ev := &protocol.Event{Request: &protocol.Request{Method: "POST", Data: d}}
		scrub.New(o).Scrub(ev)
		return ev.Request.Data
	}
	small := strings.Repeat("a", 1000)
	medium := strings.Repeat("a", 10000)
	assert.Equal(t, medium, body(scrub.Options{}, medium), "default keeps 10,000 bytes")
	assert.Nil(t, body(scrub.Options{}, medium+"a"))
	assert.Equal(t, small, body(scrub.Options{MaxRequestBodySize: 1000}, small))
	assert.Nil(t, body(scrub.Options{MaxRequestBodySize: 1000}, small+"a"))
	assert.Equal(t, medium+"a", body(scrub.Options{MaxRequestBodySize: -1}, medium+"a"))
	assert.Nil(t, body(scrub.Options{DropRequestBody: true}, "a"))
	assert.Nil(t, body(scrub.Options{MaxRequestBodySize: 10}, map[string]any{"k": strings.Repeat("v", 20)}))
	assert.Equal(t, map[string]any{"k": "v"}, body(scrub.Options{MaxRequestBodySize: 10}, map[string]any{"k": "v"}))
	assert.Nil(t, body(scrub.Options{MaxRequestBodySize: 10}, config{Host: strings.Repeat("h", 20)}), "a struct is measured in its JSON form")
	assert.Equal(t, map[string]any{"host": "h", "password": F, "Timeout": json.Number("0")}, body(scrub.Options{}, &config{Host: "h", Password: "p"}))

	assert.Equal(t, map[string]any{"user": "bob", "password": F, "n": json.Number("1")},
		body(scrub.Options{}, ` {"user":"bob","password":"x","n":1}`), "a JSON text body is parsed so its keys are checked")
	assert.Equal(t, `{"password":"x"`, body(scrub.Options{DisableDetectors: []string{scrub.DetectKeyValue}}, `{"password":"x"`), "invalid JSON stays text")
	assert.Equal(t, "user=bob&password=[Filtered]", body(scrub.Options{}, "user=bob&password=x"))
	assert.Equal(t, "user=bob&password=[Filtered]", body(scrub.Options{}, []byte("user=bob&password=x")))
}
