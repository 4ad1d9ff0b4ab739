package transport

import (
	"errors"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// DSN is a parsed Sentry DSN (Sentry's developer docs, "DSN"):
//
//	{scheme}://{public_key}[:{secret}]@{host}[:{port}]{path_prefix}/{project_id}
//
// A *DSN is immutable and safe for concurrent use. Its String, GoString and
// LogValue methods never reveal the secret key, so a DSN can be printed or
// logged; only AuthHeader carries the secret, as the protocol asks.
type DSN struct {
	scheme    string
	publicKey string
	secretKey string
	host      string // host[:port], IPv6 literals in brackets
	prefix    string // path before the project id, no trailing slash ("" or "/a/b")
	projectID string

	envelopeURL string // computed once
}

// ParseDSN parses s as a Sentry DSN. Surrounding spaces are ignored; the
// rest must be printable ASCII, as a URL is (an internationalised host
// name is written in its xn-- form). The error, when there is one, wraps ErrInvalidDSN and never contains the
// secret key. An empty s is an error too: callers treat an empty DSN as
// "disabled" before calling ParseDSN.
func ParseDSN(s string) (*DSN, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, dsnError("empty")
	}
	// A URL is printable ASCII (anything else is percent-encoded); url.Parse
	// lets some other bytes through (in an IPv6 zone, say), which its own
	// String then writes in a form it refuses.
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return nil, dsnError("byte %d (0x%02x) is not printable ASCII", i, s[i])
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		// url's error quotes the whole input, secret included: keep only
		// the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, dsnError("%v", err)
	}
	switch u.Scheme {
	case "http", "https":
	case "":
		return nil, dsnError("no scheme (want http or https)")
	default:
		return nil, dsnError("scheme %q is not http or https", u.Scheme)
	}
	if u.Opaque != "" {
		return nil, dsnError("want %s://key@host/project", u.Scheme)
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, dsnError("no public key")
	}
	if u.Hostname() == "" {
		return nil, dsnError("no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, dsnError("invalid port %q", p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, dsnError("empty port")
	}
	path := strings.TrimSuffix(u.Path, "/")
	i := strings.LastIndexByte(path, '/')
	if i < 0 || path[i+1:] == "" {
		return nil, dsnError("no project id")
	}
	d := &DSN{
		scheme:    u.Scheme,
		publicKey: u.User.Username(),
		host:      u.Host,
		prefix:    path[:i],
		projectID: path[i+1:],
	}
	if strings.Contains(d.prefix+"/", "//") {
		return nil, dsnError("empty segment in path %q", u.Path)
	}
	d.secretKey, _ = u.User.Password()
	d.envelopeURL = (&url.URL{
		Scheme: d.scheme,
		Host:   d.host,
		Path:   d.prefix + "/api/" + d.projectID + "/envelope/",
	}).String()
	return d, nil
}

// ErrInvalidDSN is wrapped by the error ParseDSN returns.
var ErrInvalidDSN = errors.New("sentrylog: invalid DSN")

func dsnError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidDSN, fmt.Sprintf(format, args...))
}

// EnvelopeURL returns the URL envelopes are posted to:
// {scheme}://{host}[:{port}]{path_prefix}/api/{project_id}/envelope/.
func (d *DSN) EnvelopeURL() string {
	if d == nil {
		return ""
	}
	return d.envelopeURL
}

// AuthHeader returns the value of the X-Sentry-Auth request header for an
// SDK: sentry_version 7, sentry_client, sentry_key and, when the DSN has
// one, the deprecated sentry_secret. It is the only output of a DSN that
// contains the secret: send it, never log it.
func (d *DSN) AuthHeader(sdk protocol.SDK) string {
	if d == nil {
		return ""
	}
	name, version := sdkIdent(sdk)
	var b strings.Builder
	b.Grow(80 + len(name) + len(version) + len(d.publicKey) + len(d.secretKey))
	b.WriteString("Sentry sentry_version=7, sentry_client=")
	b.WriteString(name)
	b.WriteByte('/')
	b.WriteString(version)
	b.WriteString(", sentry_key=")
	b.WriteString(d.publicKey)
	if d.secretKey != "" {
		b.WriteString(", sentry_secret=")
		b.WriteString(d.secretKey)
	}
	return b.String()
}

// sdkIdent returns the SDK's name and version; the client always gives
// both, "sentrylog" and "unknown" stand in for ones missing.
func sdkIdent(sdk protocol.SDK) (name, version string) {
	name, version = sdk.Name, sdk.Version
	if name == "" {
		name = "sentrylog"
	}
	if version == "" {
		version = "unknown"
	}
	return name, version
}

// Scheme returns "http" or "https".
func (d *DSN) Scheme() string {
	if d == nil {
		return ""
	}
	return d.scheme
}

// PublicKey returns the public key (the DSN's user name).
func (d *DSN) PublicKey() string {
	if d == nil {
		return ""
	}
	return d.publicKey
}

// HasSecret reports whether the DSN carries the deprecated secret key.
func (d *DSN) HasSecret() bool { return d != nil && d.secretKey != "" }

// Host returns the host and, when given, the port, as in "o1.example:9000"
// or "[::1]:9000".
func (d *DSN) Host() string {
	if d == nil {
		return ""
	}
	return d.host
}

// PathPrefix returns the path before the project id without a trailing
// slash: "" for most DSNs, "/sentry" for https://key@host/sentry/42.
func (d *DSN) PathPrefix() string {
	if d == nil {
		return ""
	}
	return d.prefix
}

// ProjectID returns the project id, kept as the string it was.
func (d *DSN) ProjectID() string {
	if d == nil {
		return ""
	}
	return d.projectID
}

// String returns the DSN with the secret key, if any, replaced by "xxxxx".
func (d *DSN) String() string {
	if d == nil {
		return ""
	}
	return d.format(d.secretKey != "")
}

// Public returns the DSN without its secret, for the envelope header.
func (d *DSN) Public() string {
	if d == nil {
		return ""
	}
	return d.format(false)
}

func (d *DSN) format(redactedSecret bool) string {
	u := url.URL{Scheme: d.scheme, Host: d.host, Path: d.prefix + "/" + d.projectID}
	if redactedSecret {
		u.User = url.UserPassword(d.publicKey, "xxxxx")
	} else {
		u.User = url.User(d.publicKey)
	}
	return u.String()
}

// GoString keeps %#v from printing the secret.
func (d *DSN) GoString() string { return "transport.DSN(" + strconv.Quote(d.String()) + ")" }

// LogValue keeps slog from printing the secret.
func (d *DSN) LogValue() slog.Value { return slog.StringValue(d.String()) }

// MarshalText writes the redacted form, so encoders never see the secret.
func (d *DSN) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
