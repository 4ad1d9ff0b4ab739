// Package scrub removes secrets and personal data from Sentry events before
// they leave the process.
//
// The core builds a Scrubber with New from its own options (SendDefaultPII,
// MaxRequestBodySize) unless core.Options.Scrubber names another one, and
// runs it on its worker after the scopes are merged and before BeforeSend,
// so nothing the scrubber removes ever reaches BeforeSend or the
// transport. Build one yourself to change the lists or the detectors:
//
//	client, err := core.New(core.Options{
//		Scrubber: scrub.New(scrub.Options{ExtraKeys: []string{"ssn"}}),
//	})
//
// A scrubber given to a client this way still follows the client's
// SendDefaultPII and MaxRequestBodySize: personal data is kept when either
// the client or Options.SendDefaultPII says so, and of two request body
// limits the stricter applies (a limit left unset takes the client's).
// Adding a key or a detector changes nothing else.
//
// The rules follow the Python SDK's EventScrubber and go further where log
// attributes, error texts and messages leak secrets.
//
// # Keys
//
// A value whose key is denied is replaced whole by the marker [Filtered],
// even when it is a map or a list:
//
//	{"db": {"host": "db1", "Password": "hunter2"}, "credentials": {"user": "u", "pass": "p"}}
//	{"db": {"host": "db1", "Password": "[Filtered]"}, "credentials": "[Filtered]"}
//
// The denylist is [DefaultKeys] (the reference's 33 keys) and [PatternKeys]
// (password, passwd, passphrase, secret, api key, private key, credential
// and access key anywhere in the key; token, auth, cookie, session,
// session id and signature at its end; pwd, sig and accountkey exactly),
// plus [PIIKeys] (x_forwarded_for, x_real_ip, ip_address, remote_addr)
// unless personal data is kept. Options.Keys replaces the first two,
// Options.ExtraKeys extends the list, Options.AllowKeys names keys whose
// values are never touched.
//
// Keys are compared after normalisation: ASCII letters are lowered and the
// separators '-', '_' and '.' removed, so X-Api-Key, x_api_key, x.api.key
// and XAPIKEY are the same key. A dotted key, a flattened path such as
// user.ip_address or http.request.header.authorization, also matches when
// its last segment does. Unlike the reference, keys are checked at every
// depth by default (log attributes nest in groups); Options.Shallow checks
// them only at the top level of each section, like the reference's
// recursive=False.
//
// The keys themselves are never changed nor searched: a map key, a tag's
// name, a context's name and a header's name are sent as they are. Do not
// put secrets in keys.
//
// # Detectors
//
// Every string is also searched for secrets that need no key hint, and only
// the secret is replaced, so the rest of a message survives:
//
//	"charged 4111 1111 1111 1111 for bob@example.com"
//	"charged [Filtered] for [Filtered]"
//
// The built-in detectors, by their names for Options.DisableDetectors:
//
//   - [DetectCard]: payment card numbers (issuer prefix and length, Luhn
//     check, and grouping or a word naming a card; see below).
//   - [DetectAuthorization]: the credentials of "Bearer <token>" and
//     "Basic <base64 user:password>"; the scheme word stays.
//   - [DetectJWT]: JSON Web Tokens.
//   - [DetectPEM]: PEM private key blocks (RSA, EC, PKCS #8, OpenSSH, PGP),
//     to their END line or to the end of the text when it is cut.
//     Certificates and public keys are public and stay.
//   - [DetectAWS]: AWS access key ids (AKIA…, ASIA…).
//   - [DetectTokens]: API tokens of well-known formats, by prefix and
//     length: GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), GitLab
//     (glpat-, glptt-, gldt-), Slack (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-,
//     xoxe-, xoxc-, xapp-), Stripe
//     (sk_live_, sk_test_, rk_live_, rk_test_, whsec_), SendGrid (SG.),
//     Google (AIza API keys, GOCSPX- OAuth client secrets, ya29. OAuth
//     access tokens), PlanetScale (pscale_tkn_, pscale_pw_), age private
//     keys (AGE-SECRET-KEY-), Shopify (shpat_,
//     shpss_, shpca_, shppa_), DigitalOcean (dop_v1_, doo_v1_), HashiCorp
//     Vault (hvs., hvb.), Hugging Face (hf_), Linear (lin_api_), Grafana
//     (glsa_, glc_), Postman (PMAK-), PyPI (pypi-), npm (npm_), Sentry (sntrys_,
//     sntryu_), sk- secret keys (OpenAI, Anthropic), and the secret path
//     of Slack and Discord webhook URLs (the host stays). Publishable keys
//     (pk_live_) are public and stay.
//   - [DetectURLPassword]: the password of scheme://user:password@host, of
//     Go database DSNs without a scheme (user:password@tcp(host:3306)/db,
//     user:password@unix(/path)/db, user:password@/db) and of e-mail:password
//     combinations (bob@example.com:hunter2; a port or an scp-style path
//     after the colon stays). The password is no personal data: it is
//     replaced even when the address is kept.
//   - [DetectKeyValue]: the values of denied keys written in text:
//     key=value (logfmt, query strings, connection strings such as
//     Password=…; PWD=…; AccountKey=…;, signed URLs' sig= and
//     X-Amz-Signature=; pass= and pw= in a form body or query string, or
//     elsewhere when the value looks like a secret), key = value with spaces (INI and TOML files, the
//     AWS credentials file) when the value is quoted or looks like a secret
//     (see below) and is no call, "key": value (JSON, also escaped inside a
//     string) and 'key': value, also with spaces before the colon ("key" :
//     value), command-line flags (--password S3cret, --client-secret X,
//     --token=X, -p S3cret, and the password of curl's and wget's -u and
//     --user user:password; --password-file, --token-ttl, -p with a port or
//     a path and docker's -u uid:gid stay), XML elements (<password>…</password>,
//     <wsse:Password>…, a CDATA section),
//     header lines (X-Api-Key: …; Cookie:, Set-Cookie: and Authorization:
//     to the end of the line with its quoted parameters (Digest's
//     response="…"), an Authorization scheme word kept), Go's %v
//     of a map or an http.Header (Authorization:[…]) and %+v of a struct
//     ({Password:…}), and "key: value" when the key has a separator
//     (api_key: …) or is password, passwd, pwd, passphrase, secret, token,
//     apikey or privatekey and the value looks like a secret (a digit, a
//     symbol, mixed case, or 24 bytes or more). Go errors name their
//     package the same way ("auth: user not found", "token: expired") and
//     stay, and so does a key ending a file path ("open
//     /run/secrets/db_password: permission denied"). Placeholders are no
//     values and stay: ?, $1, :name, %s, {name}, <name>, masks (***, xxx),
//     redaction markers and true, false, null, nil, none. A key=value whose key names a
//     fact about a secret, its last word at, length, len, count, ttl
//     or name (password_changed_at, secret_name), keeps a value that is a
//     timestamp, a number of up to six digits, a duration or lowercase
//     words (2024-01-01T00:00:00Z, 12, 5m, db-credentials); any other
//     value under it is replaced.
//   - [DetectEmail] and [DetectIP]: e-mail and IP addresses, only when
//     personal data is not kept; see below for the addresses that stay.
//
// Text that is percent-encoded (%40, %20, %3D) or form-encoded ('+' for a
// space in text with a key=value) is also searched in its decoded form, up
// to three rounds for text encoded more than once, and what is found there
// is replaced in the original: ?email=bob%40example.com,
// card=4111+1111+1111+1111 and Authorization=Bearer+<token> in a query
// string, a form body, a URL or a message are all found.
//
// A string is read once by a pre-scan that looks for the bytes each
// detector needs (a long run of digits, '@' with "://", "eyJ",
// "-----BEGIN ", "AKIA", "earer ", '=', a '%' escape, …); a detector runs
// only when its bytes are there, so a string without secrets costs one
// pass and no allocation. Options.Detectors adds your own detectors, as a
// function or with RegexpDetector.
//
// # Debugging text that stays
//
// Detectors are told apart from look-alikes on purpose, so that the text
// engineers debug with arrives as written:
//
//   - Addresses of infrastructure: private (10/8, 172.16/12, 192.168/16,
//     fc00::/7), shared (100.64/10), loopback, link-local (169.254/16,
//     fe80::/10), multicast, broadcast and unspecified addresses; a public
//     address with a port below 32768, which is a server's ("dial tcp
//     52.94.236.248:443": clients connect from ephemeral ports, 32768 and
//     up, so "from 203.0.113.7:51234" is replaced); a network
//     (203.0.113.0/24).
//   - Versions: a dotted quad glued to a letter or to more dots (v1.2.3.4,
//     1.2.3.4.5), after the word version, ver, release, build, rev or
//     revision ("version \"1.2.3.4\"", agent_version=1.2.3.4), after a user
//     agent's product token (Chrome/120.0.0.0) or with a pre-release or
//     build suffix (1.2.3.4-rc1). A bare "1.2.3.4" cannot be told from an
//     address and is replaced when personal data is not kept.
//   - Numbers: a number is a card number only with evidence. It must have
//     the prefix and a length of a major network's cards (Visa,
//     Mastercard, American Express, Discover, Diners Club, JCB, UnionPay,
//     Maestro, Mir) and pass the Luhn check, and also be written in groups
//     (4111 1111 1111 1111, 4111-1111-1111-1111, 4111+1111+1111+1111), or
//     follow a word naming a card ("card 4111111111111111", pan=…,
//     card_number: …), or be the value of a key naming one (card,
//     card_number, pan, cc_num, …; a string or a whole number). A plain
//     16-digit order id, a timestamp, a snowflake id, a UUID, a git hash
//     and a hex digest stay.
//   - The user of an scp-style remote (git@github.com:shop/orders.git) is
//     no e-mail address, and a number of at most three digits after a key
//     word is a status or a count ("oauth2: cannot fetch token: 401
//     Unauthorized").
//
// # Sections
//
// Scrubbed, with both the denylist and the detectors:
//
//   - the logentry message, params and formatted text;
//   - the fingerprint, each entry (with AttachStacktrace a message event's
//     fingerprint is its message);
//   - the transaction name;
//   - tags (values);
//   - contexts, every field of every context, such as the "log" context of
//     a record's attributes and contexts set on scopes;
//   - extra;
//   - user: ip_address is removed unless personal data is kept; id,
//     username and name are searched for secrets but not for personal data,
//     since they were set on purpose; email is kept as set; data is
//     scrubbed as a map;
//   - request: URL, query string, headers, cookies (every value filtered
//     unless personal data is kept), env and body;
//   - breadcrumbs: message and data;
//   - exceptions: value, mechanism data and frame vars; the event's own
//     stack trace's frame vars.
//
// Never touched: map keys (above); event_id, timestamps, level, platform,
// sdk, release, dist, environment, server_name and logger, which the
// program configures; modules (build information); exception types and
// modules, mechanism types, breadcrumb types and categories, and frame
// functions, modules and paths, which name code, not data.
//
// The request body is removed when it is larger than the body limit
// (10,000 bytes by default, the reference's "medium"; its length for text,
// its JSON size for structured data). A text body holding a JSON object or
// array is parsed, so that its keys are checked, and sent as structured
// data.
//
// # Values of any shape
//
// Maps and lists in the JSON shapes (map[string]any, []any,
// map[string]string, []string) are walked; strings are searched; numbers,
// booleans and nil are kept, except card numbers under a key naming a card.
// A value of any other type (a struct, a pointer, a typed map or slice such
// as map[string]map[string]any or []int) is scrubbed in its JSON form, the
// form encoding/json sends it in: it is kept as it is when nothing in that
// form is filtered, and replaced by the scrubbed form when something is. A
// value that cannot be encoded (a channel, a MarshalJSON that fails or
// panics) becomes an "!ERROR: …" text, so the event can still be sent.
// Values nested deeper than 64 levels, and cyclic maps, are cut with
// [Filtered] at that depth.
//
// Scrub never writes into a map, slice or struct the event only points to:
// what needs a change is copied first and the copy put into the event, so
// values shared with scopes, other events or the caller are never modified
// nor raced on. An event without secrets is scrubbed without allocating.
//
// # No _meta
//
// Sentry's own scrubbing records each replacement in a "_meta" tree
// ({"": {"rem": [["!config", "s"]]}}). This package does not: the event
// schema the project validates against forbids properties it does not list
// at the top level of an event, and "_meta" is not listed, so an annotated
// event would fail validation. The [Filtered] marker itself shows where a
// value was removed.
package scrub
