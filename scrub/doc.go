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
// The rules follow the Python SDK's EventScrubber (see
// ../shared/sentry/SCRUBBING.md in the project) and go further where log
// attributes leak secrets.
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
// (password, secret, api key, private key, credential and access key
// anywhere in the key; token, auth, cookie and session id at its end), plus
// [PIIKeys] (x_forwarded_for, x_real_ip, ip_address, remote_addr) unless
// SendDefaultPII is set. Options.Keys replaces the first two,
// Options.ExtraKeys extends the list, Options.AllowKeys names keys whose
// values are never touched.
//
// Keys are compared after normalisation: ASCII letters are lowered and the
// separators '-', '_' and '.' removed, so X-Api-Key, x_api_key, x.api.key
// and XAPIKEY are the same key. A dotted key, a flattened path such as
// user.ip_address or http.request.header.authorization, also matches when
// its last segment does. Unlike the reference, keys are checked at
// every depth by default (log attributes nest in groups); Options.Shallow
// checks them only at the top level of each section, like the reference's
// recursive=False. The keys of maps are never changed, only their values.
//
// # Detectors
//
// Every string is also searched for secrets that need no key hint, and only
// the secret is replaced, so the rest of a message survives:
//
//	"charged 4111 1111 1111 1111 for bob@example.com"
//	"charged [Filtered] for [Filtered]"
//
// The built-in detectors are listed with their rules at DetectCard and the
// constants after it: card numbers (Luhn-checked), Bearer and Basic
// credentials, JWTs, PEM private keys, AWS access key ids, API tokens of
// well-known formats (GitHub, Slack, Stripe, …), passwords in URLs,
// the values of denied keys written in text (password=…, "token": "…", query
// and connection strings) and, unless SendDefaultPII is set, e-mail and IP
// addresses. Whole numbers that are card numbers are replaced too. A string
// is read once by a pre-scan that looks for the bytes each detector needs
// (a long run of digits, '@' with "://", "eyJ", "-----BEGIN ", "AKIA",
// "earer ", …); a detector runs only when its bytes are there, so a string
// without secrets costs one pass and no allocation. Detectors are told apart
// from look-alikes on purpose: a number failing the Luhn check, a UUID, a
// millisecond timestamp, "v1.2.3.4", "1.2.3.4.5" and "version 1.2.3.4"
// (versions), loopback and unspecified addresses, and a certificate stay. A
// bare "1.2.3.4" cannot be told from an address and is replaced.
//
// "key: value" in free text is not read as key=value: in Go that is how
// errors name their package ("auth: user not found", "token: expired").
//
// Options.DisableDetectors switches built-in detectors off by name and
// Options.Detectors adds your own, as a function or with RegexpDetector.
//
// # Sections
//
// Scrubbed: tags; contexts (every field of every context); extra; user
// (ip_address removed without SendDefaultPII; id, username and name searched
// for secrets but not for personal data, since they were set on purpose;
// data scrubbed as a map); request URL, query string, headers, cookies (every
// value filtered without SendDefaultPII), env and body; breadcrumb messages
// and data; the logentry message, params and formatted text; exception
// values, mechanism data and frame vars; the event's stack trace's frame
// vars.
//
// Never touched: event_id, timestamps, level, platform, sdk, release, dist,
// environment, server_name, logger, transaction, fingerprint, modules,
// exception types and modules, breadcrumb types and categories, and frame
// names and paths.
//
// The request body is removed when it is larger than
// Options.MaxRequestBodySize (10,000 bytes by default, the reference's
// "medium"; its length for text, its JSON size for structured data). A text
// body holding a JSON object or array is parsed, so that its keys are
// checked, and sent as structured data.
//
// # Values of any shape
//
// Maps and lists in the JSON shapes (map[string]any, []any,
// map[string]string, []string) are walked; strings are searched; numbers,
// booleans and nil are kept, except card numbers. A value of any other type
// (a struct, a pointer, a typed map or slice such as
// map[string]map[string]any or []int) is scrubbed in its JSON form, the
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
// schema the project validates against (../shared/sentry/event.schema.json)
// forbids properties it does not list at the top level of an event, and
// "_meta" is not listed, so an annotated event would fail validation. The
// [Filtered] marker itself shows where a value was removed.
package scrub
