package scrub

import (
	"net/netip"
	"strings"
)

// The detectors of personal data: they run only without SendDefaultPII.

func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// findEmails finds e-mail addresses, except the user of a URL.
func findEmails(dst []Span, s string) []Span {
	for i := 1; i < len(s)-1; i++ {
		if s[i] != '@' {
			continue
		}
		l := i
		for l > 0 && isLocalByte(s[l-1]) {
			l--
		}
		for l < i && s[l] == '.' {
			l++
		}
		if l == i {
			continue
		}
		if l > 0 && (s[l-1] == '/' || s[l-1] == ':') && !strings.HasSuffix(s[:l], "mailto:") {
			continue // scheme://user@ or user:password@ — the URL detector's
		}
		r := i + 1
		for r < len(s) && (isAlnum(s[r]) || s[r] == '.' || s[r] == '-') {
			r++
		}
		for r > i+1 && (s[r-1] == '.' || s[r-1] == '-') {
			r--
		}
		domain := s[i+1 : r]
		dot := strings.LastIndexByte(domain, '.')
		if dot <= 0 || len(domain)-dot-1 < 2 || !isAlpha(domain[dot+1]) || !isAlnum(domain[0]) {
			continue
		}
		dst = append(dst, Span{l, r})
		i = r - 1
	}
	return dst
}

// findIPv4s finds IPv4 addresses other than loopback and unspecified ones.
// A dotted quad that is part of a longer dotted run, follows a letter
// (v1.2.3.4) or follows the word version, ver or release (version=1.2.3.4,
// "Release 1.2.3.4") is a version, not an address.
func findIPv4s(dst []Span, s string) []Span {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			continue
		}
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '.' || s[i-1] == '_') {
			continue
		}
		if end, ok := ipv4At(s, i); ok && !afterVersionWord(s, i) {
			dst = append(dst, Span{i, end})
			i = end - 1
		}
	}
	return dst
}

// findIPv6s finds IPv6 addresses other than loopback and unspecified ones:
// runs of hex digits, colons and dots with two colons or more that parse.
func findIPv6s(dst []Span, s string) []Span {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isHex(c) && c != ':' {
			continue
		}
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '.' || s[i-1] == ':' || s[i-1] == '_') {
			continue
		}
		j, colons := i, 0
		for j < len(s) && (isHex(s[j]) || s[j] == ':' || s[j] == '.') {
			if s[j] == ':' {
				colons++
			}
			j++
		}
		if colons < 2 || j < len(s) && isAlnum(s[j]) {
			i = j
			continue
		}
		run := s[i:j]
		if len(run) > 1 && run[len(run)-1] == ':' && run[len(run)-2] != ':' {
			run = run[:len(run)-1]
		}
		if a, err := netip.ParseAddr(run); err == nil && a.Is6() && !a.IsLoopback() && !a.IsUnspecified() {
			dst = append(dst, Span{i, i + len(run)})
		}
		i = j
	}
	return dst
}

// afterVersionWord reports whether s[:i] ends with version, ver or release
// and a separator (spaces, '=', ':' or a quote).
func afterVersionWord(s string, i int) bool {
	j := i
	for j > 0 && i-j < 4 && (s[j-1] == ' ' || s[j-1] == '=' || s[j-1] == ':' || s[j-1] == '"') {
		j--
	}
	if j == i {
		return false
	}
	k := j
	for k > 0 && j-k < 8 && isAlpha(s[k-1]) {
		k--
	}
	if k > 0 && isAlnum(s[k-1]) {
		return false
	}
	switch w := s[k:j]; len(w) {
	case 3:
		return hasFoldPrefix(w, "ver")
	case 7:
		return hasFoldPrefix(w, "version") || hasFoldPrefix(w, "release")
	}
	return false
}

// ipv4At parses a dotted quad at s[i:] and reports where it ends.
func ipv4At(s string, i int) (int, bool) {
	var oct [4]int
	j := i
	for n := 0; n < 4; n++ {
		if n > 0 {
			if j >= len(s) || s[j] != '.' {
				return 0, false
			}
			j++
		}
		k := j
		v := 0
		for k < len(s) && isDigit(s[k]) && k-j < 4 {
			v = v*10 + int(s[k]-'0')
			k++
		}
		if k == j || k-j > 3 || v > 255 || (k-j > 1 && s[j] == '0') {
			return 0, false
		}
		oct[n] = v
		j = k
	}
	if j < len(s) && (isAlnum(s[j]) || s[j] == '_' || s[j] == '.' && j+1 < len(s) && isDigit(s[j+1])) {
		return 0, false
	}
	if oct[0] == 127 || oct == [4]int{} {
		return 0, false
	}
	return j, true
}
