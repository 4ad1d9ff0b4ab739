package scrub_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/scrub"
)

// scrubText runs s through a scrubber built from o as an event's message.
func scrubText(o scrub.Options, s string) string {
	ev := &protocol.Event{Message: &protocol.LogEntry{Formatted: s}}
	scrub.New(o).Scrub(ev)
	return ev.Message.Formatted
}

func TestDetectors(t *testing.T) {
	const F = scrub.Filtered
	tests := []struct {
		name, in, want string
	}{
		// Cards: Luhn-checked, 13 to 19 digits, first digit 2 to 6.
		{"card plain after a card word", "card 4111111111111111", "card " + F},
		{"plain number without card context", "4111111111111111", "4111111111111111"},
		{"order id passing Luhn and IIN", "order 4000000000000002 shipped", "order 4000000000000002 shipped"},
		{"card key=value", "cc_number=4111111111111111&x=1", "cc_number=" + F + "&x=1"},
		{"grouped but unknown issuer", "ref 9111 1111 1111 1115", "ref 9111 1111 1111 1115"},
		{"card plus-encoded", "card=4111+1111+1111+1111", "card=" + F},
		{"card percent-encoded", "pan%3D4111%201111%201111%201111", "pan%3D" + F},
		{"card in sentence", "charged card 4111111111111111 for $12", "charged card " + F + " for $12"},
		{"card spaced", "pan 4111 1111 1111 1111 ok", "pan " + F + " ok"},
		{"card dashed", "pan 5500-0000-0000-0004.", "pan " + F + "."},
		{"card amex groups", "amex 3782 822463 10005", "amex " + F},
		{"card two in a row", "4111 1111 1111 1111 4242-4242-4242-4242", F + " " + F},
		{"card after key", "card=4242424242424242&x=1", "card=" + F + "&x=1"},
		{"order number fails Luhn", "order 4111111111111112 shipped", "order 4111111111111112 shipped"},
		{"ms timestamp", "at 1732540000000 ms", "at 1732540000000 ms"},
		{"ns timestamp", "t=1732540000123456789", "t=1732540000123456789"},
		{"card glued to letters", "id x4111111111111111y", "id x4111111111111111y"},
		{"too short", "4111 1111 1111", "4111 1111 1111"},
		{"too long", "41111111111111111111111", "41111111111111111111111"},
		{"uuid", "req 123e4567-e89b-12d3-a456-426614174000", "req 123e4567-e89b-12d3-a456-426614174000"},
		{"phone-like groups", "call 555-0100 or 555-0199", "call 555-0100 or 555-0199"},

		// Authorization values: the scheme stays.
		{"bearer", "Authorization: Bearer abcDEF123456ghiJKL", "Authorization: Bearer " + F},
		{"bearer lower", "auth header bearer 0123456789abcdef=", "auth header bearer " + F},
		{"bearer jwt", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "Bearer " + F},
		{"bearer prose", "the bearer of bad news", "the bearer of bad news"},
		{"bearer short word", "Bearer authentication failed", "Bearer authentication failed"},
		{"basic", "Basic dXNlcjpwYXNzd29yZA== sent", "Basic " + F + " sent"},
		{"basic prose", "Basic authentication required", "Basic authentication required"},
		{"basic no colon", "Basic aGVsbG8gd29ybGQ=", "Basic aGVsbG8gd29ybGQ="},

		// JWTs.
		{"jwt", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end", "token " + F + " end"},
		{"jwt unsigned", "t: eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0.", "t: " + F},
		{"eyJ prefix only", "eyJust kidding", "eyJust kidding"},

		// PEM private keys; certificates stay.
		{"pem", "key: -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- done", "key: " + F + " done"},
		{"pem pkcs8 truncated", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg", F},
		{"pem certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"},

		// AWS access key ids.
		{"aws akia", "key AKIAIOSFODNN7EXAMPLE used", "key " + F + " used"},
		{"aws asia", "ASIAY34FZKBOKMUTVV7A", F},
		{"aws too short", "AKIAIOSFODNN7", "AKIAIOSFODNN7"},
		{"aws glued", "XAKIAIOSFODNN7EXAMPLE", "XAKIAIOSFODNN7EXAMPLE"},

		// Well-known API tokens.
		{"github", "push with ghp_" + strings.Repeat("a1B2", 9) + " failed", "push with " + F + " failed"},
		{"github fine-grained", "github_pat_" + strings.Repeat("A1b_", 20), F},
		{"slack", "SLACK_TOKEN=xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp", "SLACK_TOKEN=" + F},
		{"stripe", "key sk_live_" + strings.Repeat("4eC39HqLyjWDarjtT1zdp7dc", 1), "key " + F},
		{"stripe publishable", "pk_live_4eC39HqLyjWDarjtT1zdp7dc", "pk_live_4eC39HqLyjWDarjtT1zdp7dc"},
		{"google", "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", F},
		{"sk- key", "using sk-proj-" + strings.Repeat("x9", 20), "using " + F},
		{"sk- word", "task-sk-list and sk-learn", "task-sk-list and sk-learn"},
		{"short prefix match", "ghp_short and npm_install", "ghp_short and npm_install"},

		// Passwords in URLs.
		{"url password", "dial postgres://app:s3cr3t@db.internal:5432/app failed", "dial postgres://app:" + F + "@db.internal:5432/app failed"},
		{"url no user", "redis://:hunter2@cache:6379", "redis://:" + F + "@cache:6379"},
		{"url user only", "https://public@sentry.example/1", "https://public@sentry.example/1"},
		{"url plain", "GET https://example.com/a:b/c", "GET https://example.com/a:b/c"},

		// Denied keys written in text.
		{"kv logfmt", "login user=bob password=hunter2 ok", "login user=bob password=" + F + " ok"},
		{"kv query", "a=1&access_token=xyz&b=2", "a=1&access_token=" + F + "&b=2"},
		{"kv conn string", "Server=db;User Id=sa;Password=Pa55;", "Server=db;User Id=sa;Password=" + F + ";"},
		{"kv quoted", `secret="two words" rest`, `secret="` + F + `" rest`},
		{"kv json", `{"user":"bob","password": "hunter2","n":1}`, `{"user":"bob","password": "` + F + `","n":1}`},
		{"kv json bare", `{"api_key":12345,"x":2}`, `{"api_key":` + F + `,"x":2}`},
		{"kv escaped json", `body={\"token\":\"abc\",\"n\":1}`, `body={\"token\":\"` + F + `\",\"n\":1}`},
		{"kv not denied", "status=200 user=bob", "status=200 user=bob"},
		{"kv comparison", "if token == nil", "if token == nil"},
		{"go error prefixes", "auth: user not found; token: expired", "auth: user not found; token: expired"},

		// Personal data (SendDefaultPII false).
		{"email", "sent to bob.smith+x@mail.example.com.", "sent to " + F + "."},
		{"mailto", "<a href=mailto:bob@example.org>", "<a href=mailto:" + F + ">"},
		{"at without domain", "ping @channel and x@y", "ping @channel and x@y"},
		{"ipv4", "from 203.0.113.7:51234 to 10.0.0.1", "from " + F + ":51234 to 10.0.0.1"},
		{"ipv4 server port", "dial tcp 52.94.236.248:443: i/o timeout", "dial tcp 52.94.236.248:443: i/o timeout"},
		{"ipv4 private and shared", "10.1.2.3 172.16.0.1 192.168.0.1 100.64.0.1 169.254.169.254", "10.1.2.3 172.16.0.1 192.168.0.1 100.64.0.1 169.254.169.254"},
		{"ipv4 network", "allow 203.0.113.0/24, deny 203.0.113.9/32", "allow 203.0.113.0/24, deny " + F + "/32"},
		{"version user agent", "Chrome/120.0.0.0 Safari/537.36", "Chrome/120.0.0.0 Safari/537.36"},
		{"path with an address", "GET /clients/203.0.113.7/ban", "GET /clients/" + F + "/ban"},
		{"version suffix", "1.2.3.4-rc1 and 1.2.3.4+build5", "1.2.3.4-rc1 and 1.2.3.4+build5"},
		{"ipv4 loopback", "listen 127.0.0.1:8080 and 0.0.0.0", "listen 127.0.0.1:8080 and 0.0.0.0"},
		{"version v-prefixed", "upgraded to v1.2.3.4", "upgraded to v1.2.3.4"},
		{"version semver", "go1.26.8 and 1.2.3", "go1.26.8 and 1.2.3"},
		{"version long dotted", "build 1.2.3.4.5", "build 1.2.3.4.5"},
		{"version word", `Version 1.2.3.4, version=1.2.3.4, "release": "1.2.3.4"`, `Version 1.2.3.4, version=1.2.3.4, "release": "1.2.3.4"`},
		{"bare dotted quad", "upgraded to 1.2.3.4", "upgraded to " + F},
		{"not a version word", "subversion 1.2.3.4 server=1.2.3.4", "subversion " + F + " server=" + F},
		{"not an address", "256.1.1.1 and 01.2.3.4", "256.1.1.1 and 01.2.3.4"},
		{"ipv6", "client 2001:db8::8a2e:370:7334 connected", "client " + F + " connected"},
		{"ipv6 bracketed", "[2001:db8::1]:51234", "[" + F + "]:51234"},
		{"ipv6 server", "dial tcp [2001:db8::1]:443", "dial tcp [2001:db8::1]:443"},
		{"ipv6 private", "fd12:3456:789a::1 and fe80::1", "fd12:3456:789a::1 and fe80::1"},
		{"ipv6 loopback", "::1 and ::", "::1 and ::"},
		{"clock", "at 12:30:45 and ab:cd", "at 12:30:45 and ab:cd"},
		{"mac", "mac 00:1a:2b:3c:4d:5e", "mac 00:1a:2b:3c:4d:5e"},

		// Formats of connection strings, cloud services and headers in text.
		{"mysql dsn", "open app:pw9@tcp(db:3306)/shop?parseTime=true", "open app:" + F + "@tcp(db:3306)/shop?parseTime=true"},
		{"mysql dsn unix", "root:s3cr3t@unix(/tmp/mysql.sock)/db", "root:" + F + "@unix(/tmp/mysql.sock)/db"},
		{"mysql dsn no net", "root:s3cr3t@/db", "root:" + F + "@/db"},
		{"odbc pwd", "Driver=x;Uid=app;PWD=s3cr3t;Encrypt=yes", "Driver=x;Uid=app;PWD=" + F + ";Encrypt=yes"},
		{"azure account key", "AccountName=a;AccountKey=abc+/def==;EndpointSuffix=x", "AccountName=a;AccountKey=" + F + ";EndpointSuffix=x"},
		{"azure sas sig", "https://a.blob.core.windows.net/c?sv=2022-11-02&sig=abc%2Bdef%3D&se=x", "https://a.blob.core.windows.net/c?sv=2022-11-02&sig=" + F + "&se=x"},
		{"s3 presigned", "?X-Amz-Expires=900&X-Amz-Signature=fe5f80f77d5f&X-Amz-SignedHeaders=host", "?X-Amz-Expires=900&X-Amz-Signature=" + F + "&X-Amz-SignedHeaders=host"},
		{"stripe webhook secret", "whsec_5tR1pEw3bH00kS3cR3tK3yV4lu3xYz12", F},
		{"sendgrid", "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 sent", F + " sent"},
		{"slack webhook", "POST https://hooks.slack.com/services/T0A1B2C3D/B0E4F5G6H/aBcDeFgHiJkLmNoPqRsTuVwX failed", "POST https://hooks.slack.com/services/" + F + " failed"},
		{"app session cookies", "_shop_session=abc123; laravel_session=def456; theme=dark", "_shop_session=" + F + "; laravel_session=" + F + "; theme=dark"},
		{"header api key", "X-Api-Key: 9f8e7d6c5b4a\nAccept: */*", "X-Api-Key: " + F + "\nAccept: */*"},
		{"header cookie line", "Cookie: a=1; b=2\nHost: x", "Cookie: " + F + "\nHost: x"},
		{"header authorization line", "Authorization: Token abc123def", "Authorization: Token " + F},
		{"go map dump", "map[Authorization:[Bearer x] Accept:[*/*]]", "map[Authorization:[" + F + "] Accept:[*/*]]"},
		{"go struct dump", "{Host:db Password:hunter2 Port:5432}", "{Host:db Password:" + F + " Port:5432}"},
		{"pwd and passphrase", "pwd=abc passphrase=correct-horse", "pwd=" + F + " passphrase=" + F},
		{"password colon prose", "password: hunter2 and token: 8f14e45fceea", "password: " + F + " and token: " + F},
		{"password colon word", "password: incorrect", "password: incorrect"},
		{"yaml key with separator", "api_key: plainword", "api_key: " + F},
		{"file path key", "open /run/secrets/db_password: permission denied", "open /run/secrets/db_password: permission denied"},
		{"placeholders", "password_hash=$2 token=? secret=:secret pwd=*** auth=%s", "password_hash=$2 token=? secret=:secret pwd=*** auth=%s"},
		{"pgp private key", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGP\n-----END PGP PRIVATE KEY BLOCK-----", F},

		{"more tokens", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567 lin_api_" + strings.Repeat("a1", 20) + " glsa_" + strings.Repeat("B2", 16) + "_0a1b2c3d PMAK-" + strings.Repeat("c3", 12) + "-" + strings.Repeat("d4", 17),
			F + " " + F + " " + F + " " + F},
		{"google oauth access token", "refresh failed for ya29.a0AfB_byC1x2y3z4AbCdEfGhIjKlMnOpQrStUvWx: expired", "refresh failed for " + F + ": expired"},
		{"slack refresh and client tokens", "xoxe-1-My0xLTEyMzQ1Njc4OTAtMTIzNDU2Nzg5MC0x xoxc-123-456-789-abcdefabcdefabcdef", F + " " + F},
		{"planetscale, gitlab trigger and deploy, age", "pscale_tkn_" + strings.Repeat("Ab3", 11) + " glptt-" + strings.Repeat("x9", 10) + " gldt-" + strings.Repeat("Yz", 10) +
			" AGE-SECRET-KEY-1QQPQZRFR7ZZ2WCV3FAVKRLRFKLHXQCWM8WKSPZYQPFGQ9DXFVXTQSKGZV6", F + " " + F + " " + F + " " + F},
		{"mapped private address", "dial tcp [::ffff:10.0.0.1]:5432 from ::ffff:192.168.1.2", "dial tcp [::ffff:10.0.0.1]:5432 from ::ffff:192.168.1.2"},

		// Command lines, curl's user:password, JSON with spaced colons,
		// short form keys, e-mail:password combinations.
		{"cli flag password", "exec mysql --password S3cret -h db", "exec mysql --password " + F + " -h db"},
		{"cli flag token equals", "run --token=abc123 x", "run --token=" + F + " x"},
		{"cli flag secret words", "--client-secret Zx9q --ftp-password pw1 --api-key k3y", "--client-secret " + F + " --ftp-password " + F + " --api-key " + F},
		{"cli short p", "mysql -u root -p S3cret db", "mysql -u root -p " + F + " db"},
		{"cli flags about secrets", "--password-file /etc/x --token-ttl 5m --password --verbose -p 8080:80 -p 22", "--password-file /etc/x --token-ttl 5m --password --verbose -p 8080:80 -p 22"},
		{"curl user", "curl -u admin:S3cret https://x --user bob:pw9", "curl -u admin:" + F + " https://x --user bob:" + F},
		{"curl user equals", "wget --user=bob:S3cret --password=S3cret", "wget --user=bob:" + F + " --password=" + F},
		{"curl user no password", "mysql -u root", "mysql -u root"},
		{"cli look-alikes", "mkdir -p /var/lib/app && docker run -u 1000:1000 --user 0:0 -p 127.0.0.1:80:80 app; cp -p ./a.txt b",
			"mkdir -p /var/lib/app && docker run -u 1000:1000 --user 0:0 -p 127.0.0.1:80:80 app; cp -p ./a.txt b"},
		{"json spaced colon", `{"password" : "x", 'token' : 'y', "n" : 1}`, `{"password" : "` + F + `", 'token' : '` + F + `', "n" : 1}`},
		{"form pass", "user=bob&pass=hunter2", "user=bob&pass=" + F},
		{"query pw", "/login?pw=hunter&next=/", "/login?pw=" + F + "&next=/"},
		{"form pass first", "pass=hunter&user=bob", "pass=" + F + "&user=bob"},
		{"pass secret-like in prose", "retry with pass=hunter2", "retry with pass=" + F},
		{"pass count in prose", "tests pass=12 fail=0 pass=1234", "tests pass=12 fail=0 pass=1234"},
		{"email password combo", "bob@example.com:hunter2 ann@mail.example.org:S3cret!", F + ":" + F + " " + F + ":" + F},
		{"email port and scp path", "git@github.com:shop/orders.git", "git@github.com:shop/orders.git"},
		{"metadata of secrets", "password_changed_at=2024-01-01T00:00:00Z password_length=12 secret_name=db-credentials token_ttl=5m",
			"password_changed_at=2024-01-01T00:00:00Z password_length=12 secret_name=db-credentials token_ttl=5m"},
		{"metadata keys with secrets", "password_name=Hunter2! secret_at=c2VjcmV0", "password_name=" + F + " secret_at=" + F},

		// URL-encoded values are decoded before they are searched.
		{"query email", "?email=bob%40example.com&page=2", "?email=" + F + "&page=2"},
		{"query card plus", "card=4111+1111+1111+1111", "card=" + F},
		{"query bearer plus", "Authorization=Bearer+abcdef0123456789xyz", "Authorization=" + F},
		{"double encoded", "next=%2Fcb%3Ftoken%3Dabc123", "next=%2Fcb%3Ftoken%3D" + F},
		{"encoded text stays", "q=caf%C3%A9+cr%C3%A8me", "q=caf%C3%A9+cr%C3%A8me"},

		// Nothing to find.
		{"empty", "", ""},
		{"prose", "user 42 logged in after 3 attempts", "user 42 logged in after 3 attempts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, scrubText(scrub.Options{}, tt.in))
		})
	}
}

func TestDetectorsPIIAllowed(t *testing.T) {
	o := scrub.Options{SendDefaultPII: true}
	in := "bob@example.com from 203.0.113.7 and 2001:db8::1 with card 4111111111111111"
	assert.Equal(t, "bob@example.com from 203.0.113.7 and 2001:db8::1 with card "+scrub.Filtered, scrubText(o, in))
	// The password of an e-mail:password combination is no personal data.
	assert.Equal(t, "bob@example.com:"+scrub.Filtered, scrubText(o, "bob@example.com:hunter2"))
}

func TestDisableDetectors(t *testing.T) {
	in := "card 4111111111111111 from 203.0.113.7 jwt eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0."
	got := scrubText(scrub.Options{DisableDetectors: []string{scrub.DetectCard, scrub.DetectJWT}}, in)
	assert.Equal(t, "card 4111111111111111 from [Filtered] jwt eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0.", got)

	all := []string{scrub.DetectCard, scrub.DetectAuthorization, scrub.DetectJWT, scrub.DetectPEM,
		scrub.DetectAWS, scrub.DetectTokens, scrub.DetectURLPassword, scrub.DetectKeyValue, scrub.DetectEmail, scrub.DetectIP}
	in = "4111111111111111 Bearer abcdef0123456789 AKIAIOSFODNN7EXAMPLE x://u:p@h password=x a@b.cd 1.2.3.4 npm_" + strings.Repeat("a", 36)
	assert.Equal(t, in, scrubText(scrub.Options{DisableDetectors: all}, in))
}

func TestCustomDetectors(t *testing.T) {
	calls := 0
	o := scrub.Options{Detectors: []scrub.Detector{
		scrub.RegexpDetector("ticket", "TKT-", regexp.MustCompile(`TKT-[0-9]+`)),
		{Name: "counted", Hint: "zzz", Find: func(s string) []scrub.Span {
			calls++
			return nil
		}},
		{Name: "spans out of range", Find: func(s string) []scrub.Span {
			if i := strings.Index(s, "XY"); i >= 0 {
				return []scrub.Span{{i, i + 2}, {-5, 1}, {len(s) - 1, len(s) + 10}, {7, 3}}
			}
			return nil
		}},
	}}
	assert.Equal(t, "see [Filtered] now", scrubText(o, "see TKT-1234 now"))
	assert.Equal(t, 0, calls, "a detector runs only on strings holding its hint")
	scrubText(o, "zzz")
	assert.Equal(t, 1, calls)
	assert.Equal(t, "[Filtered]bc[Filtered]d[Filtered]", scrubText(o, "abcXYdz"))
	assert.Equal(t, "q=[Filtered]&x=1", scrubText(o, "q=TKT%2D42&x=1"), "custom detectors read decoded text too")
	assert.Equal(t, "[Filtered]bc%20[Filtered]d[Filtered]", scrubText(o, "abc%20XYdz"), "out-of-range spans in decoded text")

	panicky := scrub.Options{Detectors: []scrub.Detector{{Name: "boom", Find: func(string) []scrub.Span { panic("boom") }}}}
	assert.Equal(t, scrub.Filtered, scrubText(panicky, "anything"), "a failing detector must not let the string through")
}

func TestIdempotent(t *testing.T) {
	in := "password=x url postgres://u:p@h/db Bearer abcdef0123456789 card 4111111111111111 {\"token\":\"t\"} a@b.cd"
	once := scrubText(scrub.Options{}, in)
	assert.Equal(t, once, scrubText(scrub.Options{}, once))
}

func TestDisableCustomDetector(t *testing.T) {
	o := scrub.Options{
		Detectors:        []scrub.Detector{scrub.RegexpDetector("ticket", "", regexp.MustCompile(`TKT-[0-9]+`))},
		DisableDetectors: []string{"ticket"},
	}
	assert.Equal(t, "see TKT-1 now", scrubText(o, "see TKT-1 now"))
}

// TestLinearTime feeds each detector the input most likely to make it
// rescan: a quadratic detector would take seconds on these 80 kB strings.
func TestLinearTime(t *testing.T) {
	const n = 20000
	s := scrub.New(scrub.Options{})
	for name, in := range map[string]string{
		"at":      strings.Repeat("a@", n),
		"domains": strings.Repeat("a@b.", n),
		"json":    `"` + strings.Repeat(`a":`, n),
		"schemes": strings.Repeat("a://b:", n) + "@",
		"digits":  strings.Repeat("4111-", n),
		"jwt":     strings.Repeat("eyJaaaaaaaaaaa.", n),
		"pem":     strings.Repeat("-----BEGIN PRIVATE KEY-----", n),
		"bearer":  strings.Repeat("bearer ", n),
		"kv":      strings.Repeat("password=", n),
		"hex":     strings.Repeat("a:", n),
		"dotted":  strings.Repeat("1.1.1.1.", n),
		"tokens":  strings.Repeat("ghp_xoxb-sk-", n),
		"escaped": `"password":\"` + strings.Repeat("a", 4*n),
		// Many '@' of DSNs with no separator before them: 480 kB.
		"dsn":     strings.Repeat("x@tcp(", 4*n),
		"encoded": strings.Repeat("a%2540b+c=", n),
		"xml":     strings.Repeat("<password><![CDATA[", n),
	} {
		start := time.Now()
		ev := &protocol.Event{Message: &protocol.LogEntry{Formatted: in}, Extra: map[string]any{in: in}}
		s.Scrub(ev)
		assert.Less(t, time.Since(start), 2*time.Second, name)
	}
}

// TestKeyValueSpacedAndQuoted: config files (INI, TOML, the AWS credentials
// file) write key = value with spaces, and Python-style reprs and YAML flow
// maps quote keys with single quotes; SQL and comparisons stay.
func TestKeyValueSpacedAndQuoted(t *testing.T) {
	const F = scrub.Filtered
	for _, tc := range []struct{ in, want string }{
		{`password = "hunter2"`, `password = "` + F + `"`},
		{"aws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY", "aws_secret_access_key = " + F},
		{"[default]\naws_secret_access_key\t=\twJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY\nregion = eu-west-1",
			"[default]\naws_secret_access_key\t=\t" + F + "\nregion = eu-west-1"},
		{`{'user': 'bob', 'password': 'hunter2'}`, `{'user': 'bob', 'password': '` + F + `'}`},
		{`secret = 'x'`, `secret = '` + F + `'`},
		// No secret: a call, a placeholder, a comparison, a word.
		{"UPDATE users SET password = crypt($1, gen_salt('bf')) WHERE id = $2", "UPDATE users SET password = crypt($1, gen_salt('bf')) WHERE id = $2"},
		{"WHERE token = ? AND session = $1", "WHERE token = ? AND session = $1"},
		{"assert token == expected", "assert token == expected"},
		{"secure_cookie = true", "secure_cookie = true"},
		{"password = required", "password = required"},
	} {
		assert.Equal(t, tc.want, scrubText(scrub.Options{}, tc.in), tc.in)
	}
}

// TestDebugTextKept: an HTTP status after a key naming a token (the error
// text of golang.org/x/oauth2) and an scp-style git remote are no secrets;
// an address followed by a password stays filtered.
func TestDebugTextKept(t *testing.T) {
	const F = scrub.Filtered
	for _, tc := range []struct{ in, want string }{
		{"oauth2: cannot fetch token: 401 Unauthorized", "oauth2: cannot fetch token: 401 Unauthorized"},
		{"git clone git@github.com:shop/orders.git failed", "git clone git@github.com:shop/orders.git failed"},
		{"token: 8f14e45fceea", "token: " + F},
		{"password: 1234", "password: " + F},
		{"login bob@example.com:hunter2 rejected", "login " + F + ":" + F + " rejected"},
		{"mail to bob@example.com: bounced", "mail to " + F + ": bounced"},
	} {
		assert.Equal(t, tc.want, scrubText(scrub.Options{}, tc.in), tc.in)
	}
}

// TestXMLElementValue: SOAP and XML payloads written into logs carry
// credentials as the text of an element named by a denied key.
func TestXMLElementValue(t *testing.T) {
	const F = scrub.Filtered
	for _, tc := range []struct{ in, want string }{
		{"<password>S3cretPw9</password>", "<password>" + F + "</password>"},
		{"soap: <wsse:UsernameToken><wsse:Username>shop</wsse:Username><wsse:Password>S3cretPw9</wsse:Password></wsse:UsernameToken>",
			"soap: <wsse:UsernameToken><wsse:Username>shop</wsse:Username><wsse:Password>" + F + "</wsse:Password></wsse:UsernameToken>"},
		{"<ApiKey><![CDATA[k3y<value>]]></ApiKey>", "<ApiKey><![CDATA[" + F + "]]></ApiKey>"},
		{"<client_secret>cut", "<client_secret>" + F},
		// No secret: an element not denied, an empty one, a placeholder.
		{"<user>bob</user><password></password><token>?</token>", "<user>bob</user><password></password><token>?</token>"},
		{"<p>see <b>docs</b></p> <", "<p>see <b>docs</b></p> <"},
	} {
		assert.Equal(t, tc.want, scrubText(scrub.Options{}, tc.in), tc.in)
	}
}

// TestHeaderLineQuotedParams: a header line's quoted parameters belong to
// its value (Digest's response="…"); a quote the header sits in ends it.
func TestHeaderLineQuotedParams(t *testing.T) {
	const F = scrub.Filtered
	for _, tc := range []struct{ in, want string }{
		{`Authorization: Digest username="bob", realm="shop", response="6629fae49393a05397450978507c4ef1"`, "Authorization: Digest " + F},
		{"Cookie: sid=\"S3ss10nVal\"; theme=dark\nAccept: */*", "Cookie: " + F + "\nAccept: */*"},
		{`header "Authorization: Bearer abcdef0123456789xyz" rejected`, `header "Authorization: Bearer ` + F + `" rejected`},
		{`Cookie: a="unterminated`, "Cookie: " + F},
	} {
		assert.Equal(t, tc.want, scrubText(scrub.Options{}, tc.in), tc.in)
	}
}
