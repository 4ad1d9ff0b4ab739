package transport

import (
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		in                                 string
		scheme, key, host, prefix, project string
		secret                             bool
		url                                string
	}{
		{in: "https://abc@o1.ingest.example/42", scheme: "https", key: "abc", host: "o1.ingest.example", project: "42",
			url: "https://o1.ingest.example/api/42/envelope/"},
		{in: "http://abc@localhost:9000/7", scheme: "http", key: "abc", host: "localhost:9000", project: "7",
			url: "http://localhost:9000/api/7/envelope/"},
		{in: "https://abc:s3cr3t@host/1", scheme: "https", key: "abc", host: "host", project: "1", secret: true,
			url: "https://host/api/1/envelope/"},
		{in: "https://k@host/prefix/42", scheme: "https", key: "k", host: "host", prefix: "/prefix", project: "42",
			url: "https://host/prefix/api/42/envelope/"},
		{in: "https://k@host:8443/a/b/c/proj-x", scheme: "https", key: "k", host: "host:8443", prefix: "/a/b/c", project: "proj-x",
			url: "https://host:8443/a/b/c/api/proj-x/envelope/"},
		{in: "http://k@[::1]:9000/3", scheme: "http", key: "k", host: "[::1]:9000", project: "3",
			url: "http://[::1]:9000/api/3/envelope/"},
		{in: "http://k@[fe80::1]/3", scheme: "http", key: "k", host: "[fe80::1]", project: "3",
			url: "http://[fe80::1]/api/3/envelope/"},
		{in: "  HTTPS://k@host/5/  ", scheme: "https", key: "k", host: "host", project: "5",
			url: "https://host/api/5/envelope/"},
		{in: "https://k@host/5?x=1#frag", scheme: "https", key: "k", host: "host", project: "5",
			url: "https://host/api/5/envelope/"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := ParseDSN(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.scheme, d.Scheme())
			assert.Equal(t, tt.key, d.PublicKey())
			assert.Equal(t, tt.host, d.Host())
			assert.Equal(t, tt.prefix, d.PathPrefix())
			assert.Equal(t, tt.project, d.ProjectID())
			assert.Equal(t, tt.secret, d.HasSecret())
			assert.Equal(t, tt.url, d.EnvelopeURL())
		})
	}
}

func TestParseDSNErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"   ", "empty"},
		{"ftp://k@host/1", "scheme"},
		{"//k@host/1", "no scheme"},
		{"host/1", "no scheme"},
		{"https:k@host/1", "want https://key@host/project"},
		{"https://host/1", "no public key"},
		{"https://:secret@host/1", "no public key"},
		{"https://k@/1", "no host"},
		{"https://k@:9000/1", "no host"},
		{"https://k@host:0/1", "invalid port"},
		{"https://k@host:70000/1", "invalid port"},
		{"https://k@host:abc/1", "invalid port"},
		{"https://k@host:/1", "empty port"},
		{"https://k@host", "no project id"},
		{"https://k@host/", "no project id"},
		{"https://k@host//", "no project id"},
		{"https://k@host//1", "empty segment"},
		{"https://k@host/a//b/1", "empty segment"},
		{"https://k@[::1/1", "missing ']'"},
		{"\x00garbage", "byte 0 (0x00) is not printable ASCII"},
		{"http://0@[::%25\xb1]/0", "byte 15 (0xb1) is not printable ASCII"}, // a fuzz finding: url.Parse took it, its String did not parse back
		{"https://k@exa mple.com/1", "byte 13 (0x20) is not printable ASCII"},
		{"%%%", "invalid URL escape"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := ParseDSN(tt.in)
			require.Error(t, err)
			assert.Nil(t, d)
			assert.True(t, errors.Is(err, ErrInvalidDSN), "%v does not wrap ErrInvalidDSN", err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDSNNeverRevealsSecret(t *testing.T) {
	const secret = "TOPSECRETVALUE"
	d, err := ParseDSN("https://pub:" + secret + "@host:9000/pre/42")
	require.NoError(t, err)
	assert.Equal(t, "https://pub:xxxxx@host:9000/pre/42", d.String())
	assert.Equal(t, "https://pub@host:9000/pre/42", d.Public())
	var sb strings.Builder
	fmt.Fprintf(&sb, "%v %+v %s %#v %q", d, d, d, d, d)
	slog.New(slog.NewJSONHandler(&sb, nil)).Info("x", "dsn", d)
	slog.New(slog.NewTextHandler(&sb, nil)).Info("x", "dsn", d)
	txt, _ := d.MarshalText()
	sb.Write(txt)
	out := sb.String()
	assert.NotContains(t, out, secret)
	assert.Contains(t, out, "pub:xxxxx@host:9000")
	assert.Contains(t, d.EnvelopeURL(), "/pre/api/42/envelope/")
	assert.NotContains(t, d.EnvelopeURL(), secret)

	// Errors quote nothing of the input's secret either.
	_, err = ParseDSN("https://pub:" + secret + "@host:bad/1")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	_, err = ParseDSN("ftp://pub:" + secret + "@host/1")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)

	// Only the auth header carries it.
	assert.Equal(t, "Sentry sentry_version=7, sentry_client=sentry.go.sentrylog/1.2.3, sentry_key=pub, sentry_secret="+secret,
		d.AuthHeader(protocol.SDK{Name: SDKName, Version: "1.2.3"}))
}

func TestDSNAuthHeader(t *testing.T) {
	d, err := ParseDSN("https://pub@host/1")
	require.NoError(t, err)
	assert.Equal(t, "Sentry sentry_version=7, sentry_client="+SDKName+"/"+SDKVersion+", sentry_key=pub",
		d.AuthHeader(protocol.SDK{Name: SDKName, Version: SDKVersion}))
	assert.Equal(t, "Sentry sentry_version=7, sentry_client=sentrylog/unknown, sentry_key=pub", d.AuthHeader(protocol.SDK{}),
		"stand-ins for a missing name and version")
	assert.NotContains(t, d.AuthHeader(protocol.SDK{}), "sentry_timestamp")
}

func TestDSNNil(t *testing.T) {
	var d *DSN
	assert.Empty(t, d.String())
	assert.Empty(t, d.EnvelopeURL())
	assert.Empty(t, d.AuthHeader(protocol.SDK{}))
	assert.Empty(t, d.PublicKey()+d.ProjectID()+d.Host()+d.PathPrefix()+d.Scheme())
	assert.False(t, d.HasSecret())
}

func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{
		"https://abc@o1.ingest.example/42", "http://k:s@[::1]:9000/pre/fix/3", "https://k@host/", "ftp://k@h/1",
		"https://k@host:99999/1", "http://k@[fe80::1%25en0]:80/1", "", "%", "https://k@h/a//1", "https://k@h/%2F/1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDSN(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidDSN) {
				t.Fatalf("error %v does not wrap ErrInvalidDSN", err)
			}
			return
		}
		if d.PublicKey() == "" || d.ProjectID() == "" || d.Host() == "" {
			t.Fatalf("accepted %q without key, project or host: %#v", s, d)
		}
		if d.Scheme() != "http" && d.Scheme() != "https" {
			t.Fatalf("accepted scheme %q", d.Scheme())
		}
		// The secret in the userinfo; the same text elsewhere (a project
		// path of ":s@", with the secret "s") reveals nothing.
		if d.HasSecret() && d.secretKey != "xxxxx" && strings.Contains(d.String(), "//"+d.PublicKey()+":"+d.secretKey+"@") {
			t.Fatalf("String reveals the secret: %s", d)
		}
		// The canonical forms parse back to the same DSN.
		d2, err := ParseDSN(d.Public())
		if err != nil {
			t.Fatalf("public form %q of %q does not parse: %v", d.Public(), s, err)
		}
		if d2.EnvelopeURL() != d.EnvelopeURL() {
			t.Fatalf("envelope URL changed: %q → %q", d.EnvelopeURL(), d2.EnvelopeURL())
		}
	})
}
