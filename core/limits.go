package core

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sentrylog/sentrylog/scrub"
)

// The event-size limits (see "Event size" in the package doc). Field limits
// follow Relay's (tag values 200, logger 64, e-mail 75, ...) and Sentry's
// message limit; a value in a context, extra, breadcrumb data or user data
// is cut at 8 KiB, the size of the largest context the server keeps.
const (
	maxMessageLen     = 8192 // logentry, exception values, breadcrumb messages
	maxValueLen       = 8192 // a string inside a context, extra, data, user data or request
	maxTagValue       = 200
	maxTagKey         = 32
	maxShortField     = 64 // logger, environment, dist, user.ip_address
	maxUserField      = 128
	maxEmail          = 75
	maxNameField      = 200 // transaction, release, server_name
	maxTypeLen        = 256 // exception type and module
	maxFingerprintLen = 512 // one fingerprint entry
	maxFingerprint    = 64  // fingerprint entries
	maxBreadth        = 1000
	// minCutLen is as short as the size pass cuts a string.
	minCutLen = 256
	// eventBudget leaves room for what the size estimate does not see
	// exactly (number widths, escapes beyond the common ones).
	eventBudget = maxEventSize - 32<<10
)

// truncatedKey is the key added to a map that lost keys to maxBreadth.
const truncatedKey = "..."

// cutMarker is appended to a cut string: it gives the original length.
func cutMarker(orig int) string { return "...[truncated from " + strconv.Itoa(orig) + " bytes]" }

// cutString returns s cut to at most n bytes including the marker, at a
// rune boundary and never inside a "[Filtered]" marker. A string cut before
// (an event trimmed again) keeps the length its marker gives.
func cutString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	orig := len(s)
	if body, was, ok := markedLength(s); ok {
		s, orig = body, was
	}
	m := cutMarker(orig)
	return s[:cutIndex(s, n-len(m))] + m
}

// markedLength splits a string that ends in a cut marker into what was kept
// and the original length.
func markedLength(s string) (body string, orig int, ok bool) {
	const prefix, suffix = "...[truncated from ", " bytes]"
	if !strings.HasSuffix(s, suffix) {
		return "", 0, false
	}
	i := strings.LastIndex(s, prefix)
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[i+len(prefix) : len(s)-len(suffix)])
	if err != nil || n <= len(s) {
		return "", 0, false
	}
	return s[:i], n, true
}

// cutIndex returns where to cut s to keep at most n bytes: the start of the
// rune at n (so the rune before it stays whole), moved back before a
// "[Filtered]" marker the cut would split.
func cutIndex(s string, n int) int {
	if n <= 0 {
		return 0
	}
	if n >= len(s) {
		return len(s)
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	from := max(0, i-len(scrub.Filtered)+1)
	if j := strings.LastIndexByte(s[from:i], '['); j >= 0 && strings.HasPrefix(s[from+j:], scrub.Filtered) {
		i = from + j
	}
	return i
}

// jsonStrLen estimates the encoded size of s: quotes, and the escapes
// encoding/json writes for quotes, backslashes, control and HTML characters.
func jsonStrLen(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); i++ {
		n += int(jsonEscapeExtra[s[i]])
	}
	return n
}

// jsonEscapeExtra is how many bytes encoding/json adds to each byte: one
// for a quote or backslash, five for a control or HTML character (\u00XX).
// A table lookup per byte measures the strings of every event, so it is
// kept branch-free.
var jsonEscapeExtra = func() (t [256]uint8) {
	for c := range 0x20 {
		t[c] = 5
	}
	t['<'], t['>'], t['&'] = 5, 5, 5
	t['"'], t['\\'] = 1, 1
	return t
}()
