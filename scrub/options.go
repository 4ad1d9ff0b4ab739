package scrub

import "regexp"

// Filtered replaces every value, and every secret inside a string, that the
// scrubber removes.
const Filtered = "[Filtered]"

// DefaultKeys is the reference denylist: the 33 keys of the Python SDK's
// EventScrubber (sentry-sdk 2.x), matched after normalisation (see
// Options.Keys). Do not modify it; copy it.
var DefaultKeys = []string{
	"password", "passwd", "secret", "api_key", "apikey", "auth", "credentials",
	"mysql_pwd", "privatekey", "private_key", "token", "session", "csrftoken",
	"sessionid", "x_csrftoken", "x_forwarded_for", "set_cookie", "cookie",
	"authorization", "proxy-authorization", "x_api_key", "aiohttp_session",
	"connect.sid", "csrf_token", "csrf", "_csrf", "_csrf_token", "PHPSESSID",
	"_session", "symfony", "user_session", "_xsrf", "XSRF-TOKEN",
}

// PIIKeys is the reference PII denylist, added to the denylist unless
// Options.SendDefaultPII is set. Do not modify it; copy it.
var PIIKeys = []string{"x_forwarded_for", "x_real_ip", "ip_address", "remote_addr"}

// PatternKeys goes further than the reference: log attributes carry secrets
// under names such as db_password, stripe_api_key, refresh_token or
// client_secret, which an exact list misses; session cookies are named
// after their application (_shop_session, laravel_session); connection
// strings use PWD and AccountKey, and signed URLs sig and X-Amz-Signature. A leading '*' matches any
// prefix and a trailing '*' any suffix, after normalisation: "*token"
// matches access_token and X-Auth-Token but not max_tokens or token_count.
// Do not modify it; copy it.
var PatternKeys = []string{
	"*password*", "*passwd*", "*secret*", "*apikey*", "*privatekey*",
	"*credential*", "*accesskey*", "*token", "*auth", "*cookie", "*sessionid",
	"*session", "*passphrase*", "pwd", "*signature", "sig", "accountkey",
}

// The names of the built-in detectors, for Options.DisableDetectors.
const (
	// DetectCard finds payment card numbers: the prefix and a length of a
	// major network's cards and a valid Luhn sum, and also digits grouped
	// by single spaces, dashes or pluses, or a word naming a card just
	// before, or a key naming a card (card, card_number, pan, cc_num, …)
	// over the value; whole numbers under such a key are replaced too. A
	// plain run of digits without that evidence is taken for an id.
	DetectCard = "card"
	// DetectAuthorization finds the credentials of "Bearer <token>" and
	// "Basic <base64 user:pass>"; the scheme word is kept.
	DetectAuthorization = "authorization"
	// DetectJWT finds JSON Web Tokens (eyJ….….…).
	DetectJWT = "jwt"
	// DetectPEM finds PEM private key blocks (… PRIVATE KEY and PGP PRIVATE
	// KEY BLOCK), from BEGIN to END (or to the end of the text when END is
	// missing). Certificates are public and stay.
	DetectPEM = "pem"
	// DetectAWS finds AWS access key ids (AKIA… and ASIA…, 20 characters).
	DetectAWS = "aws"
	// DetectTokens finds API tokens of well-known formats by their prefix
	// and length: GitHub (ghp_, github_pat_, …), GitLab (glpat-), Slack
	// (xoxb-, xapp-, …), Stripe secret, restricted and webhook keys
	// (sk_live_, rk_test_, whsec_, …), SendGrid (SG.), Google API keys
	// (AIza) and OAuth client secrets (GOCSPX-), Shopify, DigitalOcean,
	// Vault, PyPI, npm and Sentry tokens, sk- secret keys, and the secret
	// path of Slack and Discord webhook URLs.
	DetectTokens = "tokens"
	// DetectURLPassword finds the password of scheme://user:password@host
	// and of Go database DSNs (user:password@tcp(host:3306)/db).
	DetectURLPassword = "urlpassword"
	// DetectKeyValue finds the values of denied keys written in text:
	// password=hunter2, "token": "abc", a query string's or a connection
	// string's parameters, header lines (X-Api-Key: …, Cookie: …), Go's
	// %v and %+v dumps (Authorization:[…], {Password:…}) and "password:
	// <something that looks like a secret>". Placeholders (?, $1, :name,
	// %s, ***) stay.
	DetectKeyValue = "keyvalue"
	// DetectEmail finds e-mail addresses; it runs only when
	// Options.SendDefaultPII is false.
	DetectEmail = "email"
	// DetectIP finds public IPv4 and IPv6 addresses; it runs only when
	// Options.SendDefaultPII is false. Private, shared, loopback,
	// link-local, multicast and unspecified addresses, a public address
	// with a port below 32768 (a server's) and a network (a.b.c.d/n) stay.
	// A dotted quad glued to a letter or to more dots (v1.2.3.4,
	// 1.2.3.4.5), after the word version, ver, release, build, rev or
	// revision, after a user agent's product (Chrome/120.0.0.0) or with a
	// pre-release suffix (1.2.3.4-rc1) is taken for a version.
	DetectIP = "ip"
)

// Options configure a Scrubber. The zero value is the default scrubber: the
// reference denylist, the pattern keys and the PII keys, every detector,
// recursive, request bodies up to 10,000 bytes.
type Options struct {
	// SendDefaultPII keeps personal data: without it the PII keys are
	// denied, user.ip_address is removed, cookie values are filtered and
	// e-mail and IP addresses in text are replaced. Default false. Given
	// to a core client, the scrubber also keeps personal data when the
	// client's SendDefaultPII is set.
	SendDefaultPII bool

	// MaxRequestBodySize is the largest request body kept, in bytes (its
	// length for text, its JSON size for structured data): a larger body
	// is removed. Zero means 10,000 (the reference's "medium"); a negative
	// value keeps every body. Default 10,000. Given to a core client, zero
	// (with DropRequestBody false) means the client's MaxRequestBodySize,
	// and a limit set here applies when it is the stricter.
	MaxRequestBodySize int
	// DropRequestBody removes every request body (the reference's "never").
	DropRequestBody bool

	// Keys replaces the denylist (DefaultKeys and PatternKeys) when not
	// nil. A key matches an entry when both are equal after normalisation:
	// ASCII letters lowered and the separators '-', '_' and '.' removed, so
	// X-Api-Key, x_api_key, x.api.key and XAPIKEY are one key; a dotted
	// key (user.ip_address) also matches when its last segment does. An
	// entry with a leading and/or trailing '*' matches keys ending with,
	// starting with or containing the rest.
	Keys []string
	// ExtraKeys are added to the denylist (the default one or Keys).
	ExtraKeys []string
	// AllowKeys are never touched: neither the denylist nor the detectors
	// apply to their values, however deep. Matched like Keys.
	AllowKeys []string
	// Shallow checks key names only at the top level of each section (a
	// tag, an extra, a context's field, a header, a breadcrumb's data
	// entry), like the reference's recursive=False. Detectors still scan
	// every string. Default false: keys are checked at every depth, since
	// log attributes nest in groups.
	Shallow bool

	// Detectors are run after the built-in ones on every string (use
	// Detector.Hint to keep them cheap).
	Detectors []Detector
	// DisableDetectors names detectors to switch off: built-in ones
	// (DetectCard, DetectEmail, …) and Detectors by their Name. Unknown
	// names are ignored.
	DisableDetectors []string
}

// Span is the byte range [Start, End) of a secret inside a string.
type Span struct{ Start, End int }

// Detector finds secrets in text without a key hint.
type Detector struct {
	// Name identifies the detector in Options.DisableDetectors.
	Name string
	// Hint, when not empty, is a substring of every secret the detector
	// finds: Find runs only on strings that contain it.
	Hint string
	// Find returns the spans of s to replace with Filtered, in any order,
	// possibly overlapping; nil when there is none. It is called from
	// several goroutines at once, must not keep s and should not allocate
	// when it finds nothing. A panic in Find filters the whole string.
	// Find must give the same spans for the same s every time: a text
	// scrubbed once may be sent again without being scrubbed again.
	Find func(s string) []Span
}

// RegexpDetector returns a detector that replaces every match of re. hint is
// as Detector.Hint; pass "" when matches share no fixed substring.
func RegexpDetector(name, hint string, re *regexp.Regexp) Detector {
	return Detector{Name: name, Hint: hint, Find: func(s string) []Span {
		idx := re.FindAllStringIndex(s, -1)
		if len(idx) == 0 {
			return nil
		}
		out := make([]Span, 0, len(idx))
		for _, m := range idx {
			if m[1] > m[0] {
				out = append(out, Span{m[0], m[1]})
			}
		}
		return out
	}}
}
