package scrub_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/scrub"
)

// spellings returns k as written in code, in headers and in config files.
func spellings(k string) []string {
	under := strings.NewReplacer("-", "_", ".", "_").Replace(k)
	dash := strings.NewReplacer("_", "-", ".", "-").Replace(k)
	dot := strings.NewReplacer("_", ".", "-", ".").Replace(k)
	title := []byte(strings.ToLower(dash))
	for i := range title {
		if i == 0 || title[i-1] == '-' {
			title[i] = strings.ToUpper(string(title[i]))[0]
		}
	}
	return []string{k, strings.ToUpper(k), strings.ToLower(under), dash, dot, string(title)}
}

// extraAfter scrubs an event whose extra holds key → "value".
func extraAfter(o scrub.Options, key string) any {
	ev := &protocol.Event{Extra: map[string]any{key: "value"}}
	scrub.New(o).Scrub(ev)
	return ev.Extra[key]
}

func TestDefaultKeys(t *testing.T) {
	require.Len(t, scrub.DefaultKeys, 33)
	require.Len(t, scrub.PIIKeys, 4)
	for _, k := range scrub.DefaultKeys {
		for _, sp := range spellings(k) {
			assert.Equal(t, scrub.Filtered, extraAfter(scrub.Options{}, sp), "key %q (from %q)", sp, k)
			assert.Equal(t, scrub.Filtered, extraAfter(scrub.Options{SendDefaultPII: true}, sp), "key %q (from %q)", sp, k)
		}
	}
}

func TestPIIKeys(t *testing.T) {
	for _, k := range scrub.PIIKeys {
		for _, sp := range spellings(k) {
			assert.Equal(t, scrub.Filtered, extraAfter(scrub.Options{}, sp), "key %q", sp)
		}
	}
	// With PII allowed only the reference list applies: x_forwarded_for is
	// in both lists, the other three only in the PII one.
	assert.Equal(t, scrub.Filtered, extraAfter(scrub.Options{SendDefaultPII: true}, "X-Forwarded-For"))
	for _, k := range []string{"x_real_ip", "ip_address", "REMOTE_ADDR"} {
		assert.Equal(t, "value", extraAfter(scrub.Options{SendDefaultPII: true}, k), "key %q", k)
	}
}

func TestPatternKeys(t *testing.T) {
	for _, k := range []string{
		"db_password", "DB.PASSWORD", "userPassword", "old_passwd", "client_secret",
		"stripe-api-key", "ssh_private_key", "gcp_credentials", "aws_access_key_id",
		"access_token", "refreshToken", "X-Auth-Token", "id_token", "basic_auth", "oauth",
		"Set-Cookie", "session_cookie", "jsessionid", "PHPSESSID",
		"http.request.header.authorization", "user.ip_address", "request.cookies.PHPSESSID",
	} {
		assert.Equal(t, scrub.Filtered, extraAfter(scrub.Options{}, k), "key %q", k)
	}
	for _, k := range []string{
		"author", "authority", "max_tokens", "token_count", "tokens", "user", "email",
		"keyboard", "description", "session_count", "passage", "cookies_enabled", "ip",
		"user.id", "auth.method", "token.type", "x.", ".",
	} {
		assert.Equal(t, "value", extraAfter(scrub.Options{}, k), "key %q", k)
	}
}

func TestKeyOptions(t *testing.T) {
	// Keys replaces the default list (patterns included); PII keys stay.
	o := scrub.Options{Keys: []string{"ssn", "*_pin"}}
	assert.Equal(t, scrub.Filtered, extraAfter(o, "SSN"))
	assert.Equal(t, scrub.Filtered, extraAfter(o, "card_pin"))
	assert.Equal(t, "value", extraAfter(o, "password"))
	assert.Equal(t, scrub.Filtered, extraAfter(o, "ip_address"))

	// The reference semantics alone: exact keys only.
	ref := scrub.Options{Keys: scrub.DefaultKeys}
	assert.Equal(t, "value", extraAfter(ref, "db_password"))
	assert.Equal(t, scrub.Filtered, extraAfter(ref, "Password"))

	// ExtraKeys extends it.
	ext := scrub.Options{ExtraKeys: []string{"ssn", "internal*"}}
	assert.Equal(t, scrub.Filtered, extraAfter(ext, "ssn"))
	assert.Equal(t, scrub.Filtered, extraAfter(ext, "internal_note"))
	assert.Equal(t, scrub.Filtered, extraAfter(ext, "password"))

	// AllowKeys wins over the denylist and the detectors, at any depth.
	allow := scrub.Options{AllowKeys: []string{"csrf_token", "build"}}
	assert.Equal(t, "value", extraAfter(allow, "CSRF-Token"))
	ev := &protocol.Event{Extra: map[string]any{"build": map[string]any{"password": "p", "mail": "a@b.cd"}}}
	scrub.New(allow).Scrub(ev)
	assert.Equal(t, map[string]any{"password": "p", "mail": "a@b.cd"}, ev.Extra["build"])
}

func TestShallow(t *testing.T) {
	nested := func() *protocol.Event {
		return &protocol.Event{Extra: map[string]any{
			"token": "t",
			"db":    map[string]any{"password": "p", "url": "postgres://u:pw@h/db"},
		}}
	}
	ev := nested()
	scrub.New(scrub.Options{Shallow: true}).Scrub(ev)
	assert.Equal(t, scrub.Filtered, ev.Extra["token"])
	assert.Equal(t, map[string]any{"password": "p", "url": "postgres://u:[Filtered]@h/db"}, ev.Extra["db"],
		"shallow: nested keys are not checked, detectors still run")

	ev = nested()
	scrub.New(scrub.Options{}).Scrub(ev)
	assert.Equal(t, map[string]any{"password": scrub.Filtered, "url": "postgres://u:[Filtered]@h/db"}, ev.Extra["db"])
}

func TestDeniedKeyReplacesWholeValue(t *testing.T) {
	ev := &protocol.Event{Extra: map[string]any{
		"credentials": map[string]any{"user": "u", "pass": "p"},
		"tokens":      []any{"a"}, // not a denied key
		"session":     []any{1, 2},
		"auth":        nil,
	}}
	scrub.New(scrub.Options{}).Scrub(ev)
	assert.Equal(t, map[string]any{
		"credentials": scrub.Filtered,
		"tokens":      []any{"a"},
		"session":     scrub.Filtered,
		"auth":        scrub.Filtered,
	}, ev.Extra)
}
