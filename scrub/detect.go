package scrub

import (
	"slices"
	"strings"
)

// Candidate flags set by prescan: each names a detector worth running.
const (
	fCard uint16 = 1 << iota
	fAuth
	fJWT
	fPEM
	fAWS
	fURL
	fKV
	fEmail
	fIPv4
	fIPv6
	fToken
	fAt     // an '@' (needed by fURL)
	fScheme // a "://" (needed by fURL)
	fDSN    // user:password@tcp( and the like (DetectURLPassword)
	fEnc    // percent-encoding, or '+' in a query: scan the decoded text too
)

// piiFlags are the detectors of personal data, off with SendDefaultPII.
const piiFlags = fEmail | fIPv4 | fIPv6

var detectorFlags = map[string]uint16{
	DetectCard:          fCard,
	DetectAuthorization: fAuth,
	DetectJWT:           fJWT,
	DetectPEM:           fPEM,
	DetectAWS:           fAWS,
	DetectURLPassword:   fURL | fDSN,
	DetectKeyValue:      fKV,
	DetectEmail:         fEmail,
	DetectIP:            fIPv4 | fIPv6,
	DetectTokens:        fToken,
}

// detectors is the scrubber's set of value detectors.
type detectors struct {
	on          uint16 // enabled built-ins
	cardNumbers bool   // numbers are checked for card numbers
	custom      []Detector
}

func newDetectors(o Options) detectors {
	d := detectors{on: fCard | fAuth | fJWT | fPEM | fAWS | fURL | fDSN | fKV | fEmail | fIPv4 | fIPv6 | fToken}
	if o.SendDefaultPII {
		d.on &^= piiFlags
	}
	for _, name := range o.DisableDetectors {
		d.on &^= detectorFlags[strings.ToLower(name)]
	}
	d.cardNumbers = d.on&fCard != 0
	for _, c := range o.Detectors {
		if c.Find != nil && !slices.Contains(o.DisableDetectors, c.Name) {
			d.custom = append(d.custom, c)
		}
	}
	return d
}

// The byte classes of prescan.
const (
	cBoring = iota
	cDigit
	cSpecial
)

// class sorts bytes for prescan: most are boring and cost one look-up.
var class = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = cDigit
	}
	for _, c := range "-_.:@=JAbB%+<" {
		t[c] = cSpecial
	}
	return t
}()

// prescan reads s once and returns the detectors that could match in it.
// It is the only cost paid by a string without secrets.
func prescan(s string) (f uint16) {
	digits := 0
	plus := false
	at := -1 // the last '@
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch class[c] {
		case cBoring:
			continue
		case cDigit:
			digits++
			continue
		}
		switch c {
		case '-':
			if flagAt(s, i) {
				f |= fKV // --password value, -u user:password
			}
			if strings.HasPrefix(s[i:], "-----BEGIN ") {
				f |= fPEM
			}
			if tokenPrefixAt(s, i) {
				f |= fToken
			}
		case '_':
			if tokenPrefixAt(s, i) {
				f |= fToken
			}
		case '.':
			if i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
				f |= fIPv4
			}
			if tokenPrefixAt(s, i) || webhookAt(s, i) {
				f |= fToken
			}
		case ':':
			if strings.HasPrefix(s[i:], "://") {
				f |= fScheme
			}
			if at >= 0 && isAlpha(s[i-1]) && comboAt(s, at) == i+1 {
				f |= fDSN // bob@example.com:password
			}
			if i+1 < len(s) && (s[i+1] == ':' || i > 0 && isHex(s[i-1]) && isHex(s[i+1])) {
				f |= fIPv6
			}
			if i > 0 && (s[i-1] == '"' || s[i-1] == '\'' || isAlpha(s[i-1])) || quoteBefore(s, i) >= 0 {
				f |= fKV // "key": value, 'key': value, "key" : value, Key: value, Key:value
			}
		case '@':
			f |= fAt | fEmail
			if dsnHostAt(s, i+1) > 0 {
				f |= fDSN
			}
			at = i
		case '%':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				f |= fEnc
			}
		case '+':
			plus = plus || i > 0 && i+1 < len(s) && isAlnum(s[i-1]) && isAlnum(s[i+1])
		case '=':
			f |= fKV
		case 'J':
			if i >= 2 && s[i-2] == 'e' && s[i-1] == 'y' {
				f |= fJWT
			}
		case 'A':
			if strings.HasPrefix(s[i:], "AKIA") || strings.HasPrefix(s[i:], "ASIA") {
				f |= fAWS
			}
			if strings.HasPrefix(s[i:], "AIza") {
				f |= fToken
			}
		case '<':
			if i+1 < len(s) && isAlpha(s[i+1]) {
				f |= fKV // <password>…</password>
			}
		case 'b', 'B':
			if hasFoldPrefix(s[i+1:], "earer ") || hasFoldPrefix(s[i+1:], "asic ") {
				f |= fAuth
			}
		}
	}
	if digits >= minCardDigits {
		f |= fCard
	}
	if f&(fAt|fScheme) == fAt|fScheme {
		f |= fURL
	}
	if plus && f&fKV != 0 {
		f |= fEnc // a '+' between words in a query or form is a space
	}
	return f
}

// scanMode adjusts how text scans one string.
type scanMode uint8

const (
	scanAll   scanMode = 0
	scanNoPII scanMode = 1 << iota // the detectors of personal data are off
	scanCard                       // the string is under a key naming a card
)

// text scrubs a string: it returns s with every detected secret replaced by
// Filtered, and whether anything was.
func (s *Scrubber) text(str string, m scanMode) (string, bool) {
	if str == "" {
		return str, false
	}
	d := &s.det
	on := d.on
	if m&scanNoPII != 0 {
		on &^= piiFlags
	}
	f := prescan(str) & (on | fEnc)
	if f == 0 && len(d.custom) == 0 {
		return str, false
	}
	var inline [8]Span
	spans := s.detect(inline[:0], str, f, m)
	if f&fEnc != 0 {
		spans = s.detectDecoded(spans, str, on, m)
	}
	for i := range d.custom {
		spans = runCustom(spans, &d.custom[i], str)
	}
	if len(spans) == 0 {
		return str, false
	}
	return replaceSpans(str, spans)
}

// detect runs the built-in detectors flagged in f on str.
func (s *Scrubber) detect(spans []Span, str string, f uint16, m scanMode) []Span {
	if f&fCard != 0 {
		spans = findCards(spans, str, m&scanCard != 0)
	}
	if f&fAuth != 0 {
		spans = findAuthorization(spans, str)
	}
	if f&fJWT != 0 {
		spans = findJWTs(spans, str)
	}
	if f&fPEM != 0 {
		spans = findPEMKeys(spans, str)
	}
	if f&fAWS != 0 {
		spans = findAWSKeys(spans, str)
	}
	if f&fURL != 0 {
		spans = findURLPasswords(spans, str)
	}
	if f&fDSN != 0 {
		spans = findDSNPasswords(spans, str)
	}
	if f&fToken != 0 {
		spans = findTokens(spans, str)
	}
	if f&fKV != 0 {
		spans = s.findKeyValues(spans, str)
	}
	if f&fEmail != 0 {
		spans = findEmails(spans, str)
	}
	if f&fIPv4 != 0 {
		spans = findIPv4s(spans, str)
	}
	if f&fIPv6 != 0 {
		spans = findIPv6s(spans, str)
	}
	return spans
}

// runCustom runs a user's detector; a panic filters the whole string.
func runCustom(dst []Span, c *Detector, s string) (out []Span) {
	if c.Hint != "" && !strings.Contains(s, c.Hint) {
		return dst
	}
	defer func() {
		if r := recover(); r != nil {
			out = append(dst, Span{0, len(s)})
		}
	}()
	return append(dst, c.Find(s)...)
}

// replaceSpans replaces the spans (clamped, sorted and merged) of s.
func replaceSpans(s string, spans []Span) (string, bool) {
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	var b strings.Builder
	b.Grow(len(s))
	last := 0 // end of the text already written
	changed := false
	for _, sp := range spans {
		start, end := max(sp.Start, last), min(sp.End, len(s))
		if start >= end {
			continue
		}
		if s[start:end] == Filtered {
			continue
		}
		b.WriteString(s[last:start])
		// A span touching the previous replacement extends it.
		if !(start == last && changed && strings.HasSuffix(b.String(), Filtered)) {
			b.WriteString(Filtered)
		}
		last = end
		changed = true
	}
	if !changed {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

// hasFoldPrefix reports whether s starts with prefix, ignoring ASCII case;
// prefix is lower case.
func hasFoldPrefix(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
